"""The local side of the team sync: the link to the server project, global identities,
what is waiting to be pushed, and applying what was pulled (SQLite; db/0006).

Every step that must not half-happen is one local transaction: marking a push, applying a
pulled page together with the cursor that follows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from evidence_tracker.domain.models import Study
from evidence_tracker.store import team_wire
from evidence_tracker.store.database import Project, StoreError, utcnow
from evidence_tracker.store.events import append_event, ensure_reviewer
from evidence_tracker.store.studies import get_study, select_in, upsert_studies


@dataclass(frozen=True)
class TeamLink:
    """The server project this local project is linked to, and where the sync stands."""

    server_url: str
    project_uuid: str
    login: str
    server_generation: str
    pull_cursor: int
    linked_at: str
    last_sync_at: str | None
    last_attempt_at: str | None
    last_error: str
    clock_skew_seconds: float | None
    last_verified_at: str | None


_LINK_COLUMNS = ("server_url", "project_uuid", "login", "server_generation", "pull_cursor",
                 "linked_at", "last_sync_at", "last_attempt_at", "last_error",
                 "clock_skew_seconds", "last_verified_at")


def get_link(project: Project) -> TeamLink | None:
    row = project.conn.execute(
        f"SELECT {', '.join(_LINK_COLUMNS)} FROM team_link WHERE id = 1").fetchone()
    return TeamLink(*row) if row else None


def save_link(project: Project, *, server_url: str, project_uuid: str, login: str) -> None:
    """Link (or re-link) the project; a new server project starts from cursor 0."""
    with project.transaction():
        old = get_link(project)
        if old and old.project_uuid != project_uuid:
            # Another server project: what was pushed there is not on this one.
            for table in ("team_event_ids", "team_claim_ids", "team_source_ids"):
                project.conn.execute(f"UPDATE {table} SET pushed_hash = NULL")
            project.conn.execute("DELETE FROM team_study_sync")
            project.conn.execute("DELETE FROM team_condition_sync")
            project.conn.execute("DELETE FROM team_membership_sync")
        project.conn.execute(
            "INSERT INTO team_link(id, server_url, project_uuid, login, linked_at) "
            "VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "server_url = excluded.server_url, "
            "project_uuid = excluded.project_uuid, login = excluded.login, "
            "pull_cursor = CASE WHEN team_link.project_uuid = excluded.project_uuid "
            "THEN team_link.pull_cursor ELSE 0 END",
            (server_url, project_uuid, login, utcnow()))


def update_link(project: Project, **values: Any) -> None:
    """Set some of the link's columns (inside the caller's step, or one of its own)."""
    unknown = set(values) - set(_LINK_COLUMNS)
    if unknown:
        raise ValueError(f"not team_link columns: {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    with project.transaction():
        project.conn.execute(f"UPDATE team_link SET {sets} WHERE id = 1", list(values.values()))


def record_conflict(project: Project, kind: str, detail: str) -> None:
    with project.transaction():
        project.conn.execute("INSERT INTO team_conflicts(found_at, kind, detail) VALUES (?, ?, ?)",
                             (utcnow(), kind, detail))


def conflicts(project: Project) -> list[tuple[str, str, str]]:
    """(found_at, kind, detail) of every conflict and refusal, oldest first."""
    return [tuple(r) for r in project.conn.execute(
        "SELECT found_at, kind, detail FROM team_conflicts ORDER BY id")]


# -- identities ---------------------------------------------------------------------------


def mint_uids(project: Project) -> None:
    """Give every event, claim and claim source its global UUID (once, kept forever)."""
    conn = project.conn
    with project.transaction():
        rows = conn.execute("SELECT e.id FROM events e LEFT JOIN team_event_ids t "
                            "ON t.event_id = e.id WHERE t.event_id IS NULL").fetchall()
        conn.executemany("INSERT INTO team_event_ids(event_id, uid) VALUES (?, ?)",
                         [(r[0], team_wire.new_uid()) for r in rows])
        rows = conn.execute("SELECT c.id, c.code, c.text, c.created_by FROM claims c "
                            "LEFT JOIN team_claim_ids t ON t.claim_id = c.id "
                            "WHERE t.claim_id IS NULL").fetchall()
        conn.executemany(
            "INSERT INTO team_claim_ids(claim_id, uid) VALUES (?, ?)",
            [(cid, team_wire.seed_claim_uid(code, text) if by is None and code
              else team_wire.new_uid()) for cid, code, text, by in rows])
        rows = conn.execute(
            "SELECT s.id, c.uid, p.slug, s.quote FROM claim_sources s "
            "JOIN team_claim_ids c ON c.claim_id = s.claim_id "
            "JOIN clinic_pages p ON p.id = s.page_id "
            "LEFT JOIN team_source_ids t ON t.source_id = s.id WHERE t.source_id IS NULL"
        ).fetchall()
        conn.executemany("INSERT INTO team_source_ids(source_id, uid) VALUES (?, ?)",
                         [(sid, team_wire.source_uid(cuid, slug, quote))
                          for sid, cuid, slug, quote in rows])


def event_uids(project: Project, event_ids: Iterable[int]) -> dict[int, str]:
    """The global UUID of each of these events, minted now for those that have none yet
    (what a reference to an event holds, so that it means the same on every machine)."""
    wanted = sorted({int(i) for i in event_ids})
    with project.transaction():
        out = {int(event_id): str(uid) for event_id, uid in select_in(
            project.conn, "SELECT event_id, uid FROM team_event_ids WHERE event_id IN ({marks})",
            wanted)}
        missing = [(i, team_wire.new_uid()) for i in wanted if i not in out]
        project.conn.executemany(
            "INSERT INTO team_event_ids(event_id, uid) SELECT id, ? FROM events WHERE id = ?",
            [(uid, i) for i, uid in missing])
        out.update(missing)
    return out


# -- what travels -------------------------------------------------------------------------


@dataclass
class WireBatch:
    """Records on their way to or from the server, each (identity, hash, record)."""

    studies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    conditions: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: Which study belongs to which condition: ("study_key|slug", "", record).
    memberships: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    claims: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    sources: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self.studies) + len(self.conditions) + len(self.memberships)
                + len(self.claims) + len(self.sources) + len(self.events))


_EVENT_WIRE_SELECT = (
    "SELECT t.uid, e.kind, s.pmid, s.doi, c.uid, e.before, e.after, e.note, rv.uid, "
    "e.occurred_at, r.name, t.pushed_hash, e.id FROM events e "
    "JOIN team_event_ids t ON t.event_id = e.id "
    "JOIN reviewers r ON r.id = e.reviewer_id "
    "LEFT JOIN studies s ON s.id = e.study_id "
    "LEFT JOIN team_claim_ids c ON c.claim_id = e.claim_id "
    "LEFT JOIN team_event_ids rv ON rv.event_id = e.reverts"
)


def _event_wire(row: Sequence[Any]) -> dict[str, Any]:
    uid, kind, pmid, doi, claim_uid, before, after, note, reverts, occurred_at, name = row[:11]
    return {"id": uid, "kind": kind,
            "study_key": team_wire.study_key(pmid, doi) if (pmid or doi) else None,
            "claim_id": claim_uid, "before": before, "after": after, "note": note or "",
            "reverts": reverts, "occurred_at": occurred_at, "reviewer": name}


def pending_events(project: Project, login: str, limit: int | None = None
                   ) -> list[tuple[str, str, dict[str, Any]]]:
    """``login``'s events not pushed yet, oldest first (others' names are never pushed:
    the server accepts a reviewer's rows only as themselves)."""
    sql = (_EVENT_WIRE_SELECT + " WHERE t.origin = 'local' AND t.pushed_hash IS NULL "
           "AND r.name = ? ORDER BY e.id")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    out = []
    for row in project.conn.execute(sql, (login,)):
        record = _event_wire(row)
        out.append((record["id"], team_wire.content_hash(record), record))
    return out


