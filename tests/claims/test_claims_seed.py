"""Seeding the claims register into new projects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence_tracker.config import resources_dir
from evidence_tracker.domain.claims import KIND_FOR_CATEGORY, ClaimKind, ClaimsError, Pico
from evidence_tracker.services import claims as claims_service
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store.events import history

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


# -- kinds and scope (issue 11) ------------------------------------------------------------

EXPECTED_KINDS = {
    # A few of the hand classifications, each decided by what evidence can answer it.
    "C011": ClaimKind.EFFECT,  # reduces pain in CRPS
    "C015": ClaimKind.ONSET_DURABILITY,  # "relief in as little as 40 minutes"
    "C017": ClaimKind.ONSET_DURABILITY,  # "lasts weeks to months"
    "C019": ClaimKind.HARMS,  # "very few side effects"
    "C026": ClaimKind.HARMS,  # "low risk of dependency"
    "C030": ClaimKind.COMPARISON,  # "safer and more effective than opioids"
    "C037": ClaimKind.MECHANISM,  # blocks NMDA receptors
    "C050": ClaimKind.ATTRIBUTION,  # "the 2018 guidelines concluded..."
    "C052": ClaimKind.COMPARISON,  # "gold standard" (category: guideline)
    "C053": ClaimKind.REGULATORY,  # not FDA-approved
}


def test_every_seeded_claim_has_a_kind_and_a_scope(seeded: Project) -> None:
    claims = {c.code: c for c in claim_store.list_claims(seeded)}
    for code, claim in claims.items():
        assert claim.kind is not None, code
        assert claim.pico.population and claim.pico.intervention and claim.pico.outcome, code
    assert {code: claims[code].kind for code in EXPECTED_KINDS} == EXPECTED_KINDS
    assert claims["C015"].pico.timepoint == "Within 40 minutes after the infusion"
    assert claims["C017"].pico.timepoint.startswith("Weeks to several months")
    assert claims["C011"].pico.intervention.startswith("Ketamine IV infusion")
    # The kind is the reviewer's classification, not the category's default.
    assert {code for code, c in claims.items() if c.kind is not KIND_FOR_CATEGORY[c.category]} \
        == {"C006", "C009", "C010", "C014", "C049", "C052"}
    # ...and each of those says why in the register.
    assert all(e.get("kind_note") for e in DOC["claims"]
               if e["id"] in {"C006", "C009", "C010", "C014", "C049", "C052"})


def _unclassify(project: Project) -> None:
    project.conn.execute("UPDATE claims SET kind = NULL, timepoint = '' "
                         "WHERE code IN ('C015', 'C017')")


def test_reseeding_fills_kinds_but_never_a_reviewers_edit(seeded: Project) -> None:
    _unclassify(seeded)
    claims_service.update_claim(seeded, "C017", reviewer="ana", kind="effect")
    assert claims_service.resolve_claim(seeded, "C015").kind is None
    assert claims_service.resolve_claim(seeded, "C015").question_kind is \
        ClaimKind.ONSET_DURABILITY  # from its category until classified
    claims_service.seed_claims(seeded)
    c015 = claims_service.resolve_claim(seeded, "C015")
    assert (c015.kind, c015.pico.timepoint) == (ClaimKind.ONSET_DURABILITY,
                                                "Within 40 minutes after the infusion")
    c017 = claims_service.resolve_claim(seeded, "C017")
    assert (c017.kind, c017.pico.timepoint) == (ClaimKind.EFFECT, "")


def test_a_project_seeded_before_kinds_gets_them_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with open_or_create(path) as project:
        _unclassify(project)
        project.set_meta(claims_service.KINDS_META_KEY, "")
    with open_or_create(path) as project:
        assert claims_service.resolve_claim(project, "C017").kind is \
            ClaimKind.ONSET_DURABILITY
        assert project.meta(claims_service.KINDS_META_KEY) == "1"


def test_editing_kind_and_scope_is_a_claim_event(seeded: Project) -> None:
    before = claims_service.resolve_claim(seeded, "C011")
    edited = claims_service.update_claim(
        seeded, "C011", reviewer="ana", kind="comparison",
        pico=Pico(population="Adults with CRPS", intervention="IV ketamine 0.35 mg/kg/h",
                  comparator="Placebo", outcome="Pain", timepoint="12 weeks"))
    assert edited.kind is ClaimKind.COMPARISON and edited.pico.timepoint == "12 weeks"
    assert edited.text == before.text and edited.category == before.category
    events = [e for e in history(seeded, claim_id=edited.id) if e.kind == "claim"]
    assert events[-1].after["kind"] == "comparison"
    assert events[-1].after["pico"]["intervention"] == "IV ketamine 0.35 mg/kg/h"
    with pytest.raises(ClaimsError, match="Unknown claim kind"):
        claims_service.update_claim(seeded, "C011", reviewer="ana", kind="efficacy")
