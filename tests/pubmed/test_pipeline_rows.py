"""Rows for the import: sent by helper processes, a PubMed XML file cut into spans that
helpers parse side by side; always the rows and errors of a sequential parse."""

from __future__ import annotations

import itertools
import pickle
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from conftest import same_xml
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.domain.models import Study
from evidence_tracker.domain.raw import compress_raw, decompress_raw
from evidence_tracker.pubmed import pipeline
from evidence_tracker.pubmed.medline import iter_medline
from evidence_tracker.pubmed.parser import PubMedParseError, iter_pubmed_xml, parse_document
from evidence_tracker.pubmed.pipeline import pack_studies, unpack_rows
from evidence_tracker.store.study_columns import StudyRow

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Helpers for any file, and spans of a few records."""
    monkeypatch.setattr(pipeline, "SUBPROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pipeline, "SPAN_BYTES", 3000)


def _row(row: StudyRow) -> tuple[Any, ...]:
    values = row.pack().values
    values[27] = same_xml(decompress_raw(values[27]))
    return tuple(values), row.fts, row.fuzzy


def _outcome(records: Any) -> tuple[list[tuple[Any, ...]], str]:
    rows, error = [], ""
    try:
        for row in records:
            rows.append(_row(row))
    except PubMedParseError as exc:
        error = str(exc)
    return rows, error


def _both(path: Path) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    sequential = _outcome(pipeline.iter_rows(path, "pubmed-xml", "import:x.xml"))
    parallel = _outcome(pipeline.iter_rows_parallel(path, "pubmed-xml", "import:x.xml"))
    return sequential, parallel


FELL_BACK = "from the start in one process"


def _starts(path: Path) -> list[int]:
    """Where the file's spans start."""
    layout = pipeline._span_layout(path)
    assert layout is not None
    with path.open("rb") as fh:
        return list(itertools.takewhile(lambda s: s is not None, (
            layout.start(fh, n) for n in itertools.count()
        )))


def _articles(first: int, last: int) -> list[bytes]:
    return [
        make_pubmed_article(p, title=f"Ketamine trial number {p} in chronic pain patients")
        for p in range(first, last)
    ]


def _sent(studies: list[Study]) -> list[StudyRow]:
    """The rows of ``studies`` as a helper process sends them (copies: sending takes the
    raw records out)."""
    return unpack_rows(pack_studies([msgspec.structs.replace(s) for s in studies]))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_rows_sent_by_a_helper_equal_the_rows_of_the_study(name: str) -> None:
    for study in iter_pubmed_xml(DATA / name):
        expected = StudyRow(study)
        assert pickle.loads(pickle.dumps(study)) == study
        (row,) = _sent([study])
        assert (row.values, row.fts, row.fuzzy) == (expected.values, expected.fts,
                                                     expected.fuzzy)
        assert row.study() == study  # the raw record put back, for merging duplicates
        (packed,) = _sent([study])
        assert packed.values[27] == compress_raw(study.raw_record)
        assert packed.values == expected.pack().values and packed.study() == study


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_studies_sent_by_a_helper_arrive_unchanged(name: str) -> None:
    studies = list(iter_pubmed_xml(DATA / name, record_source="import:x"))
    message = pack_studies([msgspec.structs.replace(s) for s in studies])
    assert not any(s.raw_record in message for s in studies)  # they travel compressed
    assert [row.study() for row in unpack_rows(message)] == studies


BOOK = b"""<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
<Book><BookTitle book="gene">GeneReviews<sup>R</sup></BookTitle>
<PubDate><Year>1993</Year></PubDate></Book>
<ArticleTitle>Complex Regional Pain Syndrome</ArticleTitle>
<AuthorList Type="authors"><Author><LastName>Birklein</LastName><Initials>F</Initials>
</Author></AuthorList>
<Abstract><AbstractText Label="MANAGEMENT">Physio<i>therapy</i>.</AbstractText></Abstract>
</BookDocument></PubmedBookArticle>"""


def test_books_and_deletions_sent_by_a_helper() -> None:
    data = article_set([
        make_pubmed_article(1), BOOK, make_pubmed_article(2),
        b'<DeleteCitation><PMID Version="1">3</PMID><PMID Version="1">4</PMID></DeleteCitation>',
    ])
    studies = list(iter_pubmed_xml(data, record_source="import:y"))
    assert [(s.pmid, s.deleted) for s in studies] == [
        ("1", False), ("20301295", False), ("2", False), ("3", True), ("4", True)
    ]
    assert studies[1].abstract_sections[0].html == "Physio<i>therapy</i>."
    assert [row.study() for row in _sent(studies)] == studies


