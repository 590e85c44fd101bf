"""The PRISMA 2020 flow diagram's counts, from the search-run log and the screening
decisions (drawn by :mod:`evidence_tracker.formats.prisma_diagram`).

Counts. *Identified*: per condition, PubMed's count for the latest completed full search
plus the new records of the completed updates since; plus the records of imported files.
*Not retrieved*: what a search found but was not fetched (a run stopped at ``--max``).
*Duplicates removed*: identified, less not retrieved, less the studies the project holds
(the same study found by several searches or files is stored once). A study's screening
decision is the arbiter's resolution if there is one, else the reviewers' decision when
they agree; a study whose reviewers disagree, or marked "maybe", awaits a decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from evidence_tracker.formats.report_model import PrismaCounts
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import judgements as judgement_store
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.report_queries import (
    live_study_count,
    screening_resolutions,
    screening_votes,
)


def screening_decisions(project: Project, viewer: str | None = None
                        ) -> dict[int, tuple[str, str]]:
    """Study id -> (decision, reason) or ("conflict", ""), for every screened study, from
    the votes ``viewer`` may see (blind mode; None: every vote)."""
    from evidence_tracker.services import review  # review builds on evidence, as we do

    seen = review.Visibility.of(project, viewer)
    names = dict(judgement_store.reviewers(project))
    by_study: dict[int, list[tuple[str, str]]] = {}
    for vote in screening_votes(project):
        author = names.get(vote.reviewer_id or -1, "")
        if not seen.may_see("screening", vote.study_id, None, author):
            continue
        by_study.setdefault(vote.study_id, []).append((vote.decision, vote.reason))
    resolved = screening_resolutions(project)
    out: dict[int, tuple[str, str]] = {}
    for study_id, votes in by_study.items():
        decisions = {d for d, _ in votes}
        if study_id in resolved:
            out[study_id] = resolved[study_id]
        elif len(decisions) == 1:
            out[study_id] = votes[-1]
        else:
            out[study_id] = ("conflict", "")
    for study_id, decision in resolved.items():
        out.setdefault(study_id, decision)
    return out


def prisma_counts(project: Project, linked_study_ids: Sequence[int] = (),
                  viewer: str | None = None) -> PrismaCounts:
    names = {c.id: c.name for c in condition_store.list_conditions(project)}
    runs = run_store.list_runs(project)
    searches: list[tuple[str, int]] = []
    not_retrieved = 0
    last = ""
    for condition_id, name in names.items():
        mine = [r for r in runs if r.condition_id == condition_id]
        full = [r for r in mine if r.kind == "full" and r.status == "done"] or \
            [r for r in mine if r.kind == "full"]
        if not full:
            continue
        base = full[-1]
        total = base.total_count if base.total_count is not None else base.fetched_count
        not_retrieved += max(0, total - base.fetched_count)
        updates = [r for r in mine if r.kind == "update" and r.status == "done"
                   and r.id > base.id]
        searches.append((name, total + sum(r.new_count for r in updates)))
        last = max([last, base.finished_at or base.started_at,
                    *(r.finished_at or r.started_at for r in updates)])
    files = sum(r.fetched_count for r in runs if r.kind == "import" and r.status == "done")
    records = live_study_count(project)
    identified = sum(n for _, n in searches)
    decisions = screening_decisions(project, viewer)
    counts = Counter(d for d, _ in decisions.values())
    reasons = Counter(r or "No reason given" for d, r in decisions.values() if d == "exclude")
    included = {s for s, (d, _) in decisions.items() if d == "include"}
    return PrismaCounts(
        searches=searches, identified_database=identified, identified_files=files,
        not_retrieved=not_retrieved,
        duplicates_removed=max(0, identified + files - not_retrieved - records),
        records=records, unscreened=max(0, records - len(decisions)), maybe=counts["maybe"],
        conflicts=counts["conflict"], excluded=counts["exclude"],
        exclusion_reasons=reasons.most_common(), included=len(included),
        linked=len(included & set(linked_study_ids)), last_search=last[:10],
    )
