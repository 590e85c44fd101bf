"""Parse a large file in helper processes while the caller stores what they yield.

Parsing (libxml2 plus Python extraction) takes most of a bulk import's time, storing
(JSON, SQLite) the rest, so on two or more cores separate parsing processes nearly double
throughput. Small files are parsed inline: starting a process costs more than it saves.
Errors raised in a helper (``PubMedParseError``, ``MedlineParseError``) reach the caller
after the records parsed before them, exactly as inline.

:func:`iter_rows_parallel`, which the import uses, has the helpers send the parsed
Studies as msgpack (``msgspec``: a Study encodes and decodes typed in C, several times
faster than pickle), each with its raw record compressed beside it as the store keeps it
(a quarter of the bytes through the pipe, and nothing left for the storing process to
compress); the caller makes each a :class:`~evidence_tracker.store.study_columns.StudyRow`.
The helpers import neither the store nor SQLite (they start faster and stay smaller).

A plain (not gzipped) PubMed XML file is cut into spans of whole records, which
:data:`HELPERS` processes parse side by side (see :func:`_span_layout`); anything else is
parsed by one helper. A span that does not parse on its own (a cut that was not between
two records after all, or a file that is broken there) makes the import fall back to
parsing the file from the start in one helper, skipping the records already yielded, so
records and errors are always those of a sequential parse.

Helpers die with the process that started them: a killed import (SIGKILL, a crash) must not
leave them blocked forever on a full queue, holding memory and the ``multiprocessing``
resource tracker (which ends once no process holds its pipe). Each helper first asks
Linux for a death signal (``PR_SET_PDEATHSIG``), and everywhere watches its parent from a
thread: the end of the pipe ``multiprocessing`` keeps open to each child (EOF when the
parent dies), and, on POSIX, the parent pid (a dead parent's children are re-parented).
The death signal follows the *thread* that started the helper; helpers are started and
stopped by the generator that yields their records, which runs on one thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
import multiprocessing as mp
import multiprocessing.connection
import os
import queue
import re
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import msgspec

from evidence_tracker.domain.models import Study
from evidence_tracker.domain.raw import compress_raw
from evidence_tracker.pubmed.medline import iter_medline
from evidence_tracker.pubmed.parser import iter_pubmed_xml, parse_document

if TYPE_CHECKING:  # the store (and sqlite3) is imported where rows are made, not in helpers
    from evidence_tracker.store.study_columns import StudyRow

log = logging.getLogger(__name__)

#: Files smaller than this are parsed in the calling process.
SUBPROCESS_MIN_BYTES = 8 * 2**20
CHUNK = 10  # records per message: small, so that what is encoded stays in the CPU cache
DEPTH = 64  # messages in flight per helper at most (bounded memory)
#: Helper processes parsing spans of one PubMed XML file side by side.
HELPERS = 2
#: About how many bytes of the file each span holds. A helper parses a span in one go,
#: and libxml2's tree of it takes about ten times as much memory: small spans keep it in
#: the CPU cache (a quarter of a megabyte parses about 10% faster than four).
SPAN_BYTES = 256 * 1024

_HELPER_NAME = "evidence-tracker-parse"


def iter_file(path: Path, fmt: str, record_source: str) -> Iterator[Study]:
    """Studies from a PubMed XML or MEDLINE file, parsed in this process."""
    if fmt == "pubmed-xml":
        return iter_pubmed_xml(path, record_source=record_source)
    if fmt == "medline":
        return iter_medline(path, record_source=record_source)
    raise ValueError(f"unknown format {fmt!r}")


def iter_rows(path: Path, fmt: str, record_source: str) -> Iterator[StudyRow]:
    """Like :func:`iter_file`, each record on its way into the store."""
    from evidence_tracker.store.study_columns import StudyRow

    for study in iter_file(path, fmt, record_source):
        yield StudyRow(study)


def iter_rows_parallel(path: Path, fmt: str, record_source: str) -> Iterator[StudyRow]:
    """Like :func:`iter_rows`, parsing in helper processes for large files on multi-core
    (raw records then arrive compressed)."""
    if _inline(path):
        return iter_rows(path, fmt, record_source)
    layout = _span_layout(path) if fmt == "pubmed-xml" and HELPERS > 1 else None
    if layout is not None:
        return _split(path, layout, record_source)
    return _single(path, fmt, record_source)


def _inline(path: Path) -> bool:
    return path.stat().st_size < SUBPROCESS_MIN_BYTES or (os.cpu_count() or 1) < 2


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(list[tuple[Study, bytes | None]])


def pack_studies(studies: list[Study]) -> bytes:
    """A message of ``studies`` for the storing process: each Study without its raw
    record, and the raw record compressed as the store keeps it
    (:func:`~evidence_tracker.domain.raw.compress_raw`). Takes the raw records out of
    ``studies`` (they are the sender's to give away)."""
    packed = []
    for study in studies:
        raw = compress_raw(study.raw_record)
        study.raw_record = b""
        packed.append((study, raw))
    return _ENCODER.encode(packed)


def unpack_rows(message: bytes) -> list[StudyRow]:
    """The records of a :func:`pack_studies` message, ready to store."""
    from evidence_tracker.store.study_columns import StudyRow

    return [StudyRow(study, raw) for study, raw in _DECODER.decode(message)]


# -- helpers die with their parent ---------------------------------------------------------

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Set (to anything) in the environment, helpers rely on the portable watch alone (tests
#: check that it suffices by itself).
NO_DEATH_SIGNAL_ENV = "EVIDENCE_TRACKER_NO_DEATH_SIGNAL"
#: How often (seconds) a helper checks that its parent is still there.
PARENT_POLL = 0.5


def _die_with_parent() -> None:
    """Called first in a helper process: end this process when its parent dies."""
    parent = mp.parent_process()
    if parent is None:  # not a multiprocessing child (a direct call, e.g. in tests)
        return
    parent_pid = parent.pid
    if sys.platform.startswith("linux") and not os.environ.get(NO_DEATH_SIGNAL_ENV):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError) as exc:  # no usable libc: the watch below stays
            log.debug("no parent-death signal: %s", exc)
    sentinel = parent.sentinel

    def watch() -> None:
        while True:
            try:
                gone = bool(mp.connection.wait([sentinel], timeout=PARENT_POLL))
            except OSError:
                gone = True
            if gone or (os.name == "posix" and os.getppid() != parent_pid):
                os._exit(70)  # the parent is gone: nobody will read what is parsed

    if os.name == "posix" and os.getppid() != parent_pid:  # died before we looked
        os._exit(70)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# -- one helper --------------------------------------------------------------------------


def _worker(path: str, fmt: str, record_source: str, out: Any, skip: int = 0) -> None:
    """The helper process: parse and send :func:`pack_studies` messages of a few records
    each. The first ``skip`` records are parsed but not sent."""
    _die_with_parent()
    chunk: list[Study] = []
    try:
        for record in itertools.islice(iter_file(Path(path), fmt, record_source), skip, None):
            chunk.append(record)
            if len(chunk) >= CHUNK:
                out.put(("rows", pack_studies(chunk)))
                chunk = []
        out.put(("rows", pack_studies(chunk)))
        out.put(("end", None))
    except Exception as exc:
        out.put(("rows", pack_studies(chunk)))
        out.put(("error", exc))


def _single(path: Path, fmt: str, record_source: str, *, skip: int = 0) -> Iterator[StudyRow]:
    """StudyRows parsed by one helper process."""
    ctx = mp.get_context("spawn")  # never fork a process that may run Qt threads
    out: Any = ctx.Queue(maxsize=DEPTH)
    proc = ctx.Process(
        target=_worker, args=(str(path), fmt, record_source, out, skip), daemon=True,
        name=_HELPER_NAME,
    )
    proc.start()
    received = False
    try:
        while True:
            kind, value = _next_message(proc, out)
            if kind == "stopped":
                if not received:  # e.g. a __main__ that a spawned process cannot import
                    log.warning("parsing %s in this process: the helper did not start", path)
                    yield from itertools.islice(iter_rows(path, fmt, record_source), skip, None)
                    return
                raise RuntimeError(
                    f"The parsing process for {path.name} stopped unexpectedly "
                    f"(exit code {value})."
                )
            received = True
            if kind == "rows":
                yield from unpack_rows(value)
            elif kind == "error":
                raise value
            else:
                return
    finally:
        _stop(proc, out)


def _next_message(proc: Any, out: Any) -> tuple[str, Any]:
    """The helper's next message, or ("stopped", its exit code) if it ended without one."""
    while True:
        try:
            return cast(tuple[str, Any], out.get(timeout=1.0))
        except queue.Empty:
            if not proc.is_alive():
                return "stopped", proc.exitcode


def _stop(proc: Any, out: Any) -> None:
    if proc.is_alive():
        proc.terminate()  # the consumer stopped early or failed
    proc.join(timeout=10)
    out.close()
    out.join_thread()


# -- several helpers, each parsing spans of the file ---------------------------------------

#: What precedes the records of a PubMed XML file we know how to cut into spans: an XML
#: declaration, a DOCTYPE without an internal subset, and the root start tag. Anything
#: else (comments, entity declarations, another root) is parsed by one helper.
_PROLOG = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[^<>]*\?>)?\s*(?:<!DOCTYPE\s[^<>\[\]]*>)?\s*"
    rb"<(PubmedArticleSet)(?:\s[^<>]*)?>"
)
_RECORD_TAG = b"<PubmedArticle"
_TAG_END = frozenset({b">", b" ", b"\t", b"\n", b"\r"})  # what may follow the tag's name
_WINDOW = 32 * 1024


