"""LISTEN/NOTIFY hints: content-free, and a dead listening connection is noticed and
replaced (the caller then syncs: something may have been missed)."""

from __future__ import annotations

import time

import psycopg
from team.conftest import Machine, TeamServer

from evidence_tracker.services import team as team_service
from evidence_tracker.store import team_local
from evidence_tracker.store import team_server as server_store


def test_hint_carries_project_and_seq_only(team_server: TeamServer, machines) -> None:
    ana: Machine = machines(team_server.add("ana"))
    ben: Machine = machines(team_server.add("ben"))
    listener = team_service.ChangeListener(team_local.require_link(ana.project))
    try:
        assert listener.wait(0.2) == "timeout"
        ben.screen("1000")
        ben.sync()
        with server_store.listen(team_server.url(ana.login), "correct-horse-battery") as raw:
            ben.screen("1001")
            ben.sync()
            hints = server_store.wait_hints(raw, 5)
        assert list(hints) == [team_server.project_id]  # project id and a number, no content
        assert listener.wait(5) == "hint"
    finally:
        listener.close()


def test_dead_listen_connection_is_replaced_and_reported(
        team_server: TeamServer, machines) -> None:
    ana: Machine = machines(team_server.add("ana"))
    listener = team_service.ChangeListener(team_local.require_link(ana.project))
    try:
        assert listener.wait(0.1) == "timeout"
        pid = listener.conn.info.backend_pid
        with psycopg.connect(team_server.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        started = time.monotonic()
        outcome = listener.wait(5)
        assert outcome == "reconnected"
        assert time.monotonic() - started < 5  # noticed, not waited out
        assert listener.conn.info.backend_pid != pid
        # and the new connection hears the next hint
        ben: Machine = machines(team_server.add("ben"))
        ben.screen("1002")
        ben.sync()  # delivered to the listening connection, read by the next wait
        assert listener.wait(10) == "hint"
    finally:
        listener.close()
