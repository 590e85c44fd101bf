"""The sentence splitter and the claim scorer (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_tracker.domain.sentences import (
    condition_keywords,
    contains_normalised,
    normalise,
    propose_category,
    propose_conditions,
    score_sentences,
    similarity,
    split_sentences,
)


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Dave treats pain. It works.", ["Dr. Dave treats pain.", "It works."]),
        ("Use a dose, e.g. 0.5 mg/kg. Then stop.", ["Use a dose, e.g. 0.5 mg/kg.", "Then stop."]),
        ("Pain, i.e. CRPS, eased. Next.", ["Pain, i.e. CRPS, eased.", "Next."]),
        ("Not approved in the U.S. Food and Drug law applies.",
         ["Not approved in the U.S. Food and Drug law applies."]),
        ("Scores fell by 2.5 points. Relief lasted 3.5 weeks.",
         ["Scores fell by 2.5 points.", "Relief lasted 3.5 weeks."]),
        ("Ketamine vs. Opioids: A Safer Alternative",
         ["Ketamine vs. Opioids: A Safer Alternative"]),
        ("Work by J. Smith et al. showed relief. Next one.",
         ["Work by J. Smith et al. showed relief.", "Next one."]),
        ("He said “it works.” Then he left.", ["He said “it works.”", "Then he left."]),
        ("She said \"it works.\" Then he left.", ["She said \"it works.\"", "Then he left."]),
        ("Does it work? Yes! It does.", ["Does it work?", "Yes!", "It does."]),
        ("chronic pain…which coexist. Then more.", ["chronic pain…which coexist.", "Then more."]),
        ("Heading line\nFirst sentence here.", ["Heading line", "First sentence here."]),
        ("A hard wrapped\nline continues here. Done.", ["A hard wrapped\nline continues here.",
                                                        "Done."]),
        ("  1. Rapid pain relief:\n    Ketamine can help. It is fast.\n  2. Safety:\n",
         ["Rapid pain relief:", "Ketamine can help.", "It is fast.", "Safety:"]),
        ("  • Fibromyalgia\n\n  • Anxiety disorders.", ["Fibromyalgia", "Anxiety disorders."]),
        ("Intro:\n- first item\n- second item", ["Intro:", "first item", "second item"]),
        ("", []),
        ("\n\n  \n", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_offsets_slice_the_original_text_and_paragraphs_count_blank_lines() -> None:
    text = "Title\n\nFirst one. Second one.\n\nThird."
    found = split_sentences(text)
    assert [text[s.start : s.end] for s in found] == [s.text for s in found]
    assert [s.paragraph for s in found] == [0, 1, 1, 2]
    assert [s.heading for s in found] == [True, False, False, False]


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n:•-1Dr“”\"'…,e.g")), max_size=80))
def test_split_is_a_sequence_of_disjoint_verbatim_slices(text: str) -> None:
    last_end = 0
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start >= last_end
        last_end = s.end


def test_normalise_and_contains() -> None:
    assert normalise("it’s  \n “safe” — yes") == "it's \"safe\" - yes"
    assert contains_normalised("Pain  fell\nby half.", "pain fell by half") is False  # case
    assert contains_normalised("Pain  fell\nby half.", "Pain fell by half")
    assert not contains_normalised("anything", "   ")


def _score(text: str, about: bool = True) -> tuple[float, tuple[str, ...]]:
    scored = score_sentences(split_sentences(text), page_about_ketamine=about)
    return scored[-1].score, scored[-1].reasons


def test_claim_like_sentence_outscores_marketing_and_headings() -> None:
    claim, reasons = _score("Ketamine infusions relieve pain within 40 minutes, faster than "
                            "opioids.")
    assert {"mentions ketamine", "effect", "number", "time", "comparison"} <= set(reasons)
    cta, cta_reasons = _score("Contact our team today to schedule your ketamine appointment.")
    assert "call to action" in cta_reasons
    question, q_reasons = _score("Is ketamine safe for chronic pain?")
    assert "question" in q_reasons
    heading, h_reasons = _score("What to expect during ketamine treatment")
    assert "heading" in h_reasons
    assert claim > max(cta, question, heading) + 3


def test_pronoun_continues_a_ketamine_paragraph_only_on_a_ketamine_page() -> None:
    text = "Ketamine blocks NMDA receptors. It can help alleviate nerve pain."
    _, reasons = _score(text)
    assert "continues a ketamine paragraph" in reasons
    _, reasons = _score("Surgery is common. It can help alleviate nerve pain.", about=False)
    assert "not about ketamine" in reasons


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("At the present time, ketamine infusions are not FDA-approved.", "regulatory"),
        ("In 2018, guidelines on using ketamine were published by the society.", "guideline"),
        ("Ketamine, on the other hand, has a much lower risk of dependency.", "dependency"),
        ("Ketamine can help individuals taper off opioid medications.", "opioid_sparing"),
        ("IV ketamine infusions are the gold-standard treatment for CRPS.", "comparison"),
        ("It works quickly, oftentimes relieving pain within a few hours.", "onset"),
        ("Relief lasting weeks to months after the initial course.", "durability"),
        ("Mild side effects like nausea may occur.", "safety"),
        ("Ketamine treats the depression and anxiety of chronic pain.", "mood_comorbidity"),
        ("Ketamine attaches to the same NMDA receptors, blocking glutamate.", "mechanism"),
        ("Ketamine is a potent pain reliever.", "efficacy"),
    ],
)
def test_propose_category(text: str, category: str) -> None:
    assert propose_category(text) == category


def test_condition_keywords_from_names_synonyms_and_phrases() -> None:
    keywords = condition_keywords([
        ("crps", "Complex regional pain syndrome (CRPS)", []),
        ("fibromyalgia", "Fibromyalgia", ["fibrositis"]),
        ("rheumatoid-arthritis", "Rheumatoid arthritis", []),
        ("arthritis", "Arthritis", []),
    ])
    assert "CRPS" in keywords["crps"] and "Complex regional pain syndrome" in keywords["crps"]
    text = "Ketamine eases Chronic Regional Pain Syndrome, fibrositis and rheumatoid arthritis."
    assert propose_conditions(text, keywords) == [
        "crps", "fibromyalgia", "rheumatoid-arthritis", "arthritis"]
    # Abbreviations match case-sensitively; phrases tolerate hyphens and case.
    assert propose_conditions("the crps-like rsd pattern", {"crps": ["CRPS", "RSD"]}) == []
    assert propose_conditions("Post surgical pain", {"p": ["post-surgical"]}) == ["p"]


def test_similarity() -> None:
    assert similarity("Ketamine reduces chronic pain in most patients.",
                      "ketamine reduces chronic pain in most patients") == 1.0
    close = similarity("Ketamine reduces neuropathic nerve pain",
                       "Ketamine relieves neuropathic (nerve) pain")
    far = similarity("Ketamine reduces neuropathic nerve pain",
                     "Ketamine infusions are not FDA-approved")
    assert close > 0.4 > far
    assert similarity("", "anything") == 0.0
