"""Order and references that mean the same on every machine (real PostgreSQL).

A pulled event gets a new local id, so local ids are arrival order; "latest" and
"current" follow the server's order instead, on every machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from team.conftest import Machine, TeamServer

from evidence_tracker.services import evidence, review, study_list
from evidence_tracker.services import team as team_service
from evidence_tracker.services.review import undo_available
from evidence_tracker.store import judgements
from evidence_tracker.store import team_server as server_store
from evidence_tracker.store.events import ensure_reviewer
from evidence_tracker.store.studies import StudyFilter, query_study_ids

MakeMachine = Callable[..., Machine]


def _study(machine: Machine, pmid: str) -> int:
    row = machine.project.conn.execute("SELECT id FROM studies WHERE pmid = ?",
                                       (pmid,)).fetchone()
    return int(row[0])


def _current_everywhere(machine: Machine, login: str, pmid: str) -> dict[str, str]:
    """The reviewer's current decision about the study as each part of the app reads it."""
    project = machine.project
    study_id = _study(machine, pmid)
    reviewer_id = judgements.reviewer_id(project, login)
    maintained = project.conn.execute(
        "SELECT decision FROM screening_current WHERE reviewer_id = ? AND study_id = ?",
        (reviewer_id, study_id)).fetchone()
    counts = judgements.screening_counts(project, reviewer_id)
    return {
        "view": machine.decisions()[(login, pmid)],
        "screening_current": maintained[0] if maintained else "",
        "counts": next(k for k in ("include", "exclude", "maybe") if counts[k]),
        "review": next(j.after["decision"] for j in review.judgements(project, "screening")
                       if j.reviewer == login and j.study_id == study_id),
        "studies column": study_list.screening_status(project, [study_id], login)[study_id],
        "filter": next(g for g in ("include", "exclude", "maybe") if study_id in
                       query_study_ids(project, study_list.with_screening_group(
                           project, StudyFilter(), g, login))),
    }


