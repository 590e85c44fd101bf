"""Fixtures for grading: a seeded project with studies in CRPS and fibromyalgia."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_tracker.domain.models import Study
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies


@pytest.fixture
def review_project(tmp_path: Path) -> Iterator[Project]:
    """A new project as users get it: conditions and claims seeded, no studies."""
    with open_or_create(tmp_path / "review.sqlite3") as project:
        yield project


@pytest.fixture
def add_studies(
    review_project: Project, study_factory: Callable[..., Study]
) -> Callable[..., list[int]]:
    """Store studies (made from keyword overrides) under a condition; returns their ids."""

    def add(*overrides: dict[str, Any], condition: str = "crps") -> list[int]:
        cid = next(c.id for c in condition_store.list_conditions(review_project)
                   if c.slug == condition)
        studies = [study_factory(**o) for o in overrides]
        return upsert_studies(review_project, studies, condition_id=cid).study_ids

    return add
