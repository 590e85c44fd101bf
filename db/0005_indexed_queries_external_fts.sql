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