def count_pending_events(project: Project, login: str) -> int:
    """Events waiting to be pushed (including those never given a UUID yet)."""
    row = project.conn.execute(
        "SELECT count(*) FROM events e JOIN reviewers r ON r.id = e.reviewer_id "
        "LEFT JOIN team_event_ids t ON t.event_id = e.id "
        "WHERE r.name = ? AND (t.event_id IS NULL OR (t.origin = 'local' "
        "AND t.pushed_hash IS NULL))", (login,)).fetchone()
    return int(row[0])


def rechained_events(project: Project) -> list[str]:
    """UUIDs of pushed local events whose chain hash changed since the push: edited and
    re-chained so that ``verify`` passes (one SQL comparison, run at every sync)."""
    return [r[0] for r in project.conn.execute(
        "SELECT t.uid FROM team_event_ids t JOIN events e ON e.id = t.event_id "
        "WHERE t.origin = 'local' AND t.pushed_chain IS NOT NULL "
        "AND t.pushed_chain IS NOT e.hash ORDER BY e.id")]


def tampered_events(project: Project) -> list[str]:
    """UUIDs of pushed local events whose content no longer matches what was pushed (every
    pushed event hashed again: the periodic full check)."""
    rows = project.conn.execute(_EVENT_WIRE_SELECT + " WHERE t.origin = 'local' "
                                "AND t.pushed_hash IS NOT NULL ORDER BY e.id")
    return [row[0] for row in rows if team_wire.content_hash(_event_wire(row)) != row[11]]


