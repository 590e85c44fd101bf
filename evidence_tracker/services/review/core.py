"""Dual independent review, the core: judgements by subject, blind mode, conflicts and
their resolution by an arbiter.

Every judgement (screening, appraisal, GRADE, stance link) is an event; a reviewer's
current judgement of a subject is their latest event about it. An arbiter's decision is a
``resolution`` event recording the final value and the reviewers' events it resolves. For
GRADE and stance the arbiter also appends the final value as an event of that kind
(``after.arbitrated`` = the resolution's UUID; its local id in older events), so that
verdicts, which read the latest grade and link, use it; those events are never counted as
a reviewer's judgement.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence_tracker.domain.blinding import SubjectProgress, may_see
from evidence_tracker.domain.claims import parse_stance
from evidence_tracker.domain.grade import parse_certainty
from evidence_tracker.domain.models import EventKind, ScreeningDecision
from evidence_tracker.domain.review import (
    JUDGEMENT_KINDS,
    KIND_LABELS,
    RESOLUTION,
    SETTINGS_EVENT,
    ReviewError,
    compared_value,
    is_arbitration,
    value_text,
)
from evidence_tracker.domain.screening import parse_decision
from evidence_tracker.services.claims import require_reviewer
from evidence_tracker.services.evidence import LinkView
from evidence_tracker.store import Project, team_local
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store import judgements as store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.study_facts import study_facts

META_BLIND = "review_blind"
META_TEAM = "review_team"
#: Kinds blind mode hides from other reviewers until their subject is complete (see
#: :mod:`evidence_tracker.domain.blinding` for what the subject of each is).
BLINDED_KINDS: tuple[str, ...] = (*JUDGEMENT_KINDS, EventKind.VERDICT.value,
                                  EventKind.INCLUSION.value)

# -- judgements and subjects -------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a judgement is about: a study (screening, appraisal), a claim (GRADE) or a
    study-claim pair (stance)."""

    kind: str
    study_id: int | None = None
    claim_id: int | None = None

    @property
    def key(self) -> str:
        """'screening:S12', 'grade:C3', 'link:S12:C3' (what `resolve` takes)."""
        parts = [self.kind]
        if self.study_id is not None:
            parts.append(f"S{self.study_id}")
        if self.claim_id is not None:
            parts.append(f"C{self.claim_id}")
        return ":".join(parts)


def parse_subject(key: str) -> Subject:
    """A subject from its key ('screening:S12', 'link:S12:C3')."""
    kind, *rest = key.strip().split(":")
    study = claim = None
    try:
        for part in rest:
            if part[:1].upper() == "S":
                study = int(part[1:])
            elif part[:1].upper() == "C":
                claim = int(part[1:])
            else:
                raise ValueError(part)
    except ValueError:
        raise ReviewError(f"Not a subject key: {key!r} (e.g. screening:S12, link:S12:C3)."
                          ) from None
    if kind not in JUDGEMENT_KINDS:
        raise ReviewError(f"Unknown kind {kind!r}: choose one of {', '.join(JUDGEMENT_KINDS)}.")
    needs = {"screening": (True, False), "appraisal": (True, False), "grade": (False, True),
             "link": (True, True)}[kind]
    if needs != (study is not None, claim is not None):
        raise ReviewError(f"{key!r} does not name a {kind} subject.")
    return Subject(kind, study, claim)


@dataclass(frozen=True)
class Judgement:
    """One reviewer's current judgement of a subject. ``ordinal``: where its event stands
    in the order every machine of a team agrees on (later ones win by it, not by id)."""

    event_id: int
    occurred_at: str
    reviewer: str
    kind: str
    study_id: int | None
    claim_id: int | None
    after: dict[str, Any]
    ordinal: int
    note: str = ""

    @property
    def subject(self) -> Subject:
        return Subject(self.kind, self.study_id, self.claim_id)

    @property
    def value(self) -> tuple[str, ...] | None:
        return compared_value(self.kind, self.after)

    @property
    def text(self) -> str:
        return value_text(self.kind, self.after)

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Judgement:
        return cls(r["id"], r["occurred_at"], r["reviewer"], r["kind"], r["study_id"],
                   r["claim_id"], r["after"], int(r["ordinal"]), r.get("note") or "")


