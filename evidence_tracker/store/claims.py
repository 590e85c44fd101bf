"""Clinics, pages, claims and their sources; link and verdict events.

All SQL for the claims register lives here; what the claims side reads about studies is
in :mod:`evidence_tracker.store.study_facts` and :mod:`~evidence_tracker.store.study_search`.
Judgements (links, verdicts) are rows of the append-only ``events`` table (written through
:mod:`evidence_tracker.store.events`); this module only reads them back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from evidence_tracker.domain.claims import Claim, ClaimKind, ClaimSource, DeletedClaim, Pico
from evidence_tracker.domain.models import EventKind
from evidence_tracker.store.database import Project, StoreError, utcnow
from evidence_tracker.store.events import event_filter, ordinal

_CODE = re.compile(r"^C(\d+)$", re.IGNORECASE)

# -- clinics and pages -------------------------------------------------------------------


def upsert_clinic(project: Project, slug: str, name: str, url: str = "") -> int:
    """The id of clinic ``slug``, created if new (an existing clinic is left unchanged)."""
    with project.transaction():
        project.conn.execute(
            "INSERT INTO clinics(slug, name, url) VALUES (?, ?, ?) ON CONFLICT(slug) DO NOTHING",
            (slug, name, url),
        )
        row = project.conn.execute("SELECT id FROM clinics WHERE slug = ?", (slug,)).fetchone()
    return int(row[0])


def find_clinic(project: Project, name: str) -> int | None:
    """A clinic by slug or (case-insensitive) name."""
    row = project.conn.execute(
        "SELECT id FROM clinics WHERE slug = ? OR lower(name) = lower(?) ORDER BY id LIMIT 1",
        (name, name),
    ).fetchone()
    return int(row[0]) if row else None


def upsert_page(
    project: Project, *, clinic_id: int, slug: str, title: str, url: str = "",
    file_name: str = "", text: str = "",
) -> int:
    """The id of page ``slug``, created if new; an empty stored text is filled in."""
    with project.transaction():
        project.conn.execute(
            "INSERT INTO clinic_pages(clinic_id, slug, title, url, file_name, text, "
            "retrieved_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(slug) DO NOTHING",
            (clinic_id, slug, title, url, file_name, text, utcnow()),
        )
        if text:
            project.conn.execute(
                "UPDATE clinic_pages SET text = ? WHERE slug = ? AND text = ''", (text, slug)
            )
        row = project.conn.execute(
            "SELECT id FROM clinic_pages WHERE slug = ?", (slug,)
        ).fetchone()
    return int(row[0])


_PAGE_SQL = (
    "SELECT p.id, p.slug, p.title, p.url, p.file_name, p.text, p.retrieved_at, "
    "p.clinic_id, c.slug AS clinic_slug, c.name AS clinic_name "
    "FROM clinic_pages p JOIN clinics c ON c.id = p.clinic_id"
)


def get_page(project: Project, page_id: int) -> dict[str, Any] | None:
    rows = list(project.db.query(f"{_PAGE_SQL} WHERE p.id = ?", [page_id]))
    return rows[0] if rows else None


def find_page(
    project: Project, *, slug: str = "", title: str = "", clinic_id: int | None = None
) -> dict[str, Any] | None:
    """A page by slug, or by title (within a clinic when ``clinic_id`` is given)."""
    if slug:
        rows = list(project.db.query(f"{_PAGE_SQL} WHERE p.slug = ?", [slug]))
    else:
        sql = f"{_PAGE_SQL} WHERE lower(p.title) = lower(?)"
        params: list[Any] = [title]
        if clinic_id is not None:
            sql += " AND p.clinic_id = ?"
            params.append(clinic_id)
        rows = list(project.db.query(sql + " ORDER BY p.id", params))
    return rows[0] if rows else None


def list_pages(project: Project) -> list[dict[str, Any]]:
    """Every clinic page (without its text), by clinic then title."""
    return list(project.db.query(
        "SELECT p.id, p.slug, p.title, p.url, p.file_name, p.clinic_id, "
        "c.slug AS clinic_slug, c.name AS clinic_name, "
        "(SELECT count(*) FROM claim_sources s WHERE s.page_id = p.id) AS sources "
        "FROM clinic_pages p JOIN clinics c ON c.id = p.clinic_id ORDER BY c.name, p.title"
    ))


def count_rows(project: Project, table: str) -> int:
    """Rows in one of the claims register's tables."""
    if table not in ("clinics", "clinic_pages", "claims", "claim_sources"):
        raise StoreError(f"Not a claims table: {table}")
    return int(project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def slug_in_use(project: Project, table: str, slug: str) -> bool:
    if table not in ("clinics", "clinic_pages"):
        raise StoreError(f"No slugs in {table}")
    return project.conn.execute(f"SELECT 1 FROM {table} WHERE slug = ?", (slug,)).fetchone() \
        is not None


# -- claims ------------------------------------------------------------------------------


def next_claim_code(project: Project) -> str:
    """The next free code after the highest ``Cnnn`` in use (C055 after C054)."""
    highest = 0
    for (code,) in project.conn.execute("SELECT code FROM claims WHERE code IS NOT NULL"):
        m = _CODE.match(code)
        if m:
            highest = max(highest, int(m.group(1)))
    return f"C{highest + 1:03d}"


def insert_claim(
    project: Project, *, code: str | None, text: str, category: str, pico: Pico,
    created_by: int | None = None, if_new: bool = False, kind: ClaimKind | None = None,
) -> int | None:
    """Insert a claim; with ``if_new`` an existing code is left alone and None returned."""
    conflict = " ON CONFLICT(code) DO NOTHING" if if_new else ""
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO claims(code, text, category, population, intervention, comparator, "
            "outcome, timepoint, created_at, created_by, kind) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?){conflict}",
            (code, text, category, pico.population, pico.intervention, pico.comparator,
             pico.outcome, pico.timepoint, utcnow(), created_by, _kind(kind)),
        )
        if cur.rowcount == 0:
            return None
        return int(cur.lastrowid or 0)


def _kind(kind: ClaimKind | None) -> str | None:
    return kind.value if kind is not None else None


def update_claim(
    project: Project, claim_id: int, *, text: str, category: str, pico: Pico,
    kind: ClaimKind | None = None,
) -> None:
    """Overwrite a claim's current row (the caller records the ``claim`` event)."""
    with project.transaction():
        cur = project.conn.execute(
            "UPDATE claims SET text = ?, category = ?, population = ?, intervention = ?, "
            "comparator = ?, outcome = ?, timepoint = ?, kind = ? WHERE id = ?",
            (text, category, pico.population, pico.intervention, pico.comparator,
             pico.outcome, pico.timepoint, _kind(kind), claim_id),
        )
        if cur.rowcount == 0:
            raise StoreError(f"No claim #{claim_id}.")


def fill_seed_scope(
    project: Project, claim_id: int, *, kind: ClaimKind | None, pico: Pico
) -> bool:
    """Fill a seeded claim's kind and empty scope fields, only while no reviewer has edited
    it (no ``claim`` event): a reviewer's edit is never overwritten. True if it changed."""
    edited = project.conn.execute(
        "SELECT 1 FROM events WHERE kind = 'claim' AND claim_id = ? LIMIT 1", (claim_id,)
    ).fetchone()
    if edited is not None:
        return False
    with project.transaction():
        cur = project.conn.execute(
            "UPDATE claims SET kind = coalesce(kind, ?), "
            "population = CASE population WHEN '' THEN ? ELSE population END, "
            "intervention = CASE intervention WHEN '' THEN ? ELSE intervention END, "
            "comparator = CASE comparator WHEN '' THEN ? ELSE comparator END, "
            "outcome = CASE outcome WHEN '' THEN ? ELSE outcome END, "
            "timepoint = CASE timepoint WHEN '' THEN ? ELSE timepoint END "
            "WHERE id = ? AND (kind IS NULL OR population = '' OR intervention = '' "
            "OR comparator = '' OR outcome = '' OR timepoint = '')",
            (_kind(kind), pico.population, pico.intervention, pico.comparator, pico.outcome,
             pico.timepoint, claim_id),
        )
        return cur.rowcount > 0


def add_source(project: Project, claim_id: int, page_id: int, quote: str) -> tuple[int, bool]:
    """Attach a quote from a page to a claim; returns (source id, whether it is new)."""
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO claim_sources(claim_id, page_id, quote) VALUES (?, ?, ?) "
            "ON CONFLICT(claim_id, page_id, quote) DO NOTHING",
            (claim_id, page_id, quote),
        )
        added = cur.rowcount > 0
        row = project.conn.execute(
            "SELECT id FROM claim_sources WHERE claim_id = ? AND page_id = ? AND quote = ?",
            (claim_id, page_id, quote),
        ).fetchone()
    return int(row[0]), added


