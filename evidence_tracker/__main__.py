"""Entry point: ``evidence-tracker`` / ``python -m evidence_tracker``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from evidence_tracker import cli, platform_check


def main(argv: Sequence[str] | None = None, *,
         is_loadable: Callable[[str], bool] = platform_check.can_load) -> int:
    """Run a command, or open the GUI; ``is_loadable`` finds the system libraries the GUI
    needs (a parameter so that a test can play a system without one)."""
    args = cli.parse_args(argv)
    if args.command is None:
        problem = platform_check.gui_library_problem(is_loadable=is_loadable)
        if problem:  # before Qt is imported: it would abort with a hint about one library
            print(problem, file=sys.stderr)
            return cli.EXIT_ERROR
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
