"""The team server: a shared PostgreSQL (psycopg 3) holding the team's rows, with roles,
row-level security and the commit-ordered ``seq`` (db/team/*.sql says how).

Only this module speaks to the server. Every push is one server transaction; every pull
reads one page of rows above a cursor, in ``seq`` order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from evidence_tracker.config import migrations_dir
from evidence_tracker.store.database import StoreError
from evidence_tracker.store.team_local import WireBatch

GROUP_ROLES = {"reviewer": "evidence_reviewer", "arbiter": "evidence_arbiter",
               "director": "evidence_director"}
#: Judgement kinds: the stages reviewers are assigned to, and the blind ones.
JUDGEMENT_KINDS = ("screening", "appraisal", "grade", "link")
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")
_SCHEMA_FILE = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class TeamError(StoreError):
    """A team-server problem explained for the user (nothing was lost locally)."""


class ServerUnreachable(TeamError):
    """The server cannot be reached: the project keeps working offline."""


class SchemaMismatch(TeamError):
    """The server's schema is newer (or older) than this version understands."""


class Refused(TeamError):
    """The server refused the rows (deactivated reviewer, not allowed): kept locally."""


def schema_files(folder: Path | None = None) -> list[tuple[int, Path]]:
    folder = folder or migrations_dir() / "team"
    found = sorted((int(m.group(1)), p) for p in folder.glob("*.sql")
                   if (m := _SCHEMA_FILE.match(p.name)))
    if [v for v, _ in found] != list(range(1, len(found) + 1)):
        raise TeamError(f"Team schema files in {folder} are not numbered 1..N")
    return found


def supported_schema_version() -> int:
    return len(schema_files())


def connect(url: str, password: str | None = None, *, timeout: int = 10) -> psycopg.Connection:
    """A connection to the server (``password`` from the keyring, if the URL has none)."""
    # Autocommit: each ``conn.transaction()`` is then a real BEGIN ... COMMIT on the server.
    kwargs: dict[str, Any] = {"connect_timeout": timeout, "application_name": "evidence-tracker",
                              "autocommit": True}
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "password authentication failed" in text:
            raise TeamError(f"The team server refused the login: {text}") from exc
        raise ServerUnreachable(f"Cannot reach the team server: {text}") from exc


def validate_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name) or name.startswith("pg_") or name.startswith("evidence_"):
        raise TeamError(f"{name!r} cannot be a reviewer's login: use lower-case letters, "
                        "digits, '_', '.' or '-', starting with a letter (at most 63).")
    return name


# -- administration (an admin connection: superuser or the schema's creator) ---------------


def server_schema_version(conn: psycopg.Connection) -> int:
    """0 when the schema is not there."""
    row = conn.execute("SELECT to_regclass('team.schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM team.schema_version").fetchone()
    return int(row[0] or 0) if row else 0


def init_schema(conn: psycopg.Connection) -> list[int]:
    """Apply the team schema files the server lacks, each in one transaction."""
    applied = []
    current = server_schema_version(conn)
    files = schema_files()
    if current > len(files):
        raise SchemaMismatch(f"The team server's schema is version {current}; this version "
                             f"of Evidence Tracker understands up to {len(files)}.")
    for version, path in files[current:]:
        with conn.transaction():
            conn.execute(path.read_text(encoding="utf-8"))
        applied.append(version)
    return applied


def create_project(conn: psycopg.Connection, project_id: str, name: str) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO team.projects(id, name) VALUES (%s, %s)", (project_id, name))


def find_project(conn: psycopg.Connection, ref: str) -> tuple[str, str]:
    """(id, name) of the project with this id or name."""
    rows = conn.execute("SELECT id::text, name FROM team.projects WHERE id::text = %s "
                        "OR name = %s ORDER BY created_at", (ref, ref)).fetchall()
    if not rows:
        raise TeamError(f"No project {ref!r} on the team server.")
    if len(rows) > 1:
        raise TeamError(f"Several projects are called {ref!r}: give its id instead.")
    return str(rows[0][0]), str(rows[0][1])


