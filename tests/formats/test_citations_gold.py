"""AMA (11th ed.) and Vancouver (NLM Citing Medicine) citations against a hand-checked gold set.

Each expected string was checked by hand against the rules:
AMA: up to 6 authors listed, more than 6 -> first 3 and "et al"; "Surname Initials";
NLM journal abbreviation (italic in HTML); Year;Volume(Issue):full page range; "doi:" with no
space and no final period. Vancouver/NLM: more than 6 authors -> first 6 and "et al.";
Year Mon Day;Volume(Issue):pages with repeated leading digits dropped (107-15); no italics.
Both: a group author as written; no author -> the title first; a title ending in "?"
gets no extra period.
"""

from __future__ import annotations

import pytest
from conftest import make_study

from evidence_tracker.domain.models import Author, Study
from evidence_tracker.formats.citations import CitationStyle, format_citation, format_citations


def people(*names: tuple[str, str, str]) -> list[Author]:
    return [Author(last_name=last, fore_name=fore, initials=ini) for last, fore, ini in names]


SIX = people(("Noppers", "Ingeborg", "I"), ("Niesters", "Marieke", "M"), ("Aarts", "Leon", "L"),
             ("Smith", "Terry", "T"), ("Sarton", "Elise", "E"), ("Dahan", "Albert", "A"))

CASES: dict[str, Study] = {
    "three": make_study(
        pmid="19783371", title="Intravenous ketamine for complex regional pain syndrome: a "
        "randomised trial.", journal="Pain", journal_abbrev="Pain", volume="147", issue="1-3",
        pages="107-15", pub_date="2009-12-15", year=2009, doi="10.1016/j.pain.2009.08.015",
        authors=people(("Schwartzman", "Robert J", "RJ"), ("Alexander", "Guillermo M", "GM"),
                       ("Grothusen", "John R", "JR"))),
    "seven": make_study(
        pmid="24528921", authors=[*SIX, *people(("Olofsen", "Erik", "E"))],
        title="Ketamine for chronic pain: risks and benefits.",
        journal="British journal of clinical pharmacology", journal_abbrev="Br J Clin Pharmacol",
        volume="77", issue="2", pages="357-67", pub_date="2014-02", year=2014,
        doi="10.1111/bcp.12094"),
    "six": make_study(
        pmid="24528922", authors=SIX, title="Ketamine for chronic pain: risks and benefits.",
        journal="British journal of clinical pharmacology", journal_abbrev="Br J Clin Pharmacol",
        volume="77", issue="2", pages="357-67", pub_date="2014-02", year=2014, doi=""),
    "group": make_study(
        pmid="29870458",
        authors=[*people(("Cohen", "Steven P", "SP")),
                 Author(collective_name="Ketamine Guidelines Working Group")],
        title="Consensus guidelines on the use of intravenous ketamine infusions for chronic "
        "pain?", journal="Regional anesthesia and pain medicine",
        journal_abbrev="Reg Anesth Pain Med", volume="43", issue="5", pages="521-546",
        pub_date="2018-07", year=2018, doi="10.1097/AAP.0000000000000808"),
    "no_author": make_study(
        pmid="28000001", authors=[], title="Ketamine & pain: <an> editorial.", journal="Lancet",
        journal_abbrev="Lancet", volume="390", issue="", pages="1211-6", pub_date="2017",
        year=2017, doi=""),
}