def test_same_reviewer_changes_their_mind_on_another_machine_before_pulling(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """Ana includes 1000 on her laptop and syncs; later, on her desktop, which has not
    pulled yet, she excludes it. The exclusion is her current decision everywhere,
    although on the desktop the inclusion arrives last (it used to win there)."""
    login = team_server.add("ana")
    laptop = machines(login, folder="laptop")
    desktop = machines(login, folder="desktop")
    laptop.screen("1000", "include")
    laptop.sync()
    desktop.screen("1000", "exclude", "Wrong population")
    desktop.sync()  # pushes the exclusion, then pulls the (older) inclusion
    laptop.sync()
    third = machines(login, folder="third")
    third.sync()
    for machine in (laptop, desktop, third):
        seen = _current_everywhere(machine, login, "1000")
        assert seen == dict.fromkeys(seen, "exclude"), machine.project.path
        # Undo offers the latest decision in the shared order: the exclusion.
        top, _ = undo_available(machine.project, login)
        assert top is not None and top.after["decision"] == "exclude"


def test_an_unpushed_decision_counts_after_everything_pulled(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """A decision made here and not sent yet is newer than anything the server has."""
    login = team_server.add("ana")
    laptop, desktop = machines(login, folder="laptop"), machines(login, folder="desktop")
    desktop.sync()
    laptop.screen("1001", "include")
    laptop.sync()
    desktop.screen("1001", "maybe")  # not synced: it stays the current one
    # Pull only (as a sync does after its push), leaving the maybe unsent.
    report = team_service.SyncReport()
    with server_store.connect(team_server.url(login), "correct-horse-battery") as conn:
        team_service._pull(desktop.project, conn, report, 100, None)
    assert report.pulled == 1
    seen = _current_everywhere(desktop, login, "1001")
    assert seen == dict.fromkeys(seen, "maybe")
    desktop.sync()
    laptop.sync()
    assert laptop.decisions()[(login, "1001")] == desktop.decisions()[(login, "1001")] \
        == "maybe"


def _dual_conflict(team_server: TeamServer, machines: MakeMachine
                   ) -> tuple[Machine, Machine, Machine]:
    """ben excludes 1000 and syncs; ana, offline, screens three studies, including 1000;
    the arbiter pulls both. Local ids of the two judgements differ on each machine."""
    ana, ben = machines(team_server.add("ana")), machines(team_server.add("ben"))
    ari = machines(team_server.add("ari", "arbiter"))
    ben.screen("1000", "exclude", "Wrong population")
    ben.sync()
    for pmid in ("1000", "1001", "1002"):
        ana.screen(pmid, "include")
    ana.sync()
    ben.sync()
    ari.sync()
    return ana, ben, ari


def _status_everywhere(study_pmid: str, *machines: Machine) -> list[str]:
    out = []
    for m in machines:
        subject = review.Subject("screening", _study(m, study_pmid))
        assert review.subject_state(m.project, subject).judgements, m.login
        out.append(review.subject_state(m.project, subject).status)
    return out


def test_a_resolution_names_the_same_events_on_every_machine(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """The arbiter's resolution refers to the resolved events by UUID: on ana's and ben's
    machines it covers their judgements too (with local ids it pointed at other events
    there, and the conflict came back)."""
    ana, ben, ari = _dual_conflict(team_server, machines)
    [conflict] = review.conflicts(ari.project)
    review.resolve(ari.project, conflict.subject, arbiter=ari.login, accept=ana.login)
    ari.sync()
    ana.sync()
    ben.sync()
    assert _status_everywhere("1000", ana, ben, ari) == ["resolved"] * 3
    for m in (ana, ben, ari):
        assert review.conflicts(m.project) == [], m.login
    with server_store.connect(team_server.admin_url) as conn:
        row = conn.execute("SELECT after FROM team.events WHERE kind = 'resolution'").fetchone()
    uids = {uid for m in (ana, ben) for (uid,) in m.project.conn.execute(
        "SELECT t.uid FROM team_event_ids t JOIN events e ON e.id = t.event_id "
        "JOIN studies s ON s.id = e.study_id WHERE e.kind = 'screening' AND s.pmid = '1000' "
        "AND t.origin = 'local'")}
    assert set(json.loads(row[0])["resolves"]) == uids
    # A reviewer who changes their vote afterwards reopens it, everywhere.
    ben.screen("1000", "maybe")
    ben.sync()
    ana.sync()
    ari.sync()
    assert _status_everywhere("1000", ana, ben, ari) == ["conflict"] * 3


def test_an_old_resolution_with_local_ids_still_reads_everywhere(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """A resolution recorded before references were portable names the arbiter's local
    ids: read as such where it was made, and elsewhere as each listed reviewer's
    judgement in force just before it, while it keeps the value the arbiter saw."""
    ana, ben, ari = _dual_conflict(team_server, machines)
    study = _study(ari, "1000")
    state = review.subject_state(ari.project, review.Subject("screening", study))
    arbiter_id = ensure_reviewer(ari.project, ari.login)
    judgements.insert_event(
        ari.project, "resolution", reviewer_id=arbiter_id, before=None, study_id=study,
        after={"of": "screening", "final": dict(state.judgements[0].after),
               "resolves": [j.event_id for j in state.judgements],
               "reviewers": {j.reviewer: j.after for j in state.judgements},
               "accepted": None})
    ari.sync()
    ana.sync()
    ben.sync()
    local_ids = {m.login: sorted(j.event_id for j in review.subject_state(
        m.project, review.Subject("screening", _study(m, "1000"))).judgements)
        for m in (ana, ben, ari)}
    assert local_ids[ana.login] != local_ids[ari.login]  # the ids mean other events there
    assert _status_everywhere("1000", ana, ben, ari) == ["resolved"] * 3
    ana.screen("1000", "maybe")
    ana.sync()
    ben.sync()
    assert _status_everywhere("1000", ana, ben) == ["conflict"] * 2


def test_a_verdict_and_a_link_compare_in_the_shared_order(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """Ana links a study to C001 on her laptop and syncs; on her desktop, before pulling,
    she confirms a verdict on C001. The link came first in the team's order, so no machine
    flags the verdict for re-review (the desktop did: the link arrived there last)."""
    login = team_server.add("ana")
    laptop, desktop = machines(login, folder="laptop"), machines(login, folder="desktop")
    desktop.sync()
    evidence.link_study(laptop.project, "1000", "C001", stance="supports",
                        quotes=["Pain scores fell by 2.1 points at 12 weeks."], reviewer=login)
    laptop.sync()
    evidence.record_verdict(desktop.project, "C001", "insufficient_evidence",
                            rationale="One small trial", reviewer=login)
    desktop.sync()
    laptop.sync()
    for machine in (laptop, desktop):
        status = evidence.verdict_status(machine.project, "C001", login)
        assert status.confirmed is not None, machine.project.path
        assert status.rereview_reasons == (), machine.project.path
    # A link changed after the verdict (in the team's order) flags it everywhere.
    evidence.link_study(laptop.project, "1000", "C001", stance="contradicts",
                        quotes=["Pain scores fell by 2.1 points at 12 weeks."], reviewer=login)
    laptop.sync()
    desktop.sync()
    for machine in (laptop, desktop):
        assert evidence.verdict_status(machine.project, "C001", login).rereview_reasons == (
            "a link changed after the verdict",)


def test_a_project_synced_before_this_version_learns_the_servers_order(
        team_server: TeamServer, machines: MakeMachine) -> None:
    """Events synced before the server's order was kept here have no seq (db/0009 then
    resets the pull cursor): the next sync pulls everything again, the events already here
    learn their place, and the current decision follows it."""
    login = team_server.add("ana")
    laptop = machines(login, folder="laptop")
    desktop = machines(login, folder="desktop")
    laptop.screen("1002", "include")
    laptop.sync()
    desktop.screen("1002", "exclude", "Wrong population")
    desktop.sync()
    laptop.sync()
    # As such a project looks right after db/0009: no seq kept, arrival order in force.
    conn = desktop.project.conn
    with desktop.project.transaction():
        conn.execute("UPDATE team_event_ids SET seq = NULL")
        conn.execute("UPDATE team_link SET pull_cursor = 0")
    assert _current_everywhere(desktop, login, "1002")["screening_current"] == "include"
    report = desktop.sync()
    assert report.pulled == 0  # nothing applied twice
    assert conn.execute("SELECT count(*) FROM team_event_ids WHERE seq IS NULL "
                        "AND origin = 'server'").fetchone() == (0,)
    seen = _current_everywhere(desktop, login, "1002")
    assert seen == dict.fromkeys(seen, "exclude")