@dataclass(frozen=True)
class Resolution:
    """An arbiter's standing resolution; ``resolves``: the local ids of the judgement events
    it settled (stored as their UUIDs, which mean the same on every machine)."""

    event_id: int
    arbiter: str
    occurred_at: str
    final: dict[str, Any]
    resolves: tuple[int, ...]
    note: str = ""


def judgements(
    project: Project, kind: str, *, study_id: int | None = None, claim_id: int | None = None,
    include_deleted_claims: bool = False,
) -> list[Judgement]:
    """Every reviewer's current judgement of ``kind`` (arbiters' copies left out). Those
    about a deleted claim are left out (from agreement, conflicts, resolution) unless
    ``include_deleted_claims``; a restored claim's come back as they were."""
    return [Judgement.from_row(r) for r in
            store.current_judgements(project, kind, study_id=study_id, claim_id=claim_id,
                                     include_deleted_claims=include_deleted_claims)]


def by_subject(items: Iterable[Judgement]) -> dict[Subject, list[Judgement]]:
    out: dict[Subject, list[Judgement]] = {}
    for j in items:
        out.setdefault(j.subject, []).append(j)
    return out


def visible_by_subject(
    seen: Visibility, items: Iterable[Judgement]
) -> dict[Subject, list[Judgement]]:
    """:func:`by_subject`, keeping only the judgements the viewer may see (blind mode)."""
    out: dict[Subject, list[Judgement]] = {}
    for subject, group in by_subject(items).items():
        shown = [j for j in group
                 if seen.may_see(subject.kind, subject.study_id, subject.claim_id, j.reviewer)]
        if shown:
            out[subject] = shown
    return out


def resolutions(project: Project) -> dict[Subject, Resolution]:
    """The standing resolution of each subject (undone ones dropped)."""
    current: dict[Subject, dict[str, Any]] = {}
    owner: dict[int, Subject] = {}
    events = store.events_of_kind(project, RESOLUTION)
    for e in events:
        if e["reverts"] is not None and e["reverts"] in owner:
            reverted = owner[e["reverts"]]
            if current.get(reverted, {}).get("id") == e["reverts"]:
                del current[reverted]
        after = e["after"]
        if after and after.get("of"):
            subject = Subject(after["of"], e["study_id"], e["claim_id"])
            current[subject] = e
            owner[e["id"]] = subject
    resolved = store.resolved_event_ids(project, list(current.values()))
    return {s: Resolution(e["id"], e["reviewer"], e["occurred_at"], e["after"]["final"],
                          resolved[e["id"]], e["note"])
            for s, e in current.items()}


@dataclass(frozen=True)
class SubjectState:
    subject: Subject
    judgements: tuple[Judgement, ...] = ()
    resolution: Resolution | None = None  # the latest, even if judgements changed since

    @property
    def resolved(self) -> bool:
        """A resolution covers every current judgement (none changed since)."""
        return self.resolution is not None and bool(self.judgements) and \
            {j.event_id for j in self.judgements} <= set(self.resolution.resolves)

    @property
    def values(self) -> set[tuple[str, ...] | None]:
        return {j.value for j in self.judgements}

    @property
    def in_conflict(self) -> bool:
        return len(self.values) > 1 and not self.resolved

    @property
    def final(self) -> dict[str, Any] | None:
        """The resolved value, else the agreed (or only) one; None while in conflict."""
        if self.resolved and self.resolution is not None:
            return self.resolution.final
        if self.judgements and len(self.values) == 1:
            return self.judgements[-1].after
        return None

    @property
    def status(self) -> str:
        if not self.judgements:
            return "none"
        if self.resolved:
            return "resolved"
        if self.in_conflict:
            return "conflict"
        return "agreed" if len(self.judgements) > 1 else "single"


def subject_state(project: Project, subject: Subject) -> SubjectState:
    items = judgements(project, subject.kind, study_id=subject.study_id,
                       claim_id=subject.claim_id)
    items = [j for j in items if j.subject == subject]
    return SubjectState(subject, tuple(items), resolutions(project).get(subject))


