"""Where things live: the project database, bundled resources and migrations.

No module globals hold user configuration; these are pure functions of the environment.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import platformdirs

from evidence_tracker import APP_ID

DB_ENV = "EVIDENCE_TRACKER_DB"
EUTILS_URL_ENV = "EVIDENCE_TRACKER_EUTILS_URL"
CACHE_ENV = "EVIDENCE_TRACKER_CACHE_DIR"
DEFAULT_DB_NAME = "evidence-tracker.sqlite3"


def _package_folder(package: str) -> Path:
    """The folder of a data package, found through importlib.resources: in a wheel it is
    inside the installed package; in a checkout (editable install) it is the top-level
    folder that ``package-dir`` in pyproject.toml maps to it."""
    folder = importlib.resources.files(package)
    if not isinstance(folder, Path):
        # A zipped install: reportlab, matplotlib and jinja2 need real files, and PySide6
        # cannot run from a zip either.
        raise RuntimeError(f"{package} is not installed as files on disk ({folder})")
    return folder


def resources_dir() -> Path:
    """The bundled resources (top-level ``resources/``): seed data, fonts, report styles,
    the desktop entry and icon."""
    return _package_folder("evidence_tracker._resources")


def migrations_dir() -> Path:
    """The numbered, append-only SQL migrations (top-level ``db/``)."""
    return _package_folder("evidence_tracker._db")


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