def pending_studies(project: Project) -> list[tuple[str, str, dict[str, Any]]]:
    """Studies new or changed since the last push (by ``revised_at``)."""
    rows = project.conn.execute(
        "SELECT s.id FROM studies s LEFT JOIN team_study_sync t ON t.study_id = s.id "
        "WHERE (s.pmid IS NOT NULL OR s.doi IS NOT NULL) AND (t.study_id IS NULL "
        "OR t.revised_at IS NOT s.revised_at) ORDER BY s.id").fetchall()
    out = []
    for (study_id,) in rows:
        stored = get_study(project, study_id)
        if stored is None:
            continue
        record = msgspec.to_builtins(stored.study)
        key = team_wire.study_key(stored.study.pmid, stored.study.doi)
        out.append((key, team_wire.content_hash(record), record))
    return out


def pending_conditions(project: Project) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for slug, name, description, query, parent in project.conn.execute(
            "SELECT c.slug, c.name, c.description, c.query, p.slug FROM conditions c "
            "LEFT JOIN conditions p ON p.id = c.parent_id ORDER BY c.position, c.id"):
        record = {"slug": slug, "name": name, "description": description, "query": query,
                  "parent": parent}
        out.append((slug, team_wire.content_hash(record), record))
    synced = {slug: h for slug, h in project.conn.execute(
        "SELECT c.slug, t.pushed_hash FROM team_condition_sync t "
        "JOIN conditions c ON c.id = t.condition_id")}
    return [item for item in out if synced.get(item[0]) != item[1]]


def pending_memberships(project: Project) -> list[tuple[str, str, dict[str, Any]]]:
    """Study-condition memberships not on the server yet (of studies that travel)."""
    conn = project.conn
    # The synced ones are a subset (marked with or after their membership, removed with it
    # by the cascade): equal counts, nothing to send, without reading every membership.
    every, synced = conn.execute("SELECT (SELECT count(*) FROM study_conditions), "
                                 "(SELECT count(*) FROM team_membership_sync)").fetchone()
    if every == synced:
        return []
    out = []
    for pmid, doi, slug, added_at in conn.execute(
            "SELECT s.pmid, s.doi, c.slug, p.added_at FROM (SELECT sc.study_id, "
            "sc.condition_id, sc.added_at FROM study_conditions sc WHERE NOT EXISTS ("
            "SELECT 1 FROM team_membership_sync m WHERE m.study_id = sc.study_id "
            "AND m.condition_id = sc.condition_id)) p JOIN studies s ON s.id = p.study_id "
            "JOIN conditions c ON c.id = p.condition_id "
            "WHERE s.pmid IS NOT NULL OR s.doi IS NOT NULL ORDER BY p.study_id, c.slug"):
        key = team_wire.study_key(pmid, doi)
        out.append((f"{key}|{slug}", "", {"study_key": key, "slug": slug,
                                          "added_at": added_at}))
    return out


