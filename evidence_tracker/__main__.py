"""Entry point: ``evidence-tracker`` / ``python -m evidence_tracker``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from evidence_tracker import cli


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parse_args(argv)
    if args.command is None:
        from evidence_tracker.config import resolve_db_path
        from evidence_tracker.ui.app import run_gui  # Qt is imported only for the GUI

        return run_gui(resolve_db_path(args.db))
    try:
        return cli.run(args)
    except BrokenPipeError:  # `evidence-tracker studies | head`
        sys.stderr.close()
        return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
