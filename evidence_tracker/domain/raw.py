"""How a record's raw source (PubMed XML, MEDLINE text ...) is compressed for storage.

Here rather than in the store so that the parsing helper processes can compress what they
send without importing the store and SQLite.

Records are zstd frames at level 3 with a dictionary shipped in the package
(``resources/raw/``, trained on NLM records that are not the benchmark's; see
``bench/train_raw_dictionary.py``): a PubMed record shrinks to about 2.8 KB instead of 3.6 KB
at level 1 without one. Each frame names its dictionary by id, so records stored before it
(zstd without a dictionary, or zlib before zstd) read back as they are.

>>> record = b"<PubmedArticle><PMID>1</PMID></PubmedArticle>"
>>> stored = compress_raw(record)
>>> dictionary_id(stored) == RAW_DICT_ID, decompress_raw(stored) == record
(True, True)
>>> import zlib
>>> decompress_raw(zlib.compress(record)) == record == decompress_raw(
...     zstandard.ZstdCompressor(level=1).compress(record))
True
"""

from __future__ import annotations

import functools
import threading
import zlib

import zstandard

from evidence_tracker.config import resources_dir

__all__ = ["RAW_DICT_ID", "ZSTD_MAGIC", "compress_raw", "decompress_raw", "dictionary_id"]

#: zstd frames start with these bytes; raw records stored before zstd are zlib streams.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: The id of the dictionary new records are compressed with.
RAW_DICT_ID = 0x4554_0001
#: Every dictionary ever shipped, by id: a stored frame needs its own to be read, so files
#: are only ever added here, never changed or removed (resources/raw/README.md).
_DICTIONARY_FILES = {RAW_DICT_ID: "pubmed-xml-1.zdict"}
#: zstd level 3 with the dictionary: 2.9 KB and ~70 us of CPU per PubMed record of the
#: benchmark (level 1 without it: 3.7 KB, ~48 us; level 1 with it: 3.2 KB, ~43 us).
_LEVEL = 3
_codecs = threading.local()  # zstandard's (de)compressors are not thread-safe


@functools.cache
def _dictionary(dict_id: int) -> zstandard.ZstdCompressionDict:
    name = _DICTIONARY_FILES.get(dict_id)
    if name is None:
        raise ValueError(f"raw record compressed with an unknown zstd dictionary {dict_id:#x}")
    data = (resources_dir() / "raw" / name).read_bytes()
    dictionary = zstandard.ZstdCompressionDict(data)
    if dictionary.dict_id() != dict_id:
        raise ValueError(f"resources/raw/{name} is not dictionary {dict_id:#x}")
    return dictionary


def dictionary_id(stored: bytes) -> int:
    """The id of the dictionary a stored zstd frame needs (0: none)."""
    return int(zstandard.get_frame_parameters(stored).dict_id)


def compress_raw(raw: bytes) -> bytes | None:
    """A zstd frame of ``raw`` with the shipped dictionary (None for nothing)."""
    if not raw:
        return None
    compressor = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(
            level=_LEVEL, dict_data=_dictionary(RAW_DICT_ID))
    return bytes(compressor.compress(raw))


def decompress_raw(stored: bytes | None) -> bytes:
    """The raw record :func:`compress_raw` stored, with or without a dictionary (the one
    its frame names), or an older zlib one."""
    if not stored:
        return b""
    if stored[:4] != ZSTD_MAGIC:
        return zlib.decompress(stored)
    dict_id = dictionary_id(stored)
    decompressors = getattr(_codecs, "decompressors", None)
    if decompressors is None:
        decompressors = _codecs.decompressors = {}
    decompressor = decompressors.get(dict_id)
    if decompressor is None:
        decompressor = decompressors[dict_id] = zstandard.ZstdDecompressor(
            dict_data=_dictionary(dict_id) if dict_id else None)
    return bytes(decompressor.decompress(stored))
