"""Suggested studies for a claim: FTS5 ranking, conditions, design boost, explanations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evidence_tracker.domain.claims import Pico, query_terms
from evidence_tracker.domain.models import MeshHeading, Study
from evidence_tracker.services import evidence
from evidence_tracker.store import Project
from evidence_tracker.store.study_search import fts_or_expression

IRRELEVANT = {
    "title": "Anaesthesia for dental surgery in dogs",
    "abstract": "We describe sedation protocols for canine dental extraction under general "
    "anaesthesia with ketamine and midazolam.",
    "abstract_sections": [],
    "publication_types": ["Journal Article", "Randomized Controlled Trial"],
    "mesh": [MeshHeading("Dogs"), MeshHeading("Anesthesia, Dental")],
}


@pytest.fixture(autouse=True)
def background(
    seeded: Project, study_factory: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    """Unrelated studies outside every condition, so bm25 has a corpus to weigh terms in."""
    for i in range(20):
        add_study(study_factory(
            pmid=str(42000000 + i), title=f"Vitamin D and bone density, cohort {i}",
            abstract="Serum vitamin D was measured in older adults with osteoporosis.",
            abstract_sections=[], mesh=[MeshHeading("Vitamin D")], keywords=[],
            publication_types=["Journal Article"]), condition=None)


def _ids(suggestions: list[evidence.Suggestion]) -> list[int]:
    return [s.study.id for s in suggestions]


def test_relevant_rct_ranks_above_irrelevant_study(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    irrelevant = add_study(crps_rct(pmid="41000001", **IRRELEVANT))
    relevant = add_study(crps_rct(pmid="41000002"))
    found = evidence.suggest_studies(seeded, "C011")
    assert _ids(found)[:2] == [relevant, irrelevant]
    top = found[0]
    assert {"complex", "regional", "syndrome"} <= set(top.matched_terms)
    assert any(hit for _, hit in top.title)
    assert any(hit and text.lower() == "ketamine" for text, hit in top.snippet)
    assert "[" in top.marked_snippet() and "]" in top.marked_title()


def test_design_boost_breaks_ties_of_relevance(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    case = add_study(crps_rct(pmid="41000011", publication_types=["Case Reports"]))
    meta = add_study(crps_rct(pmid="41000012", publication_types=["Meta-Analysis"]))
    rct = add_study(crps_rct(pmid="41000013"))
    found = evidence.suggest_studies(seeded, "C011")
    assert _ids(found) == [meta, rct, case]
    assert found[0].relevance == found[2].relevance and found[0].score > found[2].score


def test_restricted_to_the_claims_conditions_and_their_children(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    in_crps = add_study(crps_rct(pmid="41000021"))
    add_study(crps_rct(pmid="41000022"), condition="fibromyalgia")
    add_study(crps_rct(pmid="41000023"), condition=None)
    assert _ids(evidence.suggest_studies(seeded, "C011")) == [in_crps]
    # C005 is about neuropathic pain; diabetic neuropathy is one of its sub-conditions.
    child = add_study(crps_rct(pmid="41000024", title="Ketamine for painful diabetic "
                               "neuropathy"), condition="diabetic-neuropathy")
    assert child in _ids(evidence.suggest_studies(seeded, "C005"))
    # A claim without conditions searches every study that matches.
    assert len(evidence.suggest_studies(seeded, "C037", limit=50)) == 4


def test_linked_studies_are_not_suggested_and_suggestions_are_not_links(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    first = add_study(crps_rct(pmid="41000031"))
    second = add_study(crps_rct(pmid="41000032"))
    assert set(_ids(evidence.suggest_studies(seeded, "C011"))) == {first, second}
    assert evidence.current_links(seeded, claim="C011") == []
    evidence.link_study(seeded, "41000031", "C011", stance="not_relevant", quotes=[],
                        reviewer="ana")
    assert _ids(evidence.suggest_studies(seeded, "C011")) == [second]
    assert len(evidence.suggest_studies(seeded, "C011", limit=0)) == 0


def test_retracted_and_deleted_studies_sink_or_vanish(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    retracted = add_study(crps_rct(pmid="41000041",
                                   publication_types=["Retracted Publication",
                                                      "Randomized Controlled Trial"]))
    fine = add_study(crps_rct(pmid="41000042", publication_types=["Case Reports"]))
    found = evidence.suggest_studies(seeded, "C011")
    assert _ids(found) == [fine, retracted] and found[1].study.retracted


def test_query_terms_and_expression_are_quoted() -> None:
    terms = query_terms('Ketamine "reduces" pain OR NEAR(x) in CRPS',
                        Pico(outcome="Pain (NRS/VAS) at 4 weeks"))
    assert terms == ["ketamine", "reduces", "pain", "near", "crps", "nrs", "vas", "weeks"]
    assert fts_or_expression(["OR", 'a"b']) == '{title abstract mesh} : ("OR" OR "a""b")'


def test_claim_with_operator_words_does_not_break_the_search(
    seeded: Project, crps_rct: Callable[..., Study], add_study: Callable[..., int]
) -> None:
    from evidence_tracker.services import claims as cs

    study = add_study(crps_rct(pmid="41000051"))
    cs.update_claim(seeded, "C011", reviewer="ana",
                    text='Ketamine AND "pain" OR NOT NEAR(crps) relief*')
    assert _ids(evidence.suggest_studies(seeded, "C011")) == [study]
