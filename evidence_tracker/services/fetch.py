"""Fetch PubMed records for a condition: resumable, polite, and exactly-once.

Each EFetch batch is parsed and stored in one transaction together with the run's cursor,
so a process killed at any moment and the same fetch run again end with every record
exactly once. ``update=True`` fetches only records entered since the last completed run
(entry date) and refreshes those revised since (modification date); a study that became
retracted gets a ``rereview`` event so everything linked to it reopens.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from evidence_tracker.domain.models import EventKind
from evidence_tracker.pubmed.eutils import (
    CancelToken,
    DateWindow,
    EutilsClient,
    EutilsConfig,
    FetchCancelled,
    RateLimiters,
)
from evidence_tracker.services.settings import Settings
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.events import append_event
from evidence_tracker.store.studies import UpsertResult, pmids_of, upsert_studies

log = logging.getLogger(__name__)
T = TypeVar("T")

#: (datetype, label) phases of a run: new records by entry date, then revised ones.
FULL_PHASES = (("edat", "new records"),)
UPDATE_PHASES = (("edat", "new records"), ("mdat", "revised records"))


@dataclass(frozen=True)
class FetchProgress:
    condition: str
    phase: str
    done: int  # records stored so far in this run
    total: int | None  # records PubMed has for this run (all phases planned so far)
    new: int
    updated: int
    message: str = ""


@dataclass(frozen=True)
class FetchSummary:
    condition: str
    run_id: int
    kind: str
    status: str  # done | interrupted (stopped at --max)
    total: int
    fetched: int
    new: int
    updated: int
    retracted: list[str]  # PMIDs newly flagged as retracted
    resumed: bool


def client_config(settings: Settings, api_key: str) -> EutilsConfig:
    """The user's E-utilities configuration: contact email from ``settings``, the API key the
    caller read once; the base URL is NCBI's or ``$EVIDENCE_TRACKER_EUTILS_URL``."""
    return EutilsConfig(email=settings.ncbi_email, api_key=api_key)


def make_client(
    config: EutilsConfig, limiters: RateLimiters, cancel: CancelToken | None = None
) -> EutilsClient:
    """A client on ``config`` that waits on the limiter ``limiters`` holds for its host and
    rate, so all the clients of one application together keep NCBI's rate."""
    return EutilsClient(config, cancel=cancel, limiter=config.limiter_in(limiters))


def _today() -> str:
    return datetime.now(UTC).strftime("%Y/%m/%d")