def set_claim_conditions(
    project: Project, claim_id: int, slugs: Iterable[str], *, replace: bool = False
) -> list[str]:
    """Attach conditions by slug (``replace`` drops the others); returns unknown slugs."""
    missing = []
    with project.transaction():
        if replace:
            project.conn.execute("DELETE FROM claim_conditions WHERE claim_id = ?", (claim_id,))
        for slug in slugs:
            row = project.conn.execute(
                "SELECT id FROM conditions WHERE slug = ?", (slug,)
            ).fetchone()
            if row is None:
                missing.append(slug)
                continue
            project.conn.execute(
                "INSERT INTO claim_conditions(claim_id, condition_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (claim_id, row[0]),
            )
    return missing


def find_claim_id(project: Project, key: str | int) -> int | None:
    """Resolve a code (``C001``, any case), an id (``12`` or ``#12``) to a claim id."""
    text = str(key).strip()
    if _CODE.match(text):
        row = project.conn.execute(
            "SELECT id FROM claims WHERE upper(code) = upper(?)", (text,)
        ).fetchone()
    elif text.lstrip("#").isdigit():
        row = project.conn.execute(
            "SELECT id FROM claims WHERE id = ?", (int(text.lstrip("#")),)
        ).fetchone()
    else:
        return None
    return int(row[0]) if row else None


