"""The claims register: seeding, pages, claims, and claims extracted from a new page.

Links, suggestions and verdicts are in :mod:`evidence_tracker.services.evidence`.
One function per verb; the CLI and the GUI both call these. Reviewers are given by name
(created on first use). Claims and studies can be given as ids or as the keys users type
(``C001`` / ``#12``; PMID, DOI or ``#id``).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_tracker.config import resources_dir
from evidence_tracker.domain import sentences as sent
from evidence_tracker.domain.claims import (
    Category,
    Claim,
    ClaimKind,
    ClaimsError,
    DeletedClaim,
    Pico,
    detect_time_frame,
    parse_kind,
    suggest_kind,
)
from evidence_tracker.store import Project
from evidence_tracker.store import claims as store
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import find_study_id
from evidence_tracker.store.study_facts import study_facts

log = logging.getLogger(__name__)

SEEDED_META_KEY = "seeded_claims"
#: Set once the register's kinds and scopes were filled into a project seeded before them.
KINDS_META_KEY = "seeded_claim_kinds"
#: Event kinds of this module besides link/verdict: claim snapshots and candidate decisions.
CLAIM_EVENT = "claim"
CANDIDATE_EVENT = "claim_candidate"
#: A candidate this similar to an existing claim is proposed as a merge.
MERGE_THRESHOLD = 0.5


# -- seeding -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    clinics: int = 0
    pages: int = 0
    claims: int = 0
    sources: int = 0
    missing_conditions: tuple[str, ...] = ()


def load_claims_document(path: Path | None = None) -> dict[str, Any]:
    """The bundled claims register (resources/claims.json)."""
    path = path or resources_dir() / "claims.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def seed_claims(project: Project, document: dict[str, Any] | None = None) -> SeedResult:
    """Load the clinics, pages (with their text) and claims of the register; idempotent.

    Existing clinics, pages and claims (matched by slug and code) are left as a reviewer
    may have refined them; missing sources and conditions are added, and a claim no
    reviewer has edited gets the register's kind and scope where its own are still empty.
    One transaction.
    """
    doc = document or load_claims_document()
    seeds = resources_dir() / "seeds"
    counts = {"clinics": 0, "pages": 0, "claims": 0, "sources": 0}
    missing: set[str] = set()
    page_ids: dict[str, int] = {}
    with project.transaction():
        before = {t: store.count_rows(project, t) for t in ("clinics", "clinic_pages")}
        for clinic in doc["clinics"]:
            clinic_id = store.upsert_clinic(project, clinic["id"], clinic["name"],
                                            clinic.get("url", ""))
            for page in clinic["pages"]:
                file = seeds / page["file"]
                text = file.read_text(encoding="utf-8") if file.is_file() else ""
                page_ids[page["id"]] = store.upsert_page(
                    project, clinic_id=clinic_id, slug=page["id"], title=page["title"],
                    url=page.get("url", ""), file_name=page["file"], text=text,
                )
        counts["clinics"] = store.count_rows(project, "clinics") - before["clinics"]
        counts["pages"] = store.count_rows(project, "clinic_pages") - before["clinic_pages"]
        for entry in doc["claims"]:
            kind = parse_kind(entry["kind"]) if entry.get("kind") else None
            pico = Pico.from_mapping(entry.get("pico"))
            new_id = store.insert_claim(
                project, code=entry["id"], text=entry["text"], category=entry["category"],
                pico=pico, if_new=True, kind=kind,
            )
            claim_id = new_id or store.find_claim_id(project, entry["id"])
            assert claim_id is not None
            counts["claims"] += new_id is not None
            if new_id is None:
                # A project seeded before kinds existed: fill what is still empty, unless
                # a reviewer has edited the claim.
                store.fill_seed_scope(project, claim_id, kind=kind, pico=pico)
            missing.update(store.set_claim_conditions(project, claim_id, entry["conditions"]))
            for source in entry["sources"]:
                _, added = store.add_source(project, claim_id, page_ids[source["page"]],
                                            source["quote"])
                counts["sources"] += added
    if missing:
        log.warning("claims refer to conditions this project lacks: %s", sorted(missing))
    return SeedResult(**counts, missing_conditions=tuple(sorted(missing)))


def classify_seeded_claims(project: Project, document: dict[str, Any] | None = None) -> int:
    """Give the seeded claims of an existing project the register's kind and scope where
    theirs are still empty, leaving claims a reviewer has edited (or deleted) alone;
    returns how many claims were filled. One transaction."""
    doc = document or load_claims_document()
    filled = 0
    with project.transaction():
        for entry in doc["claims"]:
            claim_id = store.find_claim_id(project, entry["id"])
            if claim_id is None:
                continue
            filled += store.fill_seed_scope(
                project, claim_id, kind=parse_kind(entry["kind"]) if entry.get("kind") else None,
                pico=Pico.from_mapping(entry.get("pico")))
    return filled


# -- pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRef:
    """A clinic page named by the reviewer; clinic and page are created as needed."""

    clinic: str
    title: str
    url: str = ""
    text: str = ""
    file_name: str = ""


def slugify(text: str) -> str:
    """'Daydream MD: Pain!' -> 'daydream-md-pain'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "page"


