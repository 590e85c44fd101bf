"""Fixtures for the claims register: a seeded project and studies to link."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_tracker.domain.models import AbstractSection, MeshHeading, Study
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

RCT_ABSTRACT = (
    "BACKGROUND: Complex regional pain syndrome is hard to treat. "
    "METHODS: Sixty patients received intravenous ketamine infusions or placebo. "
    "RESULTS: Ketamine reduced pain intensity compared with placebo at 12 weeks. "
    "CONCLUSIONS: Intravenous ketamine relieved pain in complex regional pain syndrome."
)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Project]:
    """A new project as users get it: conditions and the claims register seeded."""
    with open_or_create(tmp_path / "seeded.sqlite3") as project:
        yield project


@pytest.fixture
def crps_rct(study_factory: Callable[..., Study]) -> Callable[..., Study]:
    """Make a randomised trial of IV ketamine in CRPS (plain-text abstract)."""

    def make(**overrides: Any) -> Study:
        base: dict[str, Any] = {
            "title": "Intravenous ketamine for complex regional pain syndrome: "
            "a randomised trial",
            "abstract": RCT_ABSTRACT,
            "abstract_sections": [AbstractSection(text=RCT_ABSTRACT)],
            "publication_types": ["Journal Article", "Randomized Controlled Trial"],
            "mesh": [MeshHeading("Ketamine"), MeshHeading("Complex Regional Pain Syndromes")],
            "keywords": [],
        }
        base.update(overrides)
        return study_factory(**base)

    return make


@pytest.fixture
def add_study(seeded: Project) -> Callable[..., int]:
    """Store a study in the seeded project under a condition; returns its id."""

    def add(study: Study, condition: str | None = "crps") -> int:
        cid = None
        if condition:
            cid = next(c.id for c in condition_store.list_conditions(seeded)
                       if c.slug == condition)
        return upsert_studies(seeded, [study], condition_id=cid).study_ids[0]

    return add
