"""Open and describe projects; list and search studies (the JSON contract lives here)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence_tracker import __version__
from evidence_tracker.config import resources_dir
from evidence_tracker.domain.models import StoredStudy
from evidence_tracker.services import claims as claims_service
from evidence_tracker.store import Project, latest_schema_version, open_project, stats, study_stream
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store import events as event_store
from evidence_tracker.store import search_runs as run_store
from evidence_tracker.store import studies as study_store
from evidence_tracker.store.event_chain import ChainCheck
from evidence_tracker.store.studies import StudyFilter

log = logging.getLogger(__name__)

#: Bump only with a migration note in README: other tools parse this output.
JSON_FORMAT_VERSION = 1


def load_condition_catalogue() -> list[dict[str, Any]]:
    """The bundled condition catalogue (resources/conditions.json), or [] if absent."""
    path = resources_dir() / "conditions.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["conditions"])


def open_or_create(path: str | Path) -> Project:
    """Open a project, creating and seeding it on first use; runs left running by a
    process that was killed are closed as interrupted. A project this call created and
    could not finish is removed again: a failed ``init`` leaves no empty file behind."""
    target = Path(path).expanduser().resolve()
    created = not target.exists()
    project: Project | None = None
    try:
        project = open_project(target)
        _prepare(project)
    except BaseException:
        if project is not None:
            project.close()
        if created:
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    return project


def _prepare(project: Project) -> None:
    run_store.close_abandoned_runs(project)
    if project.meta("seeded_conditions") != "1":
        added = condition_store.upsert_conditions(project, load_condition_catalogue())
        project.set_meta("seeded_conditions", "1")
        log.info("seeded %d conditions into %s", added, project.path)
    if project.meta(claims_service.SEEDED_META_KEY) != "1":
        seeded = claims_service.seed_claims(project)
        project.set_meta(claims_service.SEEDED_META_KEY, "1")
        log.info("seeded %d claims into %s", seeded.claims, project.path)
    if project.meta(claims_service.KINDS_META_KEY) != "1":
        # Projects seeded before claims had kinds get them (never over a reviewer's edit).
        filled = claims_service.classify_seeded_claims(project)
        project.set_meta(claims_service.KINDS_META_KEY, "1")
        log.info("classified %d seeded claims in %s", filled, project.path)


def open_for_reading(path: str | Path) -> Project:
    """Open a project for a caller that only reads (``info``, ``studies``, ``export``,
    ``report``, ``verify``...): read-only, so a project in a read-only file or folder can be
    read. A project that does not exist yet is created, as any command would."""
    target = Path(path).expanduser()
    if not target.exists() or (target.is_file() and target.stat().st_size == 0):
        return open_or_create(target)
    return open_project(target, readonly=True)


def verify_audit_trail(project: Project, *, head: str | None = None) -> ChainCheck:
    """Walk the events' hash chain; the first broken link, and whether ``head`` (the chain
    head printed in a report) is part of it."""
    return event_store.verify_chain(project, head=head)


def chain_check_json(check: ChainCheck, expected_head: str | None = None) -> dict[str, Any]:
    """What ``evidence-tracker verify --json`` prints."""
    return {
        "ok": check.ok,
        "events": check.events,
        "head": {"event_id": check.head.event_id, "hash": check.head.hash or None},
        "broken_at": check.broken_at,
        "problem": check.problem or None,
        "expected_head": expected_head,
        "head_found": check.head_found,
        "events_after_head": check.events_after_head if check.head_found else None,
        "message": check.message(),
    }


def compact_project(project: Project) -> dict[str, int | bool]:
    """What `evidence-tracker compact` does: the file's free pages given back (``done``
    False: another program has the project open, and the file shrinks when it closes it)."""
    before, after, done = project.compact()
    return {"bytes_before": before, "bytes_after": after, "done": done}


def project_info(project: Project) -> dict[str, Any]:
    """What `evidence-tracker info` prints."""
    return {
        "path": str(project.path),
        "schema_version": project.schema_version,
        "latest_schema_version": latest_schema_version(),
        "app_version": __version__,
        "created_at": project.meta("created_at"),
        "size_bytes": project.path.stat().st_size if project.path.exists() else 0,
        "counts": stats.counts(project),
    }


def study_json(stored: StoredStudy) -> dict[str, Any]:
    """One study in the stable JSON shape documented in README ("JSON output")."""
    s = stored.study
    return {
        "id": stored.id,
        "pmid": s.pmid or None,
        "doi": s.doi or None,
        "pmcid": s.pmcid or None,
        "title": s.title,
        "abstract": s.abstract,
        "abstract_sections": [
            {"label": a.label, "nlm_category": a.nlm_category, "text": a.text}
            for a in s.abstract_sections
        ],
        "journal": s.journal,
        "volume": s.volume or None,
        "issue": s.issue or None,
        "pages": s.pages or None,
        "year": s.year,
        "pub_date": s.pub_date or None,
        "authors": [a.display_name for a in s.authors],
        "publication_types": list(s.publication_types),
        "mesh": [
            {
                "descriptor": m.descriptor,
                "major": m.major,
                "qualifiers": [{"name": q, "major": major} for q, major in m.qualifiers],
            }
            for m in s.mesh
        ],
        "keywords": list(s.keywords),
        "language": s.language or None,
        "conditions": list(stored.conditions),
        "retracted": s.retracted,
        "notices": [
            {"type": c.ref_type, "source": c.ref_source, "pmid": c.pmid or None}
            for c in s.notices
        ],
        "source": s.source or None,
        "fetched_at": stored.fetched_at,
    }


def iter_study_json(
    project: Project, flt: StudyFilter | None = None
) -> Iterator[dict[str, Any]]:
    """The studies matching ``flt`` in :func:`study_json` shape, read a page at a time and
    without their raw records (the JSON has no field for them: nothing to decompress)."""
    ids = study_store.query_study_ids(project, flt or StudyFilter())
    for stored in study_stream.iter_studies(project, ids):
        yield study_json(stored)


def search_studies(
    project: Project, text: str, *, syntax: bool = False, condition_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """Full-text search; plain input is quoted, ``syntax=True`` allows FTS5 syntax."""
    flt = StudyFilter(search=text, search_syntax=syntax, condition_id=condition_id)
    return iter_study_json(project, flt)
