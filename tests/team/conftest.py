"""Fixtures for the team-sync tests: one real PostgreSQL cluster per test session.

In CI (``CI=true``) a cluster that cannot be started FAILS the tests: they must run there.
Elsewhere they are skipped with the reason only when there are no binaries and no root to
install them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from conftest import make_study
from team.pg_cluster import Cluster, PostgresUnavailable, running_cluster

from evidence_tracker.services import project as project_service
from evidence_tracker.services import screening
from evidence_tracker.services import team as team_service
from evidence_tracker.store import Project
from evidence_tracker.store.studies import upsert_studies


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        with running_cluster() as cluster:
            yield cluster
            return
    except PostgresUnavailable as exc:
        unavailable(str(exc), os.environ.get("CI", ""))


def unavailable(problem: str, ci: str) -> NoReturn:
    """In CI the PostgreSQL tests fail when PostgreSQL cannot run; elsewhere they skip."""
    reason = f"PostgreSQL is not available: {problem}"
    if ci.lower() == "true":
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


@pytest.fixture(autouse=True)
def no_password_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords come from the test keyring (tests/conftest.py MemoryKeyring)."""
    monkeypatch.delenv(team_service.PASSWORD_ENV, raising=False)


@pytest.fixture
def team_server(pg_cluster: Cluster) -> TeamServer:
    dbname = pg_cluster.new_database()
    result = team_service.init_server(pg_cluster.url(dbname), "ketamine-crps")
    assert result.project_id
    return TeamServer(pg_cluster, dbname, result.project_id)


@dataclass
class Machine:
    """One person's computer: a local project file linked to the team server."""

    login: str
    project: Project
    server: TeamServer

    def screen(self, pmid: str, decision: str = "include", reason: str = "") -> int:
        return screening.screen(self.project, pmid, decision, reviewer=self.login,
                                reason=reason).event_id

    def sync(self, **kwargs: Any) -> team_service.SyncReport:
        return team_service.sync(self.project, **kwargs)

    def decisions(self) -> dict[tuple[str, str], str]:
        """(reviewer, pmid) -> decision, as this project holds them now."""
        rows = self.project.conn.execute(
            "SELECT r.name, s.pmid, e.after FROM current_judgements e "
            "JOIN reviewers r ON r.id = e.reviewer_id JOIN studies s ON s.id = e.study_id "
            "WHERE e.kind = 'screening'").fetchall()
        return {(name, pmid): json.loads(after)["decision"] for name, pmid, after in rows}


@pytest.fixture
def machines(team_server: TeamServer, tmp_path: Path
             ) -> Iterator[Callable[..., Machine]]:
    opened: list[Project] = []

    def make(login: str, *, studies: int = 3, folder: str | None = None) -> Machine:
        path = tmp_path / (folder or login) / "project.sqlite3"
        project = project_service.open_or_create(path)
        opened.append(project)
        upsert_studies(project, [make_study(pmid=str(1000 + i)) for i in range(studies)])
        team_service.join(project, team_server.url(login), team_server.project_id,
                          password=PASSWORD)
        return Machine(login, project, team_server)

    yield make
    for project in opened:
        project.close()
