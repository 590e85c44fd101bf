"""The sync protocol against a real PostgreSQL: the hard cases of design/team-sync.md."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from team.conftest import Machine, TeamServer

from evidence_tracker.domain.claims import Pico
from evidence_tracker.services import project as project_service
from evidence_tracker.services import team as team_service
from evidence_tracker.store import event_chain, team_local
from evidence_tracker.store.claims import insert_claim, next_claim_code
from evidence_tracker.store.events import append_event, ensure_reviewer

MakeMachine = Callable[..., Machine]


def server_events(server: TeamServer) -> list[tuple[str, str]]:
    with psycopg.connect(server.admin_url) as admin:
        return [(r[0], r[1]) for r in admin.execute(
            "SELECT reviewer::text, id::text FROM team.events ORDER BY seq")]


def test_two_reviewers_judge_the_same_study_offline_then_sync(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    ana.screen("1000", "include")
    ben.screen("1000", "exclude", "Wrong population")
    ana.sync()
    ben.sync()  # ben completes the subject: both rows are visible to him now
    assert ben.decisions() == {(ana.login, "1000"): "include", (ben.login, "1000"): "exclude"}
    # ana's cursor had passed nothing of ben's; the completion brings his row to her.
    report = ana.sync()
    assert report.pulled + report.caught_up == 1
    assert ana.decisions() == ben.decisions()


def test_blind_reviewer_gets_nothing_of_others_until_complete(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    ben.screen("1001", "include")
    ben.sync()
    ana.sync()
    assert ana.decisions() == {}  # ben's judgement is on the server, not for her


def test_last_reviewer_completing_a_subject_others_fetch_rows_below_their_cursor(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    ben.screen("1002", "exclude", "Wrong outcome")
    ben.sync()
    ana.screen("1000")  # something else, so her cursor moves past ben's hidden row
    ana.sync()
    cursor = team_local.require_link(ana.project).pull_cursor
    ben_seq = _seq_of(team_server, ben.login)
    assert cursor > ben_seq and (ben.login, "1002") not in ana.decisions()
    ana.screen("1002", "include")  # she completes it
    report = ana.sync()
    assert report.caught_up == 1
    assert ana.decisions()[(ben.login, "1002")] == "exclude"
    ben.sync()  # ben learns it too, through the completion logged for the subject
    assert ben.decisions()[(ana.login, "1002")] == "include"


def _seq_of(server: TeamServer, login: str) -> int:
    with psycopg.connect(server.admin_url) as admin:
        row = admin.execute("SELECT max(seq) FROM team.events WHERE reviewer = %s",
                            (login,)).fetchone()
    assert row is not None
    return int(row[0])


def test_same_reviewer_on_two_machines(team_server: TeamServer, machines: MakeMachine) -> None:
    login = team_server.add("ana")
    laptop, desktop = machines(login, folder="laptop"), machines(login, folder="desktop")
    laptop.screen("1000", "include")
    laptop.sync()
    desktop.screen("1001", "exclude", "Duplicate")
    desktop.sync()
    laptop.sync()
    assert laptop.decisions() == desktop.decisions() == {
        (login, "1000"): "include", (login, "1001"): "exclude"}
    assert len(server_events(team_server)) == 2  # nothing pushed twice
    assert team_service.status(desktop.project).pending_events == 0


def test_push_killed_after_server_commit_before_local_mark_is_repeated(
        team_server: TeamServer, machines: MakeMachine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = machines(team_server.add("ana"))
    for pmid in ("1000", "1001", "1002"):
        ana.screen(pmid)

    def killed(*args: object) -> None:
        raise KeyboardInterrupt("killed between the server commit and the local mark")

    with monkeypatch.context() as m:
        m.setattr(team_local, "mark_pushed", killed)
        with pytest.raises(KeyboardInterrupt):
            ana.sync()
    assert len(server_events(team_server)) == 3  # the server committed
    assert team_service.status(ana.project).pending_events == 3  # not marked here
    report = ana.sync()
    # Everything was already there (the 3 events, with the studies and seeded claims that
    # went with them), each with the same content hash: no mismatch reported.
    assert (report.pushed, report.problems) == (0, [])
    assert report.already_there > 3
    assert len(server_events(team_server)) == 3
    assert team_service.status(ana.project).pending_events == 0


def test_pull_killed_mid_page_resumes_without_loss_or_duplicates(
        team_server: TeamServer, machines: MakeMachine, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = team_server.add("ana")
    source, target = machines(login, folder="a", studies=10), machines(login, folder="b",
                                                                        studies=10)
    for i in range(10):
        source.screen(str(1000 + i))
    source.sync()
    real_apply = team_local.apply_event
    calls = {"n": 0}

    def dies_on_the_seventh(*args: object, **kwargs: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt("killed mid-page")
        return real_apply(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(team_local, "apply_event", dies_on_the_seventh)
        with pytest.raises(KeyboardInterrupt):
            target.sync(page_size=4)
    applied = len(target.decisions())
    assert 0 < applied < 10  # the pages before committed with their cursor, not that one
    target.sync(page_size=4)
    assert target.decisions() == source.decisions()
    events = target.project.conn.execute("SELECT count(*) FROM events WHERE kind = "
                                         "'screening'").fetchone()
    assert events == (10,)


def test_clock_skew_of_days_is_reported_and_order_follows_the_server(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    ana_id = ensure_reviewer(ana.project, ana.login)
    future = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    study = ana.project.conn.execute("SELECT id FROM studies WHERE pmid = '1000'").fetchone()
    append_event(ana.project, "screening", reviewer_id=ana_id, study_id=study[0],
                 after={"decision": "include", "reason": "", "note": ""},
                 occurred_at=future.isoformat().replace("+00:00", "Z"))
    report = ana.sync()
    assert report.clock_skew_seconds is not None
    assert report.clock_skew_seconds == pytest.approx(-3 * 86400, abs=600)
    assert any("ahead of the server" in p for p in report.problems)
    assert team_service.status(ana.project).clock_skew_seconds == report.clock_skew_seconds
    ben.screen("1000", "exclude", "Other")  # judged later, though stamped earlier
    ben.sync()
    ana.sync()
    assert ana.decisions()[(ben.login, "1000")] == "exclude"
    order = [r[0] for r in server_events(team_server)]
    assert order == [ana.login, ben.login]


def test_deactivated_reviewer_is_refused_clearly_and_keeps_pending_work(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    team_service.set_active(team_server.admin_url, ana.login, False)
    with pytest.raises(team_service.Refused, match="not an active member"):
        ana.sync()
    status = team_service.status(ana.project)
    assert status.pending_events == 1 and "not an active member" in status.last_error
    assert any(kind == "refused" for _, kind, _ in team_local.conflicts(ana.project))
    assert server_events(team_server) == []
    team_service.set_active(team_server.admin_url, ana.login, True)
    assert ana.sync().pushed >= 1
    assert team_service.status(ana.project).pending_events == 0


def test_deactivated_reviewer_with_psql_is_refused_by_the_server(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    batch = team_local.pending_batch(ana.project, ana.login)
    team_service.set_active(team_server.admin_url, ana.login, False)
    with team_server.connect(ana.login) as conn, pytest.raises(
            team_service.Refused, match="not an active member"):
        from evidence_tracker.store import team_server as server_store
        server_store.push(conn, team_server.project_id, ana.login, batch)
    assert server_events(team_server) == []


def _tamper(machine: Machine, script: str) -> None:
    """Edit the project behind the application's back, as with the sqlite3 shell."""
    path = machine.project.path
    machine.project.close()
    conn = sqlite3.connect(path)
    conn.create_function("evidence_event_hash", 11, event_chain.event_hash)
    conn.executescript("DROP TRIGGER events_append_only_update;" + script
                       + "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
                       "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;")
    conn.close()
    machine.project = project_service.open_or_create(path)


