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
CACHE_ENV = "EVIDENCE_TRACKER_CACHE_DIR"
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


def user_cache_dir() -> Path:
    """``$EVIDENCE_TRACKER_CACHE_DIR``, or the user cache directory (platformdirs)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(APP_ID, appauthor=False))


def rate_limit_dir() -> Path:
    """Where the processes of this user share NCBI's request rate (one small file per
    host and rate; see ``pubmed.eutils.SharedSlots``)."""
    return user_cache_dir() / "ncbi-rate"


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
