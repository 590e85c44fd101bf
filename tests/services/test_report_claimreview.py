"""Verdicts as schema.org ClaimReview JSON-LD: the shape publishers and search engines read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_project import BEN, C011_RATIONALE, audited_project

from evidence_tracker.domain.claims import VERDICT_LABELS
from evidence_tracker.services import evidence
from evidence_tracker.services.claimreview import RATING, claim_reviews, write_claim_reviews
from evidence_tracker.store import Project


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Project]:
    project = audited_project(tmp_path / "audit.sqlite3")
    yield project
    project.close()


def organisation(value: Any) -> None:
    assert value["@type"] == "Organization" and value["name"].strip()


def validate(review: dict[str, Any]) -> None:
    """The ClaimReview shape of schema.org (and Google's fact-check guidelines)."""
    assert review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"]
    dt.date.fromisoformat(review["datePublished"])
    organisation(review["author"])
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    authors = item["author"] if isinstance(item["author"], list) else [item["author"]]
    for a in authors:
        organisation(a)
    assert item["appearance"]
    for work in item["appearance"]:
        assert work["@type"] == "CreativeWork" and work["headline"] and work["text"]
        organisation(work["author"])
    assert item["firstAppearance"] == item["appearance"][0]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert rating["alternateName"] in VERDICT_LABELS.values()
    for article in review.get("citation", []):
        assert article["@type"] == "ScholarlyArticle" and article["name"]
        assert article["url"].startswith("https://")


def test_only_confirmed_verdicts_are_published(audited: Project) -> None:
    doc = claim_reviews(audited)
    assert doc["@context"] == "https://schema.org"
    reviews = {r["identifier"]: r for r in doc["@graph"]}
    assert sorted(reviews) == ["C008", "C011"]  # C005 only has a suggested verdict
    for review in reviews.values():
        validate(review)


def test_the_review_says_what_was_judged_and_why(audited: Project) -> None:
    review = next(r for r in claim_reviews(audited)["@graph"] if r["identifier"] == "C011")
    assert review["claimReviewed"] == \
        "IV ketamine reduces pain in complex regional pain syndrome (CRPS)"
    assert review["reviewRating"]["alternateName"] == "Supported"
    assert review["reviewRating"]["ratingValue"] == 5 and review["reviewBody"] == C011_RATIONALE
    names = {a["name"] for a in review["itemReviewed"]["author"]}
    assert {"Palo Alto Mind Body", "PointHealth Clinic (PointKetamine)"} <= names
    quotes = [w["text"] for w in review["itemReviewed"]["appearance"]]
    assert any(q.startswith("IV ketamine infusions are the gold-standard") for q in quotes)
    cited = {a.get("identifier") if isinstance(a.get("identifier"), str) else
             tuple(a["identifier"]) for a in review["citation"]}
    assert ("doi:10.1016/j.pain.2009.08.015", "pmid:19783371") in cited
    contradicted = next(r for r in claim_reviews(audited)["@graph"] if r["identifier"] == "C008")
    assert contradicted["reviewRating"]["alternateName"] == "Contradicted"
    assert contradicted["reviewRating"]["ratingValue"] == 1
    assert contradicted["contributor"] == {"@type": "Person", "name": BEN}


def test_ratings_order_the_verdicts() -> None:
    assert sorted(RATING, key=RATING.__getitem__) == [
        "contradicted", "not_supported", "insufficient_evidence", "partly_supported",
        "supported"]


def test_write_claim_reviews(audited: Project, tmp_path: Path) -> None:
    out = tmp_path / "reviews.jsonld"
    assert write_claim_reviews(audited, out, ["C008"], publisher="Pain Audit Team") == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    (review,) = doc["@graph"]
    assert review["author"]["name"] == "Pain Audit Team"
    validate(review)


HOSTILE_CLAIM = "Ketamine cures CRPS</script><script>alert('claim')</script>"
HOSTILE_RATIONALE = ("No trial shows that. </SCRIPT ><img src=x onerror=alert(1)> <!-- "
                     "<script> &amp; \u2028 line \u2029 paragraph ]]> -->")
HOSTILE_PUBLISHER = "Audit </script><script>alert('publisher')</script> & Co"


def test_published_inside_a_script_element_the_json_ld_stays_whole(
        audited: Project, tmp_path: Path) -> None:
    """Titles and rationales holding ``</script>`` cannot end the element they are
    published in: the HTML parser sees one script whose text is the whole JSON."""
    from lxml import html

    from evidence_tracker.services.claims import update_claim

    update_claim(audited, "C011", reviewer=BEN, text=HOSTILE_CLAIM)
    evidence.record_verdict(audited, "C011", "contradicted", rationale=HOSTILE_RATIONALE,
                            reviewer=BEN)
    out = tmp_path / "reviews.jsonld"
    write_claim_reviews(audited, out, ["C011"], publisher=HOSTILE_PUBLISHER)
    text = out.read_text(encoding="utf-8")
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in text
    page = ("<!DOCTYPE html><html><head><title>Audit</title>"
            f'<script type="application/ld+json">{text}</script>'
            "</head><body><p>After</p></body></html>")
    tree = html.document_fromstring(page)
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    assert scripts[0].text == text
    assert not tree.xpath("//img") and tree.xpath("//body/p")[0].text == "After"
    (review,) = json.loads(scripts[0].text)["@graph"]
    assert review["claimReviewed"] == HOSTILE_CLAIM
    assert review["itemReviewed"]["text"] == HOSTILE_CLAIM
    assert review["reviewBody"] == HOSTILE_RATIONALE
    assert review["author"]["name"] == HOSTILE_PUBLISHER
    validate(review)
