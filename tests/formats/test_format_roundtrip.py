"""Round trips: what we write, the reference libraries read back with every field intact.

RIS and MEDLINE are line formats with no escape for a line break: there every value is
compared with its whitespace collapsed (a newline becomes a space, as those formats
define), and no value may break the record's structure. BibTeX and CSL-JSON keep line
breaks, so their values come back exactly.
"""

from __future__ import annotations

import io
import json
import string

import bibtexparser
import pytest
import rispy
from Bio import Medline
from conftest import make_study, retracted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.markup import normalize_space
from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)
from evidence_tracker.formats import bibtex, csljson, nbib, ris
from evidence_tracker.formats.fields import split_pages

# -- generated records -------------------------------------------------------------------

#: Letters of any script, digits, punctuation and symbols (braces, %, &, $, \ ...), spaces
#: of any kind, and line breaks; no control characters or combining marks.
TEXT_CHARS = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85")
SPECIALS = st.sampled_from([*"{}%&$#_~^\\\"'`-—–", "--", "``", "''", "\n", "\n\n", "中文",
                            "Ελληνικά", "ü", "α≥β"])
text = st.lists(st.one_of(st.text(TEXT_CHARS, min_size=1, max_size=12), SPECIALS),
                max_size=12).map("".join)
one_line_text = text.map(normalize_space)
word = st.text(st.characters(categories=("L",)), min_size=1, max_size=10)
name = st.lists(word, min_size=1, max_size=3).map(" ".join)
fore = st.lists(word.map(lambda w: w[:1].upper() + w[1:].lower()), min_size=1, max_size=2) \
    .filter(lambda ws: all(w[:1].isupper() and not w.isupper() for w in ws)).map(" ".join)
person = st.builds(lambda last, first: Author(last_name=last, fore_name=first),
                   name, fore)
group = one_line_text.filter(lambda t: t.strip() and not t.endswith(",")).map(
    lambda t: Author(collective_name=t))
pages = st.one_of(st.just(""), st.builds(lambda a, b: f"{a}-{b}", st.integers(1, 2000),
                                        st.integers(1, 99)),
                  st.text(string.ascii_letters + string.digits, min_size=1, max_size=6))
date = st.one_of(st.tuples(st.integers(1950, 2030)),
                 st.tuples(st.integers(1950, 2030), st.integers(1, 12)),
                 st.tuples(st.integers(1950, 2030), st.integers(1, 12), st.integers(1, 28)))
keyword = one_line_text.filter(lambda t: t and "," not in t and ";" not in t)


@st.composite
def studies(draw: st.DrawFn) -> Study:
    parts = draw(date)
    pub_date = "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])
    abstract = draw(text)
    return Study(
        pmid=draw(st.one_of(st.just(""), st.integers(1, 40_000_000).map(str))),
        doi=draw(st.one_of(st.just(""), st.builds(lambda a, b: f"10.{a}/{b}",
                                                  st.integers(1000, 99999),
                                                  st.text(string.ascii_lowercase + "./-_",
                                                          min_size=1, max_size=12)))),
        title=draw(text.filter(lambda t: t.strip())),
        abstract=abstract,
        abstract_sections=[AbstractSection(text=abstract)] if abstract else [],
        journal=draw(one_line_text.filter(lambda t: t.strip())),
        journal_abbrev=draw(one_line_text),
        volume=draw(st.one_of(st.just(""), st.integers(1, 500).map(str))),
        issue=draw(st.one_of(st.just(""), st.integers(1, 12).map(str), st.just("1-3"))),
        pages=draw(pages),
        year=parts[0],
        pub_date=pub_date,
        authors=draw(st.lists(st.one_of(person, person, group), max_size=5)),
        keywords=draw(st.lists(keyword, max_size=4, unique=True)),
        publication_types=draw(st.lists(st.sampled_from(
            ["Journal Article", "Randomized Controlled Trial", "Review",
             "Retracted Publication"]), max_size=3, unique=True)),
        language=draw(st.sampled_from(["", "eng", "ger", "chi"])),
    )


HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
flat = normalize_space


# -- RIS ---------------------------------------------------------------------------------


def _ris_authors(study: Study) -> list[str]:
    return [flat(a.collective_name) + "," if a.collective_name
            else f"{flat(a.last_name)}, {flat(a.fore_name)}" for a in study.authors]


@HYPO
@given(st.lists(studies(), min_size=1, max_size=3))
def test_ris_reads_back_in_rispy_with_every_field(records: list[Study]) -> None:
    out = io.StringIO()
    assert ris.write_ris(records, out) == len(records)
    back = rispy.loads(out.getvalue())
    assert len(back) == len(records)  # no value broke a record apart
    for study, entry in zip(records, back, strict=True):
        assert entry.get("title", "") == flat(study.title)
        assert entry.get("abstract", "") == flat(study.abstract)
        assert entry.get("authors", []) == _ris_authors(study)
        assert entry.get("secondary_title", "") == flat(study.journal)
        assert entry.get("alternate_title1", "") == flat(study.journal_abbrev)
        assert entry.get("volume", "") == study.volume
        assert entry.get("number", "") == study.issue
        start, end = split_pages(study.pages)
        assert (entry.get("start_page", ""), entry.get("end_page", "")) == (start, end)
        assert entry.get("year") == str(study.year)
        assert entry.get("doi", "") == study.doi
        assert entry.get("accession_number", "") == study.pmid
        assert entry.get("keywords", []) == study.keywords
        assert entry.get("type_of_work", "") == "; ".join(study.publication_types)
        assert entry.get("language", "") == study.language


@HYPO
@given(studies())
def test_ris_reads_back_into_a_study_with_every_field(study: Study) -> None:
    out = io.StringIO()
    ris.write_ris([study], out)
    (back,) = ris.read_ris(out.getvalue())
    assert back.title == flat(study.title)
    assert flat(back.abstract) == flat(study.abstract)
    assert [(a.last_name, a.fore_name, a.collective_name) for a in back.authors] == \
        [(flat(a.last_name), flat(a.fore_name), flat(a.collective_name))
         for a in study.authors]
    for attr in ("pmid", "doi", "journal", "journal_abbrev", "volume", "issue", "pages",
                 "year", "pub_date", "keywords", "publication_types", "language"):
        assert getattr(back, attr) == getattr(study, attr), attr
    assert back.retracted == study.retracted


def test_ris_keeps_mesh_as_keywords_and_notices_as_notes() -> None:
    study = retracted(pmid="21111111")
    out = io.StringIO()
    ris.write_ris([study], out)
    text = out.getvalue()
    assert "KW  - Complex Regional Pain Syndromes" in text and "DB  - PubMed" in text
    (back,) = ris.read_ris(text)
    assert back.comments_corrections == [CommentCorrection("RetractionIn", "Pain. 2012;153:1",
                                                           "22222222")]
    assert back.retracted and back.pmid == "21111111"
    assert back.keywords == ["NMDA", "infusion", "Ketamine", "Complex Regional Pain Syndromes",
                             "Humans"]


# -- BibTeX ------------------------------------------------------------------------------


@HYPO
@given(st.lists(studies(), min_size=1, max_size=3))
def test_bibtex_reads_back_in_bibtexparser_with_every_field(records: list[Study]) -> None:
    out = io.StringIO()
    bibtex.write_bibtex(records, out)
    library = bibtex.parse_library(out.getvalue())
    assert not library.failed_blocks
    assert len(library.entries) == len(records)
    for study, entry in zip(records, library.entries, strict=True):
        fields = {f.key: f.value for f in entry.fields}
        assert fields["title"] == study.title  # newlines, braces, %, & all intact
        assert fields.get("abstract", "") == study.abstract
        assert fields["journal"] == study.journal
        assert fields.get("shortjournal", "") == study.journal_abbrev
        assert fields.get("volume", "") == study.volume
        assert fields.get("number", "") == study.issue
        assert fields.get("doi", "") == study.doi
        assert fields.get("pmid", "") == study.pmid
        assert fields["year"] == str(study.year)
        assert fields.get("keywords", "") == ", ".join(study.keywords)
        start, end = split_pages(study.pages)
        assert fields.get("pages", "") == (f"{start}–{end}" if end else study.pages)
        names = bibtex._authors(entry)
        assert [(a.last_name, a.fore_name, a.collective_name) for a in names] == \
            [(a.last_name, a.fore_name, a.collective_name) for a in study.authors]


