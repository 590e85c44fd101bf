"""Fuzzing the PubMed XML, MEDLINE/NBIB and RIS importers (issue 15).

Structured mutations of real files (Biopython's recorded NCBI replies in tests/data/ncbi;
RIS written by the app's own exporter from those records, and hand-written RIS in the
styles of EndNote, Scopus and Zotero exports): truncation, byte flips, duplicated and
removed tags, huge fields, wrong encodings, deep nesting and entity tricks. Each case is
imported by ``evidence-tracker import`` in a child process (:mod:`fuzz.harness`), which
must end clean or refused (no traceback, no hang), under the memory limit, and a refused
file that imported nothing must leave the project as it was. Hypothesis drives the
readers in-process too.

Quick in ``make test``; ``EVIDENCE_TRACKER_FUZZ=long`` runs more cases and the large clean
imports. ``pytest -s`` prints the figures (files per format, outcomes, largest case).
"""

from __future__ import annotations

import http.server
import io
import os
import random
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fuzz.harness import (
    LONG,
    MEMORY_LIMIT_MB,
    Outcome,
    Tally,
    new_project,
    project_digest,
    run_import,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_tracker.formats import nbib, ris
from evidence_tracker.formats.fields import FormatError
from evidence_tracker.pubmed.medline import MedlineParseError, iter_medline
from evidence_tracker.pubmed.parser import PubMedParseError, iter_pubmed_xml

DATA = Path(__file__).resolve().parents[1] / "data" / "ncbi"
XML_FILES = sorted(DATA.glob("pubmed*.xml"))
MEDLINE_FILES = sorted(DATA.glob("pubmed_result*.txt"))
#: Child-process cases per format: ~15 quick, many more in the long run.
CASES = 80 if LONG else 10
WORKERS = min(4, os.cpu_count() or 1)
LARGE_MB = 50

#: Hand-written records in the shapes other tools export (fictional records).
ENDNOTE_RIS = (
    "\ufeffTY  - JOUR\r\nAU  - Moreau, Claire\r\nAU  - Okafor, Daniel E.\r\n"
    "TI  - Low-dose ketamine infusions in complex regional pain syndrome: a cohort\r\n"
    "T2  - Journal of Pain Research\r\nPY  - 2018\r\nVL  - 11\r\nSP  - 2301\r\nEP  - 2310\r\n"
    "SN  - 1178-7090\r\nDO  - 10.2147/JPR.S000001\r\nN1  - PMID: 30000101\r\nER  - \r\n\r\n"
)
SCOPUS_RIS = (
    "TY  - JOUR\nAU  - Lindqvist, A.\nAU  - Haddad, R.\nTI  - Ketamine for fibromyalgia: a "
    "randomised crossover trial\nT2  - Pain\nJ2  - Pain\nVL  - 160\nIS  - 4\nSP  - 812\n"
    "EP  - 821\nPY  - 2019\nDO  - 10.1097/j.pain.0000000000000002\nUR  - https://www.scopus."
    "com/inward/record.uri?eid=2-s2.0-0000\nAB  - Background: ketamine is used off-label. "
    "Methods: 40 patients. Results: no lasting benefit.\nKW  - ketamine\nKW  - fibromyalgia\n"
    "LA  - English\nDB  - Scopus\nM3  - Article\nER  - \n\n"
)
ZOTERO_RIS = (
    "TY  - JOUR\nTI  - Oral ketamine in neuropathic pain: a systematic review\nAU  - Brandt, "
    "Sofie\nA1  - Nakamura, Ken\nT2  - European Journal of Pain\nAB  - We reviewed 12 trials"
    ".\nDA  - 2020/06//\nDO  - 10.1002/ejp.0003\nVL  - 24\nIS  - 6\nSP  - 1040-1052\n"
    "J2  - Eur J Pain\nSN  - 1090-3801\nUR  - https://doi.org/10.1002/ejp.0003\n"
    "Y2  - 2021/01/05/10:00:00\nL2  - \nKW  - Ketamine\nER  - \n\n"
)


def _ris_from_ncbi() -> bytes:
    """RIS written by the app's exporter from the real NCBI records."""
    studies = [s for path in XML_FILES for s in iter_pubmed_xml(path)]
    studies += [s for path in MEDLINE_FILES for s in iter_medline(path)]
    out = io.StringIO()
    ris.write_ris(studies, out)
    return out.getvalue().encode("utf-8")


def _nbib_from_xml() -> bytes:
    out = io.StringIO()
    nbib.write_nbib([s for s in iter_pubmed_xml(DATA / "pubmed4.xml")], out)
    return out.getvalue().encode("utf-8")


def seeds(fmt: str) -> list[tuple[str, bytes]]:
    if fmt == "xml":
        return [(p.name, p.read_bytes()) for p in XML_FILES]
    if fmt == "medline":
        return [(p.name, p.read_bytes()) for p in MEDLINE_FILES] + [
            ("exported.nbib", _nbib_from_xml())]
    return [("exported.ris", _ris_from_ncbi()), ("endnote.ris", ENDNOTE_RIS.encode()),
            ("scopus.ris", SCOPUS_RIS.encode()), ("zotero.ris", ZOTERO_RIS.encode())]


# -- mutations ----------------------------------------------------------------------------

Mutation = Callable[[bytes, random.Random, str], bytes]


def truncate(data: bytes, rng: random.Random, fmt: str) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def flip_bytes(data: bytes, rng: random.Random, fmt: str) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def duplicate_tag(data: bytes, rng: random.Random, fmt: str) -> bytes:
    lines = _lines(data)
    n = rng.randrange(len(lines))
    return b"".join(lines[: n + 1] + [lines[n]] * rng.randint(1, 50) + lines[n + 1:])


def remove_tag(data: bytes, rng: random.Random, fmt: str) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def remove_titles_and_ids(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """Records with nothing to be known by (issue 15, item 1)."""
    drop = {"xml": (b"<ArticleTitle", b"<PMID", b"<ELocationID", b"<ArticleId "),
            "medline": (b"TI  -", b"PMID-", b"LID -", b"AID -"),
            "ris": (b"TI  -", b"DO  -", b"AN  -", b"N1  -")}[fmt]
    return b"".join(line for line in _lines(data) if not line.lstrip().startswith(drop))


def huge_field(data: bytes, rng: random.Random, fmt: str) -> bytes:
    size = rng.choice([2**20, 5 * 2**20]) if not LONG else rng.choice([2**20, 20 * 2**20])
    words = (b"ketamine " * (size // 9 + 1))[:size]
    if fmt == "xml":
        return data.replace(b"</ArticleTitle>", b" " + words + b"</ArticleTitle>", 1)
    if fmt == "medline":
        wrapped = b"\n      ".join(words[i:i + 70] for i in range(0, len(words), 70))
        return data.replace(b"\nTI  - ", b"\nTI  - " + wrapped + b"\n      ", 1)
    return data.replace(b"\nTI  - ", b"\nTI  - " + words + b" ", 1)


def wrong_encoding(data: bytes, rng: random.Random, fmt: str) -> bytes:
    text = data.decode("utf-8", errors="replace") + "Café Müller ✓"
    return text.encode(rng.choice(["latin-1", "utf-16", "cp1252", "utf-32"]), errors="replace")


def deep_nesting(data: bytes, rng: random.Random, fmt: str) -> bytes:
    depth = rng.choice([300, 5000, 100_000])
    if fmt == "xml":
        nest = b"<i>" * depth + b"deep" + b"</i>" * depth
        return data.replace(b"</ArticleTitle>", nest + b"</ArticleTitle>", 1)
    # Line formats have no nesting: deeply indented continuation lines instead.
    return data.replace(b"\n", b"\n" + b" " * depth + b"x\n", 1)


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY lol "lol">\n'
                  + b"".join(b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1
                                                               else b"&lol;") * 10)
                             for n in range(1, 10))
                  + b"]>\n")


#: Where the external-DTD trick points (a local server in the test that counts requests).
DTD_URL = b"http://127.0.0.1:9/evil.dtd"


def entity_trick(data: bytes, rng: random.Random, fmt: str) -> bytes:
    if fmt != "xml":
        return data.replace(b"TI  - ", b"TI  - &lol9; &xxe; <!ENTITY x SYSTEM 'file:///etc/"
                            b"passwd'> ", 1)
    body = data.split(b"<PubmedArticleSet>", 1)[-1]
    choice = rng.randrange(3)
    if choice == 0:  # billion laughs
        return BILLION_LAUGHS + b"<PubmedArticleSet>" + body.replace(
            b"</ArticleTitle>", b"&lol9;</ArticleTitle>", 1)
    if choice == 1:  # external entity: a local file
        return (b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM '
                b'"file:///etc/passwd">]>\n<PubmedArticleSet>'
                + body.replace(b"</ArticleTitle>", b"&xxe;</ArticleTitle>", 1))
    # an external DTD over the network: never fetched
    return (b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "' + DTD_URL
            + b'">\n<PubmedArticleSet>' + body)


MUTATIONS: list[Mutation] = [truncate, flip_bytes, duplicate_tag, remove_tag,
                             remove_titles_and_ids, huge_field, wrong_encoding, deep_nesting,
                             entity_trick]
SUFFIX = {"xml": ".xml", "medline": ".nbib", "ris": ".ris"}


def cases(fmt: str, count: int, seed: int = 15) -> Iterator[tuple[str, bytes]]:
    """``count`` mutated files: every mutation at least once, then random ones."""
    rng = random.Random(f"{fmt}-{seed}")
    base = seeds(fmt)
    for n in range(count):
        mutation = MUTATIONS[n] if n < len(MUTATIONS) else rng.choice(MUTATIONS)
        name, data = rng.choice(base)
        yield f"{n:03d}-{mutation.__name__}-{name}", mutation(data, rng, fmt)


# -- running cases ------------------------------------------------------------------------


def _check(label: str, outcome: Outcome, before: str, after: str) -> list[str]:
    problems = []
    if outcome.kind not in ("clean", "refused"):
        problems.append(f"{label}: {outcome.kind}: {outcome.stderr[-800:]}")
    if outcome.peak_mb > MEMORY_LIMIT_MB:
        problems.append(f"{label}: peak {outcome.peak_mb:.0f} MB > {MEMORY_LIMIT_MB} MB")
    if outcome.kind == "refused":
        if "Traceback" in outcome.stderr or not outcome.stderr.strip():
            problems.append(f"{label}: refused without a message")
        if "imported." in outcome.stderr and "before the problem were imported" not in \
                outcome.stderr and after != before:
            problems.append(f"{label}: refused, nothing imported, but the project changed")
    return problems


def run_cases(fmt: str, tmp_path: Path, files: list[tuple[str, bytes]]) -> Tally:
    template = new_project(tmp_path)
    before = project_digest(template)
    tally = Tally(fmt, {})

    def one(n: int, name: str, data: bytes) -> tuple[int, Outcome, list[str]]:
        folder = tmp_path / f"case{n}"
        folder.mkdir()
        db = folder / "project.sqlite3"
        shutil.copy(template, db)
        path = folder / (name + SUFFIX[fmt])
        path.write_bytes(data)
        outcome = run_import(db, path)
        after = project_digest(db) if outcome.kind == "refused" else before
        return len(data), outcome, _check(name, outcome, before, after)

    problems: list[str] = []
    with ThreadPoolExecutor(WORKERS) as pool:
        for size, outcome, found in pool.map(lambda a: one(*a),
                                             [(n, name, data)
                                              for n, (name, data) in enumerate(files)]):
            tally.add(size, outcome)
            problems += found
    print(f"\n{tally.line()}")
    assert not problems, "\n".join(problems)
    return tally


@pytest.mark.parametrize("fmt", ["xml", "medline", "ris"])
def test_mutated_real_files_never_crash_hang_or_grow(fmt: str, tmp_path: Path) -> None:
    files = list(cases(fmt, CASES))
    tally = run_cases(fmt, tmp_path, files)
    assert sum(tally.counts.values()) == CASES
    assert tally.counts.get("clean", 0) and tally.counts.get("refused", 0)


def test_entities_are_never_expanded_or_fetched(tmp_path: Path) -> None:
    """Billion laughs and external entities are refused, quickly and small; an external
    DTD is never fetched (a real local server counts the requests)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'<!ENTITY lol "expanded">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/evil.dtd".encode()
    try:
        data = (DATA / "pubmed1.xml").read_bytes()
        db = new_project(tmp_path)
        before = project_digest(db)
        for n, marker in enumerate((b"lol9", b"xxe", DTD_URL)):
            rng = random.Random(0)
            mutated = entity_trick(data, rng, "xml")
            while marker not in mutated:
                mutated = entity_trick(data, rng, "xml")
            path = tmp_path / f"entities{n}.xml"
            path.write_bytes(mutated.replace(DTD_URL, url))
            outcome = run_import(db, path, time_limit=20)
            assert outcome.peak_mb < MEMORY_LIMIT_MB and "root:" not in outcome.stderr
            if marker == DTD_URL:  # no entities declared: read, with the DTD ignored
                assert outcome.kind == "clean", outcome
                continue
            assert outcome.kind == "refused", outcome
            assert "entit" in outcome.stderr.lower(), outcome
            assert project_digest(db) == before
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert requests == []


# -- the largest case per format ----------------------------------------------------------


def _large(fmt: str, folder: Path) -> Path:
    """A file of :data:`LARGE_MB` MB: one record with one huge field (the shape that blew
    up), refused with bounded memory."""
    size = LARGE_MB * 2**20
    path = folder / f"large{SUFFIX[fmt]}"
    with path.open("wb") as out:
        if fmt == "ris":  # one line
            out.write(b"TY  - JOUR\nTI  - A title\nAB  - ")
            chunk = b"word " * 2**18
            for _ in range(size // len(chunk)):
                out.write(chunk)
            out.write(b"\nER  - \n")
        elif fmt == "medline":  # one field over many continuation lines
            out.write(b"PMID- 1\nTI  - A title\nAB  - start\n")
            chunk = b"      word word word word word word word word word word word word\n" \
                * 4096
            for _ in range(size // len(chunk)):
                out.write(chunk)
        else:  # one abstract
            out.write(b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>"
                      b"<Article><ArticleTitle>A title</ArticleTitle><Abstract><AbstractText>")
            chunk = b"word " * 2**18
            for _ in range(size // len(chunk)):
                out.write(chunk)
            out.write(b"</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
                      b"</PubmedArticleSet>")
    return path


def _large_clean(fmt: str, folder: Path) -> Path:
    """About :data:`LARGE_MB` MB of valid records (distinct PMIDs), for the long run."""
    path = folder / f"many{SUFFIX[fmt]}"
    if fmt == "xml":
        template = (DATA / "pubmed4.xml").read_bytes()
        head, rest = template.split(b"<PubmedArticle>", 1)
        record = b"<PubmedArticle>" + rest.rsplit(b"</PubmedArticleSet>", 1)[0]
        pmid = next(iter_pubmed_xml(DATA / "pubmed4.xml")).pmid.encode()
    else:
        record = (DATA / "pubmed_result1.txt").read_bytes() if fmt == "medline" \
            else _ris_from_ncbi().split(b"ER  - \n")[0] + b"ER  - \n"
        pmid = next(iter_medline(DATA / "pubmed_result1.txt")).pmid.encode() \
            if fmt == "medline" else next(iter_pubmed_xml(XML_FILES[0])).pmid.encode()
    with path.open("wb") as out:
        if fmt == "xml":
            out.write(head)
        n, written = 0, 0
        while written < LARGE_MB * 2**20:
            n += 1
            piece = record.replace(pmid, str(20_000_000 + n).encode()) + b"\n"
            out.write(piece)
            written += len(piece)
        if fmt == "xml":
            out.write(b"</PubmedArticleSet>\n")
    return path


@pytest.mark.parametrize("fmt", ["xml", "medline", "ris"])
def test_largest_case(fmt: str, tmp_path: Path) -> None:
    db = new_project(tmp_path)
    before = project_digest(db)
    tally = Tally(f"{fmt} large", {})
    path = _large(fmt, tmp_path)
    outcome = run_import(db, path, time_limit=120)
    tally.add(path.stat().st_size, outcome)
    assert outcome.kind == "refused", outcome
    assert outcome.peak_mb < MEMORY_LIMIT_MB, outcome
    assert project_digest(db) == before
    path.unlink()
    if LONG:
        many = _large_clean(fmt, tmp_path)
        clean = run_import(db, many, time_limit=600)
        tally.add(many.stat().st_size, clean)
        assert clean.kind == "clean", clean
        assert clean.peak_mb < MEMORY_LIMIT_MB, clean
    print(f"\n{tally.line()}")


# -- hypothesis, in-process ---------------------------------------------------------------

FUZZ_SETTINGS = settings(max_examples=200 if LONG else 25, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])
RIS_LINE = st.sampled_from(["TY  - JOUR", "TY - JOUR", "ER  - ", "TI  - A title", "AU  - Doe, J",
                            "A1  - Roe, A", "PY  - 2020", "DA  - 2019/02/31/", "DO  - 10.1/x",
                            "DO  - junk", "AN  - 12", "DB  - PubMed", "  continued", "", "1.",
                            "KW  - k", "C2  - PMC12", "N1  - PMID: 99"]) | st.text(max_size=40)


@FUZZ_SETTINGS
@given(st.lists(RIS_LINE, max_size=30))
def test_ris_reader_gives_studies_or_a_format_error(lines: list[str]) -> None:
    try:
        studies = list(ris.read_ris("\n".join(lines)))
    except FormatError as exc:
        assert str(exc)
    else:
        assert studies  # a file without records is an error, never "0 records"
        assert all(not s.pmid or s.pmid.isdigit() for s in studies)


MEDLINE_LINE = st.sampled_from(["PMID- 1", "PMID-2", "OWN - ERIC", "OWN - NLM", "TI  - T",
                                "      more", "AU  - Doe J", "AU  - Roe, Ann", "DP  - 2020 Feb",
                                "PMC - PMCx", "", "LID - 10.1/x [doi]"]) | st.text(max_size=40)


@FUZZ_SETTINGS
@given(st.lists(MEDLINE_LINE, max_size=30))
def test_medline_reader_gives_studies_or_a_parse_error(lines: list[str]) -> None:
    try:
        studies = list(iter_medline("\n".join(lines) + "\n"))
    except MedlineParseError as exc:
        assert str(exc)
    else:
        assert all(not s.pmcid or s.pmcid[3:].isdigit() for s in studies)


@FUZZ_SETTINGS
@given(st.data())
def test_xml_reader_gives_studies_or_a_parse_error(data: st.DataObject) -> None:
    raw = (DATA / "pubmed1.xml").read_bytes()
    mutation = data.draw(st.sampled_from(MUTATIONS))
    mutated = mutation(raw, random.Random(data.draw(st.integers(0, 2**32))), "xml")
    if len(mutated) > 2 * 2**20:
        mutated = mutated[: 2 * 2**20]
    try:
        studies = list(iter_pubmed_xml(mutated))
    except PubMedParseError as exc:
        assert str(exc)
    else:
        assert all(s.pmid.isdigit() for s in studies)
