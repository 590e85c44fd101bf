"""Shared fixtures: isolated user directories, a project database, study factories."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from lxml import etree

from evidence_tracker.domain.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Study,
)
from evidence_tracker.store import Project, open_project


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory (no system keyring in CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Nothing a test does may touch the real user's data, config, logs or keyring."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    for var in ("EVIDENCE_TRACKER_DB", "NCBI_API_KEY", "EVIDENCE_TRACKER_SETTINGS"):
        monkeypatch.delenv(var, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite3"


@pytest.fixture
def project(db_path: Path) -> Iterator[Project]:
    with open_project(db_path) as p:
        yield p


_pmids = itertools.count(30000001)


def make_study(**overrides: Any) -> Study:
    """A realistic study; every field can be overridden."""
    pmid = overrides.pop("pmid", str(next(_pmids)))
    base: dict[str, Any] = {
        "pmid": pmid,
        "doi": f"10.1000/et.{pmid}",
        "title": "Intravenous ketamine for complex regional pain syndrome: a randomised trial",
        "title_html": "Intravenous <i>ketamine</i> for complex regional pain syndrome: a "
        "randomised trial",
        "abstract_sections": [
            AbstractSection(text="To test low-dose ketamine infusions.", label="OBJECTIVE",
                            nlm_category="OBJECTIVE"),
            AbstractSection(text="Pain scores fell by 2.1 points at 12 weeks.", label="RESULTS",
                            nlm_category="RESULTS"),
        ],
        "journal": "Pain",
        "journal_abbrev": "Pain",
        "volume": "147",
        "issue": "1-3",
        "pages": "107-15",
        "year": 2009,
        "pub_date": "2009-12",
        "authors": [
            Author(last_name="Schwartzman", fore_name="Robert J", initials="RJ"),
            Author(last_name="Alexander", fore_name="Guillermo M", initials="GM"),
            Author(collective_name="CRPS Study Group"),
        ],
        "publication_types": ["Journal Article", "Randomized Controlled Trial"],
        "mesh": [
            MeshHeading("Ketamine", major=True, ui="D007649",
                        qualifiers=(("administration & dosage", True),)),
            MeshHeading("Complex Regional Pain Syndromes", major=True, ui="D020918"),
            MeshHeading("Humans"),
        ],
        "keywords": ["NMDA", "infusion"],
        "language": "eng",
        "raw_record": b"<PubmedArticle>...</PubmedArticle>",
        "raw_format": "pubmed-xml",
        "source": "pubmed",
        "revised_date": "2020-01-01",
    }
    base.update(overrides)
    study = Study(**base)
    if "abstract" not in overrides:
        study.abstract = "\n\n".join(f"{s.label}: {s.text}" for s in study.abstract_sections)
    return study


@pytest.fixture
def study_factory() -> Callable[..., Study]:
    return make_study


def retracted(**overrides: Any) -> Study:
    return make_study(
        publication_types=["Journal Article", "Retracted Publication"],
        comments_corrections=[CommentCorrection("RetractionIn", "Pain. 2012;153:1", "22222222")],
        **overrides,
    )


@pytest.fixture
def filled_project(project: Project) -> Project:
    """A project with a handful of varied studies in two conditions."""
    from evidence_tracker.store import conditions as condition_store
    from evidence_tracker.store.studies import upsert_studies

    condition_store.upsert_conditions(
        project,
        [
            {"slug": "crps", "name": "CRPS", "query": "ketamine AND crps"},
            {"slug": "fibromyalgia", "name": "Fibromyalgia", "query": "ketamine AND fm"},
        ],
    )
    crps = project.conn.execute("SELECT id FROM conditions WHERE slug='crps'").fetchone()[0]
    fm = project.conn.execute("SELECT id FROM conditions WHERE slug='fibromyalgia'").fetchone()[0]
    upsert_studies(
        project,
        [
            make_study(pmid="19603491"),
            make_study(pmid="24101234", title="Ketamine in fibromyalgia: a crossover study",
                       title_html="", year=2014, journal="Clin J Pain",
                       journal_abbrev="Clin J Pain",
                       authors=[Author(last_name="Noppers", fore_name="Ingeborg",
                                       initials="I")]),
            retracted(pmid="21111111", title="Oral ketamine retracted trial in CRPS",
                      title_html="", year=2011),
        ],
        condition_id=crps,
    )
    upsert_studies(
        project,
        [
            make_study(pmid="24101234", title="Ketamine in fibromyalgia: a crossover study",
                       title_html="", year=2014, journal="Clin J Pain",
                       journal_abbrev="Clin J Pain",
                       authors=[Author(last_name="Noppers", fore_name="Ingeborg",
                                       initials="I")]),
            make_study(pmid="30000000", title="Esketamine and widespread pain", title_html="",
                       year=2020, abstract_sections=[], abstract="Plain abstract about pain.",
                       language="ger"),
        ],
        condition_id=fm,
    )
    return project


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def same_xml(raw: bytes | None) -> bytes | None:
    """A raw PubMed XML record re-serialised: a record cut from the file (character
    references as written) and one serialised by lxml read the same."""
    return etree.tostring(etree.fromstring(raw), encoding="utf-8") if raw else raw
