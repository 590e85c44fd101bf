"""The `evidence-tracker` command line: argparse over the services layer.

Each module in this package adds its subcommands (``register``) and runs them (``run``).
With no subcommand, ``evidence_tracker.__main__`` opens the GUI instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TextIO

from evidence_tracker import __version__
from evidence_tracker.cli import (
    claims,
    desktop,
    export,
    findings,
    grading,
    pubmed,
    studies,
    team,
    verify,
)
from evidence_tracker.cli.common import Session
from evidence_tracker.config import resolve_db_path
from evidence_tracker.services import project as project_service
from evidence_tracker.store import StoreError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

#: Command modules, in the order their commands appear in --help.
COMMAND_MODULES: tuple[ModuleType, ...] = (studies, pubmed, claims, findings, grading,
                                           export, verify, team, desktop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence-tracker",
        description="Audit ketamine clinics' chronic-pain claims against PubMed. "
        "Run without a command to open the desktop application.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="project database (default: $EVIDENCE_TRACKER_DB, else the user data directory)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # the GUI's log file may lower the root level
        if type(handler) is logging.StreamHandler:
            handler.setLevel(level)
    return args


def run(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    session: Session | None = None,
) -> int:
    """Open the project and execute the parsed subcommand; returns the exit status.

    The settings are read here, once (``session``, else the user's), and passed down.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    session = session or Session.load()
    module = next(m for m in COMMAND_MODULES if args.command in m.COMMANDS)
    if args.command in getattr(module, "NO_PROJECT_COMMANDS", ()):
        return int(module.run(args, None, out, err, session))
    # Commands that only read open the project read-only (a read-only file or folder works).
    reads_only = args.command in getattr(module, "READ_ONLY_COMMANDS", ())
    opener = project_service.open_for_reading if reads_only else project_service.open_or_create
    try:
        with opener(resolve_db_path(args.db)) as project:
            return int(module.run(args, project, out, err, session))
    except StoreError as exc:
        err.write(f"evidence-tracker: {exc}\n")
        return EXIT_ERROR
