"""The shared identifier, date, abstract and notice helpers: each rule once, for every reader."""

from __future__ import annotations

import pytest

from evidence_tracker.domain import dates
from evidence_tracker.domain.abstracts import abstract_sections, abstract_text
from evidence_tracker.domain.corrections import notice_label, notice_sentence
from evidence_tracker.domain.identifiers import (
    doi_key,
    doi_url,
    normalize_doi,
    normalize_pmcid,
    pubmed_url,
)


@pytest.mark.parametrize("written", [
    "10.1186/s12871-021-01234-5", " 10.1186/s12871-021-01234-5\n",
    "https://doi.org/10.1186/s12871-021-01234-5", "http://dx.doi.org/10.1186/s12871-021-01234-5",
    "HTTPS://DOI.ORG/10.1186/s12871-021-01234-5", "doi:10.1186/s12871-021-01234-5",
    "DOI: 10.1186/s12871-021-01234-5",
])
def test_a_doi_is_stored_bare_however_it_was_written(written: str) -> None:
    assert normalize_doi(written) == "10.1186/s12871-021-01234-5"


def test_doi_case_is_kept_but_ignored_when_comparing() -> None:
    assert normalize_doi("10.1016/S0140-6736(20)30183-5") == "10.1016/S0140-6736(20)30183-5"
    assert doi_key("10.1016/S0140-6736(20)30183-5") == doi_key(" 10.1016/s0140-6736(20)30183-5")
    assert doi_key("10.1/a") != doi_key("10.1/b")


@pytest.mark.parametrize(("written", "stored"), [
    ("PMC1234567", "PMC1234567"), ("pmc1234567", "PMC1234567"), ("PMC 1234567", "PMC1234567"),
    ("1234567", "PMC1234567"), ("", ""), ("not an id", "notanid"),
])
def test_pmcid_normalisation(written: str, stored: str) -> None:
    assert normalize_pmcid(written) == stored


def test_study_urls() -> None:
    assert pubmed_url("31415926") == "https://pubmed.ncbi.nlm.nih.gov/31415926/"
    assert pubmed_url("") == doi_url("") == ""
    # The DOI's own separators stay readable; an ordinary DOI is not changed at all.
    assert doi_url("10.1016/S0140-6736(20)30183-5") == \
        "https://doi.org/10.1016/S0140-6736(20)30183-5"
    assert doi_url("10.1002/1097-0142:x;y") == "https://doi.org/10.1002/1097-0142:x;y"


@pytest.mark.parametrize(("doi", "escaped"), [
    ("10.1000/a#b", "10.1000/a%23b"),  # would start a fragment
    ("10.1000/a?b", "10.1000/a%3Fb"),  # would start a query
    ("10.1000/a b", "10.1000/a%20b"),
    ("10.1000/50%off", "10.1000/50%25off"),
    ("10.1000/<x>", "10.1000/%3Cx%3E"),
    ("10.1000/a+b", "10.1000/a%2Bb"),
])
def test_doi_urls_percent_encode_what_would_break_the_link(doi: str, escaped: str) -> None:
    assert doi_url(doi) == f"https://doi.org/{escaped}"


@pytest.mark.parametrize(("text", "month"), [
    *((name, n) for n, name in enumerate(dates.MONTH_ABBREVIATIONS, start=1)),
    ("january", 1), ("SEPT", 9), (" Dec. ", 12), ("3", 3), ("03", 3), ("12", 12),
    ("0", None), ("13", None), ("", None), ("Spring", None), ("Ju", None),
])
def test_month_number(text: str, month: int | None) -> None:
    assert dates.month_number(text) == month


def test_month_abbreviation_is_the_inverse() -> None:
    assert [dates.month_number(dates.month_abbreviation(n)) for n in range(1, 13)] == \
        list(range(1, 13))
    assert dates.month_abbreviation(0) == dates.month_abbreviation(13) == ""


def test_dates() -> None:
    assert dates.is_valid_date(2024, 2, 29) and not dates.is_valid_date(2023, 2, 29)
    assert not dates.is_valid_date(2021, 4, 31)
    assert dates.date_parts("2009-12-15") == [2009, 12, 15]
    assert dates.date_parts("2009") == [2009]
    for text in ("1990 Spring", "2009-1-5", "2009/12/15", ""):
        assert dates.date_parts(text) is None
    for text in ("2009", "2009-12", "2009-12-05"):
        parts = dates.date_parts(text)
        assert parts is not None and dates.iso_date(parts) == text
    assert dates.iso_date(["2009", "3"]) == "2009-03"


@pytest.mark.parametrize(("text", "year"), [
    ("1998 Dec-1999 Jan", 1998), ("Winter 2019-2020", 2019), ("2021", 2021),
    ("Spring", None), ("", None), ("12345", None), ("1499 1500", 1500), ("vol 3000", None),
])
def test_the_year_in_free_text(text: str, year: int | None) -> None:
    assert dates.year_in(text) == year


def test_a_labelled_abstract_is_split_into_sections() -> None:
    text = ("BACKGROUND: Ketamine is used for CRPS.\nMETHODS AND MATERIALS: A trial (n = 60). "
            "RESULTS: Pain fell. CONCLUSIONS (MAIN): It helps <briefly>.")
    sections = abstract_sections(text)
    assert [(s.label, s.text) for s in sections] == [
        ("BACKGROUND", "Ketamine is used for CRPS."),
        ("METHODS AND MATERIALS", "A trial (n = 60)."),
        ("RESULTS", "Pain fell."),
        ("CONCLUSIONS (MAIN)", "It helps <briefly>."),
    ]
    assert sections[-1].html == "It helps &lt;briefly&gt;."  # text, never markup
    assert abstract_text(sections) == (
        "BACKGROUND: Ketamine is used for CRPS.\n\nMETHODS AND MATERIALS: A trial (n = 60)."
        "\n\nRESULTS: Pain fell.\n\nCONCLUSIONS (MAIN): It helps <briefly>.")


@pytest.mark.parametrize("text", [
    "Ketamine helps. RESULTS: maybe.",  # does not start with a label
    "OBJECTIVE: only one label here.",  # one label is not a structure
    "We measured NRS: 0-10 scores. PAIN: lower.",
])
def test_anything_else_is_one_unlabelled_section(text: str) -> None:
    sections = abstract_sections(text)
    assert [(s.label, s.text) for s in sections] == [("", text)]


def test_no_abstract_no_sections() -> None:
    assert abstract_sections("") == abstract_sections("  \n ") == []
    assert abstract_text([]) == ""


def test_notice_wording() -> None:
    assert notice_label("RetractionIn", "Pain. 2022;1:2") == "Retracted: Pain. 2022;1:2"
    assert notice_label("PartialRetractionIn") == "Partly retracted"
    assert notice_label("CommentIn", "x") == "CommentIn: x"
    assert notice_sentence("RetractionIn") == "Retracted: see the retraction notice"
    assert notice_sentence("RepublishedIn") == "Republished elsewhere"
    assert notice_sentence("ErratumFor") == "ErratumFor"
