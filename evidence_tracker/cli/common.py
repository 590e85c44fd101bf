"""Helpers every command module uses: the session, JSON lines out, and who is reviewing."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from evidence_tracker.config import rate_limit_dir
from evidence_tracker.pubmed.eutils import CancelToken, EutilsClient, RateLimiters
from evidence_tracker.services import fetch as fetch_service
from evidence_tracker.services.settings import ApiKey, Settings, load_settings


@dataclass
class Session:
    """What one run of the command line reads once and passes to the commands: the user's
    settings, the NCBI API key (read on first use), and the rate limiters its E-utilities
    clients share (with the user's other processes, once loaded)."""

    settings: Settings
    api_key: ApiKey = field(default_factory=ApiKey)
    limiters: RateLimiters = field(default_factory=RateLimiters)

    @classmethod
    def load(cls) -> Session:
        """The session of this user (settings.json; the keyring only when a key is needed)."""
        return cls(load_settings(), limiters=RateLimiters(rate_limit_dir()))

    def client(self, cancel: CancelToken | None = None) -> EutilsClient:
        """An E-utilities client with this user's email and key, on the shared limiter."""
        config = fetch_service.client_config(self.settings, self.api_key.value)
        return fetch_service.make_client(config, self.limiters, cancel)


def write_json(obj: Any, out: TextIO) -> None:
    """One JSON document on one line (the CLI's ``--json`` contract)."""
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def viewer_name(args: argparse.Namespace, settings: Settings) -> str:
    """``--reviewer``, else the name in the settings, else "" (nobody in particular)."""
    return (getattr(args, "reviewer", None) or settings.reviewer_name or "").strip()


def reviewer_name(args: argparse.Namespace, settings: Settings, error: type[Exception]) -> str:
    """:func:`viewer_name`; ``error`` (the command's own error type, which it reports)
    when there is none."""
    name = viewer_name(args, settings)
    if not name:
        raise error("Who is reviewing? Pass --reviewer NAME (or set your name in the "
                    "application's preferences).")
    return name


def confirmed(question: str, err: TextIO, *, yes: bool, what: str) -> bool:
    """Whether the user agrees to ``question``: ``yes`` (``--yes``) agrees; a terminal is
    asked on ``err`` (y/N, anything but yes keeps things as they are); without a terminal
    nobody can answer, so the command refuses and says to pass ``--yes``."""
    if yes:
        return True
    if not sys.stdin.isatty():
        err.write(f"evidence-tracker: not {what} without confirmation: nobody can answer "
                  "on this input (not a terminal). Pass --yes to confirm.\n")
        return False
    try:
        err.write(f"{question} [y/N] ")
        err.flush()
        answer = sys.stdin.readline().strip().lower()
    except KeyboardInterrupt:  # Ctrl+C at the question is a no, not a traceback
        err.write("\n")
        answer = ""
    if answer in ("y", "yes"):
        return True
    err.write(f"Nothing changed: not {what}.\n")
    return False