def pending_claims(project: Project) -> tuple[list[tuple[str, str, dict[str, Any]]],
                                              list[tuple[str, str, dict[str, Any]]]]:
    """(claims, sources) new or changed since the last push."""
    claims = []
    for row in project.conn.execute(
            "SELECT t.uid, t.pushed_hash, coalesce(t.wire_code, c.code), c.text, c.category, "
            "c.population, c.intervention, c.comparator, c.outcome, c.timepoint, c.kind, r.name, "
            "(SELECT json_group_array(k.slug) FROM claim_conditions cc "
            " JOIN conditions k ON k.id = cc.condition_id WHERE cc.claim_id = c.id) "
            "FROM claims c JOIN team_claim_ids t ON t.claim_id = c.id "
            "LEFT JOIN reviewers r ON r.id = c.created_by ORDER BY c.id"):
        record = dict(zip(("code", "text", "category", "population", "intervention",
                           "comparator", "outcome", "timepoint", "kind", "created_by"),
                          row[2:12], strict=True))
        record["conditions"] = sorted(json.loads(row[12] or "[]"))
        digest = team_wire.content_hash(record)
        if digest != row[1]:
            claims.append((row[0], digest, record))
    sources = []
    for uid, _pushed, claim_uid, slug, title, clinic_slug, clinic_name, quote in \
            project.conn.execute(
                "SELECT t.uid, t.pushed_hash, c.uid, p.slug, p.title, k.slug, k.name, s.quote "
                "FROM claim_sources s JOIN team_source_ids t ON t.source_id = s.id "
                "JOIN team_claim_ids c ON c.claim_id = s.claim_id "
                "JOIN clinic_pages p ON p.id = s.page_id JOIN clinics k ON k.id = p.clinic_id "
                "WHERE t.pushed_hash IS NULL ORDER BY s.id"):
        record = {"claim_id": claim_uid, "page": slug, "page_title": title,
                  "clinic": clinic_slug, "clinic_name": clinic_name, "quote": quote}
        sources.append((uid, team_wire.content_hash(record), record))
    return claims, sources


def pending_batch(project: Project, login: str, event_limit: int | None = None) -> WireBatch:
    """Everything waiting to be pushed (events up to ``event_limit``)."""
    mint_uids(project)
    claims, sources = pending_claims(project)
    return WireBatch(studies=pending_studies(project), conditions=pending_conditions(project),
                     memberships=pending_memberships(project), claims=claims, sources=sources,
                     events=pending_events(project, login, event_limit))


def mark_pushed(project: Project, batch: WireBatch, event_seqs: dict[str, int]) -> None:
    """After the server committed ``batch``: remember what it holds, and each event's
    place in the server's order (``event_seqs``: uid -> seq), in one local step."""
    conn = project.conn
    with project.transaction():
        conn.executemany("UPDATE team_event_ids SET pushed_hash = ?, pushed_chain = "
                         "(SELECT hash FROM events WHERE id = event_id), seq = ? WHERE uid = ?",
                         [(h, event_seqs.get(uid), uid) for uid, h, _ in batch.events])
        conn.executemany("UPDATE team_claim_ids SET pushed_hash = ? WHERE uid = ?",
                         [(h, uid) for uid, h, _ in batch.claims])
        conn.executemany("UPDATE team_source_ids SET pushed_hash = ? WHERE uid = ?",
                         [(h, uid) for uid, h, _ in batch.sources])
        for key, digest, _ in batch.studies:
            _mark_study(project, key, digest)
        for slug, digest, _ in batch.conditions:
            conn.execute(
                "INSERT INTO team_condition_sync(condition_id, pushed_hash) "
                "SELECT id, ? FROM conditions WHERE slug = ? ON CONFLICT(condition_id) "
                "DO UPDATE SET pushed_hash = excluded.pushed_hash", (digest, slug))
        for _, _, record in batch.memberships:
            _mark_membership(project, record)