def _free_slug(project: Project, table: str, base: str) -> str:
    slug, n = base, 1
    while store.slug_in_use(project, table, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def ensure_page(project: Project, page: PageRef | int) -> int:
    """The id of a page: an id is checked, a PageRef is found (clinic + title) or created."""
    if isinstance(page, int):
        if store.get_page(project, page) is None:
            raise ClaimsError(f"No clinic page #{page}.")
        return page
    if not page.clinic.strip() or not page.title.strip():
        raise ClaimsError("A page needs a clinic name and a title.")
    with project.transaction():
        clinic_id = store.find_clinic(project, page.clinic.strip())
        if clinic_id is None:
            slug = _free_slug(project, "clinics", slugify(page.clinic))
            clinic_id = store.upsert_clinic(project, slug, page.clinic.strip(), "")
        found = store.find_page(project, title=page.title.strip(), clinic_id=clinic_id)
        if found is not None:
            return int(found["id"])
        slug = _free_slug(project, "clinic_pages", slugify(f"{page.clinic} {page.title}"))
        return store.upsert_page(project, clinic_id=clinic_id, slug=slug,
                                 title=page.title.strip(), url=page.url,
                                 file_name=page.file_name, text=page.text)


_BLOCKS = frozenset({
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section", "article",
    "header", "footer", "blockquote", "ul", "ol", "table", "dd", "dt", "figcaption", "main",
    "aside", "nav", "pre", "hr", "title"})
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})


