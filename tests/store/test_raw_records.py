"""Raw records are stored zstd-compressed; rows written with zlib (before zstd) still read."""

from __future__ import annotations

import zlib
from pathlib import Path

from conftest import make_study

from evidence_tracker.domain.raw import compress_raw, decompress_raw
from evidence_tracker.store import open_project
from evidence_tracker.store.studies import get_study, upsert_studies

RAW = (
    b"<PubmedArticle><MedlineCitation>" + "\u00e9t\u00e9 ".encode() * 500
    + b"</MedlineCitation></PubmedArticle>"
)


def test_round_trip_and_smaller() -> None:
    packed = compress_raw(RAW)
    assert packed is not None and len(packed) < len(RAW) / 10
    assert packed[:4] == b"\x28\xb5\x2f\xfd"  # a zstd frame
    assert decompress_raw(packed) == RAW


def test_empty_raw_record_is_stored_as_null() -> None:
    assert compress_raw(b"") is None
    assert decompress_raw(None) == b"" and decompress_raw(b"") == b""


def test_a_zlib_row_of_an_older_database_still_reads(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.sqlite3") as project:
        (study_id,) = upsert_studies(project, [make_study(pmid="101", raw_record=RAW)]).study_ids
        with project.transaction():
            project.conn.execute(
                "UPDATE studies SET raw_record = ? WHERE id = ?",
                (zlib.compress(RAW), study_id),
            )
        stored = get_study(project, study_id)
        assert stored is not None and stored.study.raw_record == RAW