def _find_study(project: Project, key: str) -> int | None:
    kind, _, value = key.partition(":")
    column = "pmid" if kind == "pmid" else "lower(doi)"
    row = project.conn.execute(f"SELECT id FROM studies WHERE {column} = ? ORDER BY id LIMIT 1",
                               (value,)).fetchone()
    return int(row[0]) if row else None


def _mark_study(project: Project, key: str, digest: str) -> None:
    study_id = _find_study(project, key)
    if study_id is not None:
        project.conn.execute(
            "INSERT INTO team_study_sync(study_id, pushed_hash, revised_at) "
            "SELECT id, ?, revised_at FROM studies WHERE id = ? ON CONFLICT(study_id) DO "
            "UPDATE SET pushed_hash = excluded.pushed_hash, revised_at = excluded.revised_at",
            (digest, study_id))


def _membership_ids(project: Project, record: dict[str, Any]) -> tuple[int, int] | None:
    study_id = _find_study(project, str(record["study_key"]))
    row = project.conn.execute("SELECT id FROM conditions WHERE slug = ?",
                               (record["slug"],)).fetchone()
    return (study_id, int(row[0])) if study_id is not None and row else None


def _mark_membership(project: Project, record: dict[str, Any]) -> None:
    ids = _membership_ids(project, record)
    if ids is not None:
        project.conn.execute("INSERT OR IGNORE INTO team_membership_sync(study_id, "
                             "condition_id) VALUES (?, ?)", ids)


def apply_membership(project: Project, record: dict[str, Any]) -> None:
    """A study's membership of a condition from the team (added here if it is not), with
    the time it joined the condition where it was first added."""
    ids = _membership_ids(project, record)
    if ids is None:
        record_conflict(project, "missing_study", f"study {record['study_key']} of condition "
                        f"{record['slug']} is not in this project")
        return
    project.conn.execute("INSERT OR IGNORE INTO study_conditions(study_id, condition_id, "
                         "added_at) VALUES (?, ?, ?)", (*ids, str(record["added_at"])))
    project.conn.execute("INSERT OR IGNORE INTO team_membership_sync(study_id, condition_id) "
                         "VALUES (?, ?)", ids)


def forget_pushed(project: Project) -> None:
    """The server lost what we pushed (restored from an older backup): push it all again
    (the server keeps what it still has: ON CONFLICT DO NOTHING) and pull from the start."""
    with project.transaction():
        for table in ("team_event_ids", "team_claim_ids", "team_source_ids"):
            project.conn.execute(f"UPDATE {table} SET pushed_hash = NULL "
                                 + ("WHERE origin = 'local'" if table == "team_event_ids" else ""))
        # The server's order is gone with what it lost: events count as not travelled
        # until pushed or pulled again (a restored sequence may hand out numbers again).
        project.conn.execute("UPDATE team_event_ids SET seq = NULL WHERE seq IS NOT NULL")
        project.conn.execute("DELETE FROM team_study_sync")
        project.conn.execute("DELETE FROM team_condition_sync")
        project.conn.execute("DELETE FROM team_membership_sync")
        project.conn.execute("UPDATE team_link SET pull_cursor = 0")


# -- applying what was pulled --------------------------------------------------------------


def set_event_seqs(project: Project, seqs: Iterable[tuple[str, int]]) -> None:
    """The server's order of events already here (pulled again, or seen again after a
    restore): kept where it changed (db/0009 then works out screening_current again)."""
    project.conn.executemany("UPDATE team_event_ids SET seq = ? WHERE uid = ? AND seq IS NOT ?",
                             [(seq, uid, seq) for uid, seq in seqs])