# -- blind mode --------------------------------------------------------------------------


def blind_mode(project: Project) -> bool:
    return project.meta(META_BLIND) == "1"


def review_team(project: Project) -> list[str]:
    """The assigned reviewers ([] = any two reviewers make a subject complete)."""
    try:
        team = json.loads(project.meta(META_TEAM, "[]"))
    except ValueError:
        return []
    return [str(n) for n in team] if isinstance(team, list) else []


def _record_settings(project: Project, reviewer: str) -> None:
    append_event(project, SETTINGS_EVENT, reviewer_id=require_reviewer(project, reviewer),
                 after={"blind": blind_mode(project), "team": review_team(project)})


def set_blind_mode(project: Project, on: bool, *, reviewer: str) -> None:
    """Turn blind mode on or off (recorded as an event: who changed it, when)."""
    with project.transaction():
        project.set_meta(META_BLIND, "1" if on else "0")
        _record_settings(project, reviewer)


def set_review_team(project: Project, names: Sequence[str], *, reviewer: str) -> list[str]:
    """Assign the reviewers who must all judge a subject before blind mode lifts."""
    team = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if len(team) == 1:
        raise ReviewError("A review team needs at least two reviewers (or none).")
    with project.transaction():
        for name in team:
            require_reviewer(project, name)
        project.set_meta(META_TEAM, json.dumps(team, ensure_ascii=False))
        _record_settings(project, reviewer)
    return team


def reviewer_names(project: Project) -> list[str]:
    return [name for _, name in store.reviewers(project)]


@dataclass
class _BlindFacts:
    """What the blind rule reads from a project, whoever is looking: blind mode, the team,
    who has judged each subject (per kind, read when first asked) and the subjects an
    arbiter resolved. Cached per project until the next write (see :func:`_blind_facts`)."""

    blind: bool
    team: tuple[str, ...]
    judged: dict[str, dict[tuple[int | None, int | None], set[str]]] = field(
        default_factory=dict)
    resolved: set[Subject] | None = None


#: Per open project: (change stamp, facts). Weak keys, and facts hold no project: a
#: closed project's entry goes with it. Any write changes the stamp: nothing stale is read.
_FACTS_CACHE: weakref.WeakKeyDictionary[Project, tuple[tuple[int, int], _BlindFacts]] = \
    weakref.WeakKeyDictionary()


def _blind_facts(project: Project) -> _BlindFacts:
    stamp = store.change_stamp(project)
    cached = _FACTS_CACHE.get(project)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    blind = blind_mode(project)
    facts = _BlindFacts(blind, tuple(review_team(project)) if blind else ())
    if stamp is not None:  # inside a transaction: read afresh, keep nothing
        _FACTS_CACHE[project] = (stamp, facts)
    return facts