def _claims_where(ids: Sequence[int] | None, include_deleted: bool) -> tuple[str, list[Any]]:
    # Deleted claims are left out unless asked for (restoring one reads it).
    clauses = [] if include_deleted else [live_claim("x.id")]
    if ids is not None:
        clauses.append(f"x.id IN ({', '.join('?' for _ in ids)})")
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), list(ids or ())


def list_claims(
    project: Project, ids: Sequence[int] | None = None, *, include_deleted: bool = False
) -> list[Claim]:
    """Claims with their conditions and sources, ordered by code then id; deleted claims
    only with ``include_deleted``."""
    if ids is not None and not ids:
        return []
    where, params = _claims_where(ids, include_deleted)
    claims: dict[int, Claim] = {}
    for r in project.db.query(
        f"SELECT * FROM claims x{where} ORDER BY x.code IS NULL, x.code, x.id", params
    ):
        claims[r["id"]] = Claim(
            id=r["id"], code=r["code"] or "", text=r["text"], category=r["category"],
            pico=Pico.from_mapping(r), created_at=r["created_at"],
            kind=ClaimKind(r["kind"]) if r.get("kind") else None,
        )
    if not claims:
        return []
    marks = ", ".join("?" for _ in claims)
    for claim_id, slug in project.conn.execute(
        "SELECT cc.claim_id, c.slug FROM claim_conditions cc JOIN conditions c "
        f"ON c.id = cc.condition_id WHERE cc.claim_id IN ({marks}) ORDER BY c.position, c.slug",
        list(claims),
    ):
        claims[claim_id].conditions.append(slug)
    for r in project.db.query(
        "SELECT s.id, s.claim_id, s.quote, p.id AS page_id, p.slug AS page_slug, "
        "p.title AS page_title, c.id AS clinic_id, c.slug AS clinic_slug, "
        "c.name AS clinic_name FROM claim_sources s "
        "JOIN clinic_pages p ON p.id = s.page_id JOIN clinics c ON c.id = p.clinic_id "
        f"WHERE s.claim_id IN ({marks}) ORDER BY s.id",
        list(claims),
    ):
        claim_id = r.pop("claim_id")
        claims[claim_id].sources.append(ClaimSource(**r))
    return list(claims.values())