GOLD = {
    ("ama", "three"): "Schwartzman RJ, Alexander GM, Grothusen JR. Intravenous ketamine for "
    "complex regional pain syndrome: a randomised trial. Pain. 2009;147(1-3):107-115. "
    "doi:10.1016/j.pain.2009.08.015",
    ("ama", "seven"): "Noppers I, Niesters M, Aarts L, et al. Ketamine for chronic pain: risks "
    "and benefits. Br J Clin Pharmacol. 2014;77(2):357-367. doi:10.1111/bcp.12094",
    ("ama", "six"): "Noppers I, Niesters M, Aarts L, Smith T, Sarton E, Dahan A. Ketamine for "
    "chronic pain: risks and benefits. Br J Clin Pharmacol. 2014;77(2):357-367.",
    ("ama", "group"): "Cohen SP, Ketamine Guidelines Working Group. Consensus guidelines on the "
    "use of intravenous ketamine infusions for chronic pain? Reg Anesth Pain Med. "
    "2018;43(5):521-546. doi:10.1097/AAP.0000000000000808",
    ("ama", "no_author"): "Ketamine & pain: <an> editorial. Lancet. 2017;390:1211-1216.",
    ("vancouver", "three"): "Schwartzman RJ, Alexander GM, Grothusen JR. Intravenous ketamine "
    "for complex regional pain syndrome: a randomised trial. Pain. 2009 Dec 15;147(1-3):107-15. "
    "doi:10.1016/j.pain.2009.08.015",
    ("vancouver", "seven"): "Noppers I, Niesters M, Aarts L, Smith T, Sarton E, Dahan A, et al. "
    "Ketamine for chronic pain: risks and benefits. Br J Clin Pharmacol. 2014 Feb;77(2):357-67. "
    "doi:10.1111/bcp.12094",
    ("vancouver", "six"): "Noppers I, Niesters M, Aarts L, Smith T, Sarton E, Dahan A. Ketamine "
    "for chronic pain: risks and benefits. Br J Clin Pharmacol. 2014 Feb;77(2):357-67.",
    ("vancouver", "group"): "Cohen SP, Ketamine Guidelines Working Group. Consensus guidelines "
    "on the use of intravenous ketamine infusions for chronic pain? Reg Anesth Pain Med. "
    "2018 Jul;43(5):521-46. doi:10.1097/AAP.0000000000000808",
    ("vancouver", "no_author"): "Ketamine & pain: <an> editorial. Lancet. 2017;390:1211-6.",
}


@pytest.mark.parametrize(("style", "case"), sorted(GOLD))
def test_citation_matches_the_gold_set(style: str, case: str) -> None:
    assert format_citation(CASES[case], style) == GOLD[(style, case)]


def test_a_list_keeps_its_order_and_has_no_numbers() -> None:
    studies = [CASES["six"], CASES["three"], CASES["seven"]]
    out = format_citations(studies, CitationStyle.VANCOUVER)
    assert out == [GOLD[("vancouver", k)] for k in ("six", "three", "seven")]
    assert not any(line[0].isdigit() for line in out)


def test_html_escapes_the_record_and_italicises_the_ama_journal() -> None:
    ama = format_citation(CASES["no_author"], "ama", as_html=True)
    assert ama == "Ketamine &amp; pain: &lt;an&gt; editorial. <i>Lancet</i>. " \
        "2017;390:1211-1216."
    vancouver = format_citation(CASES["three"], "vancouver", as_html=True)
    assert "<i>" not in vancouver and vancouver == GOLD[("vancouver", "three")]


def test_fore_names_without_initials_are_initialised() -> None:
    study = make_study(authors=[Author(last_name="Müller", fore_name="Hans-Peter")],
                       title="T.", journal_abbrev="Pain", volume="1", issue="", pages="5-9",
                       pub_date="2020", year=2020, doi="")
    assert format_citation(study, "ama").startswith("Müller HP. T. Pain. 2020;1:5-9.")


def test_an_empty_list_formats_to_nothing() -> None:
    assert format_citations([], "ama") == []


@pytest.mark.parametrize(("pages", "ama", "vancouver"), [
    ("e1-e12", "e1-e12", "e1-e12"),
    ("S12-9", "S12-S19", "S12-9"),
    ("1211-6", "1211-1216", "1211-6"),
    ("e0123456", "e0123456", "e0123456"),
])
def test_page_ranges(pages: str, ama: str, vancouver: str) -> None:
    study = make_study(pages=pages, volume="5", issue="", doi="", pub_date="2020", year=2020,
                       journal_abbrev="Pain", authors=[Author(last_name="Li", initials="W")],
                       title="T.")
    assert format_citation(study, "ama") == f"Li W. T. Pain. 2020;5:{ama}."
    assert format_citation(study, "vancouver") == f"Li W. T. Pain. 2020;5:{vancouver}."
