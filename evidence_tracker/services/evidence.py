"""Evidence for claims: links (study, claim, stance, findings, quotes), suggestions,
which studies a review includes, verdicts.

Every change is an event: a link is the latest ``link`` event per study, claim and
reviewer (``after`` None = withdrawn); a confirmed verdict is the latest ``verdict``
event of the claim. When reviewers disagree about one study, the most recent link counts
for the verdict and the stance counts. The suggested verdict is the method of
:mod:`evidence_tracker.domain.verdicts` on the claim's body of evidence
(:func:`evidence_tracker.services.grading.verdict_result`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from evidence_tracker.domain.claims import (
    STANCE_DIRECTION,
    Claim,
    ClaimsError,
    EvidenceState,
    LinkState,
    parse_direction,
    parse_stance,
    query_terms,
    rereview_reasons,
    validate_finding,
    validate_quotes,
)
from evidence_tracker.domain.design import SUGGESTION_BOOST as _BOOST
from evidence_tracker.domain.design import StudyDesign, suggest_design
from evidence_tracker.domain.findings import AttributionMatch, Finding
from evidence_tracker.domain.grade import GradeError, parse_certainty
from evidence_tracker.domain.models import Certainty, EventKind, Stance, Verdict
from evidence_tracker.domain.verdicts import VerdictResult, result_json
from evidence_tracker.pubmed.parser import RAW_FORMAT as PUBMED_XML
from evidence_tracker.pubmed.parser import PubMedParseError
from evidence_tracker.pubmed.references import reference_pmids
from evidence_tracker.services.claims import require_reviewer, resolve_claim, resolve_study
from evidence_tracker.store import Project
from evidence_tracker.store import claims as store
from evidence_tracker.store import judgements as judgement_store
from evidence_tracker.store.events import Event, append_event, current_state, history
from evidence_tracker.store.study_facts import (
    condition_study_stats,
    study_facts,
    study_ids_by_pmid,
    study_raw,
    study_text,
)
from evidence_tracker.store.study_search import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    marked_matches,
    search_candidates,
)

# -- links -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyBrief:
    """What a claim page shows of a study."""

    id: int
    pmid: str
    doi: str
    title: str
    year: int | None
    first_author: str
    journal: str
    design: StudyDesign
    retracted: bool
    design_source: str = "publication type"  # or "appraisal" (see claim_detail)

    @property
    def key(self) -> str:
        return self.pmid or self.doi or f"#{self.id}"

    @classmethod
    def from_row(cls, r: dict[str, Any], mesh: Sequence[str] = ()) -> StudyBrief:
        """From a study row; the design is the one the publication types (and MeSH
        headings, when given) suggest, until an appraisal replaces it."""
        return cls(
            id=int(r["study_id"] if "study_id" in r else r["id"]), pmid=r["pmid"] or "",
            doi=r["doi"] or "",
            title=r["title"], year=r["year"], first_author=r["first_author"] or "",
            journal=r["journal"] or "",
            design=suggest_design(r["publication_types"], mesh, r["title"] or "").design,
            retracted=bool(r["retracted"]),
        )


@dataclass(frozen=True)
class LinkView:
    """A live link: the current state of one reviewer's judgement of study vs claim.
    ``ordinal``: where its event stands in the order every machine of a team agrees on
    (:func:`evidence_tracker.store.events.ordinal`): later links win by it, not by id."""

    event_id: int
    occurred_at: str
    reviewer: str
    claim_id: int
    study: StudyBrief
    state: LinkState
    ordinal: int

    @property
    def stance(self) -> Stance:
        return self.state.stance


def link_study(
    project: Project, study: str | int, claim: str | int | Claim, *, stance: str | Stance,
    quotes: Sequence[str], reviewer: str, outcome: str = "", timepoint: str = "",
    note: str = "", findings: Sequence[Finding] | None = None,
    reported_certainty: str | Certainty | None = None,
    attribution: str | AttributionMatch | None = None,
) -> LinkView:
    """Link a study to a claim (or change the reviewer's link): one ``link`` event.

    Every quote must occur in the study's title or abstract (whitespace-normalised);
    a stance other than "not relevant" needs at least one quote. ``findings`` replace the
    link's findings (each validated, :func:`~evidence_tracker.domain.claims.validate_finding`);
    without them a changed link keeps the findings recorded on it, and a new one gets one
    finding from the arguments (the stance's direction, outcome, time point, quotes).
    ``reported_certainty`` and ``attribution`` (None: keep what the link has, "": clear)
    are as in :func:`set_link_appraisal`.
    """
    study_id = resolve_study(project, study)
    target = resolve_claim(project, claim)
    the_stance = parse_stance(stance)
    text = study_text(project, study_id)
    assert text is not None
    checked = validate_quotes(quotes, title=text[0], abstract=text[1])
    if not checked and the_stance is not Stance.NOT_RELEVANT:
        raise ClaimsError("Quote the sentence(s) of the abstract that justify the stance.")
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        previous = _own_state(project, study_id, target.id, reviewer_id)
        if findings is not None:
            kept = _checked_findings(findings, text)
        elif previous is not None and previous.findings and not _legacy(previous):
            kept = previous.findings
        elif the_stance in STANCE_DIRECTION:
            kept = (Finding(Finding.new_id(), outcome=outcome.strip(),
                            timepoint=timepoint.strip(),
                            direction=STANCE_DIRECTION[the_stance], quotes=checked),)
        else:
            kept = ()
        state = LinkState(
            the_stance, checked, outcome.strip(), timepoint.strip(), note.strip(), kept,
            reported_certainty=_certainty_arg(reported_certainty, previous),
            attribution=_attribution_arg(attribution, previous))
        append_event(project, EventKind.LINK.value, reviewer_id=reviewer_id,
                     study_id=study_id, claim_id=target.id, after=state.to_json(), note=note)
        rows = store.current_link_rows(project, claim_id=target.id, study_id=study_id)
    return next(v for v in _views(project, rows) if v.reviewer == reviewer.strip())


def withdraw_link(
    project: Project, study: str | int, claim: str | int | Claim, *, reviewer: str,
    note: str = "",
) -> int:
    """Withdraw the reviewer's link (an event with no ``after``); returns the event id."""
    study_id = resolve_study(project, study)
    target = resolve_claim(project, claim)
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        live = [r for r in store.current_link_rows(project, claim_id=target.id,
                                                    study_id=study_id)
                if r["reviewer_id"] == reviewer_id]
        if not live:
            raise ClaimsError(f"{reviewer} has no link between this study and {target.code}.")
        return append_event(project, EventKind.LINK.value, reviewer_id=reviewer_id,
                            study_id=study_id, claim_id=target.id, after=None, note=note)


def study_briefs(project: Project, ids: Sequence[int]) -> dict[int, StudyBrief]:
    """Study id -> what a list shows of it, for the studies that exist."""
    return {i: StudyBrief.from_row(r) for i, r in study_facts(project, ids).items()}


def _mesh(project: Project, ids: Sequence[int]) -> dict[int, list[str]]:
    return {sid: f["mesh"] for sid, f in judgement_store.design_facts(project, ids).items()}


def _views(project: Project, rows: list[dict[str, Any]]) -> list[LinkView]:
    ids = [r["study_id"] for r in rows]
    facts = study_facts(project, ids)
    mesh = _mesh(project, ids)
    return [
        LinkView(event_id=r["id"], occurred_at=r["occurred_at"], reviewer=r["reviewer"],
                 claim_id=r["claim_id"],
                 study=StudyBrief.from_row(facts[r["study_id"]], mesh.get(r["study_id"], ())),
                 state=LinkState.from_json(r["after"]), ordinal=r["ordinal"])
        for r in rows
    ]


def with_appraised_designs(
    project: Project, links: Sequence[LinkView], viewer: str | None
) -> list[LinkView]:
    """The links with each study's appraised design where ``viewer`` may see an appraisal
    (blind mode respected); the suggestion from the publication types elsewhere."""
    from evidence_tracker.services.appraisal import effective_appraisals  # imports us

    appraised = effective_appraisals(project, sorted({v.study.id for v in links}), viewer)
    return [replace(v, study=replace(v.study, design=appraised[v.study.id].design,
                                     design_source="appraisal"))
            if v.study.id in appraised else v for v in links]


def current_links(
    project: Project, *, claim: str | int | Claim | None = None, study: str | int | None = None
) -> list[LinkView]:
    """Live links of a claim and/or a study (every reviewer), oldest first."""
    claim_id = resolve_claim(project, claim).id if claim is not None else None
    study_id = resolve_study(project, study) if study is not None else None
    return _views(project, store.current_link_rows(project, claim_id=claim_id,
                                                   study_id=study_id))


def link_history(project: Project, study: str | int, claim: str | int | Claim,
                 viewer: str | None = None) -> list[Event]:
    """Every ``link`` event between a study and a claim, oldest first, as ``viewer`` may
    see them (blind mode: their own until the pair is complete; None: every reviewer's)."""
    from evidence_tracker.services import review  # review builds on this module

    study_id = resolve_study(project, study)
    claim_id = resolve_claim(project, claim).id
    seen = review.Visibility.of(project, viewer)
    return [e for e in history(project, study_id=study_id, claim_id=claim_id)
            if e.kind == EventKind.LINK.value
            and seen.may_see(e.kind, study_id, claim_id, e.reviewer)]


def effective_links(links: Sequence[LinkView]) -> list[LinkView]:
    """One link per study: the most recent judgement when several reviewers linked it."""
    latest: dict[int, LinkView] = {}
    for link in links:
        if link.study.id not in latest or link.ordinal > latest[link.study.id].ordinal:
            latest[link.study.id] = link
    return sorted(latest.values(), key=lambda v: v.ordinal)


def stance_counts(links: Sequence[LinkView]) -> dict[str, int]:
    counts = Counter(v.stance.value for v in effective_links(links))
    return {s.value: counts.get(s.value, 0) for s in Stance}


# -- capture: findings on a link, the link's appraisal, a review's inclusions ------------
# Each change is a new event (append-only, per reviewer, undoable): a finding changes the
# reviewer's link (a ``link`` event whose ``after`` is the link with its findings changed);
# which studies a review includes is an ``inclusion`` event about the review.


def _own_state(
    project: Project, study_id: int, claim_id: int, reviewer_id: int
) -> LinkState | None:
    after = current_state(project, EventKind.LINK.value, reviewer_id=reviewer_id,
                          study_id=study_id, claim_id=claim_id)
    return LinkState.from_json(after) if after else None


def _legacy(state: LinkState) -> bool:
    """A link stored before findings existed (its one finding is read from the stance)."""
    return len(state.findings) == 1 and state.findings[0].id == "legacy"


def _checked_findings(
    findings: Sequence[Finding], text: tuple[str, str]
) -> tuple[Finding, ...]:
    out: list[Finding] = []
    for f in findings:
        f = replace(f, id=f.id or Finding.new_id())
        if any(f.id == o.id for o in out):
            raise ClaimsError(f"Two findings share the id {f.id!r}.")
        out.append(validate_finding(f, title=text[0], abstract=text[1]))
    return tuple(out)


def _certainty_arg(value: str | Certainty | None, previous: LinkState | None) -> Certainty | None:
    if value is None:
        return previous.reported_certainty if previous else None
    try:
        return parse_certainty(value) if value else None
    except GradeError as exc:
        raise ClaimsError(str(exc)) from None


def _attribution_arg(
    value: str | AttributionMatch | None, previous: LinkState | None
) -> AttributionMatch | None:
    if value is None:
        return previous.attribution if previous else None
    if not value:
        return None
    try:
        return AttributionMatch(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        choices = ", ".join(a.value for a in AttributionMatch)
        raise ClaimsError(f"Unknown attribution {value!r}: choose one of {choices}.") from None


def _change_link(
    project: Project, study: str | int, claim: str | int | Claim, reviewer: str, note: str,
    change: Callable[[LinkState, tuple[str, str]], LinkState],
) -> LinkView:
    """Append the reviewer's link as ``change`` makes it from the current one."""
    study_id = resolve_study(project, study)
    target = resolve_claim(project, claim)
    text = study_text(project, study_id)
    assert text is not None
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        state = _own_state(project, study_id, target.id, reviewer_id)
        if state is None:
            raise ClaimsError(f"{reviewer.strip()} has no link between this study and "
                              f"{target.code or target.id}: link it first.")
        if _legacy(state):  # the legacy finding becomes a recorded one
            state = replace(state, findings=(replace(state.findings[0],
                                                     id=Finding.new_id()),))
        new = change(state, text)
        append_event(project, EventKind.LINK.value, reviewer_id=reviewer_id,
                     study_id=study_id, claim_id=target.id, after=new.to_json(), note=note)
        rows = store.current_link_rows(project, claim_id=target.id, study_id=study_id)
    return next(v for v in _views(project, rows) if v.reviewer == reviewer.strip())


def add_finding(
    project: Project, study: str | int, claim: str | int | Claim, finding: Finding, *,
    reviewer: str, note: str = "",
) -> LinkView:
    """Add a finding to the reviewer's link (validated; a new id if it has none)."""
    def change(state: LinkState, text: tuple[str, str]) -> LinkState:
        added = _checked_findings([replace(finding, id=finding.id or Finding.new_id())], text)
        return replace(state, findings=_checked_findings([*state.findings, *added], text))
    return _change_link(project, study, claim, reviewer, note or "finding added", change)


def _index(state: LinkState, finding_id: str) -> int:
    for i, f in enumerate(state.findings):
        if f.id == finding_id:
            return i
    known = ", ".join(f.id for f in state.findings) or "none"
    raise ClaimsError(f"No finding {finding_id!r} on this link (findings: {known}).")


def edit_finding(
    project: Project, study: str | int, claim: str | int | Claim, finding_id: str, *,
    reviewer: str, note: str = "", **changes: Any,
) -> LinkView:
    """Change fields of one finding of the reviewer's link (``outcome``, ``timepoint``,
    ``direction``, ``effect``, ``analysed``, ``quotes``, ``comparator``); the id stays."""
    unknown = set(changes) - {"outcome", "timepoint", "direction", "effect", "analysed",
                              "quotes", "comparator"}
    if unknown:
        raise ClaimsError(f"A finding has no field {', '.join(sorted(unknown))}.")
    if "direction" in changes:
        changes["direction"] = parse_direction(changes["direction"])
    if "quotes" in changes:
        changes["quotes"] = tuple(changes["quotes"])

    def change(state: LinkState, text: tuple[str, str]) -> LinkState:
        i = _index(state, finding_id)
        findings = list(state.findings)
        findings[i] = replace(findings[i], **changes)
        return replace(state, findings=_checked_findings(findings, text))
    return _change_link(project, study, claim, reviewer, note or "finding edited", change)


def withdraw_finding(
    project: Project, study: str | int, claim: str | int | Claim, finding_id: str, *,
    reviewer: str, note: str = "",
) -> LinkView:
    """Take one finding off the reviewer's link (the earlier events keep it)."""
    def change(state: LinkState, text: tuple[str, str]) -> LinkState:
        i = _index(state, finding_id)
        return replace(state, findings=state.findings[:i] + state.findings[i + 1:])
    return _change_link(project, study, claim, reviewer, note or "finding withdrawn", change)


def set_link_appraisal(
    project: Project, study: str | int, claim: str | int | Claim, *, reviewer: str,
    reported_certainty: str | Certainty | None = None,
    attribution: str | AttributionMatch | None = None, note: str = "",
) -> LinkView:
    """Record on the reviewer's link the certainty a review itself reports (it caps the
    GRADE suggestion) and/or, for an attribution claim, whether the clinic's paraphrase
    matches the cited document (accurate, overstated, misattributed; the link's quotes
    are the document's words). None leaves a field as it is; "" clears it."""
    def change(state: LinkState, text: tuple[str, str]) -> LinkState:
        new = replace(state, reported_certainty=_certainty_arg(reported_certainty, state),
                      attribution=_attribution_arg(attribution, state))
        if new.attribution is not None and not (new.quotes or any(
                f.quotes for f in new.findings)):
            raise ClaimsError("Quote what the cited document says before judging the "
                              "attribution.")
        return new
    return _change_link(project, study, claim, reviewer, note or "link appraised", change)


def finding_json(f: Finding) -> dict[str, Any]:
    return f.to_json()


def record_inclusions(
    project: Project, review: str | int, studies: Sequence[str | int], *, reviewer: str,
    note: str = "",
) -> frozenset[int]:
    """Record which studies a systematic review includes (replacing the reviewer's earlier
    list for it): an ``inclusion`` event about the review. Returns the study ids."""
    review_id = resolve_study(project, review)
    ids = frozenset(resolve_study(project, s) for s in studies)
    if review_id in ids:
        raise ClaimsError("A review does not include itself.")
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        append_event(project, EventKind.INCLUSION.value, reviewer_id=reviewer_id,
                     study_id=review_id, note=note,
                     after={"included_study_ids": sorted(ids)})
    return ids


def propose_inclusions(project: Project, review: str | int) -> list[int]:
    """The project's studies the review cites: PMIDs of the reference list in its stored
    PubMed XML (none if the record has no reference list), in citation order."""
    review_id = resolve_study(project, review)
    raw = study_raw(project, review_id)
    if raw is None or not raw[0] or raw[1] != PUBMED_XML:
        return []
    try:
        pmids = reference_pmids(raw[0])
    except PubMedParseError as exc:
        raise ClaimsError(f"Cannot read the review's stored PubMed record: {exc}") from None
    found = study_ids_by_pmid(project, pmids)
    return [found[p] for p in pmids if p in found and found[p] != review_id]


# -- suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A study that may bear on a claim, and why; never a link until a reviewer decides."""

    study: StudyBrief
    score: float
    relevance: float
    matched_terms: tuple[str, ...]
    title: tuple[tuple[str, bool], ...]  # (text, matched) segments
    snippet: tuple[tuple[str, bool], ...]  # abstract snippet, same form

    def marked_snippet(self, open_mark: str = "[", close_mark: str = "]") -> str:
        return "".join(f"{open_mark}{t}{close_mark}" if hit else t for t, hit in self.snippet)

    def marked_title(self, open_mark: str = "[", close_mark: str = "]") -> str:
        return "".join(f"{open_mark}{t}{close_mark}" if hit else t for t, hit in self.title)


def _segments(marked: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(marked.split(HIGHLIGHT_OPEN)):
        if i == 0:
            if part:
                out.append((part, False))
            continue
        hit, _, rest = part.partition(HIGHLIGHT_CLOSE)
        if hit:
            out.append((hit, True))
        if rest:
            out.append((rest, False))
    return tuple(out)


def suggest_studies(
    project: Project, claim: str | int | Claim, *, limit: int = 10,
    viewer: str | None = None,
) -> list[Suggestion]:
    """Rank studies for a claim: FTS5 bm25 over title, abstract and MeSH for the claim's
    words and testable form (OR-joined, quoted), within its conditions (and their
    sub-conditions) if it has any, times a study-design boost; linked studies excluded
    (those linked as ``viewer`` may see: blind mode must not reveal, by a study missing
    from the suggestions, that another reviewer linked it)."""
    from evidence_tracker.services import review  # review builds on this module

    target = resolve_claim(project, claim)
    terms = query_terms(target.text, target.pico)
    condition_ids = store.condition_ids(project, target.conditions)
    if target.conditions and not condition_ids:
        return []
    seen = review.Visibility.of(project, viewer)
    linked = sorted({r["study_id"] for r in store.current_link_rows(project,
                                                                   claim_id=target.id)
                     if seen.may_see(EventKind.LINK.value, r["study_id"], target.id,
                                     r["reviewer"])})
    rows = search_candidates(project, terms, condition_ids=condition_ids,
                             exclude_ids=linked, limit=max(200, limit * 20))
    mesh = _mesh(project, [int(r["study_id"]) for r in rows])
    scored = []
    for r in rows:
        brief = StudyBrief.from_row(r, mesh.get(int(r["study_id"]), ()))
        relevance = -float(r["rank"])
        boost = _BOOST[brief.design] * (0.1 if brief.retracted else 1.0)
        scored.append((relevance * boost, relevance, brief))
    scored.sort(key=lambda s: (-s[0], s[2].id))
    top = scored[:limit]
    # The matches are marked for the studies shown only (each is a lookup).
    marked = marked_matches(project, terms, [brief.id for _, _, brief in top])
    out = []
    for score, relevance, brief in top:
        segments = [_segments(text) for text in marked.get(brief.id, ("", "", ""))]
        matched = dict.fromkeys(t.lower() for seg in segments for t, hit in seg if hit)
        out.append(Suggestion(brief, score, relevance, tuple(matched), segments[0],
                              segments[1]))
    return out


# -- which studies a review includes ----------------------------------------------------

INCLUSION_KIND = EventKind.INCLUSION.value


def review_inclusions(
    project: Project, review_ids: Sequence[int], viewer: str | None = None
) -> dict[int, frozenset[int]]:
    """The studies each systematic review includes, as ``viewer`` may see them: the latest
    ``inclusion`` event about the review (``study_id`` = the review, ``after`` =
    ``{"included_study_ids": [...]}``) by any reviewer (in blind mode: the viewer's own
    until others' are visible). Reviews without one are left out."""
    from evidence_tracker.services import review  # review builds on this module

    wanted = set(review_ids)
    if not wanted:
        return {}
    items = [j for j in review.judgements(project, INCLUSION_KIND) if j.study_id in wanted]
    if viewer is not None:
        items, _ = review.visible(project, items, viewer)
    out: dict[int, frozenset[int]] = {}
    for j in sorted(items, key=lambda j: j.ordinal):  # later ones win
        ids = j.after.get("included_study_ids") or ()
        out[j.study_id or 0] = frozenset(int(i) for i in ids)
    return out


# -- verdicts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictStatus:
    """The suggested verdict (the method's result, with body, GRADE, SoF rows and steps),
    the confirmed one (if any) and whether it needs re-review."""

    suggested: VerdictResult
    confirmed: Verdict | None = None
    rationale: str = ""
    reviewer: str = ""
    decided_at: str = ""
    event_id: int | None = None
    rereview_reasons: tuple[str, ...] = ()
    statement: str = ""  # the statement recorded with the confirmed verdict

    @property
    def verdict(self) -> Verdict:
        return self.confirmed or self.suggested.verdict

    @property
    def needs_rereview(self) -> bool:
        return bool(self.rereview_reasons)


def _evidence_now(
    project: Project, claim: Claim, links: Sequence[LinkView]
) -> tuple[EvidenceState, str]:
    retracted = frozenset(v.study.id for v in links
                          if v.study.retracted and v.stance is not Stance.NOT_RELEVANT)
    count, last_added = condition_study_stats(
        project, store.condition_ids(project, claim.conditions))
    return EvidenceState(retracted, count), last_added


def _last_link_ordinal(project: Project, claim_id: int, viewer: str | None) -> int:
    """Where the newest ``link`` event of the claim ``viewer`` may see stands in the shared
    order (blind mode: a link another reviewer changed must not show as "evidence changed
    since the verdict")."""
    from evidence_tracker.services import review  # review builds on this module

    seen = review.Visibility.of(project, viewer)
    if not seen.blind:
        return store.last_event_ordinal(project, EventKind.LINK.value, claim_id=claim_id)
    return max((e["ordinal"] for e in judgement_store.events_of_kind(
        project, EventKind.LINK.value, claim_id=claim_id)
        if seen.may_see(EventKind.LINK.value, e["study_id"], claim_id, e["reviewer"])),
        default=0)


def verdict_status(
    project: Project, claim: str | int | Claim, viewer: str | None = None, *,
    links: Sequence[LinkView] | None = None,
) -> VerdictStatus:
    """The suggested verdict from the claim's body of evidence as ``viewer`` may see it
    (None: every link), the confirmed one, and re-review flags. ``links``: the claim's
    :func:`visible_links` for ``viewer``, when the caller has read them already."""
    # grading and review build on this module
    from evidence_tracker.services import grading, review

    target = resolve_claim(project, claim)
    if links is None:
        links = visible_links(project, target, viewer)
    suggested = grading.verdict_result(project, target, viewer, links=links)
    # Blind mode: another reviewer's verdict and rationale stay hidden (subject: the claim).
    event = review.latest_visible_claim_event(project, EventKind.VERDICT.value, target.id,
                                              viewer)
    if event is None or not event["after"]:
        return VerdictStatus(suggested)
    after = event["after"]
    effective = effective_links(links)
    now, last_added = _evidence_now(project, target, effective)
    linked_ids = [v.study.id for v in effective]
    reasons = rereview_reasons(
        verdict_ordinal=event["ordinal"], verdict_at=event["occurred_at"],
        then=EvidenceState.from_json(after.get("evidence")), now=now,
        last_link_ordinal=_last_link_ordinal(project, target.id, viewer),
        last_rereview_ordinal=store.last_event_ordinal(
            project, EventKind.REREVIEW.value, claim_id=target.id, study_ids=linked_ids),
        last_condition_added_at=last_added,
    )
    return VerdictStatus(suggested, Verdict(after["verdict"]), after.get("rationale", ""),
                         event["reviewer"], event["occurred_at"], event["id"], tuple(reasons),
                         str(after.get("statement") or ""))


def record_verdict(
    project: Project, claim: str | int | Claim, verdict: str | Verdict, *, rationale: str,
    reviewer: str,
) -> VerdictStatus:
    """Confirm or override the suggested verdict, with a rationale (a ``verdict`` event
    that also records the suggested verdict, its statement, the certainty, the body it
    rests on and the evidence state, for the re-review check)."""
    target = resolve_claim(project, claim)
    try:
        chosen = Verdict(verdict.strip().lower().replace(" ", "_")
                         if isinstance(verdict, str) else verdict)
    except ValueError:
        choices = ", ".join(v.value for v in Verdict)
        raise ClaimsError(f"Unknown verdict {verdict!r}: choose one of {choices}.") from None
    if not rationale.strip():
        raise ClaimsError("A verdict needs a rationale.")
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        # The evidence recorded with the verdict is what this reviewer may see (blind mode):
        # their event must not carry another reviewer's stances (it travels to the server).
        links = effective_links(visible_links(project, target, reviewer.strip()))
        status = verdict_status(project, target, reviewer.strip())
        suggested = status.suggested
        now, _ = _evidence_now(project, target, links)
        append_event(project, EventKind.VERDICT.value, reviewer_id=reviewer_id,
                     claim_id=target.id, note=rationale.strip(), after={
                         "verdict": chosen.value, "rationale": rationale.strip(),
                         "suggested": suggested.verdict.value,
                         "overrides": chosen is not suggested.verdict,
                         "statement": suggested.statement,
                         "certainty": suggested.certainty.value if suggested.certainty
                         else None,
                         "counted": [s.study_id for s in suggested.body.counted],
                         "evidence": now.to_json(),
                         "links": [{"study_id": v.study.id, "stance": v.stance.value}
                                   for v in links]})
    return verdict_status(project, target, reviewer.strip())


# -- overview and detail (what the claims view and the claim page show) ------------------


@dataclass(frozen=True)
class ClaimOverview:
    claim: Claim
    verdict: VerdictStatus
    counts: dict[str, int]  # stance value -> number of studies


@dataclass(frozen=True)
class ClaimDetail:
    claim: Claim
    verdict: VerdictStatus
    counts: dict[str, int]
    links: list[LinkView] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


def visible_links(project: Project, claim: Claim, viewer: str | None) -> list[LinkView]:
    """The claim's live links as ``viewer`` may see them (None: every reviewer's)."""
    from evidence_tracker.services import review  # review builds on this module

    links = current_links(project, claim=claim)
    return links if viewer is None else review.filter_links(project, links, viewer)


def list_claims(project: Project, viewer: str | None = None) -> list[ClaimOverview]:
    """Every claim with its verdict status and stance counts, by code, as ``viewer`` may
    see them (blind mode: counts from the links the viewer may see)."""
    out = []
    for claim in store.list_claims(project):
        links = visible_links(project, claim, viewer)
        out.append(ClaimOverview(claim, verdict_status(project, claim, viewer, links=links),
                                 stance_counts(links)))
    return out


def claim_detail(
    project: Project, claim: str | int | Claim, *, suggestions: int = 10,
    viewer: str | None = None,
) -> ClaimDetail:
    """A claim with its links (as ``viewer`` may see them; designs as appraised where the
    viewer may see the appraisal), the verdict from that body, and top suggestions.
    Blind mode hides other reviewers' links, findings, verdict and rationale."""
    target = resolve_claim(project, claim)
    visible = visible_links(project, target, viewer)  # read once: the verdict rests on them
    links = with_appraised_designs(project, visible, viewer)
    return ClaimDetail(target, verdict_status(project, target, viewer, links=visible),
                       stance_counts(links), links,
                       suggest_studies(project, target, limit=suggestions, viewer=viewer)
                       if suggestions > 0 else [])


# -- JSON (the `claims --json` contract) -------------------------------------------------


def study_brief_json(s: StudyBrief) -> dict[str, Any]:
    return {"id": s.id, "pmid": s.pmid or None, "doi": s.doi or None, "title": s.title,
            "year": s.year, "first_author": s.first_author or None, "journal": s.journal,
            "design": s.design.value, "design_label": s.design.label,
            "design_source": s.design_source, "retracted": s.retracted}


def verdict_json(v: VerdictStatus) -> dict[str, Any]:
    s = v.suggested
    return {"verdict": v.verdict.value, "confirmed": v.confirmed is not None,
            "suggested": s.verdict.value,
            "confirmed_verdict": v.confirmed.value if v.confirmed else None,
            "statement": v.statement or s.statement,
            "certainty": s.certainty.value if s.certainty else None,
            "rationale": v.rationale or None, "reviewer": v.reviewer or None,
            "decided_at": v.decided_at or None, "needs_rereview": v.needs_rereview,
            "rereview_reasons": list(v.rereview_reasons),
            "suggestion": result_json(s)}


def claim_json(claim: Claim, verdict: VerdictStatus, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": claim.id, "code": claim.code, "text": claim.text,
        "quote": claim.quotes[0] if claim.quotes else None, "quotes": claim.quotes,
        "sources": [{"clinic": s.clinic_name, "clinic_slug": s.clinic_slug,
                     "page": s.page_title, "page_slug": s.page_slug, "quote": s.quote}
                    for s in claim.sources],
        "category": claim.category, "kind": claim.question_kind.value,
        "kind_classified": claim.kind is not None, "conditions": list(claim.conditions),
        "pico": claim.pico.as_dict(), "scope": claim.pico.as_dict(),
        "verdict": verdict_json(verdict), "counts": counts,
    }


def link_json(v: LinkView) -> dict[str, Any]:
    return {"event_id": v.event_id, "occurred_at": v.occurred_at, "reviewer": v.reviewer,
            "claim_id": v.claim_id, "study": study_brief_json(v.study), **v.state.to_json()}


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    return {"study": study_brief_json(s.study), "score": s.score, "relevance": s.relevance,
            "matched_terms": list(s.matched_terms), "title": s.marked_title(),
            "snippet": s.marked_snippet()}


def detail_json(d: ClaimDetail) -> dict[str, Any]:
    return {**claim_json(d.claim, d.verdict, d.counts),
            "links": [link_json(v) for v in d.links],
            "suggestions": [suggestion_json(s) for s in d.suggestions]}
