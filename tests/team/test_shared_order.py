"""Order and references that mean the same on every machine (real PostgreSQL).

A pulled event gets a new local id, so local ids are arrival order; "latest" and
"current" follow the server's order instead, on every machine.
"""

from __future__ import annotations

from collections.abc import Callable

from team.conftest import Machine, TeamServer

from evidence_tracker.services import review, study_list
from evidence_tracker.services import team as team_service
from evidence_tracker.services.review import undo_available
from evidence_tracker.store import judgements
from evidence_tracker.store import team_server as server_store
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