def test_rows_of_medline_records_sent_by_a_helper() -> None:
    for study in iter_medline(DATA / "pubmed_result2.txt"):
        (row,) = _sent([study])
        expected = StudyRow(study)
        assert (row.values, row.fts, row.fuzzy) == (expected.values, expected.fts,
                                                     expected.fuzzy)


def test_spans_parsed_side_by_side_equal_a_sequential_parse(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(_articles(1, 121)))
    assert len(_starts(path)) > 10
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 120 and not sequential[1]
    assert parallel == sequential
    assert (FELL_BACK in caplog.text) is False


def test_real_files_cut_into_spans(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = []
    for name in ("pubmed2.xml", "pubmed4.xml", "pubmed6.xml", "pubmed7.xml"):
        text = (DATA / name).read_bytes()
        records += re.findall(rb"<PubmedArticle>.*?</PubmedArticle>", text, re.S)
    path = tmp_path / "real.xml"
    path.write_bytes(article_set(records * 3))
    monkeypatch.setattr(pipeline, "SPAN_BYTES", 20_000)  # records here are up to ~40 KB
    assert len(_starts(path)) > 5
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 3 * len(records) > 6
    assert parallel == sequential
    assert (FELL_BACK in caplog.text) is False


@pytest.mark.parametrize(
    "trap",
    [
        b"<!-- <PubmedArticle> in a comment between records -->",
        b"<?note <PubmedArticle> in a processing instruction ?>",
    ],
)
def _cut_on_a_trap(path: Path, trap_offset: int) -> bool:
    """Whether the layout cuts the file at a ``<PubmedArticle`` that is not a record."""
    data = path.read_bytes()
    traps = set()
    at = data.find(b"<PubmedArticle>", 0)
    while at >= 0:
        if data[at - trap_offset : at].startswith(TRAP_PREFIXES):
            traps.add(at)
        at = data.find(b"<PubmedArticle>", at + 1)
    return bool(traps & set(_starts(path)))


TRAP_PREFIXES = (b"<!-- ", b"<?note ", b"<![CDATA[ ")


@pytest.mark.parametrize(
    "trap",
    [
        b"<!-- <PubmedArticle> in a comment between records -->",
        b"<?note <PubmedArticle> in a processing instruction ?>",
    ],
)
def test_a_cut_that_is_not_between_records_falls_back(
    tmp_path: Path, small_spans: None, trap: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    filler = b" " * 1200
    path = tmp_path / "trap.xml"
    path.write_bytes(article_set(filler + a + trap for a in _articles(1, 80)))
    assert _cut_on_a_trap(path, trap.index(b"<PubmedArticle>"))
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 79 and not sequential[1]
    assert parallel == sequential
    assert FELL_BACK in caplog.text


def test_cdata_inside_a_record_that_looks_like_a_record_start(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cdata = b"<![CDATA[ <PubmedArticle> is not a tag here ]]>"
    padded = b" " * 1200 + cdata + b"</ArticleTitle>"
    articles = [a.replace(b"</ArticleTitle>", padded) for a in _articles(1, 60)]
    # The search for a cut starts in the padding of the next record, before its CDATA.
    monkeypatch.setattr(pipeline, "SPAN_BYTES", len(articles[0]) + 900)
    path = tmp_path / "cdata.xml"
    path.write_bytes(article_set(articles))
    assert _cut_on_a_trap(path, len(b"<![CDATA[ "))
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 59 and not sequential[1]
    assert parallel == sequential
    assert FELL_BACK in caplog.text
    assert "is not a tag here" in sequential[0][20][0][3]  # the title keeps the text


def test_truncated_file_same_records_then_same_error(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture
) -> None:
    data = article_set(_articles(1, 90))
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) - 700])
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert 80 < len(sequential[0]) < 90 and "line" in sequential[1]
    assert parallel == sequential
    assert (FELL_BACK in caplog.text) is True


def test_a_broken_record_in_the_middle(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture
) -> None:
    articles = _articles(1, 90)
    articles[41] = articles[41].replace(b"</AuthorList>", b"</Author>")  # mismatched tag
    path = tmp_path / "broken.xml"
    path.write_bytes(article_set(articles))
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 41 and "line" in sequential[1]
    assert parallel == sequential
    assert (FELL_BACK in caplog.text) is True


