"""Blind mode, the CLI's JSON: claims list and show, grade --show, appraise --show,
history, agreement and conflicts print nothing the reviewer may not see yet."""

from __future__ import annotations

import json

from blinding.blind_scene import CLAIM, RATIONALE

from evidence_tracker.__main__ import main
from evidence_tracker.services import review, screening
from evidence_tracker.services.settings import Settings, save_settings

SECRETS = (RATIONALE, "Ana's outcome", "Ana's footnote", '"reviewer": "ana"')


def _run(capsys, db, *args: str) -> str:
    assert main(["--db", db, *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_cli_json_outputs_are_blind(scene, capsys):
    db = str(scene.project.path)
    save_settings(Settings(reviewer_name="ben"))  # `claims` reads the reviewer from settings
    outputs = {
        "claims": _run(capsys, db, "claims", "--json"),
        "show": _run(capsys, db, "claims", "show", CLAIM, "--json", "--reviewer", "ben"),
        "grade": _run(capsys, db, "grade", CLAIM, "--show", "--json", "--reviewer", "ben"),
        "appraise": _run(capsys, db, "appraise", f"#{scene.study_id}", "--show", "--json",
                         "--reviewer", "ben"),
        "history": _run(capsys, db, "history", "--claim", CLAIM, "--json", "--reviewer", "ben"),
    }
    leaks = {name: [s for s in SECRETS if s in text] for name, text in outputs.items()}
    assert leaks == {key: [] for key in outputs}
    c011 = next(json.loads(line) for line in outputs["claims"].splitlines()
                if json.loads(line)["code"] == CLAIM)
    assert sum(c011["counts"].values()) == 0 and c011["verdict"]["rationale"] is None
    # A team of three: Ben has judged, Cy has not; the disagreement stays hidden.
    review.set_review_team(scene.project, ["ana", "ben", "cy"], reviewer="cat")
    screening.screen(scene.project, scene.study_id, "exclude", reviewer="ben",
                     reason="Duplicate")
    agreement = json.loads(_run(capsys, db, "agreement", "--json", "--reviewers", "ana,ben",
                                "--reviewer", "ben"))
    assert agreement["overall"]["screening"]["n"] == 0
    assert _run(capsys, db, "conflicts", "--json", "--reviewer", "ben") == ""