_NAIVE_EDIT = ("UPDATE events SET after = '{\"decision\": \"include\", \"reason\": \"\", "
               "\"note\": \"\"}' WHERE kind = 'screening';")
# The careful forger re-chains the event so that `evidence-tracker verify` passes.
_RECHAINED_EDIT = _NAIVE_EDIT + (
    "UPDATE events SET hash = evidence_event_hash(prev_hash, id, occurred_at, "
    "(SELECT name FROM reviewers WHERE id = reviewer_id), kind, study_id, claim_id, before, "
    "after, note, reverts);")


@pytest.mark.parametrize(("edit", "verify"), [(_RECHAINED_EDIT, False), (_NAIVE_EDIT, True)])
def test_tampering_with_an_already_pushed_event_is_detected(
        team_server: TeamServer, machines: MakeMachine, edit: str, verify: bool) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000", "exclude", "Wrong population")
    ana.sync()
    ana.sync()  # the daily full check is done: the next sync relies on the chain hashes
    _tamper(ana, edit)
    try:
        if edit == _RECHAINED_EDIT:
            assert project_service.verify_audit_trail(ana.project).ok  # verify is fooled
        report = ana.sync(verify=verify)
        assert any("changed in this project after it was pushed" in p for p in report.problems)
        assert [k for _, k, _ in team_local.conflicts(ana.project)] == ["tampered"]
    finally:
        ana.project.close()


