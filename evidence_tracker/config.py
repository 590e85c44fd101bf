"""Where things live: the project database, bundled resources and migrations.

No module globals hold user configuration; these are pure functions of the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from evidence_tracker import APP_ID

DB_ENV = "EVIDENCE_TRACKER_DB"
EUTILS_URL_ENV = "EVIDENCE_TRACKER_EUTILS_URL"
DEFAULT_DB_NAME = "evidence-tracker.sqlite3"

_ROOT = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The top-level resources/ folder (seed data, icons, styles)."""
    return _ROOT / "resources"


def migrations_dir() -> Path:
    """The top-level db/ folder of numbered, append-only SQL migrations."""
    return _ROOT / "db"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def default_db_path() -> Path:
    """The project used when neither ``--db`` nor ``$EVIDENCE_TRACKER_DB`` is given."""
    return user_data_dir() / DEFAULT_DB_NAME


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$EVIDENCE_TRACKER_DB``, then the user data directory."""
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_db_path()
