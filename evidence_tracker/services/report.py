"""The audit report, for one clinic (or one of its pages) or for all: each claim with its
quote, verdict, certainty and rationale; the supporting and contradicting studies with
citations and the quoted evidence; reviewers and dates; retraction warnings; an evidence
map and a PRISMA 2020 flow diagram.

This module gathers the report (:mod:`evidence_tracker.formats.report_model`) from the
project and writes it with the renderer the file name asks for: HTML
(:mod:`evidence_tracker.formats.report_html`) or PDF
(:mod:`evidence_tracker.formats.report_pdf`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

from evidence_tracker import __version__
from evidence_tracker.domain.claims import (
    CATEGORY_LABELS,
    STANCE_LABELS,
    VERDICT_LABELS,
    Category,
    Claim,
    ClaimsError,
)
from evidence_tracker.domain.corrections import notice_label
from evidence_tracker.domain.files import atomic_write
from evidence_tracker.domain.models import Stance, Verdict
from evidence_tracker.formats import prisma_diagram
from evidence_tracker.formats.citations import CitationStyle, format_citation_pairs
from evidence_tracker.formats.report_html import render_html
from evidence_tracker.formats.report_model import (
    MAP_LABELS,
    REPORTED_STANCES,
    ClaimSection,
    EvidenceMap,
    LinkedStudy,
    MapRow,
    Report,
    SourceQuote,
)
from evidence_tracker.formats.verdict_tables import (
    SCOPE_MATCH_LABELS,
    body_rows,
    certainty_text,
    finding_text,
    kind_text,
    scope_rows,
)
from evidence_tracker.services import evidence, review
from evidence_tracker.services import prisma as prisma_service
from evidence_tracker.services.citations import CERTAINTY_LABELS, GradeInfo, certainty_statement
from evidence_tracker.services.citations import claim_certainty as _certainty
from evidence_tracker.services.export import explained_write_errors
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import events as event_store
from evidence_tracker.store.report_queries import clinic_pages, studies_by_ids

NO_CONDITION = "(no condition)"


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
                                claim.conditions, mine, claim.created_at, claim.kind))
    if not chosen:
        names = sorted({s.clinic_name for c in claims for s in c.sources})
        raise ClaimsError(f"No claims from a clinic or page called {clinic!r}. "
                          f"Clinics: {', '.join(names)}")
    return chosen, scope


def _claim_section(project: Project, claim: Claim, style: CitationStyle,
                   pages: dict[int, dict[str, object]], names: dict[str, str],
                   viewer: str | None) -> ClaimSection:
    status = evidence.verdict_status(project, claim, viewer)
    result = status.suggested
    designs = {b.study_id: b.design.label for b in result.body.counted}
    links = evidence.visible_links(project, claim, viewer)  # blind mode: what viewer may see
    latest = {v.study.id: v for v in evidence.effective_links(links)}
    ordered = [v for v in latest.values() if v.stance in REPORTED_STANCES]
    order = {Stance.SUPPORTS: 0, Stance.PARTLY_SUPPORTS: 1, Stance.CONTRADICTS: 2}
    ordered.sort(key=lambda v: (order[v.stance], -(v.study.year or 0), v.study.id))
    stored = {s.id: s for s in studies_by_ids(project, [v.study.id for v in ordered])}
    records = [stored[v.study.id].study for v in ordered]
    cited = format_citation_pairs(records, style)  # each reference formatted once
    studies = []
    warnings = []
    for n, (v, (text, markup)) in enumerate(zip(ordered, cited, strict=True), start=1):
        study = stored[v.study.id].study
        same = [x for x in links if x.study.id == v.study.id and x.stance is v.stance]
        reviewers = tuple(sorted({x.reviewer for x in same}))
        quotes = tuple(dict.fromkeys(q for x in [v, *same] for q in x.state.quotes))
        notices = tuple(notice_label(c.ref_type, c.ref_source) for c in study.notices)
        studies.append(LinkedStudy(
            n, v.study.id, text, markup, v.stance.value, STANCE_LABELS[v.stance],
            quotes, reviewers, v.occurred_at[:10],
            designs.get(v.study.id, v.study.design.label),  # the appraised design first
            study.retracted, notices, v.state.outcome, v.state.timepoint,
            tuple(finding_text(f) for f in v.state.findings)))
        if study.retracted:
            ident = (f"PMID {study.pmid}" if study.pmid else f"DOI {study.doi}" if study.doi
                     else f"study #{v.study.id}")
            warnings.append(f"Reference {n} ({ident})"
                            f" is retracted; it {STANCE_LABELS[v.stance].lower()} this claim "
                            "and should not be relied on.")
    grade = _certainty(project, claim.id, viewer)
    body = body_rows(result.body)
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
        kind=kind_text(claim), scope=tuple(scope_rows(claim)),
        grade_statement=result.statement, grade_certainty=certainty_text(result.certainty),
        scope_match=SCOPE_MATCH_LABELS[result.scope_match],
        suggested_verdict=VERDICT_LABELS[result.verdict], steps=result.steps, sof=result.sof,
        counted=tuple(body.counted), excluded=tuple(body.excluded),
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
                 today: _dt.date | None = None, viewer: str | None = None) -> Report:
    """Gather everything the report shows (no rendering), as ``viewer`` may see it (blind
    mode: other reviewers' judgements of subjects not yet complete are left out)."""
    the_style = CitationStyle(style)
    head = event_store.chain_head(project)  # first: what the report shows is at least this
    claims, scope = select_claims(project, clinic)
    conditions = condition_store.list_conditions(project)
    names = {c.slug: c.name for c in conditions}
    pages = clinic_pages(project)
    sections = [_claim_section(project, c, the_style, pages, names, viewer) for c in claims]
    emap = evidence_map(sections, claims, [c.slug for c in conditions])
    emap = EvidenceMap(tuple(names.get(c, c) for c in emap.columns), emap.rows)
    seen = review.Visibility.of(project, viewer)  # blind mode: counts from what viewer sees
    linked_all = [r["study_id"] for r in claim_store.current_link_rows(project)
                  if seen.may_see("link", r["study_id"], r["claim_id"], r["reviewer"])]
    counts = prisma_service.prisma_counts(project, linked_all, viewer)
    report = Report(
        title=f"Audit of clinic claims about ketamine for chronic pain — {scope}",
        scope=scope, generated_at=(today or _dt.date.today()).isoformat(),
        app_version=__version__, schema_version=project.schema_version,
        project_name=project.path.name, style=the_style.label, claims=sections,
        evidence_map=emap, prisma=counts, prisma_layout=prisma_diagram.layout(counts),
    )
    report.reviewers = sorted({r for s in sections for r in s.reviewers})
    report.verdict_counts = {VERDICT_LABELS[v]: sum(1 for s in sections if s.verdict == v.value)
                             for v in Verdict}
    report.retracted_count = sum(1 for s in sections for x in s.studies if x.retracted)
    report.chain_event_id, report.chain_hash = head.event_id, head.hash
    return report


def write_report(project: Project, path: str | Path, *, clinic: str | None = None,
                 style: CitationStyle | str = CitationStyle.AMA,
                 viewer: str | None = None) -> Report:
    """Write the report as HTML or PDF (chosen by the file name) and return it."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ClaimsError(f"Name the report FILE.html or FILE.pdf (not {target.name}).")
    report = build_report(project, clinic=clinic, style=style, viewer=viewer)
    with explained_write_errors(target):
        if suffix == ".pdf":
            # Imported here: reportlab and its fonts load only when a PDF is asked for.
            from evidence_tracker.formats.report_pdf import write_pdf

            with atomic_write(target, binary=True) as pdf:
                write_pdf(report, pdf)
        else:
            with atomic_write(target) as page:
                page.write(render_html(report))
    return report
