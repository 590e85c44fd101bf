"""What the audit report contains, as plain data: the claims with their verdicts, certainty
and linked studies, the evidence map, and the PRISMA 2020 counts and diagram layout.
:mod:`evidence_tracker.services.report` gathers it from a project; the renderers in
:mod:`~evidence_tracker.formats.report_html` and :mod:`~evidence_tracker.formats.report_pdf`
draw it.

>>> MAP_LABELS[Verdict.CONTRADICTED], PrismaCounts(records=10, unscreened=4).screened
('Contra.', 6)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evidence_tracker import APP_NAME
from evidence_tracker.domain.models import Stance, Verdict
from evidence_tracker.domain.verdicts import SofRow, VerdictStep

#: Short text labels for evidence-map cells (the legend gives the full ones).
MAP_LABELS = {
    Verdict.SUPPORTED: "Supported",
    Verdict.PARTLY_SUPPORTED: "Partly",
    Verdict.NOT_SUPPORTED: "Not supp.",
    Verdict.CONTRADICTED: "Contra.",
    Verdict.INSUFFICIENT: "Insuff.",
}
REPORTED_STANCES = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS)
STANCE_HEADINGS = {
    Stance.SUPPORTS: "Studies that support the claim",
    Stance.PARTLY_SUPPORTS: "Studies that partly support the claim",
    Stance.CONTRADICTS: "Studies that contradict the claim",
}


@dataclass(frozen=True)
class PrismaCounts:
    """The numbers of the PRISMA 2020 flow diagram (counted by services.prisma)."""

    searches: list[tuple[str, int]] = field(default_factory=list)  # (condition, records)
    identified_database: int = 0
    identified_files: int = 0
    not_retrieved: int = 0
    duplicates_removed: int = 0
    records: int = 0  # after duplicates were removed
    unscreened: int = 0
    maybe: int = 0
    conflicts: int = 0
    excluded: int = 0
    exclusion_reasons: list[tuple[str, int]] = field(default_factory=list)
    included: int = 0
    linked: int = 0  # included studies linked to at least one claim
    last_search: str = ""

    @property
    def screened(self) -> int:
        return self.records - self.unscreened

    @property
    def awaiting(self) -> int:
        return self.unscreened + self.maybe + self.conflicts


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top, in points, y growing downwards
    w: float
    h: float
    title: str
    lines: tuple[str, ...] = ()
    phase: bool = False  # a phase band (drawn filled, text rotated)


@dataclass(frozen=True)
class Arrow:
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class PrismaLayout:
    """The flow diagram's boxes and arrows, in points (see formats.prisma_diagram)."""

    width: float
    height: float
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    font_size: float = 8.0


@dataclass(frozen=True)
class SourceQuote:
    clinic: str
    page: str
    url: str
    quote: str


@dataclass(frozen=True)
class LinkedStudy:
    number: int
    study_id: int
    citation: str  # plain text
    citation_html: str
    stance: str  # Stance value
    stance_label: str
    quotes: tuple[str, ...]
    reviewers: tuple[str, ...]
    linked_at: str
    design: str
    retracted: bool
    notices: tuple[str, ...]
    outcome: str = ""
    timepoint: str = ""
    findings: tuple[str, ...] = ()  # one line each (outcome, time point, direction, effect)


@dataclass(frozen=True)
class ClaimSection:
    code: str
    text: str
    category: str
    conditions: tuple[str, ...]
    sources: tuple[SourceQuote, ...]
    verdict: str  # Verdict value
    verdict_label: str
    confirmed: bool
    suggested_label: str
    rationale: str
    verdict_reviewer: str
    decided_at: str
    rereview_reasons: tuple[str, ...]
    certainty: str  # "" when not graded
    certainty_label: str
    certainty_reviewer: str
    certainty_at: str
    certainty_rationale: str
    statement: str
    studies: tuple[LinkedStudy, ...]
    reviewers: tuple[str, ...]
    warnings: tuple[str, ...]

    linked: int = 0  # live links of any stance, every reviewer
    # The verdict's working (shared/design/verdicts.md): the question, the GRADE statement,
    # the summary of findings (with forest plots), the steps and the body of evidence.
    kind: str = ""
    scope: tuple[tuple[str, str], ...] = ()  # (label, value), "" = not stated
    grade_statement: str = ""
    grade_certainty: str = ""  # "⊕⊕⊕◯ Moderate"
    scope_match: str = ""
    suggested_verdict: str = ""  # the method's suggestion, in words
    steps: tuple[VerdictStep, ...] = ()
    sof: tuple[SofRow, ...] = ()
    counted: tuple[tuple[str, str, str], ...] = ()  # key, design, risk of bias etc.
    excluded: tuple[tuple[str, str], ...] = ()  # key, why

    def by_stance(self, stance: str) -> list[LinkedStudy]:
        return [s for s in self.studies if s.stance == stance]

    @property
    def reviewed(self) -> bool:
        """Anything judged yet: a link, a confirmed verdict or a certainty."""
        return bool(self.linked or self.confirmed or self.certainty)


@dataclass(frozen=True)
class MapRow:
    code: str
    text: str
    cells: tuple[tuple[str, str], ...]  # per column: (verdict value or "", label or "")
    confirmed: bool
    studies: int


@dataclass(frozen=True)
class EvidenceMap:
    columns: tuple[str, ...]
    rows: tuple[MapRow, ...]


@dataclass
class Report:
    title: str
    scope: str
    generated_at: str
    app_version: str
    schema_version: int
    project_name: str
    style: str
    claims: list[ClaimSection] = field(default_factory=list)
    evidence_map: EvidenceMap = field(default_factory=lambda: EvidenceMap((), ()))
    prisma: PrismaCounts = field(default_factory=PrismaCounts)
    prisma_layout: PrismaLayout | None = None
    reviewers: list[str] = field(default_factory=list)
    verdict_counts: dict[str, int] = field(default_factory=dict)
    retracted_count: int = 0
    #: The audit trail's head when the report was made (the last event and its chain
    #: hash): ``evidence-tracker verify --head HASH`` checks the project still holds it.
    chain_event_id: int = 0
    chain_hash: str = ""

    @property
    def chain_text(self) -> str:
        """The chain head in words, for the report's opening lines."""
        if not self.chain_hash:
            return "Audit trail: no judgement recorded yet."
        return (f"Audit trail head: event #{self.chain_event_id}, hash {self.chain_hash}. "
                f"Check it against the project with: evidence-tracker verify --head "
                f"{self.chain_hash}")

    @property
    def reviewed_claims(self) -> list[ClaimSection]:
        return [c for c in self.claims if c.reviewed]

    @property
    def unreviewed_claims(self) -> list[ClaimSection]:
        return [c for c in self.claims if not c.reviewed]

    @property
    def footer(self) -> str:
        return (f"{APP_NAME} {self.app_version} · schema version {self.schema_version} · "
                f"generated {self.generated_at}")