@dataclass(frozen=True)
class Visibility:
    """What one viewer may see in one project: the blind rule
    (:func:`evidence_tracker.domain.blinding.may_see`) over the project's facts.

    ``viewer`` None is the project itself (no one in particular: sees everything, for
    computations that are not shown to anyone); a name, or "" for an unnamed reader, is
    blinded when blind mode is on. Every service that returns judgements takes the viewer
    explicitly and asks this object; there is no global "current reviewer". The facts are
    read once per database state, so a claims list asking a few times per claim stays fast.
    """

    project: Project
    viewer: str | None
    facts: _BlindFacts

    @classmethod
    def of(cls, project: Project, viewer: str | None) -> Visibility:
        return cls(project, viewer.strip() if viewer is not None else None,
                   _blind_facts(project))

    @property
    def blind(self) -> bool:
        """Whether anything is hidden from this viewer (blind mode on, someone looking)."""
        return self.viewer is not None and self.facts.blind

    def progress(self, kind: str, study_id: int | None, claim_id: int | None
                 ) -> SubjectProgress:
        """Who has judged the subject (``kind``, study, claim) so far, and who must."""
        facts = self.facts
        if kind not in facts.judged:
            table: dict[tuple[int | None, int | None], set[str]] = {}
            # Who judged a deleted claim's subjects too: blind mode must not open them.
            for row in store.current_judgements(self.project, kind,
                                                include_deleted_claims=True):
                table.setdefault((row["study_id"], row["claim_id"]), set()).add(row["reviewer"])
            facts.judged[kind] = table
        if facts.resolved is None:
            facts.resolved = set(resolutions(self.project))
        return SubjectProgress.of(facts.judged[kind].get((study_id, claim_id), set()),
                                  facts.team, Subject(kind, study_id, claim_id) in facts.resolved)

    def may_see(self, kind: str, study_id: int | None, claim_id: int | None,
                author: str) -> bool:
        """May the viewer see ``author``'s judgement of this subject?"""
        if not self.blind or self.viewer is None:
            return True
        return may_see(self.viewer, author, self.progress(kind, study_id, claim_id))

    def event_visible(self, kind: str, study_id: int | None, claim_id: int | None,
                      author: str, after: Any = None, before: Any = None) -> bool:
        """May the viewer see this event in a history? A judgement (or its undo) as
        :meth:`may_see`; a resolution once its subject is open; settings, claims and
        re-review flags always."""
        if not self.blind or self.viewer is None or author == self.viewer:
            return True
        if kind in BLINDED_KINDS:
            return self.may_see(kind, study_id, claim_id, author)
        if kind == RESOLUTION:
            of = next((x.get("of") for x in (after, before) if isinstance(x, dict)), None)
            return of is not None and self.may_see(str(of), study_id, claim_id, author)
        return True


def latest_visible_claim_event(
    project: Project, kind: str, claim_id: int, viewer: str | None
) -> dict[str, Any] | None:
    """The newest ``kind`` event about a claim (verdict, GRADE) that ``viewer`` may see:
    in blind mode their own until the claim is complete, then anyone's."""
    seen = Visibility.of(project, viewer)
    if not seen.blind:
        return claim_store.latest_claim_event(project, kind, claim_id)
    for event in reversed(store.events_of_kind(project, kind, claim_id=claim_id)):
        if event["study_id"] is None and seen.may_see(kind, None, claim_id, event["reviewer"]):
            return event
    return None


def visible(
    project: Project, items: Sequence[Judgement], viewer: str | None
) -> tuple[list[Judgement], int]:
    """The judgements ``viewer`` may see (None: all), and how many blind mode hides."""
    seen = Visibility.of(project, viewer)
    shown = [j for j in items if seen.may_see(j.kind, j.study_id, j.claim_id, j.reviewer)]
    return shown, len(items) - len(shown)


def visible_judgements(
    project: Project, kind: str, viewer: str, *, study_id: int | None = None,
    claim_id: int | None = None,
) -> tuple[list[Judgement], int]:
    """Current judgements of ``kind`` about a study/claim as ``viewer`` may see them."""
    return visible(project, judgements(project, kind, study_id=study_id, claim_id=claim_id),
                   viewer)


def filter_links(project: Project, links: Sequence[LinkView], viewer: str) -> list[LinkView]:
    """Blind mode for a claim page: drop other reviewers' links ``viewer`` may not see yet
    (a link's subject is its claim x study pair)."""
    seen = Visibility.of(project, viewer)
    return sorted((v for v in links if seen.may_see("link", v.study.id, v.claim_id, v.reviewer)),
                  key=lambda v: v.ordinal)


# -- conflicts and resolution ------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    subject: Subject
    label: str
    judgements: tuple[Judgement, ...]
    stale: Resolution | None = None  # a resolution overtaken by a changed judgement

    @property
    def key(self) -> str:
        return self.subject.key


def subject_labels(project: Project, subjects: Iterable[Subject]) -> dict[Subject, str]:
    """'PMID 19603491', 'C011', 'PMID 19603491 × C011' for display."""
    subjects = list(subjects)
    facts = study_facts(project, [s.study_id for s in subjects
                                              if s.study_id is not None])
    claim_ids = sorted({s.claim_id for s in subjects if s.claim_id is not None})
    codes = {c.id: c.code or f"#{c.id}" for c in claim_store.list_claims(project, claim_ids)}
    out = {}
    for s in subjects:
        parts = []
        if s.study_id is not None:
            f = facts.get(s.study_id, {})
            parts.append(f"PMID {f['pmid']}" if f.get("pmid") else
                         f"doi:{f['doi']}" if f.get("doi") else f"#{s.study_id}")
        if s.claim_id is not None:
            parts.append(codes.get(s.claim_id, f"#{s.claim_id}"))
        out[s] = " × ".join(parts)
    return out


