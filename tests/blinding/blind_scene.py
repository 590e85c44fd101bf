"""The blind-review scene: a project in blind mode where Ana has judged everything about
one study and claim C011 (screening, appraisal, link with a finding, GRADE, verdict with a
rationale) and Ben, the second reviewer, has judged nothing yet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from evidence_tracker.domain.findings import Finding
from evidence_tracker.domain.models import Study
from evidence_tracker.services import appraisal, evidence, grading, review, screening
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

CLAIM = "C011"
QUOTE = "Pain scores fell by 2.1 points at 12 weeks."
RATIONALE = "Ana's secret rationale: one small trial, serious imprecision."
ROB2_LOW = dict.fromkeys(["randomisation", "deviations", "missing_data", "measurement",
                          "reporting"], "low")


@dataclass
class BlindScene:
    project: Project
    study_id: int
    claim_id: int


def make_scene(tmp_path: Path, study_factory: Callable[..., Study]) -> Iterator[BlindScene]:
    with open_or_create(tmp_path / "blind.sqlite3") as project:
        crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
        (sid,) = upsert_studies(project, [study_factory()], condition_id=crps).study_ids
        review.set_blind_mode(project, True, reviewer="cat")
        screening.screen(project, sid, "include", reviewer="ana")
        appraisal.update_appraisal(project, sid, reviewer="ana", participants=30,
                                   route="iv_infusion", rob=ROB2_LOW)
        evidence.link_study(project, sid, CLAIM, stance="supports", quotes=[QUOTE],
                            reviewer="ana")
        evidence.add_finding(project, sid, CLAIM, Finding("f1", outcome="Ana's outcome",
                                                          timepoint="12 weeks",
                                                          quotes=(QUOTE,)), reviewer="ana")
        grading.grade_with(project, CLAIM, reviewer="ana", ratings={"imprecision": -2},
                           footnotes={"imprecision": "Ana's footnote"})
        evidence.record_verdict(project, CLAIM, "supported", rationale=RATIONALE,
                                reviewer="ana")
        claim_id = evidence.claim_detail(project, CLAIM, suggestions=0).claim.id
        yield BlindScene(project, sid, claim_id)


def ben_judges_everything(scene: BlindScene) -> None:
    """The second reviewer catches up on every subject of the scene."""
    p, sid = scene.project, scene.study_id
    screening.screen(p, sid, "include", reviewer="ben")
    appraisal.update_appraisal(p, sid, reviewer="ben", participants=30, route="iv_infusion",
                               rob=ROB2_LOW)
    evidence.link_study(p, sid, CLAIM, stance="supports", quotes=[QUOTE], reviewer="ben")
    grading.grade_with(p, CLAIM, reviewer="ben", ratings={"imprecision": -2})
    evidence.record_verdict(p, CLAIM, "supported", rationale="Ben agrees.", reviewer="ben")
