"""The audit report, for one clinic (or one of its pages) or for all: each claim with its
quote, verdict, certainty and rationale; the supporting and contradicting studies with
citations and the quoted evidence; reviewers and dates; retraction warnings; an evidence
map and a PRISMA 2020 flow diagram. HTML from the Jinja templates in resources/report/,
PDF with reportlab (:mod:`evidence_tracker.services.report_pdf`).
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evidence_tracker import APP_NAME, __version__
from evidence_tracker.config import resources_dir
from evidence_tracker.domain.claims import (
    CATEGORY_LABELS,
    STANCE_LABELS,
    VERDICT_LABELS,
    Category,
    Claim,
    ClaimsError,
)
from evidence_tracker.domain.models import Stance, Verdict
from evidence_tracker.formats.citations import CitationStyle, format_citations
from evidence_tracker.services import evidence
from evidence_tracker.services import prisma as prisma_service
from evidence_tracker.services.citations import CERTAINTY_LABELS, GradeInfo, certainty_statement
from evidence_tracker.services.citations import claim_certainty as _certainty
from evidence_tracker.services.files import publish
from evidence_tracker.services.prisma import PrismaCounts, PrismaLayout
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.report_queries import clinic_pages, studies_by_ids

#: Short text labels for evidence-map cells (the legend gives the full ones).
MAP_LABELS = {
    Verdict.SUPPORTED: "Supported",
    Verdict.PARTLY_SUPPORTED: "Partly",
    Verdict.NOT_SUPPORTED: "Not supp.",
    Verdict.CONTRADICTED: "Contra.",
    Verdict.INSUFFICIENT: "Insuff.",
}
NO_CONDITION = "(no condition)"
REPORTED_STANCES = (Stance.SUPPORTS, Stance.PARTLY_SUPPORTS, Stance.CONTRADICTS)
STANCE_HEADINGS = {
    Stance.SUPPORTS: "Studies that support the claim",
    Stance.PARTLY_SUPPORTS: "Studies that partly support the claim",
    Stance.CONTRADICTS: "Studies that contradict the claim",
}


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


# -- building ----------------------------------------------------------------------------


def _matches(source_clinic: str, slug: str, page: str, page_slug: str, wanted: str) -> bool:
    w = wanted.strip().casefold()
    return w in {source_clinic.casefold(), slug.casefold(), page.casefold(), page_slug.casefold()}


def select_claims(project: Project, clinic: str | None) -> tuple[list[Claim], str]:
    """The claims of a clinic (by name or slug) or of one of its pages (title or slug),
    with the sources narrowed to it; all claims when ``clinic`` is None."""
    claims = claim_store.list_claims(project)
    if not clinic:
        return claims, "All clinics"
    chosen: list[Claim] = []
    scope = ""
    for claim in claims:
        mine = [s for s in claim.sources if _matches(s.clinic_name, s.clinic_slug, s.page_title,
                                                     s.page_slug, clinic)]
        if mine:
            scope = scope or (mine[0].clinic_name if _matches(
                mine[0].clinic_name, mine[0].clinic_slug, "", "", clinic)
                else f"{mine[0].clinic_name}: {mine[0].page_title}")
            chosen.append(Claim(claim.id, claim.code, claim.text, claim.category, claim.pico,
                                claim.conditions, mine, claim.created_at))
    if not chosen:
        names = sorted({s.clinic_name for c in claims for s in c.sources})
        raise ClaimsError(f"No claims from a clinic or page called {clinic!r}. "
                          f"Clinics: {', '.join(names)}")
    return chosen, scope


def _notice_text(ref_type: str, source: str) -> str:
    words = {"RetractionIn": "Retracted", "ErratumIn": "Erratum",
             "ExpressionOfConcernIn": "Expression of concern", "UpdateIn": "Updated",
             "PartialRetractionIn": "Partly retracted"}.get(ref_type, ref_type)
    return f"{words}: {source}" if source else words


def _claim_section(project: Project, claim: Claim, style: CitationStyle,
                   pages: dict[int, dict[str, object]], names: dict[str, str]) -> ClaimSection:
    status = evidence.verdict_status(project, claim)
    links = evidence.current_links(project, claim=claim)
    latest = {v.study.id: v for v in evidence.effective_links(links)}
    ordered = [v for v in latest.values() if v.stance in REPORTED_STANCES]
    order = {Stance.SUPPORTS: 0, Stance.PARTLY_SUPPORTS: 1, Stance.CONTRADICTS: 2}
    ordered.sort(key=lambda v: (order[v.stance], -(v.study.year or 0), v.study.id))
    stored = {s.id: s for s in studies_by_ids(project, [v.study.id for v in ordered])}
    records = [stored[v.study.id].study for v in ordered]
    plain = format_citations(records, style)
    marked = format_citations(records, style, as_html=True)
    studies = []
    warnings = []
    for n, (v, text, markup) in enumerate(zip(ordered, plain, marked, strict=True), start=1):
        study = stored[v.study.id].study
        same = [x for x in links if x.study.id == v.study.id and x.stance is v.stance]
        reviewers = tuple(sorted({x.reviewer for x in same}))
        quotes = tuple(dict.fromkeys(q for x in [v, *same] for q in x.state.quotes))
        notices = tuple(_notice_text(c.ref_type, c.ref_source) for c in study.notices)
        studies.append(LinkedStudy(
            n, v.study.id, text, markup, v.stance.value, STANCE_LABELS[v.stance],
            quotes, reviewers, v.occurred_at[:10], v.study.design.label,
            study.retracted, notices, v.state.outcome, v.state.timepoint))
        if study.retracted:
            ident = (f"PMID {study.pmid}" if study.pmid else f"DOI {study.doi}" if study.doi
                     else f"study #{v.study.id}")
            warnings.append(f"Reference {n} ({ident})"
                            f" is retracted; it {STANCE_LABELS[v.stance].lower()} this claim "
                            "and should not be relied on.")
    grade = _certainty(project, claim.id)
    if status.needs_rereview:
        warnings.append("The verdict needs re-review: " + "; ".join(status.rereview_reasons))
    sources = []
    for s in claim.sources:
        page = pages.get(s.page_id, {})
        sources.append(SourceQuote(s.clinic_name, s.page_title, str(page.get("url") or ""),
                                   s.quote))
    everyone = {x.reviewer for x in links} | ({status.reviewer} if status.reviewer else set())
    if grade and grade.reviewer:
        everyone.add(grade.reviewer)
    try:
        category = CATEGORY_LABELS[Category(claim.category)]
    except ValueError:
        category = claim.category
    return ClaimSection(
        code=claim.code, text=claim.text, category=category,
        conditions=tuple(names.get(c, c) for c in claim.conditions), sources=tuple(sources),
        verdict=status.verdict.value, verdict_label=VERDICT_LABELS[status.verdict],
        confirmed=status.confirmed is not None,
        suggested_label=VERDICT_LABELS[status.suggested.verdict],
        rationale=status.rationale, verdict_reviewer=status.reviewer,
        decided_at=status.decided_at[:10], rereview_reasons=status.rereview_reasons,
        certainty=grade.certainty.value if grade else "",
        certainty_label=CERTAINTY_LABELS[grade.certainty] if grade else "Not yet graded",
        certainty_reviewer=grade.reviewer if grade else "",
        certainty_at=grade.decided_at[:10] if grade else "",
        certainty_rationale=grade.rationale if grade else "",
        statement=_statement(claim, status, grade, bool(links)),
        studies=tuple(studies), reviewers=tuple(sorted(r for r in everyone if r)),
        warnings=tuple(warnings), linked=len(links),
    )


def _statement(claim: Claim, status: evidence.VerdictStatus, grade: GradeInfo | None,
               linked: bool) -> str:
    if not linked and status.confirmed is None and grade is None:
        return "Not yet reviewed: no study has been linked to this claim."
    return certainty_statement(claim.text, status.verdict, grade.certainty if grade else None)


def evidence_map(sections: Sequence[ClaimSection], claims: Sequence[Claim],
                 column_order: Sequence[str]) -> EvidenceMap:
    """Claims (rows) by condition (columns): the verdict, as text, where a claim is about
    a condition; claims about no condition go in a last column."""
    used = {c for claim in claims for c in claim.conditions}
    columns = [slug for slug in column_order if slug in used]
    if any(not claim.conditions for claim in claims):
        columns.append(NO_CONDITION)
    rows = []
    for section, claim in zip(sections, claims, strict=True):
        mine = set(claim.conditions) or {NO_CONDITION}
        verdict = Verdict(section.verdict)
        label = MAP_LABELS[verdict] + ("" if section.confirmed else "*")
        cells = tuple((verdict.value, label) if col in mine else ("", "") for col in columns)
        rows.append(MapRow(section.code, section.text, cells, section.confirmed,
                           len(section.studies)))
    return EvidenceMap(tuple(columns), tuple(rows))


def build_report(project: Project, *, clinic: str | None = None,
                 style: CitationStyle | str = CitationStyle.AMA,
                 today: _dt.date | None = None) -> Report:
    """Gather everything the report shows (no rendering)."""
    the_style = CitationStyle(style)
    claims, scope = select_claims(project, clinic)
    conditions = condition_store.list_conditions(project)
    names = {c.slug: c.name for c in conditions}
    pages = clinic_pages(project)
    sections = [_claim_section(project, c, the_style, pages, names) for c in claims]
    emap = evidence_map(sections, claims, [c.slug for c in conditions])
    emap = EvidenceMap(tuple(names.get(c, c) for c in emap.columns), emap.rows)
    linked_all = [r["study_id"] for r in claim_store.current_link_rows(project)]
    counts = prisma_service.prisma_counts(project, linked_all)
    report = Report(
        title=f"Audit of clinic claims about ketamine for chronic pain — {scope}",
        scope=scope, generated_at=(today or _dt.date.today()).isoformat(),
        app_version=__version__, schema_version=project.schema_version,
        project_name=project.path.name, style=the_style.label, claims=sections,
        evidence_map=emap, prisma=counts, prisma_layout=prisma_service.layout(counts),
    )
    report.reviewers = sorted({r for s in sections for r in s.reviewers})
    report.verdict_counts = {VERDICT_LABELS[v]: sum(1 for s in sections if s.verdict == v.value)
                             for v in Verdict}
    report.retracted_count = sum(1 for s in sections for x in s.studies if x.retracted)
    return report


# -- rendering ---------------------------------------------------------------------------


def templates_dir() -> Path:
    return resources_dir() / "report"


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (styles and diagrams inline)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["markup"] = lambda text: jinja2.utils.markupsafe.Markup(text)
    template = env.get_template("report.html.j2")
    assert report.prisma_layout is not None
    return template.render(
        report=report, prisma_svg=prisma_service.svg(report.prisma_layout),
        stances=[(s.value, STANCE_HEADINGS[s]) for s in REPORTED_STANCES],
        map_legend=[(v.value, MAP_LABELS[v], VERDICT_LABELS[v]) for v in Verdict],
        verdict_labels={v.value: VERDICT_LABELS[v] for v in Verdict},
    )


def write_report(project: Project, path: str | Path, *, clinic: str | None = None,
                 style: CitationStyle | str = CitationStyle.AMA) -> Report:
    """Write the report as HTML or PDF (chosen by the file name) and return it."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ClaimsError(f"Name the report FILE.html or FILE.pdf (not {target.name}).")
    report = build_report(project, clinic=clinic, style=style)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        if suffix == ".pdf":
            from evidence_tracker.services.report_pdf import write_pdf

            write_pdf(report, tmp)
        else:
            Path(tmp).write_text(render_html(report), encoding="utf-8")
        publish(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report
