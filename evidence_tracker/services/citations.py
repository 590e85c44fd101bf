"""Formatted citations for writers: one study, a selection, or every study linked to a claim,
with a sentence that states the claim's certainty.

>>> certainty_statement("Ketamine reduces chronic pain", Verdict.SUPPORTED, Certainty.LOW)
'Low-certainty evidence suggests that ketamine reduces chronic pain.'
>>> certainty_statement("IV ketamine relieves CRPS pain.", Verdict.CONTRADICTED, None)
'Certainty not yet graded. The evidence reviewed contradicts the claim that IV ketamine \
relieves CRPS pain.'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.domain.claims import Claim
from evidence_tracker.domain.models import Certainty, Stance, Verdict
from evidence_tracker.formats.citations import CitationStyle, format_citations
from evidence_tracker.services import evidence
from evidence_tracker.services.claims import resolve_claim
from evidence_tracker.store import Project
from evidence_tracker.store.report_queries import studies_by_ids

CERTAINTY_LABELS = {
    Certainty.HIGH: "High",
    Certainty.MODERATE: "Moderate",
    Certainty.LOW: "Low",
    Certainty.VERY_LOW: "Very low",
}
#: Linked stances whose studies a claim's reference list cites.
CITED_STANCES = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS)


@dataclass(frozen=True)
class GradeInfo:
    """A claim's GRADE certainty as the latest ``grade`` event records it."""

    certainty: Certainty
    reviewer: str = ""
    decided_at: str = ""
    rationale: str = ""


def claim_certainty(project: Project, claim_id: int, viewer: str | None = None
                    ) -> GradeInfo | None:
    """The claim's GRADE certainty, read defensively from its latest ``grade`` event that
    ``viewer`` may see (blind mode; None: anyone's)."""
    from evidence_tracker.services import review  # review builds on evidence, as we do

    event = review.latest_visible_claim_event(project, "grade", claim_id, viewer)
    after: Any = event["after"] if event else None
    if not event or not isinstance(after, dict):
        return None
    try:
        certainty = Certainty(str(after.get("certainty", "")).strip().lower().replace(" ", "_"))
    except ValueError:
        return None
    rationale = after.get("rationale") or after.get("reason") or event.get("note") or ""
    return GradeInfo(certainty, event.get("reviewer") or "", event.get("occurred_at") or "",
                     str(rationale))


def _clause(text: str) -> str:
    """A claim as a clause after 'that': first word lower-cased unless an acronym."""
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    first, _, rest = text.partition(" ")
    if first[:1].isupper() and (first[1:2].islower() or len(first) == 1) and \
            not any(ch.isupper() for ch in first[1:]):
        first = first[:1].lower() + first[1:]
    return f"{first} {rest}".strip()


_VERBS = {
    Verdict.SUPPORTED: "supports the claim",
    Verdict.PARTLY_SUPPORTED: "partly supports the claim",
    Verdict.NOT_SUPPORTED: "does not support the claim",
    Verdict.CONTRADICTED: "contradicts the claim",
    Verdict.INSUFFICIENT: "is insufficient to judge the claim",
}
_SUPPORTED_VERBS = {
    Certainty.HIGH: "shows",
    Certainty.MODERATE: "suggests",
    Certainty.LOW: "suggests",
    Certainty.VERY_LOW: "is very uncertain but may suggest",
}


def certainty_statement(claim_text: str, verdict: Verdict, certainty: Certainty | None) -> str:
    """One sentence stating what the evidence says about a claim, and how certain it is
    (GRADE's wording: "Low-certainty evidence suggests that ...")."""
    clause = _clause(claim_text)
    if certainty is None:
        return (f"Certainty not yet graded. The evidence reviewed {_VERBS[verdict]} "
                f"that {clause}.")
    label = CERTAINTY_LABELS[certainty]
    if verdict is Verdict.SUPPORTED:
        return f"{label}-certainty evidence {_SUPPORTED_VERBS[certainty]} that {clause}."
    if verdict is Verdict.INSUFFICIENT:
        return f"{label}-certainty evidence is insufficient to judge whether {clause}."
    return f"{label}-certainty evidence {_VERBS[verdict]} that {clause}."


@dataclass(frozen=True)
class CitationList:
    """Numbered references in one style, optionally after a certainty statement."""

    style: CitationStyle
    entries: list[str]
    html_entries: list[str]
    study_ids: list[int]
    statement: str = ""
    retracted: list[bool] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.statement, ""] if self.statement else []
        for n, (entry, gone) in enumerate(zip(self.entries, self.retracted or
                                              [False] * len(self.entries), strict=True), 1):
            lines.append(f"{n}. {entry}" + (" [Retracted]" if gone else ""))
        return "\n".join(lines).strip() + "\n"

    def html(self) -> str:
        parts = [f"<p>{html.escape(self.statement)}</p>"] if self.statement else []
        items = "".join(
            f"<li>{entry}{' <b>[Retracted]</b>' if gone else ''}</li>"
            for entry, gone in zip(self.html_entries,
                                   self.retracted or [False] * len(self.entries), strict=True))
        parts.append(f"<ol>{items}</ol>")
        return "".join(parts)


def cite_studies(project: Project, study_ids: Sequence[int],
                 style: CitationStyle | str = CitationStyle.AMA, *,
                 statement: str = "") -> CitationList:
    """References for the given studies, in the order given."""
    the_style = CitationStyle(style)
    stored = studies_by_ids(project, list(study_ids))
    studies = [s.study for s in stored]
    return CitationList(the_style, format_citations(studies, the_style),
                        format_citations(studies, the_style, as_html=True),
                        [s.id for s in stored], statement, [s.retracted for s in studies])


def claim_study_ids(project: Project, claim: Claim,
                    stances: Sequence[Stance] = CITED_STANCES, *,
                    viewer: str | None = None) -> list[int]:
    """Studies linked to the claim with one of ``stances`` (latest link per study that
    ``viewer`` may see), in order of linking."""
    links = evidence.effective_links(evidence.visible_links(project, claim, viewer))
    return [v.study.id for v in links if v.stance in stances]


def cite_claim(project: Project, claim: str | int | Claim,
               style: CitationStyle | str = CitationStyle.AMA, viewer: str | None = None
               ) -> CitationList:
    """Every study linked to a claim (supporting, partly supporting, contradicting), with
    the claim's certainty statement first, as ``viewer`` may see them (blind mode)."""
    target = resolve_claim(project, claim)
    status = evidence.verdict_status(project, target, viewer)
    grade = claim_certainty(project, target.id, viewer)
    sentence = certainty_statement(target.text, status.verdict,
                                   grade.certainty if grade else None)
    return cite_studies(project, claim_study_ids(project, target, viewer=viewer), style,
                        statement=sentence)
