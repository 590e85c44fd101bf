"""Print the verdicts the app writes for the seeded CRPS, fibromyalgia, durability and
guideline claims from one realistic set of links (issue 11's closing note).

The project is built by ``tests/verdicts/seeded_realistic.py`` (studies modelled on the
ketamine literature, appraisals, findings, a review's inclusions, attribution matches).
Per claim: code, text, kind, verdict, certainty, the informative statement, and the
studies counted and left out with reasons.

    python bench/seeded_verdicts.py            # a throw-away project
    python bench/seeded_verdicts.py --db x.sqlite3   # keep it (open it in the app)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from verdicts.seeded_realistic import build, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="where to build the project (must not exist)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "seeded-realistic.sqlite3"
        if path.exists():
            parser.error(f"{path} exists: give a new file")
        project, _ = build(path)
        with project:
            print(table(project))
    return 0


if __name__ == "__main__":
    sys.exit(main())
