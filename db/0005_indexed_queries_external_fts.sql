-- Fluid at 100,000 studies (issue 14): every query the GUI runs finds its rows through an
-- index, and the full-text index stops keeping its own copy of the text.

-- Sorting the studies table: one index per sortable text column, in the collation the
-- ORDER BY uses (store/studies.py SORTABLE), so a page of a sorted table reads no other row.
CREATE INDEX studies_first_author ON studies(first_author COLLATE NOCASE);
CREATE INDEX studies_journal ON studies(journal COLLATE NOCASE);
CREATE INDEX studies_title ON studies(title COLLATE NOCASE);
CREATE INDEX studies_pmid_number ON studies(CAST(pmid AS INTEGER));

-- DOIs are compared case-insensitively (domain/identifiers.doi_key): look them up by the
-- key itself, not by scanning every row for lower(doi) (a DOI-only import was quadratic).
DROP INDEX studies_doi;
CREATE INDEX studies_doi_key ON studies(lower(doi));

-- Studies by their deleted flag, in id order: "not deleted" is tested against this narrow
-- index instead of the wide study row (the flag sits after the abstract and the raw
-- record), and the live studies come out of it in id order (the screening queue).
CREATE INDEX studies_deleted ON studies(deleted);

-- A condition's studies in id order (its screening queue), arrival time covered.
DROP INDEX study_conditions_condition;
CREATE INDEX study_conditions_condition ON study_conditions(condition_id, study_id, added_at);
-- ... and by arrival: what came since a condition was last looked at.
CREATE INDEX study_conditions_arrival ON study_conditions(condition_id, added_at);

-- A reviewer's events newest first (undo and redo read only the top of their stacks).
CREATE INDEX events_reviewer ON events(reviewer_id, id);

-- Each reviewer's current screening decision per study, maintained from the append-only
-- events as each screening event is appended (the latest event wins; an event without
-- `after`, an undo back to nothing, removes the decision). Queue, counts and "unscreened"
-- read this instead of ranking every screening event on every decision.
CREATE TABLE screening_current (
    reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
    study_id    INTEGER NOT NULL REFERENCES studies(id),
    decision    TEXT NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES events(id),
    PRIMARY KEY (reviewer_id, study_id)
) WITHOUT ROWID;
CREATE INDEX screening_current_study ON screening_current(study_id);

INSERT INTO screening_current(reviewer_id, study_id, decision, event_id)
SELECT reviewer_id, study_id, coalesce(json_extract(after, '$.decision'), ''), id FROM (
    SELECT e.id, e.reviewer_id, e.study_id, e.after, ROW_NUMBER() OVER (
        PARTITION BY e.reviewer_id, e.study_id ORDER BY e.id DESC) AS rn
    FROM events e
    WHERE e.kind = 'screening' AND e.claim_id IS NULL AND e.study_id IS NOT NULL
      AND e.reviewer_id IS NOT NULL
) WHERE rn = 1 AND after IS NOT NULL;

CREATE TRIGGER events_screening_current AFTER INSERT ON events
WHEN NEW.kind = 'screening' AND NEW.claim_id IS NULL AND NEW.study_id IS NOT NULL
     AND NEW.reviewer_id IS NOT NULL
BEGIN
    DELETE FROM screening_current
     WHERE reviewer_id = NEW.reviewer_id AND study_id = NEW.study_id;
    INSERT INTO screening_current(reviewer_id, study_id, decision, event_id)
    SELECT NEW.reviewer_id, NEW.study_id, coalesce(json_extract(NEW.after, '$.decision'), ''),
           NEW.id
     WHERE NEW.after IS NOT NULL;
END;

-- Full-text search keeps only its index: the text it shows (highlight, snippet) is read
-- back through the view studies_fts_source: title, abstract and journal from the studies
-- row, and the text made from the authors, MeSH headings and keywords (store/study_columns.py
-- FTS_COLUMNS), stored once here. It was the index's own copy of all of it.
CREATE TABLE study_fts_text (
    study_id INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    authors  TEXT NOT NULL DEFAULT '',
    mesh     TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT ''
);
INSERT INTO study_fts_text(study_id, authors, mesh, keywords)
SELECT rowid, authors, mesh, keywords FROM studies_fts;

