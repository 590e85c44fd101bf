"""The SQL blind rule (team.may_see, applied by row-level security to real roles) and the
application's (domain.blinding.may_see) are one rule: every case of a matrix agrees.

Cases: no team / a team of two / a team of three assigned; stage unblinded or not; every
set of reviewers who judged a subject; every viewer (the three reviewers and an arbiter,
who is on no team). The director's "reads everything" is a role of the server only
(test_server_roles.py).
"""

from __future__ import annotations

import itertools

import psycopg
import pytest
from team.conftest import TeamServer
from team.test_server_roles import _judge

from evidence_tracker.store import team_server as server_store
from evidence_tracker.store import team_wire

blinding = pytest.importorskip(
    "evidence_tracker.domain.blinding",
    reason="domain/blinding.py comes with the blind13 branch (merge it first)")


@pytest.mark.parametrize("team_size", [0, 2, 3])
@pytest.mark.parametrize("unblinded", [False, True])
def test_sql_and_python_blind_rules_agree(team_server: TeamServer, team_size: int,
                                          unblinded: bool) -> None:
    people = [team_server.add(n, assign=False) for n in ("ana", "ben", "cy")]
    arbiter = team_server.add("ari", "arbiter")
    project = team_wire.new_uid()
    with psycopg.connect(team_server.admin_url, autocommit=True) as admin:
        server_store.create_project(admin, project, f"matrix-{team_size}-{unblinded}")
        for login in people[:team_size]:
            server_store.assign(admin, project, login, ["screening"])
    subjects: dict[str, frozenset[str]] = {}
    for size in range(1, 4):
        for judged in itertools.combinations(people, size):
            key = f"pmid:{len(subjects) + 1}"
            subjects[key] = frozenset(judged)
            for login in judged:
                with team_server.connect(login) as conn:
                    _judge(conn, project, login, key)
    if unblinded:
        with team_server.connect(arbiter) as conn:
            conn.execute("INSERT INTO team.unblinded(project_id, stage, seq) "
                         "VALUES (%s, 'screening', 0)", (project,))
    team = tuple(people[:team_size])
    cases = 0
    for viewer in [*people, arbiter]:
        with team_server.connect(viewer) as conn:
            seen = set(conn.execute("SELECT reviewer::text, study_key FROM team.events "
                                    "WHERE project_id = %s", (project,)).fetchall())
        expected = {
            (author, key) for key, judged in subjects.items() for author in judged
            if blinding.may_see(viewer, author,
                                blinding.SubjectProgress.of(judged, team, unblinded))}
        assert seen == expected, (viewer, team, unblinded)
        cases += sum(len(j) for j in subjects.values())
    assert cases == 4 * 12  # 12 judgements of 7 subjects, seen by 4 viewers
