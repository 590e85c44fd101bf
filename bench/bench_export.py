"""Exports at project scale: time and peak memory of ``export`` in every format, and of
``search --json``, for projects of N studies, each in a fresh child process (VmHWM).

    python bench/bench_export.py --sizes 10000 100000 --rounds 3
    python bench/bench_export.py --sizes 10000 --baseline /tmp/old-tree   # compare code

The project is built once per size (cached under --work) from generated records shaped
like PubMed's: a 1.5 KB abstract, authors, MeSH, and a raw record of ~10 KB of XML with
varied words, so that it compresses as a real one does. ``--baseline DIR`` runs the same
exports with the package found in DIR (``git worktree add DIR <commit>``) in the same run,
alternating rounds, and prints the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("ris", "bibtex", "csljson", "nbib", "csv", "xlsx")

_CHILD = r"""
import io, json, sys, time
tree, db, what, out = sys.argv[1:5]
if tree:
    sys.path.insert(0, tree)
from evidence_tracker.__main__ import main
start = time.perf_counter()
if what == "search-json":
    sys.stdout = io.TextIOWrapper(open(out, "wb"), encoding="utf-8")
    code = main(["--db", db, "search", "ketamine", "--json"])
    sys.stdout.flush()
else:
    code = main(["--db", db, "export", "--format", what, "--out", out])
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:
    peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
sys.stderr.write(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak}) + "\n")
"""

WORDS = (
    "ketamine", "infusion", "chronic", "pain", "patients", "randomized", "trial", "placebo",
    "dose", "response", "neuropathic", "fibromyalgia", "complex", "regional", "syndrome",
    "analgesia", "NMDA", "receptor", "antagonist", "depression", "outcome", "score",
    "baseline", "week", "follow-up", "adverse", "events", "dissociation", "nausea",
    "headache", "intravenous", "oral", "intranasal", "esketamine",
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def build_project(db: Path, n: int) -> None:
    """A project of ``n`` generated studies (skipped when ``db`` exists)."""
    if db.exists():
        return
    sys.path.insert(0, str(ROOT))
    from evidence_tracker.domain.models import AbstractSection, Author, MeshHeading, Study
    from evidence_tracker.store import open_project
    from evidence_tracker.store.studies import upsert_studies

    rng = random.Random(n)
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with open_project(partial) as project:
        for start in range(0, n, 1000):
            batch = []
            for i in range(start, min(n, start + 1000)):
                abstract = _text(rng, 220)
                raw = ("<PubmedArticle><MedlineCitation><PMID>" + str(50_000_000 + i)
                       + "</PMID>" + "".join(f"<AbstractText>{_text(rng, 40)}</AbstractText>"
                                             for _ in range(35))
                       + "</MedlineCitation></PubmedArticle>").encode()
                batch.append(Study(
                    pmid=str(50_000_000 + i), doi=f"10.5555/bench.{i}",
                    title=_text(rng, 14).capitalize() + ".", abstract=abstract,
                    abstract_sections=[AbstractSection(text=abstract, label="RESULTS",
                                                       nlm_category="RESULTS")],
                    journal="Pain medicine", journal_abbrev="Pain Med", volume="21",
                    issue="3", pages=f"{i % 900 + 1}-{i % 900 + 9}", year=2000 + i % 25,
                    pub_date=f"{2000 + i % 25}-03",
                    authors=[Author(last_name=f"Author{i % 97}", fore_name="Ana",
                                    initials="A") for _ in range(6)],
                    publication_types=["Journal Article", "Randomized Controlled Trial"],
                    mesh=[MeshHeading("Ketamine", major=True), MeshHeading("Chronic Pain"),
                          MeshHeading("Humans")],
                    keywords=["ketamine", "pain"], language="eng", raw_record=raw,
                    raw_format="pubmed-xml", source="pubmed"))
            upsert_studies(project, batch)
    partial.rename(db)


def run_once(tree: str, db: Path, what: str, out: Path) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _CHILD, tree, str(db), what, str(out)],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "{}"
    try:
        measured: dict[str, float] = json.loads(last)
    except json.JSONDecodeError:
        raise SystemExit(f"{what} failed:\n{done.stderr}") from None
    if measured.get("code") != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    out.unlink(missing_ok=True)
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=[*FORMATS, "search-json"])
    parser.add_argument("--baseline", default="", help="a source tree of older code")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "evidence-tracker-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    trees = [("this", ""), *([("baseline", args.baseline)] if args.baseline else [])]
    print(f"{'studies':>8} {'what':<12} {'code':<9} {'median s':>9} {'peak MB':>8}")
    for n in args.sizes:
        db = args.work / f"studies-{n}.sqlite3"
        start = time.perf_counter()
        build_project(db, n)
        print(f"# project of {n} studies: {db.stat().st_size / n / 1024:.1f} KiB per study "
              f"(built or found in {time.perf_counter() - start:.0f} s)", flush=True)
        for what in args.formats:
            results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
            for _ in range(args.rounds):  # alternate, so load on a shared box hits both
                for name, tree in trees:
                    results[name].append(run_once(tree, db, what, args.work / f"out.{what}"))
            medians = {}
            for name, _ in trees:
                secs = statistics.median(r["seconds"] for r in results[name])
                peak = statistics.median(r["peak_mb"] for r in results[name])
                medians[name] = (secs, peak)
                print(f"{n:>8} {what:<12} {name:<9} {secs:>9.2f} {peak:>8.0f}", flush=True)
            if args.baseline:
                (s1, p1), (s0, p0) = medians["this"], medians["baseline"]
                print(f"{'':>8} {'':<12} {'ratio':<9} {s1 / s0:>9.2f} {p1 / p0:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
