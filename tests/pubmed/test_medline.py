"""MEDLINE/NBIB records: real NCBI files, Bio.Medline as the reference, malformed input."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from Bio import Medline
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_tracker.domain.markup import normalize_space, plain_text
from evidence_tracker.domain.models import AbstractSection, Author, CommentCorrection, MeshHeading
from evidence_tracker.pubmed.medline import MedlineParseError, detect_format, iter_medline

DATA = Path(__file__).resolve().parent.parent / "data" / "ncbi"
REAL = ["pubmed_result1.txt", "pubmed_result2.txt", "pubmed_result3.txt"]

RECORD = """\
PMID- 30000001
OWN - NLM
STAT- Publisher
LR  - 20240131
IS  - 1526-4637 (Electronic)
VI  - 25
IP  - 2
DP  - 2024 Feb 1
TI  - Ketamine infusions for complex regional pain syndrome: a randomized
      controlled trial & <follow-up>.
PG  - 101-110
LID - 10.1093/pm/pnad001 [doi]
LID - pnad001 [pii]
AB  - BACKGROUND: Ketamine is used for CRPS. METHODS: We randomized 60 adults. RESULTS:
      Pain fell (P < .05). CONCLUSIONS: Ketamine helps.
FAU - Smith, Jane A
AU  - Smith JA
AUID- ORCID: 0000-0001-2345-6789
AD  - Department of Anesthesiology, Example University, Boston, MA,
      USA.
