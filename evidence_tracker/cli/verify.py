"""``verify``: check the audit trail's hash chain, and a report's chain head against it."""

from __future__ import annotations

import argparse
from typing import TextIO

from evidence_tracker.cli.common import Session, write_json
from evidence_tracker.services import project as project_service
from evidence_tracker.store import Project

COMMANDS = ("verify",)
READ_ONLY_COMMANDS = COMMANDS
EXIT_OK, EXIT_BROKEN = 0, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``verify``."""
    v = sub.add_parser(
        "verify", help="check that the audit trail (the events' hash chain) is intact",
        description="Walk the events from the first to the last and check each one's hash "
        "and its link to the one before; report the first broken link. Exit status 1 when "
        "the chain is broken or the --head given is not part of it.")
    v.add_argument("--head", metavar="HASH",
                   help="the chain head printed in a report: check the project still holds "
                   "the history the report was made from")
    v.add_argument("--json", action="store_true", help="print one JSON object")


def run(
    args: argparse.Namespace, project: Project, out: TextIO, err: TextIO, session: Session
) -> int:
    """Execute ``verify``; returns the exit status."""
    check = project_service.verify_audit_trail(project, head=args.head)
    if args.json:
        write_json(project_service.chain_check_json(check, args.head), out)
    else:
        out.write(check.message() + "\n")
    return EXIT_OK if check.ok else EXIT_BROKEN
