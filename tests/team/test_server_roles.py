"""A blind reviewer with psql and their own password cannot read, change or forge what
the database guards (real roles, real row-level security, the real psql client)."""

from __future__ import annotations

import psycopg
import pytest
from team.conftest import PASSWORD, TeamServer

from evidence_tracker.store import team_wire


def _judge(conn: psycopg.Connection, project_id: str, login: str, study: str,
           decision: str = "include") -> str:
    uid = team_wire.new_uid()
    record = {"id": uid, "kind": "screening", "study_key": study, "claim_id": None,
              "before": None, "after": f'{{"decision": "{decision}"}}', "note": "",
              "reverts": None, "occurred_at": "2026-12-01T10:00:00Z", "reviewer": login}
    conn.execute(
        "INSERT INTO team.events(id, project_id, reviewer, kind, study_key, after, "
        "occurred_at, content_hash, seq) VALUES (%s, %s, %s, 'screening', %s, %s, %s, %s, 0)",
        (uid, project_id, login, study, record["after"], record["occurred_at"],
         team_wire.content_hash(record)))
    return uid


@pytest.fixture
def two_reviewers(team_server: TeamServer) -> tuple[str, str]:
    ana, ben = team_server.add("ana"), team_server.add("ben")
    with team_server.connect(ana) as conn:
        _judge(conn, team_server.project_id, ana, "pmid:1")
    return ana, ben


def test_blind_reviewer_sees_only_own_rows_until_complete(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    ana, ben = two_reviewers
    url = team_server.url(ben, PASSWORD)
    done = team_server.cluster.psql(url, "SELECT count(*) FROM team.events")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"  # ana's judgement exists, ben cannot read it
    with team_server.connect(ben) as conn:
        _judge(conn, team_server.project_id, ben, "pmid:1", "exclude")
    done = team_server.cluster.psql(url, "SELECT reviewer FROM team.events ORDER BY seq")
    assert done.stdout.split() == [ana, ben]  # complete: both judged, both see both


@pytest.mark.parametrize(("attack", "refusal"), [
    ("SET row_security = off; SELECT count(*) FROM team.events",
     "row-level security"),
    ("UPDATE team.events SET after = '{}'", "permission denied"),
    ("DELETE FROM team.events", "permission denied"),
    ("TRUNCATE team.events", "permission denied"),
    ("INSERT INTO team.unblinded(project_id, stage, seq) SELECT id, 'screening', 0 "
     "FROM team.projects", "permission denied"),
    ("ALTER TABLE team.events DISABLE ROW LEVEL SECURITY", "must be owner"),
    ("SET ROLE evidence_owner", "permission denied"),
    # A cheap leaky function in the query's own WHERE: row security runs first, so it
    # never sees ana's row (it would print her decision).
    ("CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 "
     "AS $$ BEGIN RAISE NOTICE 'leaked: %', $1; RETURN true; END $$; "
     "SELECT count(*) FROM team.events WHERE pg_temp.leak(after)", None),
])
def test_blind_reviewer_attacks_with_psql_are_refused(
        team_server: TeamServer, two_reviewers: tuple[str, str], attack: str,
        refusal: str | None) -> None:
    _, ben = two_reviewers
    done = team_server.cluster.psql(team_server.url(ben, PASSWORD), attack)
    if refusal is None:
        assert done.returncode == 0, done.stderr
        assert "leaked" not in done.stderr
        assert done.stdout.split()[-1] == "0"
    else:
        assert done.returncode != 0
        assert refusal in done.stderr
    with psycopg.connect(team_server.admin_url) as admin:
        row = admin.execute("SELECT count(*), min(after) FROM team.events").fetchone()
    assert row == (1, '{"decision": "include"}')  # ana's row untouched


def test_inserting_as_someone_else_is_refused(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    ana, ben = two_reviewers
    with team_server.connect(ben) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="row-level security"):
        _judge(conn, team_server.project_id, ana, "pmid:2")


def test_seq_cannot_be_chosen_by_the_client(team_server: TeamServer) -> None:
    ana = team_server.add("ana")
    with team_server.connect(ana) as conn:
        uid = _judge(conn, team_server.project_id, ana, "pmid:3")
        seq = conn.execute("SELECT seq FROM team.events WHERE id = %s", (uid,)).fetchone()
    assert seq is not None and seq[0] > 0  # the 0 sent was replaced by the trigger


def test_director_reads_everything_but_cannot_screen(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    ana, _ = two_reviewers
    director = team_server.add("dora", "director")
    with team_server.connect(director) as conn:
        rows = conn.execute("SELECT reviewer FROM team.events").fetchall()
        assert rows == [(ana,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _judge(conn, team_server.project_id, director, "pmid:1")


def test_arbiter_unblinds_a_stage_and_reviewers_then_see_all(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    ana, ben = two_reviewers
    arbiter = team_server.add("ari", "arbiter")
    with team_server.connect(ben) as conn:
        assert conn.execute("SELECT count(*) FROM team.events").fetchone() == (0,)
    with team_server.connect(arbiter) as conn:
        conn.execute("INSERT INTO team.unblinded(project_id, stage, seq) VALUES (%s, "
                     "'screening', 0)", (team_server.project_id,))
    with team_server.connect(ben) as conn:
        assert conn.execute("SELECT reviewer FROM team.events").fetchall() == [(ana,)]


def test_app_login_is_not_owner_superuser_or_bypassrls(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    _, ben = two_reviewers
    with team_server.connect(ben) as conn:
        row = conn.execute("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles "
                           "WHERE rolname = current_user").fetchone()
        assert row == (False, False, False)
        definer = conn.execute("SELECT p.prosecdef, r.rolname, r.rolbypassrls, "
                               "r.rolcanlogin, p.proconfig FROM pg_proc p JOIN pg_roles r "
                               "ON r.oid = p.proowner WHERE p.proname = 'may_see'").fetchone()
    assert definer is not None
    assert definer[:4] == (True, "evidence_definer", True, False)
    assert any(c.startswith("search_path=") for c in definer[4])


def test_only_the_arbiter_records_a_resolution(
        team_server: TeamServer, two_reviewers: tuple[str, str]) -> None:
    _, ben = two_reviewers
    arbiter = team_server.add("ari", "arbiter")

    def resolution(login: str) -> None:
        record_after = '{"of": "screening", "final": {"decision": "include"}}'
        with team_server.connect(login) as conn:
            conn.execute(
                "INSERT INTO team.events(id, project_id, kind, study_key, after, occurred_at, "
                "content_hash, seq) VALUES (%s, %s, 'resolution', 'pmid:1', %s, "
                "'2026-12-01T10:00:00Z', 'x', 0)",
                (team_wire.new_uid(), team_server.project_id, record_after))

    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        resolution(ben)
    resolution(arbiter)