def _since(started_at: str) -> str:
    # One day of overlap: PubMed dates are days, and upserts make repeats harmless.
    started = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    return (started - timedelta(days=1)).strftime("%Y/%m/%d")


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``items`` on a helper thread, up to ``depth`` ahead of the consumer.

    The next EFetch downloads (within the rate limit) while this thread parses and stores
    the current batch. Exceptions reach the consumer in order. When the consumer stops
    early, the producer finishes at most the request it is in (every request has a
    timeout) and is joined, so no thread outlives the fetch.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer, in order
            put(("error", exc))

    worker = threading.Thread(target=produce, name="efetch-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


def flag_for_rereview(project: Project, result: UpsertResult, run_id: int) -> None:
    """A study newly retracted or given a notice reopens every judgement linked to it."""
    for study_id in result.newly_retracted_ids:
        after = {"reason": "retracted", "run": run_id}
        append_event(project, EventKind.REREVIEW, reviewer_id=None, study_id=study_id, after=after)
    for study_id in result.newly_noticed_ids:
        after = {"reason": "notice", "run": run_id}
        append_event(project, EventKind.REREVIEW, reviewer_id=None, study_id=study_id, after=after)


def fetch_condition(
    project: Project,
    slug: str,
    client: EutilsClient,
    *,
    update: bool = False,
    max_records: int | None = None,
    batch_size: int = 500,
    progress: Callable[[FetchProgress], None] | None = None,
) -> FetchSummary:
    """Fetch (or update) one condition's records; resumes an unfinished run of it.

    Raises the client's ``EutilsError`` subclasses (``FetchCancelled`` on cancel) after
    recording the run as failed or cancelled; its cursor stays, so the next call resumes.
    """
    condition = condition_store.get_condition(project, slug)
    if not condition.query.strip():
        raise ValueError(f"The condition {condition.name!r} has no PubMed query.")
    run = run_store.resumable_run(project, condition.id, condition.query)
    resumed = run is not None
    if run is None:
        last = run_store.last_completed_run(project, condition.id)
        incremental = update and last is not None and last.query == condition.query
        kind = "update" if incremental else "full"
        mindate = _since(last.started_at) if incremental and last else None
        run = run_store.start_run(
            project, condition_id=condition.id, query=condition.query, kind=kind,
            mindate=mindate, maxdate=_today(), cursor={"phase": 0, "window": 0, "offset": 0},
        )
    phases = UPDATE_PHASES if run.kind == "update" else FULL_PHASES
    cursor = dict(run.cursor)
    done, new, updated = run.fetched_count, run.new_count, run.updated_count
    retracted: list[str] = []
    total = run.total_count or 0
    status = "done"

    def report(phase: str, message: str = "") -> None:
        if progress:
            progress(FetchProgress(slug, phase, done, total or None, new, updated, message))

    try:
        for phase_index in range(int(cursor.get("phase", 0)), len(phases)):
            datetype, label = phases[phase_index]
            if "windows" not in cursor or cursor.get("phase") != phase_index:
                report(label, "Searching PubMed…")
                windows = [  # empty windows need no further request
                    w for w in client.split_search(
                        condition.query, mindate=run.mindate, maxdate=run.maxdate,
                        datetype=datetype,
                    ) if w.count
                ]
                cursor = {"phase": phase_index, "window": 0, "offset": 0,
                          "windows": [asdict(w) for w in windows]}
                total += sum(w.count for w in windows)
                run_store.record_progress(
                    project, run.id, cursor=cursor, fetched=0, new=0, updated=0, total=total
                )
            windows = [DateWindow(**w) for w in cursor["windows"]]
            report(label)
            batches = client.fetch_all(
                condition.query, datetype=datetype, batch_size=batch_size, windows=windows,
                start_window=int(cursor["window"]), start_offset=int(cursor["offset"]),
            )
            for window_index, batch in prefetch(batches):
                client.cancel.raise_if_cancelled()  # prefetched batches are not stored
                studies = list(batch.studies)  # read when the reply was checked
                if max_records is not None:
                    room = max_records - done
                    studies = studies[: max(room, 0)]
                with project.transaction():  # the batch and its cursor commit together
                    result = upsert_studies(
                        project, studies, condition_id=condition.id, search_run_id=run.id
                    )
                    flag_for_rereview(project, result, run.id)
                    retracted.extend(pmids_of(project, result.newly_retracted_ids))
                    cursor = {**cursor, "window": window_index,
                              "offset": batch.start + len(studies)}
                    n_new, n_upd = len(result.new_ids), len(result.updated_ids)
                    run_store.record_progress(
                        project, run.id, cursor=cursor, fetched=len(studies), new=n_new,
                        updated=n_upd,
                    )
                done += len(studies)
                new += n_new
                updated += n_upd
                report(label)
                if max_records is not None and done >= max_records:
                    status = "interrupted"
                    break
            if status == "interrupted":
                break
            # Next phase starts fresh; record it so a kill here resumes at that phase.
            cursor = {"phase": phase_index + 1, "window": 0, "offset": 0}
            run_store.set_run_cursor(project, run.id, cursor)
    except BaseException as exc:
        failed = "cancelled" if isinstance(exc, FetchCancelled | KeyboardInterrupt) else "failed"
        run_store.finish_run(project, run.id, failed, error=str(exc))
        raise
    run_store.finish_run(project, run.id, status)
    report("finished")
    return FetchSummary(
        condition=slug, run_id=run.id, kind=run.kind, status=status, total=total, fetched=done,
        new=new, updated=updated, retracted=retracted, resumed=resumed,
    )