def test_two_offline_reviewers_creating_claim_with_the_same_code(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    codes = []
    for m, text in ((ana, "Ketamine ends CRPS pain for good"),
                    (ben, "Ketamine infusions work within an hour")):
        code = next_claim_code(m.project)
        codes.append(code)
        insert_claim(m.project, code=code, text=text, category="efficacy", pico=Pico(),
                     created_by=ensure_reviewer(m.project, m.login))
    assert codes[0] == codes[1]
    ana.sync()
    ben.sync()
    ana.sync()
    texts = dict(ana.project.conn.execute("SELECT code, text FROM claims WHERE code LIKE ?",
                                          (codes[0] + "%",)).fetchall())
    assert texts == {codes[0]: "Ketamine ends CRPS pain for good",
                     f"{codes[0]}-{ben.login}": "Ketamine infusions work within an hour"}
    assert any(k == "claim_code" for _, k, _ in team_local.conflicts(ana.project))
    ana.sync()  # with ben's claim here as C055-ben: nothing to push back
    # The 54 seeded claims are one claim each on the server, not one per machine: only
    # the two new claims share a code.
    with psycopg.connect(team_server.admin_url) as admin:
        shared = admin.execute("SELECT code FROM team.claims GROUP BY code "
                               "HAVING count(DISTINCT id) > 1").fetchall()
        revisions = admin.execute("SELECT count(*) FROM team.claims WHERE code LIKE %s",
                                  (codes[0] + "%",)).fetchone()
    assert shared == [(codes[0],)]
    assert revisions == (2,)  # nobody pushed the renamed copy back as a new revision


def test_same_pmid_at_two_revisions_keeps_the_newer(
        team_server: TeamServer, machines: MakeMachine) -> None:
    from conftest import make_study

    from evidence_tracker.store.studies import get_study, upsert_studies
    ana, ben = machines(team_server.add("ana"), studies=0), \
        machines(team_server.add("ben"), studies=0)
    upsert_studies(ana.project, [make_study(pmid="777", title="Old title",
                                            revised_date="2024-01-01")])
    upsert_studies(ben.project, [make_study(pmid="777", title="Corrected title",
                                            revised_date="2025-06-01")])
    ben.sync()
    ana.sync()
    ben.sync()

    def title(m: Machine) -> str:
        row = m.project.conn.execute("SELECT id FROM studies WHERE pmid = '777'").fetchone()
        stored = get_study(m.project, row[0])
        assert stored is not None
        return stored.study.title

    assert title(ana) == title(ben) == "Corrected title"
    revisions = ana.project.conn.execute("SELECT count(*) FROM study_revisions").fetchone()
    assert revisions == (1,)  # ana's older record is kept as a revision, not overwritten


def test_server_restored_from_an_older_backup(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    ana.sync()
    backup = f"{team_server.dbname}_bak"
    with psycopg.connect(team_server.cluster.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{backup}" TEMPLATE "{team_server.dbname}"')
    ana.screen("1001")
    ana.screen("1002")
    ana.sync()
    assert len(server_events(team_server)) == 3
    with psycopg.connect(team_server.cluster.url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{team_server.dbname}"')
        admin.execute(f'ALTER DATABASE "{backup}" RENAME TO "{team_server.dbname}"')
    assert len(server_events(team_server)) == 1  # the restore lost two events
    team_service.server_restored(team_server.admin_url)
    report = ana.sync()
    assert report.restored
    assert len(server_events(team_server)) == 3  # pushed again
    assert len(ana.decisions()) == 3  # and nothing duplicated here


def test_server_restored_without_telling_is_detected_by_its_sequence(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    backup = f"{team_server.dbname}_bak"
    with psycopg.connect(team_server.cluster.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{backup}" TEMPLATE "{team_server.dbname}"')
    ana.screen("1000")
    ana.sync()
    with psycopg.connect(team_server.cluster.url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{team_server.dbname}"')
        admin.execute(f'ALTER DATABASE "{backup}" RENAME TO "{team_server.dbname}"')
    report = ana.sync()
    assert report.restored
    assert [r[0] for r in server_events(team_server)] == [ana.login]


def test_old_client_against_newer_server_schema_is_refused_before_anything(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    with psycopg.connect(team_server.admin_url) as admin:
        admin.execute("INSERT INTO team.schema_version(version) "
                      "SELECT max(version) + 1 FROM team.schema_version")
    with pytest.raises(team_service.SchemaMismatch, match="install a newer Evidence Tracker"):
        ana.sync()
    assert server_events(team_server) == []
    with psycopg.connect(team_server.admin_url) as admin:
        studies = admin.execute("SELECT count(*) FROM team.studies").fetchone()
    assert studies == (0,)
    assert team_service.status(ana.project).pending_events == 1


def test_unreachable_server_means_offline_and_nothing_lost(
        team_server: TeamServer, machines: MakeMachine) -> None:
    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    port = team_server.cluster.port
    team_local.update_link(ana.project, server_url=team_server.url(ana.login).replace(
        f":{port}/", ":1/"))
    with pytest.raises(team_service.ServerUnreachable):
        ana.sync()
    status = team_service.status(ana.project)
    assert status.offline and status.pending_events == 1 and status.last_sync_at is None


def test_sync_cli_offline_exit_status_and_json_state(
        team_server: TeamServer, machines: MakeMachine) -> None:
    import io
    import json

    from evidence_tracker import cli
    from evidence_tracker.cli.common import Session
    from evidence_tracker.services.settings import Settings

    ana = machines(team_server.add("ana"))
    ana.screen("1000")
    team_local.update_link(ana.project, server_url=team_server.url(ana.login).replace(
        f":{team_server.cluster.port}/", ":1/"))
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(cli.parse_args(["--db", str(ana.project.path), "sync", "--json"]), out, err,
                   Session(Settings()))
    assert code == 3 and "working offline" in err.getvalue()
    state = json.loads(out.getvalue())
    assert state["offline"] and state["pending_events"] == 1 and state["linked"]
