"""Verdicts as schema.org ClaimReview (JSON-LD), so an audit team can publish them.

One ``ClaimReview`` per claim with a reviewer-confirmed verdict (a verdict only suggested
by the links is not a review). ``itemReviewed`` is the ``Claim``: its ``author`` is the
clinic (an ``Organization``), each ``appearance`` the clinic page that makes it.
``reviewRating`` places the verdict on a 1-5 scale (``alternateName`` gives it in words,
which is what readers and search engines show); ``citation`` lists the studies behind it.

The file is meant to be pasted into a page inside ``<script type="application/ld+json">``,
where the HTML parser, not JSON, decides where the script ends: a title or rationale
holding ``</script>`` (or ``<!--``) would end it early and run what follows. So
:func:`dumps_jsonld` writes ``<``, ``>``, ``&``, U+2028 and U+2029 as JSON ``\\u`` escapes:
the same JSON to any JSON reader, and nothing an HTML parser acts on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidence_tracker.domain.claims import VERDICT_LABELS, Claim
from evidence_tracker.domain.files import atomic_write
from evidence_tracker.domain.identifiers import doi_url, pubmed_url
from evidence_tracker.domain.models import Verdict
from evidence_tracker.services import evidence
from evidence_tracker.services.citations import claim_study_ids
from evidence_tracker.store import Project
from evidence_tracker.store import claims as claim_store
from evidence_tracker.store.report_queries import clinic_pages, studies_by_ids

#: Verdict -> ratingValue (worstRating 1, bestRating 5).
RATING = {
    Verdict.SUPPORTED: 5,
    Verdict.PARTLY_SUPPORTED: 4,
    Verdict.INSUFFICIENT: 3,
    Verdict.NOT_SUPPORTED: 2,
    Verdict.CONTRADICTED: 1,
}
DEFAULT_PUBLISHER = "Evidence Tracker audit team"


#: Characters written as JSON escapes (see the module docstring). They only ever occur
#: inside JSON strings, where ``\\u003c`` and ``<`` are the same character.
_SCRIPT_UNSAFE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def dumps_jsonld(doc: Any, indent: int | None = None) -> str:
    r"""``doc`` as JSON text that is safe inside an HTML ``<script>`` element.

    >>> dumps_jsonld({"reviewBody": "</script><!-- & \u2028"})
    '{"reviewBody": "\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}'
    >>> json.loads(dumps_jsonld({"a": "</script>"}))["a"]
    '</script>'
    """
    return json.dumps(doc, ensure_ascii=False, indent=indent).translate(_SCRIPT_UNSAFE)


def _organisation(name: str, url: str = "") -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def claim_review(project: Project, claim: Claim, *, publisher: str = DEFAULT_PUBLISHER,
                 pages: dict[int, dict[str, Any]] | None = None,
                 viewer: str | None = None) -> dict[str, Any] | None:
    """The ClaimReview of one claim, or None when no reviewer has confirmed a verdict
    ``viewer`` may see (blind mode)."""
    status = evidence.verdict_status(project, claim, viewer)
    if status.confirmed is None:
        return None
    pages = pages if pages is not None else clinic_pages(project)
    clinics: dict[str, dict[str, Any]] = {}
    appearances = []
    for source in claim.sources:
        page = pages.get(source.page_id, {})
        clinics.setdefault(source.clinic_name, _organisation(
            source.clinic_name, str(page.get("clinic_url") or "")))
        work: dict[str, Any] = {"@type": "CreativeWork", "headline": source.page_title,
                                "text": source.quote,
                                "author": _organisation(source.clinic_name)}
        if page.get("url"):
            work["url"] = page["url"]
        appearances.append(work)
    authors = list(clinics.values())
    item: dict[str, Any] = {"@type": "Claim", "text": claim.text,
                            "author": authors[0] if len(authors) == 1 else authors,
                            "appearance": appearances}
    if appearances:
        item["firstAppearance"] = appearances[0]
    citations = []
    for stored in studies_by_ids(project, claim_study_ids(project, claim)):
        s = stored.study
        article: dict[str, Any] = {"@type": "ScholarlyArticle", "name": s.title}
        if s.year:
            article["datePublished"] = str(s.year)
        ids = [f"doi:{s.doi}"] if s.doi else []
        ids += [f"pmid:{s.pmid}"] if s.pmid else []
        if ids:
            article["identifier"] = ids if len(ids) > 1 else ids[0]
        url = pubmed_url(s.pmid) or doi_url(s.doi)
        if url:
            article["url"] = url
        if s.retracted:
            article["creativeWorkStatus"] = "Retracted"
        citations.append(article)
    verdict = status.confirmed
    review: dict[str, Any] = {
        "@type": "ClaimReview",
        "identifier": claim.code,
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "author": _organisation(publisher),
        "datePublished": status.decided_at[:10],
        "reviewRating": {"@type": "Rating", "ratingValue": RATING[verdict], "bestRating": 5,
                         "worstRating": 1, "alternateName": VERDICT_LABELS[verdict]},
        "reviewBody": status.rationale,
    }
    if status.reviewer:
        review["contributor"] = {"@type": "Person", "name": status.reviewer}
    if citations:
        review["citation"] = citations
    return review


def claim_reviews(project: Project, claims: Sequence[str | int] = (), *,
                  publisher: str = DEFAULT_PUBLISHER, viewer: str | None = None
                  ) -> dict[str, Any]:
    """A JSON-LD document with every confirmed verdict (or those of ``claims``)."""
    pages = clinic_pages(project)
    chosen = claim_store.list_claims(project)
    if claims:
        from evidence_tracker.services.claims import resolve_claim

        chosen = [resolve_claim(project, key) for key in claims]
    reviews = [r for c in chosen if (r := claim_review(project, c, publisher=publisher,
                                                        pages=pages, viewer=viewer))
               is not None]
    return {"@context": "https://schema.org", "@graph": reviews}


def write_claim_reviews(project: Project, path: str | Path, claims: Sequence[str | int] = (),
                        *, publisher: str = DEFAULT_PUBLISHER, viewer: str | None = None) -> int:
    """Write the JSON-LD file; returns how many reviews it holds."""
    doc = claim_reviews(project, claims, publisher=publisher, viewer=viewer)
    with atomic_write(path) as out:
        out.write(dumps_jsonld(doc, indent=2))
        out.write("\n")
    return len(doc["@graph"])