def add_member(conn: psycopg.Connection, name: str, role: str, password: str) -> None:
    """A LOGIN role for one person, member of its group role, and its team row."""
    validate_role_name(name)
    if role not in GROUP_ROLES:
        raise TeamError(f"Unknown role {role!r}: reviewer, arbiter or director.")
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        if exists:
            raise TeamError(f"A login called {name!r} already exists on the server.")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                             "NOBYPASSRLS PASSWORD {} IN ROLE {}").format(
            sql.Identifier(name), sql.Literal(password), sql.Identifier(GROUP_ROLES[role])))
        conn.execute("INSERT INTO team.members(role_name, role) VALUES (%s, %s)", (name, role))


def assign(conn: psycopg.Connection, project_id: str, name: str,
           stages: Sequence[str] = JUDGEMENT_KINDS) -> None:
    with conn.transaction():
        for stage in stages:
            conn.execute("INSERT INTO team.assignments(project_id, stage, role_name) "
                         "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", (project_id, stage, name))


def set_active(conn: psycopg.Connection, name: str, active: bool) -> None:
    with conn.transaction():
        cur = conn.execute("UPDATE team.members SET active = %s WHERE role_name = %s",
                           (active, name))
        if cur.rowcount == 0:
            raise TeamError(f"No team member called {name!r}.")


def new_generation(conn: psycopg.Connection) -> str:
    """After restoring the server from a backup: a new generation tells every client."""
    with conn.transaction():
        row = conn.execute("UPDATE team.server_info SET generation = gen_random_uuid() "
                           "RETURNING generation::text").fetchone()
    return str(row[0]) if row else ""


# -- a member's session --------------------------------------------------------------------


@dataclass(frozen=True)
class ServerState:
    schema_version: int
    generation: str
    last_seq: int
    active: bool
    role: str | None


def state(conn: psycopg.Connection) -> ServerState:
    version = server_schema_version(conn)
    if version == 0:
        raise SchemaMismatch("The team server has no Evidence Tracker schema: run "
                             "`evidence-tracker team init --server URL` as its administrator.")
    supported = supported_schema_version()
    if version != supported:
        newer = version > supported
        raise SchemaMismatch(
            f"The team server's schema is version {version}, this version of Evidence Tracker "
            f"speaks version {supported}: "
            + ("install a newer Evidence Tracker to sync." if newer
               else "the administrator must upgrade the server (`team init`).")
            + " Nothing was sent or applied.")
    row = conn.execute("SELECT (SELECT generation::text FROM team.server_info), "
                       "team.last_seq(), team.is_active(current_user), "
                       "team.member_role(current_user)").fetchone()
    assert row is not None
    return ServerState(version, str(row[0]), int(row[1] or 0), bool(row[2]), row[3])


@dataclass(frozen=True)
class PushResult:
    inserted: int
    already_there: int
    mismatched: list[str]  # ids whose server content differs: tampering or a bug
    max_skew_seconds: float | None
    #: Each pushed event's place in the server's order (its seq), new or already there.
    event_seqs: dict[str, int] = field(default_factory=dict)


def _insert(conn: psycopg.Connection, table: str, columns: Sequence[str],
            rows: list[tuple[Any, ...]], key: Sequence[str], returning: str
            ) -> list[Any]:
    """COPY the rows into a temporary table, then INSERT ... ON CONFLICT DO NOTHING."""
    if not rows:
        return []
    temp = f"push_{table}"
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM team.{} "
                         "WITH NO DATA").format(sql.Identifier(temp), cols,
                                                sql.Identifier(table)))
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(temp), cols)) as copy:
        for row in rows:
            copy.write_row(row)
    cur = conn.execute(sql.SQL(
        "INSERT INTO team.{t} ({c}, seq) SELECT {c}, 0 FROM {tmp} ORDER BY ctid "
        "ON CONFLICT ({k}) DO NOTHING RETURNING {r}").format(
        t=sql.Identifier(table), c=cols, tmp=sql.Identifier(temp),
        k=sql.SQL(", ").join(map(sql.Identifier, key)), r=sql.SQL(returning)))
    return cur.fetchall()


