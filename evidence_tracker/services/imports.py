"""Import PubMed XML and MEDLINE/NBIB files into a project.

Records are stored in batches, each in its own transaction. A file that breaks part-way
(truncated XML, a malformed MEDLINE record) keeps the records stored before the break and
raises ``ImportFailed`` saying where it broke and how many were kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from evidence_tracker.domain.models import Study
from evidence_tracker.pubmed.medline import MedlineParseError, detect_format, iter_medline
from evidence_tracker.pubmed.parser import PubMedParseError, iter_pubmed_xml
from evidence_tracker.services.fetch import flag_for_rereview
from evidence_tracker.store import Project
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store.studies import upsert_studies

BATCH = 500


class ImportFailed(ValueError):
    """A file could not be (fully) imported; the message says why and what was kept."""


@dataclass(frozen=True)
class ImportSummary:
    path: str
    format: str
    records: int
    new: int
    updated: int
    unchanged: int


def _records(path: Path) -> tuple[str, Iterator[Study]]:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror}") from exc
    fmt = detect_format(head)
    source = f"import:{path.name}"
    if fmt == "pubmed-xml":
        return fmt, (replace(s, source=source) for s in iter_pubmed_xml(path))
    if fmt == "medline":
        return fmt, iter_medline(path, record_source=source)
    raise ImportFailed(
        f"{path.name} is neither PubMed XML nor MEDLINE/NBIB text; "
        "export it from PubMed as 'PubMed' (NBIB) or XML."
    )


def import_file(
    project: Project, path: str | Path, *, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import one file; duplicates merge by PMID (else DOI) with the existing study."""
    path = Path(path)
    fmt, records = _records(path)
    run = run_store.start_run(
        project, condition_id=None, query=f"import {path.name}", kind="import",
        mindate=None, maxdate=None, cursor={"file": str(path)},
    )
    stored = new = updated = unchanged = 0
    try:
        while True:
            batch = list(itertools.islice(records, BATCH))
            if not batch:
                break
            with project.transaction():
                result = upsert_studies(project, batch, search_run_id=run.id)
                flag_for_rereview(project, result, run.id)
                run_store.record_progress(
                    project, run.id, cursor={"file": str(path), "records": stored + len(batch)},
                    fetched=len(batch), new=len(result.new_ids), updated=len(result.updated_ids),
                )
            stored += len(batch)
            new += len(result.new_ids)
            updated += len(result.updated_ids)
            unchanged += len(result.unchanged_ids)
            if progress:
                progress(stored)
    except (PubMedParseError, MedlineParseError) as exc:
        run_store.finish_run(project, run.id, "failed", error=str(exc))
        kept = f"{stored} record(s) before the problem were imported." if stored else (
            "Nothing was imported."
        )
        raise ImportFailed(f"{path.name}: {exc} {kept}") from exc
    except BaseException as exc:
        run_store.finish_run(project, run.id, "failed", error=str(exc))
        raise
    run_store.finish_run(project, run.id, "done")
    return ImportSummary(str(path), fmt, stored, new, updated, unchanged)