def _condition_slugs(project: Project, condition: str) -> set[str]:
    """A condition's slug and its descendants' slugs."""
    ids = set(claim_store.condition_ids(project, [condition]))
    if not ids:
        raise ReviewError(f"No condition called {condition!r}.")
    return {slug for cid, slug, _, _ in store.condition_rows(project) if cid in ids}


def _in_condition(
    project: Project, subjects: Sequence[Subject], slugs: set[str]
) -> set[Subject]:
    """The subjects whose study or claim belongs to one of the conditions ``slugs``."""
    studies = study_store.study_conditions(project, {s.study_id for s in subjects
                                               if s.study_id is not None})
    claims = store.claim_conditions(project, {s.claim_id for s in subjects
                                              if s.claim_id is not None})
    return {s for s in subjects
            if slugs & set(studies.get(s.study_id or -1, ()))
            or slugs & set(claims.get(s.claim_id or -1, ()))}


def conflicts(
    project: Project, *, kinds: Sequence[str] = JUDGEMENT_KINDS, condition: str | None = None,
    viewer: str | None = None,
) -> list[Conflict]:
    """Subjects on which reviewers disagree and no arbiter has resolved (oldest first); in
    blind mode only those whose judgements ``viewer`` may all see (None: every one)."""
    standing = resolutions(project)
    seen = Visibility.of(project, viewer)
    found: dict[Subject, list[Judgement]] = {}
    for kind in kinds:
        every = by_subject(judgements(project, kind))
        shown = visible_by_subject(seen, [j for g in every.values() for j in g])
        for subject, group in every.items():
            if len(shown.get(subject, ())) < len(group):
                continue  # blind: a disagreement the viewer may not see yet
            if SubjectState(subject, tuple(group), standing.get(subject)).in_conflict:
                found[subject] = group
    if condition is not None:
        keep = _in_condition(project, list(found), _condition_slugs(project, condition))
        found = {s: g for s, g in found.items() if s in keep}
    labels = subject_labels(project, found)
    out = [Conflict(s, labels[s], tuple(g), standing.get(s)) for s, g in found.items()]
    return sorted(out, key=lambda c: min(j.ordinal for j in c.judgements))


def _final_value(
    state: SubjectState, accept: str | None, value: str | None, reason: str
) -> dict[str, Any]:
    kind = state.subject.kind
    if accept:
        chosen = [j for j in state.judgements if j.reviewer == accept.strip()]
        if not chosen:
            raise ReviewError(f"{accept} has no current {KIND_LABELS[kind].lower()} judgement "
                              "of this subject.")
        return dict(chosen[0].after)
    if not value:
        raise ReviewError("Give the final value, or the reviewer whose judgement to accept.")

    def matching(v: str, field_name: str) -> dict[str, Any] | None:
        return next((dict(j.after) for j in state.judgements
                     if j.after.get(field_name) == v), None)

    if kind == "screening":
        decision = parse_decision(value)
        found = matching(decision.value, "decision")
        final = {"decision": decision.value, "reason": reason or (found or {}).get("reason", ""),
                 "note": ""}
        if decision is ScreeningDecision.EXCLUDE and not final["reason"]:
            raise ReviewError("An exclusion needs a reason.")
        return final
    if kind == "grade":
        certainty = parse_certainty(value)
        return matching(certainty.value, "certainty") or {
            "certainty": certainty.value, "start": certainty.value, "downgrades": {},
            "upgrades": {}, "footnotes": {}, "study_ids": [], "note": ""}
    if kind == "link":
        stance = parse_stance(value)
        found = matching(stance.value, "stance")
        if found is not None:
            return found
        quotes = list(dict.fromkeys(q for j in state.judgements for q in j.after.get("quotes",
                                                                                     [])))
        return {"stance": stance.value, "quotes": quotes, "outcome": "", "timepoint": "",
                "note": ""}
    raise ReviewError("For an appraisal, accept one reviewer's appraisal (--accept NAME).")