def known_event_uids(project: Project, uids: Iterable[str]) -> set[str]:
    wanted = list(uids)
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        marks = ",".join("?" * len(part))
        found.update(r[0] for r in project.conn.execute(
            f"SELECT uid FROM team_event_ids WHERE uid IN ({marks})", part))
    return found


def apply_studies(project: Project, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    """Studies from the team: added if new; a newer revision of a record replaces ours
    (the store keeps the older one in study_revisions), an older one is left aside."""
    if not items:
        return
    keep: dict[str, tuple[str, Study]] = {}
    for key, digest, record in items:
        study = msgspec.convert(record, Study)
        if key in keep and keep[key][1].revised_date > study.revised_date:
            continue
        study_id = _find_study(project, key)
        if study_id is not None:
            row = project.conn.execute("SELECT revised_date FROM studies WHERE id = ?",
                                       (study_id,)).fetchone()
            if row is not None and str(row[0] or "") > study.revised_date:
                continue
        keep[key] = (digest, study)
    with project.transaction():
        upsert_studies(project, [study for _, study in keep.values()])
        for key, (digest, _) in keep.items():
            _mark_study(project, key, digest)


def apply_condition(project: Project, slug: str, digest: str, record: dict[str, Any]) -> None:
    conn = project.conn
    conn.execute(
        "INSERT INTO conditions(slug, name, description, query, position, created_at) "
        "VALUES (?, ?, ?, ?, (SELECT coalesce(max(position), -1) + 1 FROM conditions), ?) "
        "ON CONFLICT(slug) DO NOTHING",
        (slug, record.get("name") or slug, record.get("description") or "",
         record.get("query") or "", utcnow()))
    conn.execute("INSERT INTO team_condition_sync(condition_id, pushed_hash) SELECT id, ? "
                 "FROM conditions WHERE slug = ? ON CONFLICT(condition_id) DO NOTHING",
                 (digest, slug))


def apply_claim(project: Project, uid: str, digest: str, record: dict[str, Any],
                author: str) -> None:
    """A claim from the team, by UUID. A code already used here by another claim (two
    offline reviewers both created C055) is kept apart as 'C055-author' and reported."""
    conn = project.conn
    row = conn.execute("SELECT claim_id FROM team_claim_ids WHERE uid = ?", (uid,)).fetchone()
    columns = ("text", "category", "population", "intervention", "comparator", "outcome",
               "timepoint", "kind")
    values = [record.get(c) if c == "kind" else str(record.get(c) or "") for c in columns]
    if row is not None:
        conn.execute(f"UPDATE claims SET {', '.join(c + ' = ?' for c in columns)} WHERE id = ?",
                     [*values, row[0]])
        conn.execute("UPDATE team_claim_ids SET pushed_hash = ? WHERE claim_id = ?",
                     (digest, row[0]))
        return
    code = wire_code = record.get("code")
    if code and conn.execute("SELECT 1 FROM claims WHERE code = ?", (code,)).fetchone():
        new_code = f"{code}-{author}"
        record_conflict(project, "claim_code",
                        f"Two claims were created offline with code {code}: {author}'s "
                        f"claim is kept here as {new_code} ({record.get('text', '')[:80]!r}).")
        code = new_code
    created_by = ensure_reviewer(project, str(record["created_by"])) \
        if record.get("created_by") else None
    cur = conn.execute(
        f"INSERT INTO claims(code, {', '.join(columns)}, created_at, created_by) "
        f"VALUES (?, {', '.join('?' * len(columns))}, ?, ?)",
        [code, *values, utcnow(), created_by])
    claim_id = int(cur.lastrowid or 0)
    conn.execute("INSERT INTO team_claim_ids(claim_id, uid, pushed_hash, wire_code) "
                 "VALUES (?, ?, ?, ?)",
                 (claim_id, uid, digest, wire_code if wire_code != code else None))
    for slug in record.get("conditions") or []:
        conn.execute("INSERT OR IGNORE INTO claim_conditions(claim_id, condition_id) "
                     "SELECT ?, id FROM conditions WHERE slug = ?", (claim_id, slug))


def apply_source(project: Project, uid: str, digest: str, record: dict[str, Any]) -> None:
    conn = project.conn
    if conn.execute("SELECT 1 FROM team_source_ids WHERE uid = ?", (uid,)).fetchone():
        return
    claim = conn.execute("SELECT claim_id FROM team_claim_ids WHERE uid = ?",
                         (record["claim_id"],)).fetchone()
    if claim is None:
        record_conflict(project, "missing_claim", f"source {uid} names claim "
                        f"{record['claim_id']}, which is not here yet")
        return
    conn.execute("INSERT INTO clinics(slug, name) VALUES (?, ?) ON CONFLICT(slug) DO NOTHING",
                 (record["clinic"], record.get("clinic_name") or record["clinic"]))
    conn.execute("INSERT INTO clinic_pages(clinic_id, slug, title, retrieved_at) "
                 "SELECT id, ?, ?, ? FROM clinics WHERE slug = ? ON CONFLICT(slug) DO NOTHING",
                 (record["page"], record.get("page_title") or record["page"], utcnow(),
                  record["clinic"]))
    conn.execute("INSERT INTO claim_sources(claim_id, page_id, quote) SELECT ?, id, ? "
                 "FROM clinic_pages WHERE slug = ? ON CONFLICT DO NOTHING",
                 (claim[0], record["quote"], record["page"]))
    conn.execute("INSERT OR IGNORE INTO team_source_ids(source_id, uid, pushed_hash) "
                 "SELECT s.id, ?, ? FROM claim_sources s JOIN clinic_pages p ON p.id = s.page_id "
                 "WHERE s.claim_id = ? AND p.slug = ? AND s.quote = ?",
                 (uid, digest, claim[0], record["page"], record["quote"]))


def apply_event(project: Project, uid: str, digest: str, seq: int, record: dict[str, Any],
                reviewer_ids: dict[str, int] | None = None) -> bool:
    """Another machine's event (or ours, from another machine): appended to the local
    chain with its author and time, and ``seq``, its place in the server's order; False
    (and a conflict noted) when its study or claim is not here."""
    conn = project.conn
    study_id = claim_id = reverts = None
    if record.get("study_key"):
        study_id = _find_study(project, record["study_key"])
        if study_id is None:
            record_conflict(project, "missing_study", f"event {uid} is about study "
                            f"{record['study_key']}, which is not in this project")
            return False
    if record.get("claim_id"):
        row = conn.execute("SELECT claim_id FROM team_claim_ids WHERE uid = ?",
                           (record["claim_id"],)).fetchone()
        if row is None:
            record_conflict(project, "missing_claim", f"event {uid} is about claim "
                            f"{record['claim_id']}, which is not in this project")
            return False
        claim_id = int(row[0])
    if record.get("reverts"):
        row = conn.execute("SELECT event_id FROM team_event_ids WHERE uid = ?",
                           (record["reverts"],)).fetchone()
        reverts = int(row[0]) if row else None
    reviewer_ids = {} if reviewer_ids is None else reviewer_ids
    name = str(record["reviewer"])
    if name not in reviewer_ids:
        reviewer_ids[name] = ensure_reviewer(project, name)
    reviewer_id = reviewer_ids[name]
    event_id = append_event(
        project, str(record["kind"]), reviewer_id=reviewer_id,
        after=None if record.get("after") is None else json.loads(record["after"]),
        before=None if record.get("before") is None else json.loads(record["before"]),
        study_id=study_id, claim_id=claim_id, note=str(record.get("note") or ""),
        reverts=reverts, occurred_at=str(record["occurred_at"]))
    conn.execute("INSERT INTO team_event_ids(event_id, uid, origin, pushed_hash, seq) "
                 "VALUES (?, ?, 'server', ?, ?)", (event_id, uid, digest, seq))
    return True


def require_link(project: Project) -> TeamLink:
    link = get_link(project)
    if link is None:
        raise StoreError("This project is not linked to a team server: run "
                         "`evidence-tracker team join URL` first.")
    return link
