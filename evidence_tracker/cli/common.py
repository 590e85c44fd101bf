"""Helpers every command module uses: JSON lines out, and who is reviewing."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from evidence_tracker.services.settings import load_settings


def write_json(obj: Any, out: TextIO) -> None:
    """One JSON document on one line (the CLI's ``--json`` contract)."""
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def viewer_name(args: argparse.Namespace) -> str:
    """``--reviewer``, else the name in the settings, else "" (nobody in particular)."""
    return (getattr(args, "reviewer", None) or load_settings().reviewer_name or "").strip()


def reviewer_name(args: argparse.Namespace, error: type[Exception]) -> str:
    """:func:`viewer_name`; ``error`` (the command's own error type, which it reports)
    when there is none."""
    name = viewer_name(args)
    if not name:
        raise error("Who is reviewing? Pass --reviewer NAME (or set your name in the "
                    "application's preferences).")
    return name