def test_a_record_without_pmid_in_the_middle(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture
) -> None:
    articles = _articles(1, 90)
    articles[50] = re.sub(rb"<PMID[^>]*>\d+</PMID>", b"", articles[50], count=1)
    path = tmp_path / "nopmid.xml"
    path.write_bytes(article_set(articles))
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 50 and "no PMID" in sequential[1]
    assert parallel == sequential
    assert (FELL_BACK in caplog.text) is True


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?>\n<!-- a comment first -->\n<PubmedArticleSet>\n',
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [ <!ENTITY x "y"> ]>\n'
        b"<PubmedArticleSet>\n",
    ],
)
def test_files_with_another_prolog_are_not_cut(head: bytes, tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_bytes(head + b"\n".join(_articles(1, 5)) + b"\n</PubmedArticleSet>\n")
    assert pipeline._span_layout(path) is None


def test_a_span_is_a_document_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(_articles(1, 30)))
    data = path.read_bytes()
    body = data.index(b"<PubmedArticle>")
    layout = pipeline._Layout(data[:body], b"</PubmedArticleSet>", len(data), 5000)
    with path.open("rb") as fh:
        cut = layout.start(fh, 1)
        assert cut is not None and cut >= body + 5000
        assert data[cut - 1 : cut + 15] == b"\n<PubmedArticle>"
        assert pipeline._span_document(fh, layout, 0) == data[:cut] + b"</PubmedArticleSet>"
        spans = list(itertools.takewhile(
            lambda d: d is not None, (pipeline._span_document(fh, layout, n)
                                      for n in itertools.count(1))
        ))
    assert spans[-1] is not None and spans[-1].endswith(b"</PubmedArticleSet>\n")
    assert b"".join(d[body:].removesuffix(b"</PubmedArticleSet>") for d in spans[:-1]) + (
        spans[-1][body:]) == data[cut:]


def test_a_huge_span_is_streamed(
    tmp_path: Path, small_spans: None, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tail.xml"
    path.write_bytes(article_set(_articles(1, 40)).replace(
        b"</PubmedArticleSet>", b"<!--" + b" " * 60_000 + b"--></PubmedArticleSet>"
    ))
    caplog.set_level("INFO", logger=pipeline.__name__)
    sequential, parallel = _both(path)
    assert len(sequential[0]) == 39 and not sequential[1]
    assert parallel == sequential
    assert FELL_BACK in caplog.text


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_parsing_a_whole_document_equals_streaming_it(name: str) -> None:
    data = (DATA / name).read_bytes()

    def same(studies: list[Study]) -> list[Any]:
        return [msgspec.structs.replace(s, raw_record=same_xml(s.raw_record)) for s in studies]

    assert same(parse_document(data, record_source="import:z")) == same(list(
        iter_pubmed_xml(data, record_source="import:z")
    ))


def test_a_whole_document_keeps_each_record_as_written() -> None:
    records = [
        re.sub(rb"<ArticleTitle>", b"<ArticleTitle>Universit&#xe0; ", article)
        for article in _articles(1, 4)
    ]
    data = article_set(records)
    assert [study.raw_record for study in parse_document(data)] == records


@pytest.mark.parametrize(
    "extra",
    [
        b"<!-- <PubmedArticle> -->",  # a record's start tag in a comment inside one
        b"<!-- </PubmedArticle> -->",
        b"<?note <PubmedArticle>?>",
    ],
)
def test_a_document_that_cannot_be_cut_safely_is_serialised(extra: bytes) -> None:
    records = _articles(1, 4)
    records[1] = records[1].replace(b"</MedlineCitation>", extra + b"</MedlineCitation>")
    studies = parse_document(article_set(records))
    assert [study.raw_record for study in studies] == records  # lxml's serialisation here
    assert [study.pmid for study in studies] == ["1", "2", "3"]


@pytest.mark.parametrize(
    "data",
    [
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>",
        b'<!DOCTYPE PubmedArticleSet [<!ENTITY a "b">]><PubmedArticleSet/>',
        b"<eSearchResult><ERROR>Empty term</ERROR></eSearchResult>",
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation/></PubmedArticle>"
        b"</PubmedArticleSet>",
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>"
        b"<PubmedArticle><MedlineCitation><PMID>2</PMID></MedlineCitation></PubmedArticle>"
        b"</MedlineCitation></PubmedArticle></PubmedArticleSet>",
    ],
)
def test_parsing_a_whole_document_raises_where_it_cannot_stand_for_streaming(
    data: bytes,
) -> None:
    with pytest.raises(PubMedParseError):
        parse_document(data)
