"""The verdict as JSON (what ``claims show --json`` and ``grade --show --json`` print)."""

from __future__ import annotations

from typing import Any

from evidence_tracker.domain.grade import (
    BodyStudy,
)
from evidence_tracker.domain.meta import PooledEffect, StudyEffect
from evidence_tracker.domain.verdicts.types import (
    EXCLUSION_LABELS,
    EvidenceBody,
    SofRow,
    VerdictResult,
)

# -- JSON --------------------------------------------------------------------------------


def body_study_json(s: BodyStudy) -> dict[str, Any]:
    return {"study_id": s.study_id, "key": s.key, "design": s.design.value,
            "design_label": s.design.label, "design_source": s.design_source,
            "stance": s.stance or None, "rob_overall": s.rob_overall or None,
            "participants": s.participants, "analysed": s.analysed,
            "conditions": list(s.conditions), "route": s.route or None,
            "follow_up": s.follow_up or None, "retracted": s.retracted,
            "includes": sorted(s.includes),
            "reported_certainty": s.reported_certainty.value if s.reported_certainty else None,
            "attribution": s.attribution.value if s.attribution else None,
            "indirect": s.indirect or None,
            "findings": [f.to_json() for f in s.findings]}


def body_json(body: EvidenceBody) -> dict[str, Any]:
    return {"counted": [body_study_json(s) for s in body.counted],
            "excluded": [{"study_id": e.study_id, "key": e.key, "reason": e.reason.value,
                          "label": EXCLUSION_LABELS[e.reason], "detail": e.detail or None,
                          "finding_id": e.finding_id or None} for e in body.excluded]}


def _effect_json(e: StudyEffect | PooledEffect) -> dict[str, Any]:
    out: dict[str, Any] = {"measure": e.measure.value, "value": e.value,
                           "ci_low": e.ci_low, "ci_high": e.ci_high}
    if isinstance(e, StudyEffect):
        out.update(study_id=e.study_id, key=e.key, analysed=e.analysed)
    else:
        out.update(studies=e.studies, i_squared=e.i_squared, tau_squared=e.tau_squared,
                   method=e.method)
    return out


def sof_json(row: SofRow) -> dict[str, Any]:
    return {"outcome": row.outcome, "timepoint": row.timepoint or None, "studies": row.studies,
            "participants": row.participants, "effect": row.effect,
            "certainty": row.certainty.value if row.certainty else None,
            "statement": row.statement,
            "direction": row.direction.value if row.direction else None,
            "effects": [_effect_json(e) for e in row.effects],
            "pooled": _effect_json(row.pooled) if row.pooled else None,
            "provisional": row.provisional}


def result_json(r: VerdictResult) -> dict[str, Any]:
    """A suggested verdict as JSON (the ``suggestion`` of ``claims show --json``)."""
    return {"verdict": r.verdict.value, "statement": r.statement,
            "certainty": r.certainty.value if r.certainty else None,
            "certainty_source": r.certainty_source or None, "provisional": r.provisional,
            "direction": r.direction.value if r.direction else None,
            "scope_match": r.scope_match.value,
            "steps": [{"label": s.label, "outcome": s.outcome, "reason": s.reason}
                      for s in r.steps],
            "body": body_json(r.body), "sof": [sof_json(row) for row in r.sof],
            "grade": r.grade.to_json() if r.grade else None}
