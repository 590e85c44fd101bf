"""The grading commands through the real entry point: screen, appraise, grade, agreement,
conflicts, resolve, history, undo and redo, reviewers (JSON contracts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.domain.models import Study
from evidence_tracker.services.project import open_or_create
from evidence_tracker.services.settings import Settings, save_settings
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Pain scores fell by 2.1 points at 12 weeks."
PMIDS = ["45000001", "45000002", "45000003", "45000004"]


@pytest.fixture
def db(tmp_path: Path, study_factory: Callable[..., Study]) -> Path:
    path = tmp_path / "grading-cli.sqlite3"
    with open_or_create(path) as project:
        crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
        upsert_studies(project, [study_factory(pmid=p) for p in PMIDS], condition_id=crps)
    return path


def run(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok_json(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> object:
    code, out, err = run(db, capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_screen_and_progress(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ok_json(db, capsys, "screen", PMIDS[0], "exclude", "--reason", "Not chronic pain",
                   "--reviewer", "ana")
    assert data["decision"] == "exclude" and data["reason"] == "Not chronic pain"
    assert data["reviewer"] == "ana" and data["event_id"] > 0
    progress = ok_json(db, capsys, "screen", "--progress", "--reviewer", "ana")
    assert progress["conditions"]["crps"] == {"total": 4, "screened": 1, "include": 0,
                                              "exclude": 1, "maybe": 0}
    code, out, _ = run(db, capsys, "screen", "--progress", "--reviewer", "ana")
    assert code == 0
    assert "1 of 4 screened" in out
    code, _, err = run(db, capsys, "screen", PMIDS[1], "exclude", "--reviewer", "ana")
    assert code == 1 and "needs a reason" in err
    reasons = ok_json(db, capsys, "screen", "--reasons")
    assert "Wrong population" in reasons


def test_reviewer_defaults_to_the_settings(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(db, capsys, "screen", PMIDS[0], "include")
    assert code == 1 and "Who is reviewing" in err
    save_settings(Settings(reviewer_name="Dr Ana"))
    assert ok_json(db, capsys, "screen", PMIDS[0], "include")["reviewer"] == "Dr Ana"


def test_appraise_show_and_save(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = ok_json(db, capsys, "appraise", PMIDS[0], "--show", "--reviewer", "ana")
    assert shown["suggestion"]["design"] == "rct" and shown["appraisals"] == []
    data = ok_json(db, capsys, "appraise", PMIDS[0], "--participants", "60", "--route",
                   "iv_infusion", "--follow-up", "12 weeks", "--rob", "randomisation=low",
                   "--rob", "deviations=low", "--rob", "missing-data=high", "--rob",
                   "measurement=low", "--rob", "reporting=low", "--funding", "Industry",
                   "--reviewer", "ana")
    assert data["rob_tool"] == "rob2" and data["rob_overall"] == "high"
    assert data["participants"] == 60 and data["design_confirmed"] is True
    assert data["suggestion"]["reason"] == 'publication type "Randomized Controlled Trial"'
    code, _, err = run(db, capsys, "appraise", PMIDS[0], "--rob", "confounding=low",
                       "--reviewer", "ana")
    assert code == 1 and "not a RoB 2" in err


def test_grade_show_and_record(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, capsys, "link", PMIDS[0], "C011", "--stance", "supports", "--quote", QUOTE,
        "--reviewer", "ana")
    run(db, capsys, "appraise", PMIDS[0], "--participants", "500", "--reviewer", "ana")
    shown = ok_json(db, capsys, "grade", "C011", "--show", "--reviewer", "ana")
    assert shown["suggestion"]["start"] == "high"
    assert shown["suggestion"]["downgrades"]["imprecision"] == -1  # a single study
    assert shown["body"]["counted"][0]["design"] == "rct"
    assert shown["body"]["counted"][0]["design_source"] == "appraisal"
    assert shown["suggestion"]["unassessed"] == ["risk_of_bias"]  # appraised without RoB
    # Looking needs no reviewer.
    assert ok_json(db, capsys, "grade", "C011", "--show")["suggestion"]["start"] == "high"
    data = ok_json(db, capsys, "grade", "C011", "--risk-of-bias", "-1", "--footnote",
                   "risk_of_bias=no allocation concealment", "--reviewer", "ana")
    assert data["certainty"] == "low"  # high, -1 risk of bias, -1 imprecision
    assert data["footnotes"]["risk_of_bias"] == "no allocation concealment"
    code, _, err = run(db, capsys, "grade", "C011", "--inconsistency", "-1", "--reviewer",
                       "ana")
    assert code == 1 and "footnote" in err
    code, _, err = run(db, capsys, "grade", "C011", "--large-effect", "1", "--footnote",
                       "large_effect=RR 5", "--reviewer", "ana")
    assert code == 1 and "not rated up" in err
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    assert code == 0
    suggestion = json.loads(out)["verdict"]["suggestion"]
    assert (suggestion["certainty"], suggestion["certainty_source"]) == ("low", "reviewer")
    assert suggestion["verdict"] == "partly_supported"  # low certainty, favours


def test_agreement_conflicts_resolve_history_undo(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for pmid, a, b in zip(PMIDS, ["include", "include", "maybe", "exclude"],
                          ["include", "exclude", "maybe", "exclude"], strict=True):
        for who, decision in (("ana", a), ("ben", b)):
            run(db, capsys, "screen", pmid, decision, "--reason", "Duplicate",
                "--reviewer", who)
    report = ok_json(db, capsys, "agreement")
    assert report["reviewers"] == ["ana", "ben"]
    screening = report["overall"]["screening"]
    # A: I2 M1 E1, B: I1 E2 M1; po = 3/4; pe = (2*1 + 1*2 + 1*1)/16 = 5/16;
    # kappa = (12/16 - 5/16)/(11/16) = 7/11 = 0.6364.
    assert screening == {"n": 4, "percent_agreement": 0.75, "kappa": 0.6364}
    assert report["conditions"]["crps"]["screening"]["n"] == 4
    code, out, _ = run(db, capsys, "agreement")
    assert code == 0
    assert "kappa 0.64 (substantial)" in out
    code, out, err = run(db, capsys, "conflicts", "--json")
    assert code == 0
    (conflict,) = [json.loads(line) for line in out.splitlines()]
    assert err == "1 conflict\n"
    assert conflict["kind"] == "screening" and conflict["label"] == f"PMID {PMIDS[1]}"
    assert {j["reviewer"]: j["value"] for j in conflict["judgements"]} == {
        "ana": "Include", "ben": "Exclude: Duplicate"}
    resolved = ok_json(db, capsys, "resolve", conflict["key"], "--value", "include",
                       "--note", "met criteria", "--reviewer", "cat")
    assert resolved["final"]["decision"] == "include" and len(resolved["resolves"]) == 2
    _code, _out, err = run(db, capsys, "conflicts")
    assert err == "0 conflicts\n"
    hist = ok_json(db, capsys, "history", "--study", PMIDS[1], "--reviewer", "cat")
    assert [e["kind"] for e in hist["events"]] == ["screening", "screening", "resolution"]
    assert hist["events"][-1]["after"] == "Screening resolved: Include"
    undone = ok_json(db, capsys, "undo", "--reviewer", "cat")
    assert undone["kind"] == "resolution" and undone["reverts"] == resolved["event_id"]
    _code, _out, err = run(db, capsys, "conflicts")
    assert err == "1 conflict\n"
    redone = ok_json(db, capsys, "redo", "--reviewer", "cat")
    assert redone["reverts"] == undone["event_id"]
    assert ok_json(db, capsys, "redo", "--reviewer", "cat") is None


def test_reviewers_team_and_blind_mode(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ok_json(db, capsys, "reviewers", "--team", "ana,ben", "--blind", "on",
                   "--reviewer", "cat")
    assert data == {"reviewers": ["ana", "ben", "cat"], "team": ["ana", "ben"], "blind": True}
    run(db, capsys, "screen", PMIDS[0], "include", "--reviewer", "ana")
    hist = ok_json(db, capsys, "history", "--study", PMIDS[0], "--reviewer", "ben")
    assert hist == {"hidden": 1, "events": []}


def test_claims_show_respects_blind_mode(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evidence_tracker.services import evidence, review

    with open_or_create(db) as project:
        review.set_review_team(project, ["ana", "ben"], reviewer="ana")
        review.set_blind_mode(project, True, reviewer="ana")
        evidence.link_study(project, PMIDS[0], "C011", stance="contradicts", quotes=[QUOTE],
                            reviewer="ana")

    def shown(who: str) -> list[str]:
        detail = ok_json(db, capsys, "claims", "show", "C011", "--reviewer", who)
        assert isinstance(detail, dict)
        return [link["reviewer"] for link in detail["links"]]

    assert shown("ana") == ["ana"]
    assert shown("ben") == []  # ana's link stays hidden until ben has judged the pair
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--reviewer", "ben")
    assert code == 0 and "Links: none" in out and "by ana" not in out
    with open_or_create(db) as project:
        evidence.link_study(project, PMIDS[0], "C011", stance="supports", quotes=[QUOTE],
                            reviewer="ben")
    assert sorted(shown("ben")) == ["ana", "ben"]
