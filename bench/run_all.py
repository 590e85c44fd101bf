"""Run every benchmark in bench/ (each prints ratios against a baseline of the same run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ("bench_parse.py", "bench_fetch.py", "bench_event_chain.py", "bench_gui.py")


def main() -> int:
    here = Path(__file__).resolve().parent
    status = 0
    for name in BENCHES:
        print(f"== {name}", flush=True)
        status |= subprocess.call([sys.executable, str(here / name)])
    return status


if __name__ == "__main__":
    sys.exit(main())