AD  - Second affiliation of Smith.
FAU - van der Berg, Piet
AU  - van der Berg P
CN  - Ketamine CRPS Study Group
LA  - eng
LA  - dut
PT  - Journal Article
PT  - Retracted Publication
PL  - England
TA  - Pain Med
JT  - Pain medicine (Malden, Mass.)
JID - 100894201
SB  - IM
RIN - Pain Med. 2024 Jun;25(6):400. PMID: 30000099
EIN - Pain Med. 2024 Mar;25(3):200.
CIN - Pain Med. 2024 Feb 1;25(2):111-112. PMID: 30000002
MH  - *Complex Regional Pain Syndromes/drug therapy/*therapy
MH  - Humans
MH  - Ketamine/*administration & dosage
OTO - NOTNLM
OT  - CRPS
OT  - NMDA antagonist
OT  - CRPS
EDAT- 2024/01/05 06:42
MHDA- 2024/01/05 06:42
CRDT- 2024/01/05 01:03
PHST- 2023/10/01 00:00 [received]
AID - pnad001 [pii]
AID - 10.1093/pm/pnad001 [doi]
PMC - PMC1234567
PST - ppublish
SO  - Pain Med. 2024 Feb 1;25(2):101-110. doi: 10.1093/pm/pnad001.
"""


def parse(text: str | bytes) -> list:
    return list(iter_medline(text))


# --------------------------------------------------------------------------- real NCBI files


def test_pubmed_result1() -> None:
    (study,) = iter_medline(DATA / "pubmed_result1.txt")
    assert study.pmid == "12230038"
    assert study.title == "The Bio* toolkits--a brief overview."
    assert study.abstract.startswith(
        "Bioinformatics research is often difficult to do with commercial software. The Open "
        "Source BioPerl, BioPython and Biojava projects"
    )
    assert study.abstract.endswith(
        "particularly from the point of view of the beginning biologist programmer."
    )
    assert study.authors == [
        Author(
            "Mangalam", "Harry", "H", "", "tacg Informatics, Irvine, CA 92612, USA. hjm@tacgi.com"
        )
    ]
    assert (study.journal, study.journal_abbrev) == (
        "Briefings in bioinformatics",
        "Brief Bioinform",
    )
    assert (study.volume, study.issue, study.pages) == ("3", "3", "296-302")
    assert (study.year, study.pub_date) == (2002, "2002-09")
    assert [m.descriptor for m in study.mesh if m.major] == [
        "Computational Biology",
        "Programming Languages",
        "Software",
    ]
    assert (study.entrez_date, study.revised_date, study.status) == (
        "2002-09-17",
        "2004-11-17",
        "MEDLINE",
    )
    assert (study.language, study.publication_types) == ("eng", ["Journal Article"])
    assert (study.raw_format, study.source) == ("medline", "pubmed")


def test_pubmed_result2_four_records_with_structured_abstracts() -> None:
    studies = list(iter_medline(DATA / "pubmed_result2.txt"))
    assert [s.pmid for s in studies] == ["16403221", "16377612", "14871861", "14630660"]
    first = studies[0]
    assert first.title == "A high level interface to SCOP and ASTRAL implemented in python."
    assert (first.doi, first.pmcid) == ("10.1186/1471-2105-7-10", "PMC1373603")
    assert [s.label for s in first.abstract_sections] == ["BACKGROUND", "RESULTS", "CONCLUSION"]
    assert first.abstract.startswith("BACKGROUND: Benchmarking algorithms in structural")
    assert "\n\nRESULTS: We have designed a set of python modules" in first.abstract
    assert [a.display_name for a in first.authors] == ["Casbon JA", "Crooks GE", "Saqi MA"]
    assert first.authors[2].fore_name == "Mansoor A S"
    assert first.authors[0].affiliation.endswith("London EC1 6BQ, UK. j.a.casbon@qmul.ac.uk")
    assert (first.year, first.pub_date, first.pages) == (2006, "2006", "10")
    assert MeshHeading("Information Storage and Retrieval", False, "", (("methods", True),)) in (
        first.mesh
    )
    second = studies[1]
    assert second.title == (
        "GenomeDiagram: a python package for the visualization of large-scale genomic data."
    )
    assert (second.pub_date, second.doi) == ("2006-03-01", "10.1093/bioinformatics/btk021")
    assert [s.label for s in second.abstract_sections] == [
        "SUMMARY",
        "AVAILABILITY",
        "SUPPLEMENTARY INFORMATION",
    ]
    assert studies[3].abstract_sections[0].label == ""  # unstructured


def test_pubmed_result3_multiline_mesh_and_lid_doi() -> None:
    (study,) = iter_medline(DATA / "pubmed_result3.txt")
    assert study.pmid == "23039619"
    assert study.doi == "10.1118/1.4748329"
    assert study.mesh[1] == MeshHeading(
        "High-Intensity Focused Ultrasound Ablation",
        False,
        "",
        (("adverse effects", False), ("instrumentation", False), ("methods", True)),
    )
    assert [s.label for s in study.abstract_sections] == [
        "PURPOSE",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert "from 1.35 x 10(7) Wm(3) to 4.5 x 10(7) Wm(3)" in study.abstract


@pytest.mark.parametrize("name", REAL)
def test_same_answers_as_bio_medline_parse(name: str) -> None:
    with open(DATA / name, encoding="utf-8") as handle:
        reference = list(Medline.parse(handle))
    ours = list(iter_medline(DATA / name))
    assert len(ours) == len(reference) > 0
    for study, record in zip(ours, reference, strict=True):
        assert study.pmid == record["PMID"]
        assert study.title == normalize_space(record["TI"])
        assert study.abstract.replace("\n\n", " ") == normalize_space(record["AB"])
        assert [a.display_name for a in study.authors] == record["AU"]
        assert study.publication_types == record["PT"]
        assert [("*" if m.major else "") + m.descriptor for m in study.mesh] == [
            normalize_space(h).split("/")[0] for h in record["MH"]
        ]
        assert study.journal == record["JT"]


@pytest.mark.parametrize("name", REAL)
def test_raw_records_are_the_exact_text_and_reparse(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    studies = list(iter_medline(DATA / name))
    for study in studies:
        raw = study.raw_record.decode("utf-8")
        assert raw.startswith(f"PMID- {study.pmid}\n")
        assert raw in text
        assert list(iter_medline(study.raw_record)) == [study]
    blocks = [b.strip("\n") for b in text.split("\n\n") if b.strip()]
    assert [s.raw_record.decode().strip("\n") for s in studies] == blocks


# --------------------------------------------------------------------------- hand-made


def test_full_record() -> None:
    (study,) = parse(RECORD)
    assert study.pmid == "30000001"
    assert study.title == (
        "Ketamine infusions for complex regional pain syndrome: a randomized controlled trial "
        "& <follow-up>."
    )
    assert study.title_html.endswith("trial &amp; &lt;follow-up&gt;.")
    assert study.abstract_sections == [
        AbstractSection(
            "Ketamine is used for CRPS.", "BACKGROUND", "", "Ketamine is used for CRPS."
        ),
        AbstractSection("We randomized 60 adults.", "METHODS", "", "We randomized 60 adults."),
        AbstractSection("Pain fell (P < .05).", "RESULTS", "", "Pain fell (P &lt; .05)."),
        AbstractSection("Ketamine helps.", "CONCLUSIONS", "", "Ketamine helps."),
    ]
    assert study.authors == [
        Author(
            "Smith",
            "Jane A",
            "JA",
            "",
            "Department of Anesthesiology, Example University, Boston, MA, USA.",
        ),
        Author("van der Berg", "Piet", "P", "", ""),
        Author(collective_name="Ketamine CRPS Study Group"),
    ]
    assert (study.doi, study.pmcid) == ("10.1093/pm/pnad001", "PMC1234567")
    assert (study.year, study.pub_date) == (2024, "2024-02-01")
    assert (study.volume, study.issue, study.pages) == ("25", "2", "101-110")
    assert study.language == "eng"
    assert study.keywords == ["CRPS", "NMDA antagonist"]
    assert study.mesh[0] == MeshHeading(
        "Complex Regional Pain Syndromes", True, "", (("drug therapy", False), ("therapy", True))
    )
    assert study.mesh[2].qualifiers == (("administration & dosage", True),)
    assert study.comments_corrections == [
        CommentCorrection("RetractionIn", "Pain Med. 2024 Jun;25(6):400", "30000099"),
        CommentCorrection("ErratumIn", "Pain Med. 2024 Mar;25(3):200.", ""),
        CommentCorrection("CommentIn", "Pain Med. 2024 Feb 1;25(2):111-112", "30000002"),
    ]
    assert study.retracted
    assert [n.ref_type for n in study.notices] == ["RetractionIn", "ErratumIn"]
    assert (study.entrez_date, study.revised_date, study.status) == (
        "2024-01-05",
        "2024-01-31",
        "Publisher",
    )
    assert study.raw_record == RECORD.encode()
    assert plain_text(study.title_html) == study.title


@pytest.mark.parametrize(
    ("dp", "year", "pub_date"),
    [
        ("2021 Mar", 2021, "2021-03"),
        ("2021 Mar 14", 2021, "2021-03-14"),
        ("2021 Feb 30", 2021, "2021-02"),
        ("2021", 2021, "2021"),
        ("1990 Spring", 1990, "1990 Spring"),
        ("1998 Dec-1999 Jan", 1998, "1998 Dec-1999 Jan"),
        ("2003 Jul-Aug", 2003, "2003 Jul-Aug"),
        ("Winter", None, "Winter"),
    ],
)
def test_dates(dp: str, year: int | None, pub_date: str) -> None:
    (study,) = parse(f"PMID- 1\nDP  - {dp}\nTI  - t\n")
    assert (study.year, study.pub_date) == (year, pub_date)


def test_old_record_affiliation_before_authors_and_au_only_authors() -> None:
    (study,) = parse("PMID- 2\nTI  - Old.\nAD  - Somewhere.\nAU  - Doe J\nAU  - Roe RA\n")
    assert study.authors == [Author("Doe", "", "J", "", "Somewhere."), Author("Roe", "", "RA")]


def test_records_without_blank_lines_crlf_and_bom() -> None:
    text = "\ufeffPMID- 1\r\nTI  - One\r\n      more.\r\nPMID- 2\r\nTI  - Two.\r\n"
    studies = parse(text.encode("utf-8"))
    assert [(s.pmid, s.title) for s in studies] == [("1", "One more."), ("2", "Two.")]
    assert studies[0].raw_record == b"PMID- 1\r\nTI  - One\r\n      more.\r\n"


def test_sources(tmp_path: Path) -> None:
    path = tmp_path / "export.nbib"
    path.write_text(RECORD + "\n" + RECORD.replace("30000001", "30000003"), encoding="utf-8")
    expected = ["30000001", "30000003"]
    assert [s.pmid for s in iter_medline(path)] == expected
    assert [s.pmid for s in iter_medline(str(path))] == expected
    assert [s.pmid for s in iter_medline(path.read_bytes())] == expected
    assert [s.pmid for s in iter_medline(path.read_text(encoding="utf-8"))] == expected
    with open(path, "rb") as binary:
        assert [s.pmid for s in iter_medline(binary)] == expected
    with open(path, encoding="utf-8") as text:
        assert [s.pmid for s in iter_medline(text)] == expected
    assert [s.pmid for s in iter_medline(io.BytesIO(path.read_bytes()))] == expected
    assert [s.source for s in iter_medline(path, record_source="import:export.nbib")] == [
        "import:export.nbib"
    ] * 2
    with pytest.raises(TypeError):
        list(iter_medline(3.5))  # type: ignore[arg-type]


def test_empty_input_has_no_records() -> None:
    assert parse("") == []
    assert parse("\n\n  \n") == []


# --------------------------------------------------------------------------- malformed


def test_continuation_line_first_is_an_error() -> None:
    with pytest.raises(MedlineParseError, match=r"record 1 \(line 2\) starts with a continuation"):
        parse("\n      dangling\nPMID- 1\n")


def test_garbage_line_names_record_and_line_after_yielding_earlier_records() -> None:
    text = RECORD + "\nPMID- 5\nTI  - fine\nthis line is not MEDLINE\n"
    got = []
    with pytest.raises(MedlineParseError) as info:
        for study in iter_medline(text):
            got.append(study.pmid)
    assert got == ["30000001"]
    lines = text.count("\n")
    assert f"record 2 (line {lines})" in str(info.value)
    assert "expected 'TAG - value'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_record_without_pmid_is_an_error() -> None:
    with pytest.raises(MedlineParseError, match=r"record 1 \(line 1\) has no valid PMID"):
        parse("TI  - No id here.\nAU  - Doe J\n")


def test_xml_and_ris_are_not_medline() -> None:
    with pytest.raises(MedlineParseError, match="record 1"):
        list(iter_medline(DATA / "pubmed1.xml"))
    with pytest.raises(MedlineParseError, match="no valid PMID"):
        parse("TY  - JOUR\nTI  - A RIS record\nER  - \n")


def test_invalid_utf8_is_an_error(tmp_path: Path) -> None:
    data = b"PMID- 1\nTI  - caf\xe9\n"
    with pytest.raises(MedlineParseError, match="not UTF-8"):
        parse(data)
    path = tmp_path / "latin1.nbib"
    path.write_bytes(data)
    with pytest.raises(MedlineParseError, match="not UTF-8"):
        list(iter_medline(path))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: "PMID- 1\n" + t))
def test_arbitrary_input_gives_studies_or_a_medline_parse_error(data: bytes | str) -> None:
    try:
        studies = parse(data)
    except MedlineParseError as exc:
        assert str(exc)
    else:
        assert all(s.pmid.isdigit() for s in studies)


# --------------------------------------------------------------------------- round trip

WORD = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Cn", "Zs", "Zl", "Zp"),
        blacklist_characters="\ufffe\uffff\x85",
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=30))
def test_wrapped_titles_round_trip(words: list[str]) -> None:
    title = " ".join(words)
    lines = textwrap.wrap(title, width=70, break_long_words=False, break_on_hyphens=False)
    text = "PMID- 9\nTI  - " + "\n      ".join(lines) + "\n"
    (study,) = parse(text)
    assert study.title == normalize_space(title)
    assert plain_text(study.title_html) == study.title


# --------------------------------------------------------------------------- detect_format


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ((DATA / "pubmed1.xml").read_bytes()[:2048], "pubmed-xml"),
        ((DATA / "pubmed4.xml").read_bytes()[:300], "pubmed-xml"),
        (b"\xef\xbb\xbf  <PubmedArticleSet><PubmedArticle>", "pubmed-xml"),
        (b"<?xml version='1.0'?><PubmedBookArticleSet>", "pubmed-xml"),
        ((DATA / "pubmed_result2.txt").read_bytes()[:1024], "medline"),
        (b"\nPMID- 123\nOWN - NLM\n", "medline"),
        ("PMID- 123\nTI  - x\n", "medline"),
        (b"OWN - NLM\nSTAT- MEDLINE\nTI  - a title\n      wrapped\nPMID- 5\n", "medline"),
        (b"OWN - NLM\nTI  - no PMID at all\nAU  - X Y\n", None),
        (b"<?xml version='1.0'?><eSearchResult><Count>1</Count></eSearchResult>", None),
        (b"<!DOCTYPE html><html><body>PubmedArticle</body></html>", None),
        (b"TY  - JOUR\nTI  - a RIS record\nER  - \n", None),
        (b"@article{x, title={y}}", None),
        (b"", None),
        (b"\xff\xfe\x00garbage", None),
    ],
)
def test_detect_format(head: bytes | str, expected: str | None) -> None:
    assert detect_format(head) == expected
