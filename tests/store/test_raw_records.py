"""Raw records are stored zstd-compressed with the shipped dictionary; rows written with
zstd without it, or zlib (before zstd), still read."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import pytest
import zstandard
from conftest import make_study

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.raw import RAW_DICT_ID, compress_raw, decompress_raw, dictionary_id
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


def test_new_records_name_the_shipped_dictionary_and_older_frames_still_read() -> None:
    packed = compress_raw(RAW)
    assert packed is not None and dictionary_id(packed) == RAW_DICT_ID
    without = zstandard.ZstdCompressor(level=1).compress(RAW)
    assert dictionary_id(without) == 0 and decompress_raw(without) == RAW
    assert decompress_raw(zlib.compress(RAW)) == RAW


def test_a_frame_of_an_unknown_dictionary_is_refused_with_its_id() -> None:
    other = zstandard.train_dictionary(4096, [RAW[i:] + bytes([i]) for i in range(200)],
                                       dict_id=0x4554_00FF, k=64, d=8)
    packed = zstandard.ZstdCompressor(dict_data=other).compress(RAW)
    with pytest.raises(ValueError, match="0x455400ff"):
        decompress_raw(packed)


def test_the_shipped_dictionary_never_changes() -> None:
    """Every stored record needs these exact bytes: a new dictionary is a new file and id
    (resources/raw/README.md)."""
    data = (resources_dir() / "raw" / "pubmed-xml-1.zdict").read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "9860dcba7ccfbdeef7b040308a4adcfa0d537d1afea154de903e4895ee033ac1")
    assert zstandard.ZstdCompressionDict(data).dict_id() == RAW_DICT_ID