def push(conn: psycopg.Connection, project_id: str, login: str, batch: WireBatch) -> PushResult:
    """One server transaction: every row of ``batch`` added unless already there; rows
    already there are compared by content hash. Raises Refused (nothing kept) when the
    server refuses."""
    mismatched: list[str] = []
    inserted = already = 0
    skew: float | None = None
    seqs: dict[str, int] = {}
    try:
        with conn.transaction():
            for table, items, idcol in (("studies", batch.studies, "study_key"),
                                        ("conditions", batch.conditions, "slug")):
                rows = [(project_id, ident, digest, Jsonb(record),
                         *([record.get("revised_date") or ""] if table == "studies" else []),
                         login) for ident, digest, record in items]
                columns = ["project_id", idcol, "content_hash", "record",
                           *(["revised_date"] if table == "studies" else []), "added_by"]
                done = _insert(conn, table, columns, rows,
                               ["project_id", idcol, "content_hash"], idcol)
                inserted += len(done)
                already += len(items) - len(done)
            # After the studies and conditions they join (a puller meets those first).
            rows = [(project_id, r["study_key"], r["slug"], r["added_at"], login)
                    for _, _, r in batch.memberships]
            done = _insert(conn, "study_conditions", ["project_id", "study_key", "slug",
                                                      "added_at", "added_by"],
                           rows, ["project_id", "study_key", "slug"], "study_key")
            inserted += len(done)
            already += len(rows) - len(done)
            rows = [(ident, project_id, record.get("code"), digest, Jsonb(record), login)
                    for ident, digest, record in batch.claims]
            inserted += len(_insert(conn, "claims", ["id", "project_id", "code", "content_hash",
                                                     "record", "added_by"],
                                    rows, ["id", "content_hash"], "id"))
            for table, items, columns, make in (
                ("claim_sources", batch.sources,
                 ["id", "project_id", "claim_id", "content_hash", "record", "added_by"],
                 lambda i, d, r: (i, project_id, r["claim_id"], d, Jsonb(r), login)),
                ("events", batch.events,
                 ["id", "project_id", "reviewer", "kind", "study_key", "claim_id", "before",
                  "after", "note", "reverts", "occurred_at", "content_hash"],
                 lambda i, d, r: (i, project_id, r["reviewer"], r["kind"], r["study_key"],
                                  r["claim_id"], r["before"], r["after"], r["note"],
                                  r["reverts"], r["occurred_at"], d)),
            ):
                if not items:
                    continue
                done = _insert(conn, table, columns, [make(*it) for it in items], ["id"],
                               "id::text, seq" + (", extract(epoch FROM received_at - "
                                                  "occurred_at::timestamptz)"
                                                  if table == "events" else ""))
                inserted += len(done)
                new_ids = {row[0] for row in done}
                if table == "events" and done:
                    skews = [float(row[2]) for row in done]
                    skew = max(skews, key=abs)
                    seqs.update((row[0], int(row[1])) for row in done)
                rest = [(ident, digest) for ident, digest, _ in items if ident not in new_ids]
                already += len(rest)
                if rest:
                    stored = {row[0]: (row[1], int(row[2])) for row in conn.execute(
                        sql.SQL("SELECT id::text, content_hash, seq FROM team.{} "
                                "WHERE id = ANY(%s::uuid[])").format(sql.Identifier(table)),
                        ([ident for ident, _ in rest],))}
                    mismatched += [ident for ident, digest in rest
                                   if ident in stored and stored[ident][0] != digest]
                    if table == "events":
                        seqs.update((ident, seq) for ident, (_, seq) in stored.items())
    except psycopg.errors.InsufficientPrivilege as exc:
        raise Refused(f"The team server refused the push: {_first_line(exc)}. Your work is "
                      "kept in this project and will be pushed when the server accepts it.") \
            from exc
    except psycopg.OperationalError as exc:
        raise ServerUnreachable(f"The connection to the team server broke during the push "
                                f"({_first_line(exc)}); nothing is lost: sync again.") from exc
    return PushResult(inserted, already, mismatched, skew, seqs)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_PULL_SQL = """
SELECT seq, 'studies', study_key, content_hash, record, added_by FROM team.studies
 WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'conditions', slug, content_hash, record, added_by FROM team.conditions
 WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'study_conditions', study_key || '|' || slug, '', jsonb_build_object(
        'study_key', study_key, 'slug', slug, 'added_at', added_at), added_by
  FROM team.study_conditions WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'claims', id::text, content_hash, record, added_by FROM team.claims
 WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'claim_sources', id::text, content_hash, record, added_by FROM team.claim_sources
 WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'events', id::text, content_hash, jsonb_build_object(
        'id', id::text, 'kind', kind, 'study_key', study_key, 'claim_id', claim_id::text,
        'before', before, 'after', after, 'note', note, 'reverts', reverts::text,
        'occurred_at', occurred_at, 'reviewer', reviewer::text), reviewer FROM team.events
 WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'unblinded', stage, '', jsonb_build_object('stage', stage), by_role
  FROM team.unblinded WHERE project_id = %(p)s AND seq > %(c)s
UNION ALL
SELECT seq, 'completions', subject, '', jsonb_build_object('subject', subject), ''
  FROM team.completions WHERE project_id = %(p)s AND seq > %(c)s
ORDER BY 1 LIMIT %(n)s
"""