def get_claim(project: Project, claim_id: int, *, include_deleted: bool = False
              ) -> Claim | None:
    found = list_claims(project, [claim_id], include_deleted=include_deleted)
    return found[0] if found else None


def sources_by_page(project: Project, page_id: int) -> list[tuple[str, int, str]]:
    """(quote, claim id, claim code) of every source on a page."""
    return [
        (r[0], int(r[1]), r[2] or "")
        for r in project.conn.execute(
            "SELECT s.quote, s.claim_id, c.code FROM claim_sources s "
            "JOIN claims c ON c.id = s.claim_id WHERE s.page_id = ? ORDER BY s.id",
            (page_id,),
        )
    ]


# -- conditions --------------------------------------------------------------------------


def condition_terms(project: Project) -> list[tuple[str, str, str]]:
    """(slug, name, PubMed query) of every condition, in catalogue order."""
    return [
        (r[0], r[1], r[2])
        for r in project.conn.execute(
            "SELECT slug, name, query FROM conditions ORDER BY position, slug"
        )
    ]


def condition_ids(project: Project, slugs: Iterable[str]) -> list[int]:
    """Ids of the conditions ``slugs`` and of all their descendants."""
    slugs = list(slugs)
    if not slugs:
        return []
    marks = ", ".join("?" for _ in slugs)
    return [
        int(r[0])
        for r in project.conn.execute(
            "WITH RECURSIVE tree(id) AS ("
            f" SELECT id FROM conditions WHERE slug IN ({marks})"
            " UNION SELECT c.id FROM conditions c JOIN tree t ON c.parent_id = t.id"
            ") SELECT id FROM tree ORDER BY id",
            slugs,
        )
    ]


# -- events ------------------------------------------------------------------------------


