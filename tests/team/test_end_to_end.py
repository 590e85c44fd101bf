"""Done-when of the team issue: two project files, two blind reviewers, one PostgreSQL,
50 studies screened in duplicate, kappa, and an arbiter resolving the conflicts; each sees
only what the design allows at each step. Set up and synced through the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest
from conftest import make_study
from team.conftest import PASSWORD

from evidence_tracker import cli
from evidence_tracker.cli.common import Session
from evidence_tracker.services import project as project_service
from evidence_tracker.services import review, screening
from evidence_tracker.services import team as team_service
from evidence_tracker.services.settings import Settings
from evidence_tracker.store.studies import upsert_studies

N = 50


def run_cli(db: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(cli.parse_args(["--db", str(db), *argv]), out, err, Session(Settings()))
    return code, out.getvalue(), err.getvalue()


def decision(reviewer: str, i: int) -> str:
    """ana includes the even studies; ben agrees except on every seventh."""
    include = i % 2 == 0
    if reviewer == "ben" and i % 7 == 0:
        include = not include
    return "include" if include else "exclude"


def visible_decisions(db: Path) -> dict[str, int]:
    with project_service.open_for_reading(db) as project:
        rows = project.conn.execute(
            "SELECT r.name, count(*) FROM current_judgements e JOIN reviewers r "
            "ON r.id = e.reviewer_id WHERE e.kind = 'screening' GROUP BY r.name").fetchall()
    return dict(rows)


def test_blind_dual_screening_of_50_studies_through_one_postgresql(
        pg_cluster: object, tmp_path: Path) -> None:
    from team.pg_cluster import Cluster
    assert isinstance(pg_cluster, Cluster)
    dbname = pg_cluster.new_database()
    admin = pg_cluster.url(dbname)
    scratch = tmp_path / "admin.sqlite3"
    code, out, err = run_cli(scratch, "team", "init", "--server", admin, "--project", "crps")
    assert code == 0, err
    suffix = dbname[-6:]
    ana, ben, ari = f"ana_{suffix}", f"ben_{suffix}", f"ari_{suffix}"
    for name, role in ((ana, "reviewer"), (ben, "reviewer"), (ari, "arbiter")):
        code, out, err = run_cli(scratch, "team", "add-reviewer", name, "--role", role,
                                 "--server", admin, "--password", PASSWORD,
                                 *(["--project", "crps"] if role == "reviewer" else []))
        assert code == 0, err
    generated = run_cli(scratch, "team", "add-reviewer", f"dora_{suffix}", "--role",
                        "director", "--server", admin)[1]
    assert "shown once" in generated

    dbs = {who: tmp_path / who / "project.sqlite3" for who in (ana, ben, ari)}
    studies = [make_study(pmid=str(5000 + i)) for i in range(N)]
    for who, db in dbs.items():
        with project_service.open_or_create(db) as project:
            if who != ari:  # the arbiter gets the studies from the server
                upsert_studies(project, studies)
        url = pg_cluster.url(dbname, who, PASSWORD)
        code, out, err = run_cli(db, "team", "join", url, "--project", "crps")
        assert code == 0, err
        assert PASSWORD not in dbs[who].read_bytes().decode("latin-1")  # keyring, not file

    # ana screens everything and syncs first: ben's pull shows him none of it.
    for who in (ana, ben):
        with project_service.open_or_create(dbs[who]) as project:
            for i, study in enumerate(studies):
                reason = "" if decision(who[:3], i) == "include" else "Wrong population"
                screening.screen(project, study.pmid, decision(who[:3], i), reviewer=who,
                                 reason=reason)
        if who == ana:
            code, out, err = run_cli(dbs[ana], "sync", "--json")
            assert code == 0, err
            status = json.loads(out)
            assert status["pending_events"] == 0 and status["last_sync_at"]
            with project_service.open_or_create(dbs[ben]) as project:
                team_service.sync(project)  # ben, before judging: nothing of ana's
            assert visible_decisions(dbs[ben]) == {}
    assert visible_decisions(dbs[ben]) == {ben: N}

    # The arbiter, before ben pushed: nothing complete, nothing visible.
    with project_service.open_or_create(dbs[ari]) as project:
        team_service.sync(project)
        assert project.conn.execute("SELECT count(*) FROM studies").fetchone() == (N,)
    assert visible_decisions(dbs[ari]) == {}

    for who in (ben, ana, ari):  # ben completes every subject; everyone catches up
        assert run_cli(dbs[who], "sync")[0] == 0
    for who in (ana, ben, ari):
        assert visible_decisions(dbs[who]) == {ana: N, ben: N}

    with project_service.open_or_create(dbs[ari]) as project:
        report = review.agreement(project)
        kappa = report.overall.measures["screening"]
        disagreements = sum(1 for i in range(N) if decision("ana", i) != decision("ben", i))
        assert kappa.n == N
        assert kappa.kappa == pytest.approx(1 - 2 * disagreements / N, abs=0.1)
        assert kappa.kappa < 1
        conflicts = review.conflicts(project)
        assert len(conflicts) == disagreements
        for conflict in conflicts:
            review.resolve(project, conflict.subject, arbiter=ari, accept=ana)
        assert review.conflicts(project) == []
    assert run_cli(dbs[ari], "sync")[0] == 0
    for who in (ana, ben):
        assert run_cli(dbs[who], "sync")[0] == 0
        with project_service.open_or_create(dbs[who]) as project:
            assert review.conflicts(project) == []  # the arbiter's resolutions arrived
    with psycopg.connect(admin) as conn:
        row = conn.execute("SELECT count(*) FILTER (WHERE kind = 'screening'), "
                           "count(*) FILTER (WHERE kind = 'resolution') "
                           "FROM team.events").fetchone()
    assert row == (2 * N, disagreements)
