"""Fixtures for the team-sync tests: one real PostgreSQL cluster per test session.

In CI (``CI=true``) a cluster that cannot be started FAILS the tests: they must run there.
Elsewhere they are skipped with the reason only when there are no binaries and no root to
install them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import psycopg
import pytest
from team.pg_cluster import Cluster, PostgresUnavailable, running_cluster

from evidence_tracker.services import team as team_service


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        with running_cluster() as cluster:
            yield cluster
            return
    except PostgresUnavailable as exc:
        reason = f"PostgreSQL is not available: {exc}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


@dataclass
class TeamServer:
    """One fresh database on the session's cluster, with the team schema and a project."""

    cluster: Cluster
    dbname: str
    project_id: str

    @property
    def admin_url(self) -> str:
        return self.cluster.url(self.dbname)

    def url(self, login: str, password: str | None = None) -> str:
        return self.cluster.url(self.dbname, login, password)

    def add(self, name: str, role: str = "reviewer", *, assign: bool = True) -> str:
        """A person with a unique login (roles are cluster-wide); returns the login."""
        login = f"{name}_{uuid.uuid4().hex[:6]}"
        team_service.add_reviewer(self.admin_url, login, role, PASSWORD,
                                  self.project_id if assign and role == "reviewer" else None)
        return login

    def connect(self, login: str) -> psycopg.Connection:
        return psycopg.connect(self.url(login, PASSWORD), autocommit=True)


PASSWORD = "correct-horse-battery"


class FileKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend keeping secrets in a JSON file (the tests' system keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\n{username}", None)
        self.path.write_text(json.dumps(data))


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    monkeypatch.delenv(team_service.PASSWORD_ENV, raising=False)
    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def team_server(pg_cluster: Cluster) -> TeamServer:
    dbname = pg_cluster.new_database()
    result = team_service.init_server(pg_cluster.url(dbname), "ketamine-crps")
    assert result.project_id
    return TeamServer(pg_cluster, dbname, result.project_id)
