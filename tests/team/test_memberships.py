"""Which studies belong to which condition travels with the studies (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from conftest import make_study
from team.conftest import PASSWORD, Machine, TeamServer

from evidence_tracker.services import team as team_service
from evidence_tracker.store import judgements
from evidence_tracker.store.studies import study_conditions, upsert_studies
from evidence_tracker.store.team_server import schema_files

MakeMachine = Callable[..., Machine]


def _condition(machine: Machine, slug: str) -> int:
    row = machine.project.conn.execute("SELECT id FROM conditions WHERE slug = ?",
                                       (slug,)).fetchone()
    return int(row[0])


def _fetch_for(machine: Machine, slug: str, pmids: list[str]) -> None:
    """As a fetch does: the studies stored together with their condition."""
    upsert_studies(machine.project, [make_study(pmid=p) for p in pmids],
                   condition_id=_condition(machine, slug))


def _crps(machine: Machine) -> tuple[int, dict[str, list[str]]]:
    """(studies in the CRPS screening queue, each study's condition slugs by PMID)."""
    project = machine.project
    rows = project.conn.execute("SELECT id, pmid FROM studies WHERE pmid LIKE '20%'").fetchall()
    slugs = study_conditions(project, [r[0] for r in rows])
    return (judgements.queue_size(project, _condition(machine, "crps")),
            {str(pmid): slugs.get(int(i), []) for i, pmid in rows})


def test_studies_fetched_for_a_condition_are_in_it_on_every_machine(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """Ana fetched two studies for CRPS and one for fibromyalgia; Ben pulls them and
    Ana's decisions: they are in the same conditions and the same screening queue there
    (they used to arrive in no condition: outside CRPS, its queue and its counts)."""
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    _fetch_for(ana, "crps", ["2000", "2001"])
    _fetch_for(ana, "fibromyalgia", ["2002"])
    _fetch_for(ana, "crps", ["2002"])  # fetched again for a second condition
    ana.screen("2000", "include")
    ana.sync()
    ben.sync()
    expected = (3, {"2000": ["crps"], "2001": ["crps"], "2002": ["crps", "fibromyalgia"]})
    assert _crps(ana) == expected
    assert _crps(ben) == expected
    # When each joined the condition is the first machine's: the same everywhere.
    added = "SELECT s.pmid, sc.added_at FROM study_conditions sc JOIN studies s " \
            "ON s.id = sc.study_id WHERE s.pmid LIKE '20%' ORDER BY 1, 2"
    assert ben.project.conn.execute(added).fetchall() == \
        ana.project.conn.execute(added).fetchall()
    # Ben's screening queue for CRPS steps through them, as Ana's does.
    crps = _condition(ben, "crps")
    first = judgements.queue_step(ben.project, crps, None)
    assert first is not None
    # A membership Ben adds travels back; nothing is sent twice.
    _fetch_for(ben, "neuropathic-pain", ["2001"])
    ben.sync()
    ana.sync()
    assert _crps(ana)[1]["2001"] == ["crps", "neuropathic-pain"]
    with psycopg.connect(team_server.admin_url) as admin:
        rows = admin.execute("SELECT count(*) FROM team.study_conditions").fetchone()
    assert rows == (5,)
    assert ana.sync().pushed == 0


def test_a_server_of_the_previous_schema_is_upgraded_and_memberships_then_travel(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """A server at schema 1 refuses this client until `team init` upgrades it; then the
    memberships made before travel at the next sync."""
    ana = machines(team_server.add("ana"))
    latest = len(schema_files())
    with psycopg.connect(team_server.admin_url, autocommit=True) as admin:
        # Back to a version-1 server: the table and the version row of schema 2 gone.
        admin.execute("DROP TABLE team.study_conditions")
        admin.execute("DELETE FROM team.schema_version WHERE version > 1")
    _fetch_for(ana, "crps", ["2000"])
    with pytest.raises(team_service.SchemaMismatch, match="must upgrade the server"):
        ana.sync()
    result = team_service.init_server(team_server.admin_url)
    assert result.applied == list(range(2, latest + 1))
    ana.sync()
    ben = machines(team_server.add("ben"))
    ben.sync()
    assert _crps(ben) == (1, {"2000": ["crps"]})


@pytest.mark.parametrize(("attack", "refusal"), [
    ("UPDATE team.study_conditions SET slug = 'fibromyalgia'", "permission denied"),
    ("DELETE FROM team.study_conditions", "permission denied"),
    ("TRUNCATE team.study_conditions", "permission denied"),
    ("INSERT INTO team.study_conditions(project_id, study_key, slug, added_at, added_by, seq) "
     "SELECT project_id, 'pmid:1', 'crps', '2026', added_by, 0 FROM team.study_conditions",
     "row-level security"),
    ("ALTER TABLE team.study_conditions DISABLE ROW LEVEL SECURITY", "must be owner"),
])
def test_memberships_on_the_server_are_append_only_and_in_ones_own_name(
        team_server: TeamServer, machines: MakeMachine, attack: str, refusal: str) -> None:
    ana = machines(team_server.add("ana"))
    _fetch_for(ana, "crps", ["2000"])
    ana.sync()
    ben = team_server.add("ben")
    done = team_server.cluster.psql(team_server.url(ben, PASSWORD), attack)
    assert done.returncode != 0
    assert refusal in done.stderr
    with psycopg.connect(team_server.admin_url) as admin:
        rows = admin.execute("SELECT study_key, slug, added_by::text "
                             "FROM team.study_conditions").fetchall()
    assert rows == [("pmid:2000", "crps", ana.login)]