@HYPO
@given(studies())
def test_bibtex_reads_back_into_a_study(study: Study) -> None:
    out = io.StringIO()
    bibtex.write_bibtex([study], out)
    (back,) = bibtex.read_bibtex(out.getvalue())
    assert back.title == flat(study.title)
    assert back.abstract.replace("\n", " ").split() == study.abstract.split()
    for attr in ("pmid", "doi", "journal", "journal_abbrev", "volume", "issue", "pages",
                 "year", "pub_date", "keywords", "language"):
        assert getattr(back, attr) == getattr(study, attr), attr
    assert back.retracted == study.retracted


@pytest.mark.parametrize("title", ["\n@(", "a\r\n@article{x,", "@ first"])
def test_bibtex_title_with_an_at_sign_starting_a_line(title: str) -> None:
    out = io.StringIO()
    bibtex.write_bibtex([make_study(title=title)], out)  # found by hypothesis
    library = bibtex.parse_library(out.getvalue())
    assert not library.failed_blocks and len(library.entries) == 1
    assert {f.key: f.value for f in library.entries[0].fields}["title"] == title


def test_bibtex_is_latex_encoded() -> None:
    study = make_study(title="50% of Müller's α-2 {agonist} & co_x #1 $5 ~x^2",
                       authors=[Author(last_name="van der Berg", fore_name="Jan and Piet"),
                                Author(collective_name="CRPS and Pain, Group")])
    out = io.StringIO()
    bibtex.write_bibtex([study], out)
    text = out.getvalue()
    assert r"50\% of M{\"u}ller's {\ensuremath{\alpha}}-2 \{agonist\} \& co\_x \#1 \$5" in text
    assert r"author = {{van der Berg}, Jan {and} Piet and {CRPS and Pain, Group}}" in text
    assert bibtexparser.parse_string(text).failed_blocks == []


# -- CSL-JSON ----------------------------------------------------------------------------


@HYPO
@given(st.lists(studies(), min_size=1, max_size=3))
def test_csljson_reads_back_with_every_field(records: list[Study]) -> None:
    out = io.StringIO()
    csljson.write_csljson(records, out)
    items = json.loads(out.getvalue())
    for study, item in zip(records, items, strict=True):
        assert item["title"] == study.title
        assert item.get("abstract", "") == study.abstract
        assert item["container-title"] == study.journal
        assert item.get("container-title-short", "") == study.journal_abbrev
        assert item.get("page", "") == study.pages
        assert item.get("PMID", "") == study.pmid and item.get("DOI", "") == study.doi
        assert item["issued"]["date-parts"][0] == [int(p) for p in study.pub_date.split("-")]
        assert item.get("author", []) == [
            {"literal": a.collective_name} if a.collective_name
            else {"family": a.last_name, "given": a.fore_name} for a in study.authors]
        back = csljson.csl_to_study(item)
        for attr in ("pmid", "doi", "journal", "journal_abbrev", "volume", "issue", "pages",
                     "year", "pub_date", "keywords", "publication_types", "language",
                     "authors"):
            assert getattr(back, attr) == getattr(study, attr), attr
        assert back.title == flat(study.title)


