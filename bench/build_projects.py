"""Build (and cache) benchmark projects of N real PubMed records with realistic judgements.

    python bench/build_projects.py --sizes 1000,10000,100000 [--cache DIR] [--rebuild]

The records: NLM's update file pubmed21n1298.xml (20,788 real PubmedArticle records; fetched
and checked by :func:`bench_parse.real_corpus`), repeated as often as needed. Copy ``k`` (0 is
the file as published) gets new PMIDs (every ``<PMID>`` and ``pubmed`` article id plus
``k * PMID_STRIDE``) and unique DOIs (``.bench<k>`` appended), so no copy is a duplicate of
another. The deletion notice at the end of the file is left out.

The project is made the way a user makes one, through the application's own services:

1. ``services.project.open_or_create`` (seeded conditions and clinic claims);
2. ``services.imports.import_file`` of the N records (one file);
3. each seeded condition's share of the studies fetched with ``services.fetch.fetch_condition``
   from the local fake E-utilities server (tests/fake_eutils.py) serving those same records,
   so that the studies belong to conditions (every study to one condition);
4. 10% of the studies screened by two reviewers (``services.screening.screen``; the second
   disagrees on one in ten), 1% linked to the seeded claims (``services.evidence.link_study``,
   quoting the title; one claim gets a third of the links), a few hundred appraised
   (``services.appraisal.appraise``), every linked claim GRADE-graded
   (``services.grading.grade_with``) and a few verdicts recorded.

The result is cached under ``<cache>/projects/`` keyed by size, the latest migration file name
(a schema change rebuilds) and :data:`BUILD_VERSION` (a change to this builder rebuilds).
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(HERE), str(ROOT), str(ROOT / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench_parse import CorpusMissing, default_cache, real_corpus  # noqa: E402

#: Bump when the project this module builds changes (the cache is keyed by it).
BUILD_VERSION = 1
PMID_STRIDE = 100_000_000
REVIEWERS = ("Dr Ada Reviewer", "Dr Ben Second")
SCREENED_SHARE = 10  # one study in 10 is screened by both reviewers
LINKED_SHARE = 100  # one study in 100 is linked to a claim
APPRAISED = 300  # "a few hundred" appraised studies (at most one in five of the project)
VERDICTS = 5
_PMID = re.compile(r'(<PMID[^>]*>|<ArticleId IdType="pubmed">)(\d+)(</)')
_DOI = re.compile(r'((?:EIdType|IdType)="doi"[^>]*>)([^<]+)(<)')
HEADER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n<PubmedArticleSet>\n'
)
FOOTER = "</PubmedArticleSet>\n"


def log(text: str) -> None:
    print(f"[build {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def schema_version() -> str:
    """The latest migration's file name: a project built under another schema is rebuilt."""
    return sorted(p.name for p in (ROOT / "db").glob("*.sql"))[-1]


def project_path(cache: Path, size: int, corpus: Path) -> Path:
    migration = Path(schema_version()).stem
    name = f"bench-{size}-{corpus.stem}-{migration}-b{BUILD_VERSION}.sqlite3"
    return cache / "projects" / name


# --------------------------------------------------------------------------- records


def corpus_articles(corpus: Path) -> Iterator[str]:
    """Each PubmedArticle element of a PubmedArticleSet file, as text, found by a scan for
    its tags (no parse: the records go through the real import, which parses them)."""
    start, end = "<PubmedArticle>", "</PubmedArticle>"
    parts: list[str] = []
    inside = False
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            while line:
                if not inside:
                    found = line.find(start)
                    if found < 0:
                        break
                    line, inside, parts = line[found:], True, []
                found = line.find(end)
                if found < 0:
                    parts.append(line)
                    break
                cut = found + len(end)
                parts.append(line[:cut])
                yield "".join(parts) + "\n"
                line, inside = line[cut:], False


def renumbered(article: str, copy: int) -> str:
    """``article`` as copy number ``copy``: PMIDs moved up, DOIs made unique."""
    if copy == 0:
        return article
    article = _PMID.sub(lambda m: f"{m[1]}{int(m[2]) + copy * PMID_STRIDE}{m[3]}", article)
    return _DOI.sub(lambda m: f"{m[1]}{m[2]}.bench{copy}{m[3]}", article)


def first_pmid(article: str) -> str:
    found = _PMID.search(article)
    assert found is not None, "a PubmedArticle without a PMID"
    return found[2]


def articles(corpus: Path, count: int, first_copy: int = 0) -> Iterator[str]:
    """``count`` articles: the corpus, then renumbered copies of it, from ``first_copy``."""
    made = 0
    copy = first_copy
    while made < count:
        before = made
        for article in corpus_articles(corpus):
            yield renumbered(article, copy)
            made += 1
            if made == count:
                return
        if made == before:
            raise CorpusMissing(f"{corpus} holds no PubmedArticle")
        copy += 1