@dataclass(frozen=True)
class _Layout:
    """How a file is cut into spans: ``prolog`` (up to the end of the root start tag),
    the root end tag, the file's size, and about how many bytes a span holds.

    Span ``n`` starts at the first ``<PubmedArticle`` at or after ``len(prolog) + n *
    span_bytes`` (span 0 right after the prolog) and ends where span ``n + 1`` starts, or
    at the end of the file. Each helper finds the cuts around its own spans, so nothing
    has to read the file before the helpers start.
    """

    prolog: bytes
    closing: bytes
    size: int
    span_bytes: int

    def start(self, fh: IO[bytes], n: int) -> int | None:
        """Where span ``n`` starts (None: there is no span ``n``)."""
        if n == 0:
            return len(self.prolog)
        return _next_record_start(fh, len(self.prolog) + n * self.span_bytes, self.size)


def _span_layout(path: Path) -> _Layout | None:
    """How to cut ``path`` into spans of about :data:`SPAN_BYTES`, or None if it is not a
    plain PubMed XML file with a simple prolog (gzip, comments, an internal DTD ...).

    A cut goes just before some ``<PubmedArticle`` in the bytes; it is only *probably*
    between two records (the text could sit in a comment or a CDATA section). The span
    before a cut is parsed as a document of its own (the prolog, the span, the root end
    tag), which is well-formed only if the cut was between two records of the root, so a
    span that parses proves the cut after it; one that does not makes the import fall
    back to a sequential parse (see :func:`_split`).
    """
    with open(path, "rb") as fh:
        match = _PROLOG.match(fh.read(_WINDOW))
        size = os.fstat(fh.fileno()).st_size
    if match is None:
        return None
    return _Layout(match.group(0), b"</" + match.group(1) + b">", size, SPAN_BYTES)