def pull_page(conn: psycopg.Connection, project_id: str, cursor: int, limit: int
              ) -> list[tuple[int, str, str, str, dict[str, Any], str]]:
    """Rows above ``cursor`` this login may see, in seq order: (seq, table, identity,
    content hash, record, author)."""
    with conn.transaction():
        rows = conn.execute(_PULL_SQL, {"p": project_id, "c": cursor, "n": limit}).fetchall()
    return [(int(r[0]), r[1], r[2], r[3], r[4], str(r[5])) for r in rows]


_EVENT_SELECT = """
SELECT id::text, content_hash, seq, jsonb_build_object(
        'id', id::text, 'kind', kind, 'study_key', study_key, 'claim_id', claim_id::text,
        'before', before, 'after', after, 'note', note, 'reverts', reverts::text,
        'occurred_at', occurred_at, 'reviewer', reviewer::text)
  FROM team.events WHERE project_id = %(p)s AND seq <= %(c)s
"""


def events_of_subject(conn: psycopg.Connection, project_id: str, subject: str, cursor: int
                      ) -> list[tuple[str, str, int, dict[str, Any]]]:
    """A subject's events up to ``cursor`` that this login may see now, in seq order:
    (id, content hash, seq, record)."""
    with conn.transaction():
        return [tuple(r) for r in conn.execute(
            _EVENT_SELECT + " AND subject = %(s)s ORDER BY seq",
            {"p": project_id, "c": cursor, "s": subject})]


def events_of_stage(conn: psycopg.Connection, project_id: str, kind: str, cursor: int
                    ) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """A stage's events up to ``cursor`` this login may see now, in seq order:
    (id, content hash, seq, record)."""
    with conn.transaction(), conn.cursor(name="stage_events") as cur:
        cur.execute(_EVENT_SELECT + " AND kind = %(k)s ORDER BY seq",
                    {"p": project_id, "c": cursor, "k": kind})
        for row in cur:
            yield (row[0], row[1], int(row[2]), row[3])


def own_event_hashes(conn: psycopg.Connection, project_id: str, ids: Sequence[str]
                     ) -> dict[str, str]:
    with conn.transaction():
        return dict(conn.execute("SELECT id::text, content_hash FROM team.events "
                                 "WHERE project_id = %s AND id = ANY(%s::uuid[])",
                                 (project_id, list(ids))).fetchall())


def unblind(conn: psycopg.Connection, project_id: str, stage: str) -> None:
    try:
        with conn.transaction():
            conn.execute("INSERT INTO team.unblinded(project_id, stage, seq) VALUES (%s, %s, 0) "
                         "ON CONFLICT DO NOTHING", (project_id, stage))
    except (psycopg.errors.InsufficientPrivilege,
            psycopg.errors.CheckViolation) as exc:
        raise Refused(f"Only the arbiter can unblind a stage: {_first_line(exc)}") from exc


CHANNEL = "evidence_tracker"


def listen(url: str, password: str | None = None) -> psycopg.Connection:
    """A connection listening for the server's hints (autocommit, as LISTEN needs)."""
    conn = connect(url, password)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def wait_hints(conn: psycopg.Connection, timeout: float) -> dict[str, int]:
    """Hints received within ``timeout`` seconds: project id -> the last seq it has.
    Raises ServerUnreachable when the listening connection has died."""
    hints: dict[str, int] = {}
    try:
        for note in conn.notifies(timeout=timeout, stop_after=1):
            project, _, seq = note.payload.partition(":")
            if seq.isdigit():
                hints[project] = max(hints.get(project, 0), int(seq))
        if conn.closed or conn.broken:
            raise ServerUnreachable("The listening connection to the team server was closed.")
    except psycopg.OperationalError as exc:
        raise ServerUnreachable(f"The listening connection to the team server died "
                                f"({_first_line(exc)}).") from exc
    return hints