CREATE VIEW studies_fts_source AS
SELECT s.id AS id, s.title AS title, s.abstract AS abstract, x.authors AS authors,
       s.journal AS journal, x.mesh AS mesh, x.keywords AS keywords
FROM studies s JOIN study_fts_text x ON x.study_id = s.id;

DROP TABLE studies_fts;
CREATE VIRTUAL TABLE studies_fts USING fts5(
    title, abstract, authors, journal, mesh, keywords,
    content = 'studies_fts_source', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO studies_fts(studies_fts) VALUES ('rebuild');

-- How many live studies each condition holds and when the newest of them arrived,
-- maintained as studies join conditions and are deleted (or come back), so that a
-- claim's evidence state (store/study_facts.py condition_study_stats), read for every
-- claim in the claims list, costs a row per condition instead of a count of its studies.
CREATE TABLE condition_stats (
    condition_id INTEGER PRIMARY KEY REFERENCES conditions(id) ON DELETE CASCADE,
    live         INTEGER NOT NULL DEFAULT 0,
    last_added   TEXT NOT NULL DEFAULT ''
);
INSERT INTO condition_stats(condition_id, live, last_added)
SELECT sc.condition_id, count(*), max(sc.added_at) FROM study_conditions sc
 WHERE sc.study_id NOT IN (SELECT id FROM studies WHERE deleted = 1)
 GROUP BY sc.condition_id;

CREATE TRIGGER study_conditions_stats_insert AFTER INSERT ON study_conditions
WHEN (SELECT deleted FROM studies WHERE id = NEW.study_id) = 0
BEGIN
    INSERT INTO condition_stats(condition_id, live, last_added)
    VALUES (NEW.condition_id, 1, NEW.added_at)
    ON CONFLICT(condition_id) DO UPDATE SET live = live + 1,
        last_added = max(last_added, excluded.last_added);
END;

-- The newest arrival is looked for again only when the one leaving was it.
CREATE TRIGGER study_conditions_stats_delete AFTER DELETE ON study_conditions
WHEN (SELECT deleted FROM studies WHERE id = OLD.study_id) = 0
BEGIN
    UPDATE condition_stats SET live = live - 1,
        last_added = CASE WHEN last_added > OLD.added_at THEN last_added
            ELSE coalesce((SELECT max(sc.added_at) FROM study_conditions sc
                            WHERE sc.condition_id = OLD.condition_id
                              AND sc.study_id NOT IN (SELECT id FROM studies
                                                       WHERE deleted = 1)), '') END
     WHERE condition_id = OLD.condition_id;
END;

CREATE TRIGGER studies_stats_deleted AFTER UPDATE OF deleted ON studies
WHEN OLD.deleted <> NEW.deleted
BEGIN
    INSERT INTO condition_stats(condition_id, live, last_added)
    SELECT sc.condition_id, 0, '' FROM study_conditions sc WHERE sc.study_id = NEW.id
    ON CONFLICT(condition_id) DO NOTHING;
    UPDATE condition_stats SET
        live = live + iif(NEW.deleted = 1, -1, 1),
        last_added = CASE
            WHEN NEW.deleted = 0 THEN max(last_added, (
                SELECT added_at FROM study_conditions
                 WHERE study_id = NEW.id AND condition_id = condition_stats.condition_id))
            WHEN last_added > (
                SELECT added_at FROM study_conditions
                 WHERE study_id = NEW.id AND condition_id = condition_stats.condition_id)
                THEN last_added
            ELSE coalesce((SELECT max(sc.added_at) FROM study_conditions sc
                            WHERE sc.condition_id = condition_stats.condition_id
                              AND sc.study_id NOT IN (SELECT id FROM studies
                                                       WHERE deleted = 1)), '') END
     WHERE condition_id IN (SELECT condition_id FROM study_conditions WHERE study_id = NEW.id);
END;
