"""Benchmark: a 10,000-record fetch from a local E-utilities server vs the rate limit.

NCBI allows 3 requests/s without an API key and 10 with one, so the least time a fetch
can take is (requests - 1) / rate. This fetches a condition through the real service
(client, parser, SQLite) from the fake server on 127.0.0.1 and prints the wall time
against that floor, for both rates. Run: python bench/bench_fetch.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_eutils import FakeEutils, make_pubmed_article, spread_edats  # noqa: E402

from evidence_tracker.pubmed.eutils import EutilsClient, EutilsConfig  # noqa: E402
from evidence_tracker.services.fetch import fetch_condition  # noqa: E402
from evidence_tracker.store import open_project  # noqa: E402
from evidence_tracker.store.conditions import upsert_conditions  # noqa: E402


def serve(records: int) -> None:
    """Child process: serve the corpus, print the URL, then the request stats on demand."""
    with FakeEutils.running() as fake:
        edats = spread_edats(records, date(1990, 1, 1), date(2024, 12, 31))
        fake.add_records(
            (p, e, make_pubmed_article(p, year=int(e[:4]), edat=e,
                                       abstract=[("BACKGROUND", "Ketamine " * 40),
                                                 ("RESULTS", "Pain fell " * 60)]))
            for p, e in zip(range(20_000_000, 20_000_000 + records), edats, strict=True)
        )
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                stats = {"requests": len(fake.requests), "max_1s": fake.max_in_window(1.0)}
                print(json.dumps(stats), flush=True)
                fake.requests.clear()
            elif line.strip() == "quit":
                return


def run(server: subprocess.Popen[str], base_url: str, rate: float, batch_size: int) -> None:
    assert server.stdin is not None and server.stdout is not None
    config = EutilsConfig(base_url=base_url, requests_per_second=rate)
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_project(Path(tmp) / "bench.sqlite3") as project,
        EutilsClient(config) as client,
    ):
        upsert_conditions(project, [{"slug": "bench", "name": "Bench", "query": "ketamine"}])
        start = time.perf_counter()
        summary = fetch_condition(project, "bench", client, batch_size=batch_size)
        wall = time.perf_counter() - start
    server.stdin.write("stats\n")
    server.stdin.flush()
    stats = json.loads(server.stdout.readline())
    n = stats["requests"]
    floor = (n - 1) / rate
    print(
        f"rate {rate:>4g}/s: {summary.fetched} records, {n} requests, wall {wall:6.2f} s, "
        f"rate-limit floor {floor:6.2f} s, ratio {wall / floor:4.2f}x, "
        f"max requests in any 1 s: {stats['max_1s']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        serve(args.records)
        return
    # The server runs in its own process so its XML building does not share our GIL.
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--records", str(args.records)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    base_url = server.stdout.readline().strip()
    try:
        for rate in (3.0, 10.0):
            run(server, base_url, rate, args.batch_size)
    finally:
        server.stdin.write("quit\n")
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()


if __name__ == "__main__":
    main()
