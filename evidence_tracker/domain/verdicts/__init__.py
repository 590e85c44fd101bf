"""How a claim's verdict is reached (pure): the body of evidence, GRADE for the claim's
question, and the verdict with its GRADE informative statement.

The method is ``shared/design/verdicts.md``: a claim is a question with a kind and a scope;
each linked study counts once (a systematic review or the trials it includes); findings
are read by outcome and time point; the certainty of the body at the claim's scope and the
direction of its effect decide the verdict (:data:`DECISION_TABLE`), written as a GRADE
informative statement (Santesso et al., J Clin Epidemiol 2020;119:126-135).

Modules: ``types`` (the contract the services, GUI and reports build on), ``body``
(:func:`build_body`), ``sof`` (:func:`sof_rows`), ``decision`` (:data:`DECISION_TABLE`,
:func:`decide_verdict`, :func:`assess`: all of it), ``statement``
(:func:`informative_statement`) and ``jsonify``. Everything is importable from here.
"""

from evidence_tracker.domain.verdicts.body import (
    AUTHORITATIVE,
    CLINICAL,
    MECHANISTIC,
    build_body,
    is_head_to_head,
)
from evidence_tracker.domain.verdicts.decision import (
    ATTRIBUTION_VERDICTS,
    DECISION_TABLE,
    PROVISIONAL_BAND,
    assess,
    certainty_band,
    decide_verdict,
)
from evidence_tracker.domain.verdicts.jsonify import (
    body_json,
    body_study_json,
    result_json,
    sof_json,
)
from evidence_tracker.domain.verdicts.sof import sof_rows
from evidence_tracker.domain.verdicts.statement import (
    KIND_LABEL_TEXT,
    VERDICT_TEXT,
    informative_statement,
    intervention_phrase,
    outcome_phrase,
)
from evidence_tracker.domain.verdicts.types import (
    EXCLUSION_LABELS,
    EvidenceBody,
    Exclusion,
    ExclusionReason,
    PooledEffect,
    ScopeMatch,
    SofRow,
    StudyEffect,
    VerdictResult,
    VerdictStep,
)

__all__ = [
    "ATTRIBUTION_VERDICTS", "AUTHORITATIVE", "CLINICAL", "DECISION_TABLE", "EXCLUSION_LABELS",
    "KIND_LABEL_TEXT", "MECHANISTIC", "PROVISIONAL_BAND", "VERDICT_TEXT", "EvidenceBody",
    "Exclusion", "ExclusionReason", "PooledEffect", "ScopeMatch", "SofRow", "StudyEffect",
    "VerdictResult", "VerdictStep", "assess", "body_json", "body_study_json",
    "build_body", "certainty_band", "decide_verdict", "informative_statement",
    "intervention_phrase", "is_head_to_head", "outcome_phrase", "result_json", "sof_json",
    "sof_rows",
]
