"""Parsing in one helper process gives exactly what parsing inline gives, errors included
(several helpers side by side: test_pipeline_rows.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.pubmed import pipeline
from evidence_tracker.pubmed.parser import PubMedParseError
from evidence_tracker.store.study_columns import StudyRow

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"


@pytest.fixture
def always_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "SUBPROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pipeline, "HELPERS", 1)  # one helper parses the whole file


def _rows(rows: Iterator[StudyRow]) -> list[tuple[Any, ...]]:
    """Comparable rows: raw records compressed whoever read them."""
    return [(tuple(row.pack().values), row.fts) for row in rows]


def test_subprocess_parse_equals_inline(tmp_path: Path, always_subprocess) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(make_pubmed_article(p) for p in range(1000, 1450)))
    inline = _rows(pipeline.iter_rows(path, "pubmed-xml", "import:set.xml"))
    parallel = _rows(pipeline.iter_rows_parallel(path, "pubmed-xml", "import:set.xml"))
    assert len(parallel) == 450
    assert parallel == inline


def test_medline_through_the_helper(always_subprocess) -> None:
    path = DATA / "pubmed_result2.txt"
    assert _rows(pipeline.iter_rows_parallel(path, "medline", "x")) == _rows(
        pipeline.iter_rows(path, "medline", "x")
    )


def test_error_arrives_after_the_records_before_it(tmp_path: Path, always_subprocess) -> None:
    data = article_set(make_pubmed_article(p) for p in range(1, 501))
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) - 500])
    seen = []
    with pytest.raises(PubMedParseError, match="line"):
        for row in pipeline.iter_rows_parallel(path, "pubmed-xml", "x"):
            seen.append(row.pmid)
    assert 400 < len(seen) < 500 and seen[:3] == ["1", "2", "3"]


def test_stopping_early_ends_the_helper(tmp_path: Path, always_subprocess) -> None:
    path = tmp_path / "set.xml"
    path.write_bytes(article_set(make_pubmed_article(p) for p in range(1, 3001)))
    records = pipeline.iter_rows_parallel(path, "pubmed-xml", "x")
    assert next(records).pmid == "1"
    records.close()  # the consumer gives up: the helper process is terminated and joined
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name.endswith("parse")]