def _html_text(el: Any, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() not in _SKIPPED and tag:
        block = tag.lower() in _BLOCKS
        out.append("\n\n" if block else "")
        out.append("• " if tag.lower() == "li" else "")
        out.append(el.text or "")
        for child in el:
            _html_text(child, out)
        out.append("\n\n" if block else "")
    out.append(el.tail or "")


def html_to_text(markup: str | bytes) -> tuple[str, str]:
    """(title, plain text) of a saved web page: scripts and styles dropped, one block
    element per paragraph. Never touches the network."""
    from lxml import etree
    from lxml import html as lxml_html  # only needed for saved web pages

    parser = lxml_html.HTMLParser(remove_comments=True, no_network=True)
    try:
        doc = lxml_html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ClaimsError(f"Cannot read this web page: {exc}") from exc
    title = " ".join((doc.findtext(".//title") or "").split())
    out: list[str] = []
    _html_text(doc, out)
    lines = [" ".join(line.split()) for line in "".join(out).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return title, text


def read_page_file(path: str | Path) -> tuple[str, str]:
    """(title, text) of a saved page: .html/.htm converted, anything else read as text
    (the title is then the first non-empty line)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ClaimsError(f"Cannot read {path}: {exc.strerror}") from exc
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return html_to_text(raw)
    text = raw.decode("utf-8", errors="replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return first, text


# -- claims ------------------------------------------------------------------------------


def resolve_claim(
    project: Project, key: str | int | Claim, *, include_deleted: bool = False
) -> Claim:
    """A claim from its id, ``#id`` or code (``C001``); ClaimsError if there is none. A
    deleted claim only with ``include_deleted`` (its history, restoring it)."""
    if isinstance(key, Claim):
        return key
    claim_id = key if isinstance(key, int) else store.find_claim_id(project, key)
    claim = (store.get_claim(project, claim_id, include_deleted=include_deleted)
             if claim_id is not None else None)
    if claim is None:
        if claim_id is not None and store.get_claim(project, claim_id, include_deleted=True):
            raise ClaimsError(f"No claim {key!r}: it was deleted (restore it first).")
        raise ClaimsError(f"No claim {key!r} (give a code such as C001, or an id).")
    return claim


def resolve_deleted_claim(project: Project, key: str | int) -> Claim:
    """A deleted claim from its id, ``#id`` or code; ClaimsError if there is no such
    claim or it is not deleted."""
    claim = resolve_claim(project, key, include_deleted=True)
    if store.is_live_claim(project, claim.id):
        raise ClaimsError(f"{claim.code or '#' + str(claim.id)} is not deleted: there is "
                          "nothing to restore.")
    return claim


def deleted_claims(project: Project) -> list[DeletedClaim]:
    """The deleted claims, newest deletion first, with who deleted them, when and why."""
    return store.deleted_claims(project)


def resolve_study(project: Project, key: str | int) -> int:
    """A study id from an id, ``#id``, PMID or DOI; ClaimsError if there is none."""
    if isinstance(key, int):
        found = study_facts(project, [key])
        study_id = key if found else None
    else:
        study_id = find_study_id(project, key)
    if study_id is None:
        raise ClaimsError(f"No study {key!r} in this project (give a PMID, DOI or #id).")
    return study_id


def require_reviewer(project: Project, name: str) -> int:
    """The id of reviewer ``name`` (created on first use); ClaimsError if it is empty."""
    if not name or not name.strip():
        raise ClaimsError("A reviewer name is needed for this change.")
    return ensure_reviewer(project, name)


def _snapshot(claim: Claim) -> dict[str, Any]:
    return {"code": claim.code, "text": claim.text, "category": claim.category,
            "kind": claim.kind.value if claim.kind else None, "pico": claim.pico.as_dict(),
            "conditions": list(claim.conditions),
            "sources": [{"page_id": s.page_id, "quote": s.quote} for s in claim.sources]}


def _record_claim(project: Project, claim_id: int, reviewer_id: int, note: str) -> Claim:
    claim = resolve_claim(project, claim_id)
    append_event(project, CLAIM_EVENT, reviewer_id=reviewer_id, claim_id=claim_id,
                 after=_snapshot(claim), note=note)
    return claim


def update_claim(
    project: Project, claim: str | int | Claim, *, reviewer: str, text: str | None = None,
    category: str | None = None, pico: Pico | None = None,
    conditions: Sequence[str] | None = None, kind: str | ClaimKind | None = None,
) -> Claim:
    """Refine a claim's text, category, kind, scope (testable form) or conditions (a
    ``claim`` event keeps each version)."""
    current = resolve_claim(project, claim)
    if text is not None and not text.strip():
        raise ClaimsError("A claim needs a text.")
    new_kind = parse_kind(kind) if kind else current.kind
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        store.update_claim(project, current.id, text=(text or current.text).strip(),
                           category=_category(category or current.category),
                           pico=pico or current.pico, kind=new_kind)
        if conditions is not None:
            _set_conditions(project, current.id, conditions, replace=True)
        return _record_claim(project, current.id, reviewer_id, "edited")


def proposed_scope(text: str, given: Mapping[str, str] | None = None) -> Pico:
    """The scope proposed for a new claim: ketamine, with the time frame ``text`` states;
    the fields in ``given`` replace the proposal's."""
    proposal = Pico(intervention="Ketamine", timepoint=detect_time_frame(text))
    return Pico(**{**proposal.as_dict(), **(given or {})})


def add_claim(
    project: Project, text: str, *, reviewer: str, category: str | None = None,
    kind: str | ClaimKind | None = None, pico: Pico | None = None,
    conditions: Sequence[str] | None = None,
) -> Claim:
    """A new claim typed in by a reviewer (not from a page: it has no source yet). The
    category, kind and conditions are proposed from the text unless given; the next free
    code is given to it; a ``claim`` event records it."""
    text = text.strip()
    if not text:
        raise ClaimsError("A claim needs a text.")
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        slugs = list(conditions) if conditions is not None else sent.propose_conditions(
            text, condition_keyword_map(project))
        claim_id = store.insert_claim(
            project, code=store.next_claim_code(project), text=text,
            category=_category(category or sent.propose_category(text)),
            pico=pico or proposed_scope(text),
            created_by=reviewer_id, kind=parse_kind(kind) if kind else suggest_kind(text),
        )
        assert claim_id is not None
        _set_conditions(project, claim_id, slugs)
        return _record_claim(project, claim_id, reviewer_id, "added")


def delete_claim(
    project: Project, claim: str | int | Claim, *, reviewer: str, reason: str = ""
) -> Claim:
    """Delete a claim: a ``claim`` event marks it deleted, with the claim as it was. It and
    its links, GRADE and verdicts are left out from then on; the events stay in the audit
    trail (nothing a reviewer wrote is removed) and :func:`restore_claim` brings them back.
    Returns the claim as it was."""
    current = resolve_claim(project, claim)
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        append_event(project, CLAIM_EVENT, reviewer_id=reviewer_id, claim_id=current.id,
                     after={store.DELETED_KEY: True, **_snapshot(current)},
                     note="deleted" + (f": {reason.strip()}" if reason.strip() else ""))
    return current


def restore_claim(
    project: Project, claim: str | int, *, reviewer: str, reason: str = ""
) -> Claim:
    """Bring a deleted claim back: a ``claim`` event with ``"deleted": false`` (on the
    same hash chain). Its links, GRADE, verdicts and their history come back as they were:
    deleting only left them out. Returns the restored claim."""
    target = resolve_deleted_claim(project, claim)
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        append_event(project, CLAIM_EVENT, reviewer_id=reviewer_id, claim_id=target.id,
                     after={store.DELETED_KEY: False, **_snapshot(target)},
                     note="restored" + (f": {reason.strip()}" if reason.strip() else ""))
    return resolve_claim(project, target.id)


def _category(value: str) -> str:
    try:
        return Category(value).value
    except ValueError:
        choices = ", ".join(c.value for c in Category)
        raise ClaimsError(f"Unknown category {value!r}: choose one of {choices}.") from None


def _set_conditions(
    project: Project, claim_id: int, slugs: Sequence[str], *, replace: bool = False
) -> None:
    missing = store.set_claim_conditions(project, claim_id, slugs, replace=replace)
    if missing:
        raise ClaimsError(f"Unknown condition(s): {', '.join(missing)}.")


# -- claims from a new page --------------------------------------------------------------


@dataclass(frozen=True)
class ClaimMatch:
    claim_id: int
    code: str
    text: str
    similarity: float


@dataclass(frozen=True)
class Candidate:
    """A sentence that reads as a claim, with what the reviewer needs to decide on it."""

    sentence: str
    start: int
    end: int
    score: float
    reasons: tuple[str, ...]
    category: str
    conditions: tuple[str, ...]
    match: ClaimMatch | None = None  # the most similar existing claim
    status: str = "new"  # "new", "source" (already a source of match) or "rejected"
    kind: ClaimKind = ClaimKind.EFFECT  # suggested from the wording (suggest_kind)
    time_frame: str = ""  # the time frame the sentence states, if any

    @property
    def merge_suggested(self) -> bool:
        return self.match is not None and self.match.similarity >= MERGE_THRESHOLD


def condition_keyword_map(project: Project) -> dict[str, tuple[str, ...]]:
    """Condition slug -> phrases: names, built-in synonyms and each condition's own
    quoted PubMed free-text phrases (those no other condition's query shares)."""
    rows = store.condition_terms(project)
    owners: dict[str, set[str]] = {}
    for slug, _, query in rows:
        for phrase in re.findall(r'"([^"]+)"\[tiab\]', query):
            owners.setdefault(phrase.lower(), set()).add(slug)
    extra: dict[str, list[str]] = {}
    for phrase, slugs in owners.items():
        if len(slugs) == 1 and "ketamine" not in phrase and " " in phrase:
            extra.setdefault(next(iter(slugs)), []).append(phrase)
    return sent.condition_keywords((slug, name, extra.get(slug, [])) for slug, name, _ in rows)


def _best_match(sentence: str, claims: Sequence[Claim]) -> ClaimMatch | None:
    best: ClaimMatch | None = None
    for claim in claims:
        score = max([sent.similarity(sentence, claim.text)]
                    + [sent.similarity(sentence, q) for q in claim.quotes])
        if best is None or score > best.similarity:
            best = ClaimMatch(claim.id, claim.code, claim.text, round(score, 3))
    return best if best is not None and best.similarity > 0 else None


def _overlaps(a: str, b: str) -> bool:
    na, nb = sent.normalise(a), sent.normalise(b)
    return bool(na and nb) and (na in nb or nb in na)


def extract_candidates(
    project: Project, text: str, page_title: str = "", *,
    min_score: float = sent.MIN_SCORE, page: int | None = None,
) -> list[Candidate]:
    """Sentences of ``text`` that read as claims, best first within page order.

    Each has its score and reasons, a proposed category and conditions, and the most
    similar existing claim (a merge is suggested above :data:`MERGE_THRESHOLD`). If the
    page is already registered (``page`` id, or a page with this title), sentences that
    are already sources or were rejected are marked in ``status``.
    """
    about = bool(re.search(r"ketamine", page_title, re.I)) or len(
        re.findall(r"ketamine", text, re.I)) >= 2
    scored = sent.score_sentences(sent.split_sentences(text), page_about_ketamine=about)
    keywords = condition_keyword_map(project)
    claims = store.list_claims(project)
    if page is None and page_title:
        found = store.find_page(project, title=page_title)
        page = int(found["id"]) if found else None
    sources = store.sources_by_page(project, page) if page is not None else []
    rejected = {
        sent.normalise(e["after"]["quote"])
        for e in store.events_of_kind(project, CANDIDATE_EVENT)
        if page is not None and e["after"] and e["after"].get("page_id") == page
        and e["after"].get("decision") == "rejected"
    }
    out = []
    for item in scored:
        if item.score < min_score:
            continue
        s = item.sentence
        match = _best_match(s.text, claims)
        status = "new"
        source = next((src for src in sources if _overlaps(src[0], s.text)), None)
        if source is not None:
            status = "source"
            match = ClaimMatch(source[1], source[2], _claim_text(claims, source[1]), 1.0)
        elif sent.normalise(s.text) in rejected:
            status = "rejected"
        out.append(Candidate(
            sentence=s.text, start=s.start, end=s.end, score=item.score,
            reasons=item.reasons, category=sent.propose_category(s.text),
            conditions=tuple(sent.propose_conditions(s.text, keywords)),
            match=match, status=status, kind=suggest_kind(s.text),
            time_frame=detect_time_frame(s.text),
        ))
    return out


def candidate_json(c: Candidate) -> dict[str, Any]:
    """One candidate in the `claims extract --json` shape."""
    return {
        "sentence": c.sentence, "start": c.start, "end": c.end, "score": c.score,
        "reasons": list(c.reasons), "category": c.category, "conditions": list(c.conditions),
        "status": c.status, "merge_suggested": c.merge_suggested, "kind": c.kind.value,
        "time_frame": c.time_frame or None,
        "match": None if c.match is None else {
            "claim_id": c.match.claim_id, "code": c.match.code, "text": c.match.text,
            "similarity": c.match.similarity},
    }


def _claim_text(claims: Sequence[Claim], claim_id: int) -> str:
    return next((c.text for c in claims if c.id == claim_id), "")


def _checked_quote(project: Project, page_id: int, quote: str) -> str:
    quote = quote.strip()
    if not quote:
        raise ClaimsError("A source needs the quoted sentence.")
    page = store.get_page(project, page_id)
    assert page is not None
    if page["text"] and not sent.contains_normalised(page["text"], quote):
        raise ClaimsError(f"The quote does not occur on the page {page['title']!r}.")
    return quote


def accept_candidate(
    project: Project, quote: str, *, page: PageRef | int, reviewer: str,
    text: str | None = None, category: str | None = None,
    conditions: Sequence[str] | None = None, pico: Pico | None = None,
    kind: str | ClaimKind | None = None,
) -> Claim:
    """Make a new claim from a sentence: the quote stays verbatim as its first source;
    ``text`` (default: the quote), category, kind and conditions (default: proposed) and
    the scope (default: ketamine, with the time frame the quote states) can be edited.
    The page (and clinic) is created if needed."""
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        page_id = ensure_page(project, page)
        quote = _checked_quote(project, page_id, quote)
        slugs = list(conditions) if conditions is not None else sent.propose_conditions(
            quote, condition_keyword_map(project))
        claim_id = store.insert_claim(
            project, code=store.next_claim_code(project), text=(text or quote).strip(),
            category=_category(category or sent.propose_category(quote)),
            pico=pico or proposed_scope(quote),
            created_by=reviewer_id, kind=parse_kind(kind) if kind else suggest_kind(quote),
        )
        assert claim_id is not None
        _set_conditions(project, claim_id, slugs)
        store.add_source(project, claim_id, page_id, quote)
        return _record_claim(project, claim_id, reviewer_id, f"created from page #{page_id}")


def merge_candidate(
    project: Project, claim: str | int | Claim, quote: str, *, page: PageRef | int,
    reviewer: str,
) -> Claim:
    """Add the sentence as one more source of an existing claim (the same claim made on
    another page or again on this one)."""
    target = resolve_claim(project, claim)
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        page_id = ensure_page(project, page)
        quote = _checked_quote(project, page_id, quote)
        _, added = store.add_source(project, target.id, page_id, quote)
        if not added:
            return target
        return _record_claim(project, target.id, reviewer_id, f"source added from #{page_id}")


def reject_candidate(
    project: Project, quote: str, *, page: PageRef | int, reviewer: str, note: str = ""
) -> int:
    """Record that a sentence is not a claim (an event), so it is marked next time."""
    with project.transaction():
        reviewer_id = require_reviewer(project, reviewer)
        page_id = ensure_page(project, page)
        return append_event(
            project, CANDIDATE_EVENT, reviewer_id=reviewer_id, note=note,
            after={"decision": "rejected", "page_id": page_id, "quote": quote.strip()},
        )


@dataclass(frozen=True)
class ExtractionReport:
    """Extraction measured against the seeded sources of the registered pages."""

    quotes: int
    found: int
    proposed: int
    correct: int
    missed: tuple[tuple[str, str], ...] = ()  # (page slug, quote)

    @property
    def recall(self) -> float:
        return self.found / self.quotes if self.quotes else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 0.0


def evaluate_extraction(project: Project, *, min_score: float = sent.MIN_SCORE) -> ExtractionReport:
    """Run extraction on every page with sources. A quote is found if a proposed sentence
    contains it or it contains the sentence; a proposed sentence is correct if it contains
    a quote or lies within one (a quote spanning two sentences)."""
    quotes = found = proposed = correct = 0
    missed: list[tuple[str, str]] = []
    for page in store.list_pages(project):
        full = store.get_page(project, page["id"])
        page_quotes = {q for q, _, _ in store.sources_by_page(project, page["id"])}
        if not page_quotes or not full:
            continue
        sentences = [c.sentence for c in extract_candidates(
            project, full["text"], full["title"], min_score=min_score, page=page["id"])]
        for quote in sorted(page_quotes):
            quotes += 1
            if any(_overlaps(quote, s) for s in sentences):
                found += 1
            else:
                missed.append((page["slug"], quote))
        proposed += len(sentences)
        correct += sum(any(_overlaps(q, s) for q in page_quotes) for s in sentences)
    return ExtractionReport(quotes, found, proposed, correct, tuple(missed))
