"""Importing a large file (parsed in helper processes, cut into spans) stores
exactly what importing it inline stores: rows, full-text index, revisions, counts, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import same_xml
from fake_eutils import article_set, make_pubmed_article

from evidence_tracker.domain.raw import decompress_raw
from evidence_tracker.pubmed import pipeline
from evidence_tracker.services.imports import ImportFailed, import_file, preview_file
from evidence_tracker.store import Project, open_project


def _articles(first: int, last: int, *, language: str = "eng") -> list[bytes]:
    return [
        make_pubmed_article(
            p,
            title=f"Ketamine for pain, trial {p % 40}: a randomised study",
            year=2000 + p % 20,
            abstract=[("BACKGROUND", f"Chronic pain {p}."), ("RESULTS", "Pain <fell>.")],
            authors=[("Müller", "Anna"), ("Smith", "Jane")] if p % 3 else [("Dahan", "A")],
            collective_name="Ketamine Study Group" if p % 5 == 0 else None,
            doi=f"10.1000/pm.{p}" if p % 4 else "",
            language=language,
            mesh_terms=("Ketamine", "Chronic Pain", "Humans")[: 1 + p % 3],
            keywords=("ketamine", "pain") if p % 2 else (),
            comments_corrections=[("ErratumIn", str(p + 1))] if p % 9 == 0 else (),
        )
        for p in range(first, last)
    ]


def _state(project: Project) -> dict[str, Any]:
    conn = project.conn
    cols = [r[1] for r in conn.execute("PRAGMA table_info(studies)")
            if r[1] not in ("fetched_at", "revised_at")]
    studies = [
        [same_xml(decompress_raw(v)) if c == "raw_record" else v
         for c, v in zip(cols, row, strict=True)]
        for row in conn.execute(f"SELECT {', '.join(cols)} FROM studies ORDER BY id")
    ]
    return {
        "studies": studies,
        "fts": conn.execute("SELECT rowid, * FROM studies_fts ORDER BY rowid").fetchall(),
        "revisions": [
            (*row[:3], same_xml(decompress_raw(row[3])))
            for row in conn.execute(
                "SELECT study_id, revised_date, changed_fields, raw_record "
                "FROM study_revisions ORDER BY id"
            )
        ],
    }


def _run(tmp_path: Path, name: str, files: list[Path]) -> tuple[list[Any], dict[str, Any]]:
    outcomes: list[Any] = []
    with open_project(tmp_path / f"{name}.sqlite3") as project:
        for path in files:
            try:
                outcomes.append([(r.action, r.key, r.study_id, r.matched_by)
                                 for r in preview_file(project, path).records])
            except ImportFailed as exc:
                outcomes.append(str(exc))
            try:
                summary = import_file(project, path)
                outcomes.append((summary.records, summary.new, summary.updated,
                                 summary.unchanged, summary.duplicates))
            except ImportFailed as exc:
                outcomes.append(str(exc))
        return outcomes, _state(project)


@pytest.fixture
def files(tmp_path: Path) -> Iterator[list[Path]]:
    first = tmp_path / "first.xml"
    first.write_bytes(article_set(_articles(1, 700)))
    # Revised copies of stored records, new ones, and duplicates within the file.
    second = tmp_path / "second.xml"
    second.write_bytes(article_set(
        _articles(600, 900, language="ger") + _articles(880, 920) + _articles(1, 30)
    ))
    cut = tmp_path / "cut.xml"
    data = article_set(_articles(2000, 2800))
    cut.write_bytes(data[: len(data) - 3000])
    yield [first, second, cut]


def test_helpers_store_what_inline_stores(
    tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "SUBPROCESS_MIN_BYTES", 1 << 40)
    inline = _run(tmp_path, "inline", files)
    monkeypatch.setattr(pipeline, "SUBPROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pipeline, "SPAN_BYTES", 50_000)
    assert files[0].stat().st_size > 10 * pipeline.SPAN_BYTES  # many spans
    helped = _run(tmp_path, "helped", files)
    assert helped == inline
    outcomes, state = inline
    assert outcomes[1] == (699, 699, 0, 0, 0)
    new, updated, unchanged, duplicates = outcomes[3][1:]
    assert (new, updated, unchanged, duplicates) == (220, 100, 29, 20)
    assert "malformed PubMed XML" in outcomes[5] and "record(s) before the problem" in (
        outcomes[5]
    )
    assert len(state["revisions"]) == 100