def test_csljson_keeps_mesh_notices_and_affiliations() -> None:
    study = retracted(authors=[Author(last_name="Li", fore_name="Wei", initials="W",
                                      affiliation="Peking University")],
                      mesh=[MeshHeading("Ketamine", True, "D007649",
                                        (("therapeutic use", True),))])
    out = io.StringIO()
    csljson.write_csljson([study], out)
    (back,) = csljson.read_csljson(out.getvalue())
    assert back.mesh == study.mesh and back.authors == study.authors
    assert back.comments_corrections == study.comments_corrections and back.retracted


# -- MEDLINE / NBIB ----------------------------------------------------------------------


@HYPO
@given(st.lists(studies(), min_size=1, max_size=3))
def test_nbib_reads_back_in_bio_medline_with_every_field(records: list[Study]) -> None:
    out = io.StringIO()
    nbib.write_nbib(records, out)
    back = list(Medline.parse(io.StringIO(out.getvalue())))
    assert len(back) == len(records)
    for study, rec in zip(records, back, strict=True):
        assert rec.get("TI", "") == flat(study.title)
        assert rec.get("AB", "") == flat(study.abstract)
        assert rec.get("JT", "") == flat(study.journal)
        assert rec.get("TA", "") == flat(study.journal_abbrev)
        assert rec.get("PMID", "") == study.pmid
        assert rec.get("VI", "") == study.volume and rec.get("IP", "") == study.issue
        assert rec.get("PG", "") == study.pages
        assert rec.get("PT", []) == study.publication_types
        assert rec.get("OT", []) == study.keywords
        assert rec.get("LA", [""])[0] == study.language
        assert rec.get("LID", "") == (f"{study.doi} [doi]" if study.doi else "")
        assert rec.get("CN", []) == [flat(a.collective_name) for a in study.authors
                                     if a.collective_name]
        assert rec.get("FAU", []) == [f"{a.last_name}, {a.fore_name}" for a in study.authors
                                      if not a.collective_name]
        assert rec["DP"].startswith(str(study.year))


def test_long_repeated_nbib_values_stay_one_value() -> None:
    long = "chronic pain " * 12  # found by hypothesis: a wrapped OT line became two keywords
    study = make_study(keywords=[long.strip(), "ketamine"],
                       authors=[Author(collective_name="CRPS Study Group " * 6)])
    out = io.StringIO()
    nbib.write_nbib([study], out)
    (rec,) = Medline.parse(io.StringIO(out.getvalue()))
    assert rec["OT"] == [long.strip(), "ketamine"]
    assert rec["CN"] == [("CRPS Study Group " * 6).strip()]
    assert max(len(line) for line in out.getvalue().splitlines() if line[:2] == "AB") <= 80


def test_nbib_round_trips_through_our_medline_reader() -> None:
    from evidence_tracker.pubmed.medline import iter_medline

    study = retracted(pmid="21111111", entrez_date="2011-03-04", status="MEDLINE")
    out = io.StringIO()
    nbib.write_nbib([study], out)
    (back,) = iter_medline(out.getvalue())
    for attr in ("pmid", "doi", "title", "journal", "journal_abbrev", "volume", "issue",
                 "pages", "year", "pub_date", "publication_types", "keywords",
                 "language", "comments_corrections", "entrez_date", "revised_date", "status"):
        assert getattr(back, attr) == getattr(study, attr), attr
    # MEDLINE text has no MeSH unique identifiers; the headings themselves come back
    assert [(m.descriptor, m.major, m.qualifiers) for m in back.mesh] == \
        [(m.descriptor, m.major, m.qualifiers) for m in study.mesh]
    assert [(a.last_name, a.fore_name, a.initials, a.collective_name) for a in back.authors] \
        == [(a.last_name, a.fore_name, a.initials, a.collective_name) for a in study.authors]
    assert [s.text for s in back.abstract_sections] == [s.text for s in
                                                         study.abstract_sections]
    assert "SO  - Pain. 2009 Dec;147(1-3):107-15. doi: 10.1000/et.21111111." in out.getvalue()
