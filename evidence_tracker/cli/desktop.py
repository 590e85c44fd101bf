"""``install-desktop``: put Evidence Tracker in the desktop's application menu."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from evidence_tracker.cli.common import Session
from evidence_tracker.services import desktop as desktop_service
from evidence_tracker.store import Project

COMMANDS = ("install-desktop",)
#: Commands that open no project.
NO_PROJECT_COMMANDS = COMMANDS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``install-desktop``."""
    p = sub.add_parser(
        "install-desktop", help="add Evidence Tracker to the desktop's application menu",
        description="Write the desktop entry and icon to $XDG_DATA_HOME (default "
        "~/.local/share): applications/evidence-tracker.desktop and "
        "icons/hicolor/scalable/apps/evidence-tracker.svg. The entry starts this "
        "installation of evidence-tracker.")
    p.add_argument("--data-home", metavar="DIR", type=Path,
                   help="write under DIR instead of $XDG_DATA_HOME")


def run(args: argparse.Namespace, project: Project | None, out: TextIO, err: TextIO,
        session: Session) -> int:
    """Execute ``install-desktop``; returns the exit status."""
    try:
        done = desktop_service.install_desktop_entry(args.data_home)
    except OSError as exc:
        err.write(f"evidence-tracker: cannot install the desktop entry: {exc}\n")
        return 1
    out.write(f"Installed {done.desktop_file}\n"
              f"Installed {done.icon_file}\n"
              f"The menu entry runs: {done.exec_line}\n")
    return 0