def write_articles(path: Path, items: Iterator[str]) -> int:
    """Write a PubmedArticleSet file; returns the number of articles."""
    n = 0
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for article in items:
            out.write(article)
            n += 1
        out.write(FOOTER)
    partial.replace(path)
    return n


# --------------------------------------------------------------------------- the project


@dataclass
class BuildReport:
    size: int
    path: Path
    seconds: dict[str, float]

    def text(self) -> str:
        steps = ", ".join(f"{k} {v:.0f} s" for k, v in self.seconds.items())
        return f"built {self.path.name}: {steps}"


def _timed(seconds: dict[str, float], name: str, step: Callable[[], object]) -> None:
    started = time.perf_counter()
    step()
    seconds[name] = time.perf_counter() - started
    log(f"{name}: {seconds[name]:.1f} s")


def write_shares(source: Path, items: Iterator[str], shares: list[Path]) -> int:
    """Write every article to ``source`` and article ``i`` also to ``shares[i % n]``."""
    outs = [open(p, "w", encoding="utf-8") for p in (source, *shares)]  # noqa: SIM115
    n = 0
    try:
        for out in outs:
            out.write(HEADER)
        for n, article in enumerate(items, start=1):
            outs[0].write(article)
            outs[1 + (n - 1) % len(shares)].write(article)
        for out in outs:
            out.write(FOOTER)
    finally:
        for out in outs:
            out.close()
    return n


def _fetch_memberships(project: object, shares: dict[str, Path]) -> None:
    """Every study joins one seeded condition, through a fetch of that condition from the
    fake E-utilities server serving its share of the very records imported."""
    from fake_eutils import FakeEutils, spread_edats

    from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig
    from evidence_tracker.services.fetch import fetch_condition
    from evidence_tracker.store import Project

    assert isinstance(project, Project)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake server's request log
    for slug, share in shares.items():
        records = list(corpus_articles(share))
        edats = spread_edats(len(records), date(1990, 1, 1), date(2024, 12, 31))
        with FakeEutils.running() as fake:
            fake.add_records((first_pmid(a), e, a.encode())
                             for a, e in zip(records, edats, strict=True))
            del records
            config = EutilsConfig(base_url=fake.base_url, requests_per_second=1000)
            with EutilsClient(config) as client:
                summary = fetch_condition(project, slug, client)
        share.unlink()
        log(f"  fetched {slug}: {summary.fetched} records")


