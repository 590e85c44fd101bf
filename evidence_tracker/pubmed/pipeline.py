"""Parse a large file in a helper process while the caller stores what it yields.

Parsing (libxml2 plus Python extraction) and storing (JSON, zlib, SQLite) each take
about half of a bulk import's time, so on two or more cores a separate parsing process
nearly doubles throughput. Small files are parsed inline: starting a process costs
more than it saves. Errors raised in the helper (``PubMedParseError``,
``MedlineParseError``) reach the caller after the records parsed before them.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence_tracker.domain.models import Study
from evidence_tracker.pubmed.medline import iter_medline
from evidence_tracker.pubmed.parser import iter_pubmed_xml

log = logging.getLogger(__name__)

#: Files smaller than this are parsed in the calling process.
SUBPROCESS_MIN_BYTES = 8 * 2**20
CHUNK = 200  # records per message: amortises pickling without holding much memory
DEPTH = 8  # chunks in flight at most (bounded memory)


def iter_file(path: Path, fmt: str, record_source: str) -> Iterator[Study]:
    """Studies from a PubMed XML or MEDLINE file, parsed in this process."""
    if fmt == "pubmed-xml":
        return iter_pubmed_xml(path, record_source=record_source)
    if fmt == "medline":
        return iter_medline(path, record_source=record_source)
    raise ValueError(f"unknown format {fmt!r}")


def _worker(path: str, fmt: str, record_source: str, out: Any) -> None:
    chunk: list[Study] = []
    try:
        for study in iter_file(Path(path), fmt, record_source):
            chunk.append(study)
            if len(chunk) >= CHUNK:
                out.put(("studies", chunk))
                chunk = []
        out.put(("studies", chunk))
        out.put(("end", None))
    except Exception as exc:
        out.put(("studies", chunk))
        out.put(("error", exc))


def iter_file_parallel(path: Path, fmt: str, record_source: str) -> Iterator[Study]:
    """Like :func:`iter_file`, parsing in a helper process for large files on multi-core."""
    if path.stat().st_size < SUBPROCESS_MIN_BYTES or (os.cpu_count() or 1) < 2:
        yield from iter_file(path, fmt, record_source)
        return
    ctx = mp.get_context("spawn")  # never fork a process that may run Qt threads
    out: Any = ctx.Queue(maxsize=DEPTH)
    proc = ctx.Process(
        target=_worker, args=(str(path), fmt, record_source, out), daemon=True,
        name="evidence-tracker-parse",
    )
    proc.start()
    received = False
    try:
        while True:
            try:
                kind, value = out.get(timeout=1.0)
            except queue.Empty:
                if proc.is_alive():
                    continue
                if not received:  # e.g. a __main__ that a spawned process cannot import
                    log.warning("parsing %s in this process: the helper did not start", path)
                    yield from iter_file(path, fmt, record_source)
                    return
                raise RuntimeError(
                    f"The parsing process for {path.name} stopped unexpectedly "
                    f"(exit code {proc.exitcode})."
                ) from None
            received = True
            if kind == "studies":
                yield from value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        if proc.is_alive():
            proc.terminate()  # the consumer stopped early or failed
        proc.join(timeout=10)
        out.close()
        out.join_thread()