def _next_record_start(fh: IO[bytes], pos: int, size: int) -> int | None:
    # Reads rather than a memory map: mapped file pages would count as this process's
    # memory (and its helpers', which start with its peak).
    while pos < size:
        fh.seek(pos)
        window = fh.read(_WINDOW)
        at = window.find(_RECORD_TAG)  # far faster than a regular expression
        while at >= 0:
            if window[at + len(_RECORD_TAG) : at + len(_RECORD_TAG) + 1] in _TAG_END:
                return pos + at
            at = window.find(_RECORD_TAG, at + 1)
        if len(window) < _WINDOW:
            return None
        pos += len(window) - 32  # a tag cut by the window's edge is found in the next one
    return None


def _span_document(fh: IO[bytes], layout: _Layout, n: int) -> bytes | None:
    """Span ``n`` as a document of its own: the prolog, the span's bytes and the root end
    tag (the last span runs to the end of the file, which ends the document itself).
    None if there is no span ``n``; ValueError if it is too large to hold."""
    start = layout.start(fh, n)
    if start is None:
        return None
    end = layout.start(fh, n + 1)
    if (layout.size if end is None else end) - start > _MAX_SPANS * layout.span_bytes:
        raise ValueError(f"span {n} is too large")  # a huge record, or a lot of non-records
    fh.seek(start)
    if end is None:
        return layout.prolog + fh.read()
    return layout.prolog + fh.read(end - start) + layout.closing


_MAX_SPANS = 8  # a span larger than this many SPAN_BYTES is streamed instead


def _span_worker(
    path: str, layout: _Layout, first: int, step: int, record_source: str, out: Any
) -> None:
    """A helper process parsing spans ``first``, ``first + step`` ... in order:
    :func:`pack_studies` messages, then ("span", n) after each; ("end", n) when there is
    no span ``n``; ("failed", n) when span ``n`` does not parse."""
    _die_with_parent()
    with open(path, "rb") as fh:
        for n in itertools.count(first, step):
            try:
                document = _span_document(fh, layout, n)
                if document is None:
                    out.put(("end", n))
                    return
                records = parse_document(document, record_source=record_source)
            except Exception as exc:
                log.debug("span %d of %s does not parse on its own: %s", n, path, exc)
                out.put(("failed", n))
                return
            for i in range(0, len(records), CHUNK):
                out.put(("rows", pack_studies(records[i : i + CHUNK])))
            out.put(("span", n))


def _split(path: Path, layout: _Layout, record_source: str) -> Iterator[StudyRow]:
    """StudyRows of a PubMed XML file whose spans :data:`HELPERS` processes parse."""
    ctx = mp.get_context("spawn")  # never fork a process that may run Qt threads
    helpers = []
    for h in range(HELPERS):
        out: Any = ctx.Queue(maxsize=DEPTH)
        proc = ctx.Process(
            target=_span_worker, args=(str(path), layout, h, HELPERS, record_source, out),
            daemon=True, name=_HELPER_NAME,
        )
        proc.start()
        helpers.append((proc, out))
    yielded = 0
    complete = False
    try:
        for n in itertools.count():
            proc, out = helpers[n % HELPERS]
            while True:
                kind, value = _next_message(proc, out)
                if kind == "rows":
                    rows = unpack_rows(value)
                    yield from rows
                    yielded += len(rows)
                    continue
                break
            if kind == "end" and value == n:
                complete = True
                break
            if kind != "span" or value != n:
                log.info("parsing %s from the start in one process (span %d: %s %s)",
                         path, n, kind, value)
                break
    finally:
        for proc, out in helpers:
            _stop(proc, out)
    if not complete:
        # Sequentially, skipping what was yielded: the records and errors of a plain parse.
        yield from _single(path, "pubmed-xml", record_source, skip=yielded)