def _judgements(project: object) -> None:
    """The judgements mix, through the services the GUI and the CLI call."""
    from evidence_tracker.services import appraisal, evidence, grading, screening
    from evidence_tracker.services.claims import ClaimsError
    from evidence_tracker.store import Project
    from evidence_tracker.store.claims import list_claims

    assert isinstance(project, Project)
    ada, ben = REVIEWERS
    ids = [r[0] for r in project.conn.execute(
        "SELECT id FROM studies WHERE deleted = 0 ORDER BY id")]
    reasons = screening.exclusion_reasons(project)
    started = time.perf_counter()
    screened = ids[::SCREENED_SHARE]
    for n, study_id in enumerate(screened):
        decision = ("include", "exclude", "maybe")[n % 3]
        reason = reasons[n % len(reasons)] if decision == "exclude" else ""
        screening.screen(project, study_id, decision, reviewer=ada, reason=reason)
        other = decision if n % 10 else ("exclude" if decision != "exclude" else "include")
        screening.screen(project, study_id, other, reviewer=ben,
                         reason=reasons[0] if other == "exclude" else "")
    log(f"  screened {len(screened)} studies twice in {time.perf_counter() - started:.0f} s")

    claims = [c for c in list_claims(project)]
    stances = ("supports", "contradicts", "partly_supports", "supports")
    linked_claims: dict[int, int] = {}
    linked = 0
    for n, study_id in enumerate(ids[5::LINKED_SHARE]):
        # One claim gets a third of the links (the "claim page with the most links").
        claim = claims[0] if n % 3 == 0 else claims[n % len(claims)]
        title = project.conn.execute(
            "SELECT title FROM studies WHERE id = ?", (study_id,)).fetchone()[0]
        try:
            evidence.link_study(project, study_id, claim.id, stance=stances[n % len(stances)],
                                quotes=[title], reviewer=ada if n % 2 else ben,
                                outcome="pain intensity", timepoint="12 weeks")
        except ClaimsError as exc:  # a title the quote check refuses: counted, not hidden
            log(f"  link of study {study_id} refused: {exc}")
            continue
        linked += 1
        linked_claims[claim.id] = linked_claims.get(claim.id, 0) + 1
    log(f"  linked {linked} studies to {len(linked_claims)} claims")

    appraised = ids[3::max(5, len(ids) // APPRAISED)][:APPRAISED]
    for study_id in appraised:
        appraisal.appraise(project, study_id, appraisal.new_appraisal(project, study_id),
                           reviewer=ada)
    log(f"  appraised {len(appraised)} studies")
    for claim_id in linked_claims:
        grading.grade_with(project, claim_id, reviewer=ada)
    for claim_id in list(linked_claims)[:VERDICTS]:
        status = evidence.verdict_status(project, claim_id)
        evidence.record_verdict(project, claim_id, status.suggested.verdict,
                                rationale="Benchmark verdict.", reviewer=ada)
    log(f"  graded {len(linked_claims)} claims, {min(VERDICTS, len(linked_claims))} verdicts")


def older_build(path: Path) -> Path | None:
    """The newest cached project of the same size, corpus and builder version made under an
    older schema, if any (what :func:`upgrade_project` starts from)."""
    size, corpus = path.name.split("-")[1:3]
    pattern = f"bench-{size}-{corpus}-*-b{BUILD_VERSION}.sqlite3"
    older = sorted(p for p in path.parent.glob(pattern) if p.name < path.name)
    return older[-1] if older else None


def upgrade_project(older: Path, path: Path) -> Path:
    """``path`` made from ``older`` the way a user's project gets there: the application opens
    a copy and migrates it; then `evidence-tracker compact`, so that its size compares with
    a fresh build's."""
    from evidence_tracker.services import project as project_service

    work = path.with_name(path.stem + ".upgrading.sqlite3")
    for stale in path.parent.glob(work.name + "*"):
        stale.unlink()
    started = time.perf_counter()
    shutil.copyfile(older, work)
    with project_service.open_or_create(work) as project:
        migrated = time.perf_counter() - started
        project_service.compact_project(project)
    for leftover in path.parent.glob(work.name + "*"):
        if leftover != work:
            leftover.unlink()  # -wal/-shm and the migration's backup copy
    work.replace(path)
    log(f"upgraded {older.name} -> {path.name}: migrated in {migrated:.1f} s, "
        f"VACUUM {time.perf_counter() - started - migrated:.1f} s")
    return path


def build_project(cache: Path, size: int, *, corpus: Path | None = None,
                  rebuild: bool = False, upgrade: bool = False) -> Path:
    """The cached project of ``size`` studies from ``corpus`` (default: the real NLM file,
    fetched into ``cache`` if missing), built first if missing (or ``rebuild``). With
    ``upgrade``, a missing project is migrated from an older-schema build when there is one
    (minutes instead of a fresh build's 23 at 100k)."""
    from evidence_tracker.services import project as project_service
    from evidence_tracker.services.imports import import_file
    from evidence_tracker.store import conditions as condition_store

    corpus = corpus or real_corpus(cache)
    path = project_path(cache, size, corpus)
    if path.exists() and not rebuild:
        return path
    older = None if rebuild or not upgrade else older_build(path)
    if older is not None:
        return upgrade_project(older, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = path.with_name(path.stem + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    db = work / path.name
    source = work / f"pubmed-{size}.xml"
    seconds: dict[str, float] = {}
    log(f"building {size} studies into {path}")
    with project_service.open_or_create(db) as project:
        slugs = [c.slug for c in condition_store.list_conditions(project) if c.query.strip()]
        shares = {slug: work / f"{slug}.xml" for slug in slugs}
        _timed(seconds, "write records", lambda: write_shares(
            source, articles(corpus, size), list(shares.values())))
        _timed(seconds, "import", lambda: import_file(project, source))
        source.unlink()
        _timed(seconds, "fetch conditions", lambda: _fetch_memberships(project, shares))
        _timed(seconds, "judgements", lambda: _judgements(project))
    with sqlite3.connect(db) as conn:  # one file to copy: the WAL folded in
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for leftover in work.glob(path.name + "-*"):
        leftover.unlink()
    db.replace(path)
    shutil.rmtree(work, ignore_errors=True)
    log(BuildReport(size, path, seconds).text())
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--corpus", type=Path, help="a PubmedArticleSet file instead of the "
                        "real NLM update file")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--upgrade", action="store_true", help="migrate an older-schema build "
                        "instead of building afresh when there is one")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        print(build_project(args.cache, size, corpus=args.corpus, rebuild=args.rebuild,
                            upgrade=args.upgrade))
    return 0


if __name__ == "__main__":
    sys.exit(main())
