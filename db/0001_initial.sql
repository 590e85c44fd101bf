-- Evidence Tracker schema, version 1: the whole mission's tables from the start.
-- Migrations are append-only: never edit a released file, add the next number.
-- JSON columns hold arrays/objects as TEXT; timestamps are ISO 8601 UTC text.

CREATE TABLE project_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Bibliographic records. Keyed by PMID, or by DOI where a record has no PMID.
CREATE TABLE studies (
    id                INTEGER PRIMARY KEY,
    pmid              TEXT UNIQUE,
    doi               TEXT,
    pmcid             TEXT,
    title             TEXT NOT NULL DEFAULT '',
    title_html        TEXT NOT NULL DEFAULT '',
    abstract          TEXT NOT NULL DEFAULT '',          -- plain text
    abstract_sections TEXT NOT NULL DEFAULT '[]',        -- [{label, nlm_category, text, html}]
    journal           TEXT NOT NULL DEFAULT '',
    journal_abbrev    TEXT NOT NULL DEFAULT '',
    volume            TEXT NOT NULL DEFAULT '',
    issue             TEXT NOT NULL DEFAULT '',
    pages             TEXT NOT NULL DEFAULT '',
    year              INTEGER,
    pub_date          TEXT NOT NULL DEFAULT '',
    authors           TEXT NOT NULL DEFAULT '[]',        -- [{last_name, fore_name, initials, collective_name, affiliation}]
    first_author      TEXT NOT NULL DEFAULT '',
    publication_types TEXT NOT NULL DEFAULT '[]',
    mesh              TEXT NOT NULL DEFAULT '[]',        -- [{descriptor, major, ui, qualifiers:[[name, major]]}]
    keywords          TEXT NOT NULL DEFAULT '[]',
    language          TEXT NOT NULL DEFAULT '',
    comments_corrections TEXT NOT NULL DEFAULT '[]',     -- [{ref_type, ref_source, pmid}]
    retracted         INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
    has_notice        INTEGER NOT NULL DEFAULT 0 CHECK (has_notice IN (0, 1)),
    deleted           INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    status            TEXT NOT NULL DEFAULT '',
    entrez_date       TEXT NOT NULL DEFAULT '',
    revised_date      TEXT NOT NULL DEFAULT '',
    raw_record        BLOB,                              -- zlib-compressed source record
    raw_format        TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    fetched_at        TEXT NOT NULL,
    revised_at        TEXT,                              -- when we last saw the record change
    CHECK (pmid IS NOT NULL OR doi IS NOT NULL OR title <> '')
);
CREATE INDEX studies_doi ON studies(doi);
CREATE INDEX studies_year ON studies(year);
CREATE INDEX studies_retracted ON studies(retracted) WHERE retracted = 1;

-- Earlier versions of a record, kept when PubMed revises it (never a silent overwrite).
CREATE TABLE study_revisions (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    replaced_at TEXT NOT NULL,
    revised_date TEXT NOT NULL DEFAULT '',
    changed_fields TEXT NOT NULL DEFAULT '[]',
    raw_record  BLOB,
    raw_format  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX study_revisions_study ON study_revisions(study_id);

-- Full-text index; rowid = studies.id, maintained by the store in the same transaction.
CREATE VIRTUAL TABLE studies_fts USING fts5(
    title, abstract, authors, journal, mesh, keywords,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE conditions (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES conditions(id) ON DELETE SET NULL,
    query       TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    last_viewed_at TEXT                                   -- for "new since last look"
);

CREATE TABLE search_runs (
    id            INTEGER PRIMARY KEY,
    condition_id  INTEGER REFERENCES conditions(id) ON DELETE SET NULL,
    query         TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('full', 'update', 'import')),
    mindate       TEXT,
    maxdate       TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    total_count   INTEGER,                                -- PubMed's count for the query
    fetched_count INTEGER NOT NULL DEFAULT 0,
    new_count     INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0,
    cursor        TEXT NOT NULL DEFAULT '{}',             -- resume point, written with each batch
    error         TEXT
);
CREATE INDEX search_runs_condition ON search_runs(condition_id, started_at);

CREATE TABLE study_conditions (
    study_id      INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    condition_id  INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,
    search_run_id INTEGER REFERENCES search_runs(id) ON DELETE SET NULL,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (study_id, condition_id)
);
CREATE INDEX study_conditions_condition ON study_conditions(condition_id);

CREATE TABLE clinics (
    id    INTEGER PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL,
    url   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE clinic_pages (
    id          INTEGER PRIMARY KEY,
    clinic_id   INTEGER NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '',
    file_name   TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    retrieved_at TEXT
);

CREATE TABLE claims (
    id           INTEGER PRIMARY KEY,
    code         TEXT UNIQUE,                             -- stable seed id such as C001
    text         TEXT NOT NULL,
    category     TEXT NOT NULL,
    population   TEXT NOT NULL DEFAULT '',
    intervention TEXT NOT NULL DEFAULT '',
    comparator   TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    timepoint    TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   INTEGER REFERENCES reviewers(id)
);

CREATE TABLE claim_sources (
    id       INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    page_id  INTEGER NOT NULL REFERENCES clinic_pages(id) ON DELETE CASCADE,
    quote    TEXT NOT NULL,
    UNIQUE (claim_id, page_id, quote)
);

CREATE TABLE claim_conditions (
    claim_id     INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    condition_id INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,
    PRIMARY KEY (claim_id, condition_id)
);

CREATE TABLE reviewers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Every judgement is an event; nothing a reviewer wrote is overwritten in place.
-- kind: screening | appraisal | link | grade | verdict | rereview | resolution ...
-- An undo is a new event whose `after` restores the earlier state (reverts = the undone id).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    reviewer_id INTEGER REFERENCES reviewers(id),
    kind        TEXT NOT NULL,
    study_id    INTEGER REFERENCES studies(id),
    claim_id    INTEGER REFERENCES claims(id),
    before      TEXT,                                     -- JSON state before, NULL if none
    after       TEXT,                                     -- JSON state after, NULL if withdrawn
    note        TEXT NOT NULL DEFAULT '',
    reverts     INTEGER REFERENCES events(id)
);
CREATE INDEX events_study ON events(kind, study_id, claim_id, reviewer_id, id);
CREATE INDEX events_claim ON events(kind, claim_id, id);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Current state, derived from the latest event per subject and reviewer.
CREATE VIEW current_judgements AS
SELECT id, occurred_at, reviewer_id, kind, study_id, claim_id, before, after, note
FROM (
    SELECT e.*, ROW_NUMBER() OVER (
        PARTITION BY e.kind, e.study_id, e.claim_id, e.reviewer_id
        ORDER BY e.id DESC
    ) AS rn
    FROM events e
) ranked
WHERE rn = 1 AND after IS NOT NULL;
