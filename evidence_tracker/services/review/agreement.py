"""Agreement between two reviewers: Cohen's kappa and percent agreement for screening,
stance and design; weighted kappa for GRADE certainty; overall and per condition."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.domain.agreement import Agreement, nominal_agreement, ordinal_agreement
from evidence_tracker.domain.design import StudyDesign
from evidence_tracker.domain.grade import CERTAINTY_ORDER
from evidence_tracker.domain.models import ScreeningDecision, Stance
from evidence_tracker.domain.review import ReviewError
from evidence_tracker.services.review.core import Visibility, judgements, visible_by_subject
from evidence_tracker.store import Project
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store

MEASURES: tuple[tuple[str, str], ...] = (
    ("screening", "screening"), ("stance", "link"), ("certainty", "grade"),
    ("design", "appraisal"))
_CATEGORIES: dict[str, list[str]] = {
    "screening": [d.value for d in ScreeningDecision],
    "stance": [s.value for s in Stance],
    "certainty": [c.value for c in CERTAINTY_ORDER],
    "design": [d.value for d in StudyDesign],
}


@dataclass(frozen=True)
class AgreementRow:
    scope: str  # "overall" or a condition slug
    name: str
    measures: dict[str, Agreement] = field(default_factory=dict)


@dataclass(frozen=True)
class AgreementReport:
    reviewers: tuple[str, str] | None
    pairs: list[tuple[str, str, int]]  # every pair with the number of subjects both judged
    rows: list[AgreementRow]

    @property
    def overall(self) -> AgreementRow:
        return self.rows[0]


def _value_for(measure: str, after: dict[str, Any]) -> str:
    key = {"screening": "decision", "stance": "stance", "certainty": "certainty",
           "design": "design"}[measure]
    return str(after.get(key, ""))


def agreement(
    project: Project, *, reviewers: Sequence[str] | None = None, condition: str | None = None,
    viewer: str | None = None,
) -> AgreementReport:
    """Agreement of two reviewers, overall and per condition: Cohen's kappa and percent
    agreement for screening, stance and design; weighted kappa (linear and quadratic) for
    GRADE certainty. Without ``reviewers``, the pair who judged most subjects in common.

    In blind mode only the judgements ``viewer`` may see count (None: every judgement), so
    no figure reveals a subject before it is complete."""
    seen = Visibility.of(project, viewer)
    per_kind = {kind: visible_by_subject(seen, judgements(project, kind))
                for _, kind in MEASURES}
    names = sorted({j.reviewer for groups in per_kind.values() for g in groups.values()
                    for j in g})
    pairs = []
    for a, b in itertools.combinations(names, 2):
        shared = sum(1 for groups in per_kind.values() for g in groups.values()
                     if {a, b} <= {j.reviewer for j in g})
        pairs.append((a, b, shared))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    if reviewers:
        if len(reviewers) != 2 or reviewers[0] == reviewers[1]:
            raise ReviewError("Agreement compares two different reviewers.")
        pair: tuple[str, str] | None = (reviewers[0].strip(), reviewers[1].strip())
    else:
        pair = (pairs[0][0], pairs[0][1]) if pairs and pairs[0][2] else None
    study_conds = study_store.study_conditions(project, {s.study_id for g in per_kind.values()
                                                   for s in g if s.study_id is not None})
    claim_conds = store.claim_conditions(project, {s.claim_id for g in per_kind.values()
                                                   for s in g if s.claim_id is not None})
    paired: dict[str, list[tuple[set[str], tuple[str, str]]]] = {m: [] for m, _ in MEASURES}
    if pair is not None:
        for measure, kind in MEASURES:
            for subject, group in per_kind[kind].items():
                by = {j.reviewer: j.after for j in group}
                if pair[0] in by and pair[1] in by:
                    conds = set(claim_conds.get(subject.claim_id or -1, ())) or \
                        set(study_conds.get(subject.study_id or -1, ()))
                    paired[measure].append((conds, (_value_for(measure, by[pair[0]]),
                                                    _value_for(measure, by[pair[1]]))))

    def row(scope: str, name: str, slug: str | None) -> AgreementRow:
        measures = {}
        for measure, _ in MEASURES:
            values = [v for conds, v in paired[measure] if slug is None or slug in conds]
            measures[measure] = (ordinal_agreement(values, _CATEGORIES[measure])
                                 if measure == "certainty"
                                 else nominal_agreement(values, _CATEGORIES[measure]))
        return AgreementRow(scope, name, measures)

    rows = [row("overall", "Overall", None)]
    for _, slug, name, _ in store.condition_rows(project):
        if condition is not None and slug != condition:
            continue
        if any(slug in conds for items in paired.values() for conds, _ in items):
            rows.append(row(slug, name, slug))
    return AgreementReport(pair, pairs, rows)


def agreement_json(report: AgreementReport) -> dict[str, Any]:
    return {
        "reviewers": list(report.reviewers) if report.reviewers else None,
        "pairs": [{"reviewers": [a, b], "shared": n} for a, b, n in report.pairs],
        "overall": {m: a.to_json() for m, a in report.overall.measures.items()},
        "conditions": {r.scope: {"name": r.name, **{m: a.to_json()
                                                    for m, a in r.measures.items()}}
                       for r in report.rows[1:]},
    }