def resolve(
    project: Project, subject: Subject | str, *, arbiter: str, accept: str | None = None,
    value: str | None = None, reason: str = "", note: str = "",
) -> Resolution:
    """An arbiter settles a disagreement: accept one reviewer's judgement, or give the final
    value. Recorded as a ``resolution`` event naming the events it resolves."""
    subj = parse_subject(subject) if isinstance(subject, str) else subject
    state = subject_state(project, subj)
    if not state.in_conflict:
        raise ReviewError("There is no disagreement to resolve here" + (
            " (already resolved)." if state.resolved else "."))
    arbiter = arbiter.strip()
    if arbiter in {j.reviewer for j in state.judgements}:
        raise ReviewError(f"{arbiter} judged this subject: the arbiter must be someone else.")
    final = _final_value(state, accept, value, reason)
    # The resolved events by UUID: the reference holds on every machine the team syncs.
    uids = team_local.event_uids(project, [j.event_id for j in state.judgements])
    record: dict[str, Any] = {"of": subj.kind, "final": final,
              "resolves": [uids[j.event_id] for j in state.judgements],
              "reviewers": {j.reviewer: j.after for j in state.judgements},
              "accepted": accept.strip() if accept else None}
    with project.transaction():
        arbiter_id = require_reviewer(project, arbiter)
        previous = state.resolution
        before = None
        if previous is not None:
            event = store.get_event(project, previous.event_id)
            before = event["after"] if event else None
        rid = store.insert_event(project, RESOLUTION, reviewer_id=arbiter_id, before=before,
                                 after=record, study_id=subj.study_id, claim_id=subj.claim_id,
                                 note=note.strip())
        carry_resolution(project, subj, final, rid, arbiter_id)
    return Resolution(rid, arbiter, "", final, tuple(j.event_id for j in state.judgements),
                      note.strip())


def carry_resolution(
    project: Project, subject: Subject, final: dict[str, Any] | None, rid: int, arbiter_id: int,
) -> None:
    """Append (or, for ``final`` None, withdraw) the arbiter's copy of a GRADE or stance
    resolution, so that verdicts read the resolved value."""
    if subject.kind not in ("grade", "link"):
        return
    if final is not None:
        # The resolution by UUID, like every reference to an event that travels.
        arbitrated = team_local.event_uids(project, [rid])[rid]
        append_event(project, subject.kind, reviewer_id=arbiter_id, study_id=subject.study_id,
                     claim_id=subject.claim_id, after={**final, "arbitrated": arbitrated},
                     note=f"resolution #{rid}")
        return
    rows = store.current_judgements(project, subject.kind, study_id=subject.study_id,
                                    claim_id=subject.claim_id, reviewer_id=arbiter_id,
                                    include_arbitrated=True, include_deleted_claims=True)
    copy = next((r for r in rows if r["study_id"] == subject.study_id
                 and r["claim_id"] == subject.claim_id and is_arbitration(r["after"])), None)
    if copy is not None:
        append_event(project, subject.kind, reviewer_id=arbiter_id, study_id=subject.study_id,
                     claim_id=subject.claim_id, after=None, note=f"resolution #{rid} undone",
                     reverts=copy["id"])


def judgement_json(j: Judgement) -> dict[str, Any]:
    return {"event_id": j.event_id, "occurred_at": j.occurred_at, "reviewer": j.reviewer,
            "kind": j.kind, "study_id": j.study_id, "claim_id": j.claim_id, "value": j.text,
            "after": j.after}


def conflict_json(c: Conflict) -> dict[str, Any]:
    return {"key": c.key, "kind": c.subject.kind, "label": c.label,
            "study_id": c.subject.study_id, "claim_id": c.subject.claim_id,
            "judgements": [judgement_json(j) for j in c.judgements],
            "previously_resolved_by": c.stale.arbiter if c.stale else None}