def current_link_rows(
    project: Project, *, claim_id: int | None = None, study_id: int | None = None,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    """The live links (latest event per study, claim and reviewer in the shared order,
    not withdrawn), oldest first; those of deleted claims only with ``include_deleted``."""
    clauses, params = event_filter(EventKind.LINK.value, study_id=study_id, claim_id=claim_id)
    live = "" if include_deleted else f" AND {live_claim('x.claim_id')}"
    rows = project.db.query(
        "SELECT x.id, x.ordinal, x.occurred_at, x.study_id, x.claim_id, x.reviewer_id, "
        "coalesce(r.name, '') AS reviewer, x.after, x.note FROM ("
        " SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.study_id, o.claim_id, o.reviewer_id"
        " ORDER BY o.ordinal DESC) AS rn FROM ("
        f"  SELECT e.*, {ordinal()} AS ordinal FROM events e WHERE {' AND '.join(clauses)}"
        " ) o) x LEFT JOIN reviewers r ON r.id = x.reviewer_id "
        f"WHERE x.rn = 1 AND x.after IS NOT NULL{live} ORDER BY x.ordinal",
        params,
    )
    out = []
    for r in rows:
        r["after"] = json.loads(r["after"])
        out.append(r)
    return out


def last_event_ordinal(
    project: Project, kind: str, *, claim_id: int | None = None,
    study_ids: Sequence[int] = (),
) -> int:
    """Where the newest event of ``kind`` about the claim or any of the studies stands in
    the shared order (:func:`evidence_tracker.store.events.ordinal`; 0 if none)."""
    clauses: list[str] = []
    params: list[Any] = []
    if claim_id is not None:
        clauses.append("claim_id = ?")
        params.append(claim_id)
    if study_ids:
        clauses.append(f"study_id IN ({', '.join('?' for _ in study_ids)})")
        params.extend(study_ids)
    if not clauses:
        return 0
    row = project.conn.execute(
        f"SELECT coalesce(max({ordinal()}), 0) FROM events e WHERE kind = ? "
        f"AND ({' OR '.join(clauses)})",
        [kind, *params],
    ).fetchone()
    return int(row[0])


def latest_claim_event(project: Project, kind: str, claim_id: int) -> dict[str, Any] | None:
    """The newest event of ``kind`` about a claim (any reviewer, in the shared order),
    ``after`` decoded."""
    rows = list(project.db.query(
        f"SELECT e.id, {ordinal()} AS ordinal, e.occurred_at, e.reviewer_id, "
        "coalesce(r.name, '') AS reviewer, e.after, e.note FROM events e "
        "LEFT JOIN reviewers r ON r.id = e.reviewer_id "
        "WHERE e.kind = ? AND e.claim_id = ? AND e.study_id IS NULL "
        "ORDER BY ordinal DESC LIMIT 1",
        [kind, claim_id],
    ))
    if not rows:
        return None
    row = rows[0]
    row["after"] = json.loads(row["after"]) if row["after"] is not None else None
    return row


def events_of_kind(project: Project, kind: str) -> list[dict[str, Any]]:
    """Every event of ``kind`` with ``after`` decoded, oldest first in the shared order."""
    out = []
    for r in project.db.query(
        f"SELECT e.id, {ordinal()} AS ordinal, e.occurred_at, e.reviewer_id, "
        "coalesce(r.name, '') AS reviewer, e.after, e.note FROM events e "
        "LEFT JOIN reviewers r ON r.id = e.reviewer_id WHERE e.kind = ? ORDER BY ordinal",
        [kind],
    ):
        r["after"] = json.loads(r["after"]) if r["after"] is not None else None
        out.append(r)
    return out


# -- deleted claims ----------------------------------------------------------------------

#: The ``claim`` event that deletes a claim has ``"deleted": true`` in ``after``. The row
#: stays (events refer to it, and nothing a reviewer wrote is removed); the claim and its
#: links are left out of everything read from then on.
DELETED_KEY = "deleted"


def live_claim(column: str) -> str:
    """SQL true when the claim id in ``column`` is not deleted: its latest ``claim`` event
    does not say so (the claim's few ``claim`` events, from the ``events_claim`` index)."""
    return (f"coalesce((SELECT json_extract(d.after, '$.{DELETED_KEY}') FROM events d "
            f"WHERE d.kind = 'claim' AND d.claim_id = {column} "
            f"ORDER BY {ordinal('d')} DESC LIMIT 1), 0) = 0")


def is_live_claim(project: Project, claim_id: int) -> bool:
    """Whether the claim is not deleted (its latest ``claim`` event does not say so)."""
    row = project.conn.execute(f"SELECT {live_claim('?')}", (claim_id,)).fetchone()
    return bool(row[0])


def deleted_claims(project: Project) -> list[DeletedClaim]:
    """Deleted claims as they were, with when, by whom and why, and the links that come
    back with them; newest deletion first."""
    rows = list(project.db.query(
        "SELECT x.id, e.occurred_at, coalesce(r.name, '') AS reviewer, e.note "
        "FROM claims x JOIN events e ON e.id = (SELECT m.id FROM events m "
        f"WHERE m.kind = 'claim' AND m.claim_id = x.id ORDER BY {ordinal('m')} DESC LIMIT 1) "
        f"LEFT JOIN reviewers r ON r.id = e.reviewer_id WHERE NOT ({live_claim('x.id')}) "
        f"ORDER BY {ordinal()} DESC"
    ))
    claims = {c.id: c for c in list_claims(project, [r["id"] for r in rows],
                                           include_deleted=True)}
    out = []
    for r in rows:
        links = current_link_rows(project, claim_id=r["id"], include_deleted=True)
        # The delete event's note is "deleted" or "deleted: REASON" (services.claims).
        out.append(DeletedClaim(claims[r["id"]], r["occurred_at"], r["reviewer"],
                                (r["note"] or "").partition(":")[2].strip(), len(links),
                                len({link["study_id"] for link in links})))
    return out
