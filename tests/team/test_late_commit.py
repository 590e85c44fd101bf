"""The late-commit race: a sequence value is drawn at insert but visible at commit, so a
reader going by ``seq > cursor`` can skip a row that commits late. The project's advisory
lock, taken before the number is drawn, makes seq order the commit order. Without the lock
(the function replaced for the second test) the same scenario loses a row: the test can
fail."""

from __future__ import annotations

import threading
import time

import psycopg
from team.conftest import TeamServer
from team.test_server_roles import _judge

from evidence_tracker.store import team_server as server_store

_NO_LOCK = """
CREATE OR REPLACE FUNCTION team.stamp_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.seq := nextval('team.change_seq');
    NEW.received_at := clock_timestamp();
    RETURN NEW;
END
$$;
"""


def late_commit(server: TeamServer) -> tuple[set[str], set[str], bool]:
    """ana's transaction draws a number and stays open while ben's commits; a director
    pulls in between and after. Returns (ids committed, ids the puller received, whether
    ben had to wait for ana)."""
    ana, ben, dora = server.add("ana"), server.add("ben"), server.add("dora", "director")
    slow = psycopg.connect(server.url(ana, "correct-horse-battery"))  # not autocommit
    first = _judge(slow, server.project_id, ana, "pmid:1")  # open, number drawn
    committed: dict[str, str] = {}

    def ben_inserts() -> None:
        with server.connect(ben) as conn:
            committed["ben"] = _judge(conn, server.project_id, ben, "pmid:2")

    other = threading.Thread(target=ben_inserts)
    other.start()
    other.join(timeout=1.0)  # with the lock ben waits for ana's commit
    ben_waited = other.is_alive()
    received: set[str] = set()
    cursor = 0
    with server.connect(dora) as reader:
        for round_ in range(2):
            for seq, table, ident, *_ in server_store.pull_page(
                    reader, server.project_id, cursor, 100):
                if table == "events":
                    received.add(ident)
                cursor = max(cursor, seq)
            if round_ == 0:
                slow.commit()
                other.join(timeout=10)
                time.sleep(0.05)
    slow.close()
    return {first, committed["ben"]}, received, ben_waited


def test_pull_never_skips_a_late_commit(team_server: TeamServer) -> None:
    committed, received, ben_waited = late_commit(team_server)
    assert ben_waited
    assert received == committed


def test_without_the_lock_the_late_commit_is_skipped(team_server: TeamServer) -> None:
    with psycopg.connect(team_server.admin_url, autocommit=True) as admin:
        admin.execute(_NO_LOCK)
    committed, received, ben_waited = late_commit(team_server)
    assert not ben_waited
    assert received < committed  # the row committed late, below the cursor, is lost
