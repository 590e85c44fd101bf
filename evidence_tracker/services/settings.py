"""User settings shared by the CLI and the GUI; the NCBI API key lives in the keyring.

Plain settings (reviewer name, NCBI contact email) sit in ``settings.json`` in the user
config directory so the headless CLI and the GUI read the same values. GUI-only state
(window geometry, recent projects) stays in QSettings. The API key is never written to
either file, nor logged: only the system keyring, or ``$NCBI_API_KEY`` for scripts.

Both are read once, where the application is assembled (``ui.app``, ``cli.run``), and the
objects passed down: nothing below reads the disk or the keyring again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import keyring
import keyring.errors
import platformdirs

from evidence_tracker import APP_ID
from evidence_tracker.domain.files import atomic_write

log = logging.getLogger(__name__)

KEYRING_SERVICE = "evidence-tracker"
KEYRING_USER = "ncbi-api-key"
API_KEY_ENV = "NCBI_API_KEY"
SETTINGS_ENV = "EVIDENCE_TRACKER_SETTINGS"


class SecretStoreUnavailable(RuntimeError):
    """No usable system keyring: the API key cannot be stored safely."""


@dataclass
class Settings:
    reviewer_name: str = ""
    ncbi_email: str = ""


def settings_path() -> Path:
    env = os.environ.get(SETTINGS_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False)) / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: str(v) for k, v in data.items() if k in known})


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically so a crash never leaves half a file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as out:
        out.write(json.dumps(asdict(settings), indent=2))


def keyring_available() -> bool:
    """True when a real system keyring can hold the API key."""
    return bool(keyring.get_keyring().priority > 0)


def get_secret(user: str, env_var: str, what: str) -> str:
    """A secret: ``$env_var`` if set, else the system keyring entry ``user``, else ''."""
    env = os.environ.get(env_var, "").strip()
    if env:
        return env
    try:
        return keyring.get_password(KEYRING_SERVICE, user) or ""
    except keyring.errors.NoKeyringError:
        return ""  # headless machines: no keyring, no secret (the variable can give one)
    except keyring.errors.KeyringError as exc:
        log.warning("cannot read the %s from the keyring: %s", what, type(exc).__name__)
        return ""


def set_secret(user: str, value: str, env_var: str, what: str) -> None:
    """Store (or, for '', delete) a secret in the system keyring."""
    if not keyring_available():
        raise SecretStoreUnavailable(
            f"No system keyring is available, so the {what} cannot be stored safely. "
            f"Set the {env_var} environment variable instead."
        )
    try:
        if value:
            keyring.set_password(KEYRING_SERVICE, user, value)
        else:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, user)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreUnavailable(
            f"The system keyring refused to store the {what} ({type(exc).__name__})."
        ) from exc


def get_api_key() -> str:
    """The NCBI API key: ``$NCBI_API_KEY`` if set, else the system keyring, else ''."""
    return get_secret(KEYRING_USER, API_KEY_ENV, "API key")


def set_api_key(value: str) -> None:
    """Store (or, for '', delete) the API key in the system keyring."""
    set_secret(KEYRING_USER, value, API_KEY_ENV, "NCBI API key")


class ApiKey:
    """The NCBI API key of this session: read (``$NCBI_API_KEY``, else the keyring) the first
    time it is needed, then kept; :meth:`store` writes a new one to the keyring."""

    def __init__(self, value: str | None = None) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "ApiKey('***')" if self._value else "ApiKey()"

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = get_api_key()
        return self._value

    def store(self, value: str) -> None:
        """Keep ``value`` in the keyring ('' deletes it); raises SecretStoreUnavailable."""
        set_api_key(value)
        # With the keyring entry gone, $NCBI_API_KEY (if any) is the key again.
        self._value = value or os.environ.get(API_KEY_ENV, "").strip()
