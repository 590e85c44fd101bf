"""Seeding the claims register into new projects."""

from __future__ import annotations

import json
from pathlib import Path

from evidence_tracker.config import resources_dir
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store

DOC = json.loads((resources_dir() / "claims.json").read_text(encoding="utf-8"))


def test_seed_loads_every_claim_with_all_sources(seeded: Project) -> None:
    claims = {c.code: c for c in claim_store.list_claims(seeded)}
    assert len(claims) == len(DOC["claims"]) == 54
    for entry in DOC["claims"]:
        claim = claims[entry["id"]]
        assert claim.text == entry["text"]
        assert claim.category == entry["category"]
        assert sorted(claim.conditions) == sorted(entry["conditions"])
        assert claim.pico.as_dict() == entry["pico"]
        expected = sorted((s["page"], s["quote"]) for s in entry["sources"])
        assert sorted((s.page_slug, s.quote) for s in claim.sources) == expected


def test_seeded_quotes_occur_verbatim_in_their_page_text(seeded: Project) -> None:
    checked = 0
    for claim in claim_store.list_claims(seeded):
        for source in claim.sources:
            page = claim_store.get_page(seeded, source.page_id)
            assert page is not None and page["text"]
            assert source.quote in page["text"], (claim.code, source.quote)
            checked += 1
    assert checked == sum(len(c["sources"]) for c in DOC["claims"])


def test_seed_creates_five_clinics_and_pages(seeded: Project) -> None:
    pages = claim_store.list_pages(seeded)
    assert len(pages) == 5
    assert {p["clinic_slug"] for p in pages} == {c["id"] for c in DOC["clinics"]}
    for page in pages:
        full = claim_store.get_page(seeded, page["id"])
        assert full is not None
        assert full["text"] == (resources_dir() / "seeds" / page["file_name"]).read_text(
            encoding="utf-8")


def test_shared_claim_has_one_record_with_several_clinics(seeded: Project) -> None:
    nmda = claim_store.get_claim(seeded, claim_store.find_claim_id(seeded, "C037") or 0)
    assert nmda is not None
    assert len(nmda.clinics) == 5


def test_seeding_is_idempotent(seeded: Project) -> None:
    before = {t: claim_store.count_rows(seeded, t)
              for t in ("clinics", "clinic_pages", "claims", "claim_sources")}
    again = claims_service.seed_claims(seeded)
    assert (again.clinics, again.pages, again.claims, again.sources) == (0, 0, 0, 0)
    after = {t: claim_store.count_rows(seeded, t) for t in before}
    assert after == before


def test_seeding_keeps_a_reviewers_refinement(seeded: Project) -> None:
    claims_service.update_claim(seeded, "C001", reviewer="ana", text="Refined text")
    claims_service.seed_claims(seeded)
    assert claims_service.resolve_claim(seeded, "C001").text == "Refined text"


def test_open_or_create_seeds_once_guarded_by_meta_flag(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    with open_or_create(path) as project:
        assert project.meta("seeded_claims") == "1"
        assert claim_store.count_rows(project, "claims") == 54
        # A user deleting a claim must not see it come back on the next open.
        project.conn.execute("DELETE FROM claims WHERE code = 'C054'")
    with open_or_create(path) as project:
        assert claim_store.count_rows(project, "claims") == 53
        assert claim_store.count_rows(project, "claim_sources") == sum(
            len(c["sources"]) for c in DOC["claims"] if c["id"] != "C054")


def test_seed_reports_conditions_the_project_lacks(project: Project) -> None:
    # `project` is a bare database: no conditions catalogue.
    result = claims_service.seed_claims(project)
    assert result.claims == 54
    assert "crps" in result.missing_conditions
    assert claim_store.list_claims(project)[0].conditions == []
