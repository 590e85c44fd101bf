-- Local state of the team sync (store/team_local.py): the link to a shared PostgreSQL
-- project, global identities for what travels, what was pushed, the pull cursor.
-- Local integer ids never leave the machine; events, claims and claim sources travel by
-- UUID, studies by PMID (else DOI), conditions by slug.
CREATE TABLE team_link (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    server_url        TEXT NOT NULL,                 -- never with a password in it
    project_uuid      TEXT NOT NULL,
    login             TEXT NOT NULL,                 -- the PostgreSQL login role = reviewer
    server_generation TEXT NOT NULL DEFAULT '',
    pull_cursor       INTEGER NOT NULL DEFAULT 0,    -- the last server seq applied here
    linked_at         TEXT NOT NULL,
    last_sync_at      TEXT,
    last_attempt_at   TEXT,
    last_error        TEXT NOT NULL DEFAULT '',
    clock_skew_seconds REAL,
    last_verified_at  TEXT                           -- the last full re-hash of pushed events
);
-- Every event's UUID; origin 'server' = pulled from the team; pushed_hash = the content
-- hash the server holds (NULL: not pushed yet).
CREATE TABLE team_event_ids (
    event_id    INTEGER PRIMARY KEY REFERENCES events(id),
    uid         TEXT NOT NULL UNIQUE,
    origin      TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'server')),
    pushed_hash TEXT,
    pushed_chain TEXT     -- events.hash when pushed: a re-chained edit shows without hashing
);
CREATE INDEX team_event_ids_unpushed ON team_event_ids(event_id) WHERE pushed_hash IS NULL;
CREATE TABLE team_claim_ids (
    claim_id    INTEGER PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
    uid         TEXT NOT NULL UNIQUE,
    pushed_hash TEXT,
    wire_code   TEXT          -- the code on the server, when it is kept apart here (C055-ben)
);
CREATE TABLE team_source_ids (
    source_id   INTEGER PRIMARY KEY REFERENCES claim_sources(id) ON DELETE CASCADE,
    uid         TEXT NOT NULL UNIQUE,
    pushed_hash TEXT
);
-- Studies and conditions: the content hash last pushed or pulled.
CREATE TABLE team_study_sync (
    study_id    INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    pushed_hash TEXT NOT NULL,
    revised_at  TEXT                     -- studies.revised_at when last synced
);
CREATE TABLE team_condition_sync (
    condition_id INTEGER PRIMARY KEY REFERENCES conditions(id) ON DELETE CASCADE,
    pushed_hash  TEXT NOT NULL
);
-- Conflicts and refusals found by a sync: shown to the user, never dropped silently.
CREATE TABLE team_conflicts (
    id       INTEGER PRIMARY KEY,
    found_at TEXT NOT NULL,
    kind     TEXT NOT NULL,       -- tampered | refused | claim_code | missing_study | ...
    detail   TEXT NOT NULL
);
