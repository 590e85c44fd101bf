-- Screening mode opens without counting (issue 14), and one shape for "a reviewer's current
-- screening decision": the maintained screening_current (db/0005), which every reader of
-- current screening decisions now uses (store/judgements.py).

-- 1. A reviewer's current screening decision about a study is their latest screening event
-- about it, unless that event withdraws the decision (`after` NULL) or is an arbiter's
-- copy of a resolution (`after` has "arbitrated": domain/review.is_arbitration; such a copy
-- is never a reviewer's judgement, domain/blinding.py). db/0005 kept arbiters' copies.
-- Each screening event recomputes the row of its (reviewer, study) pair from that pair's
-- events (an index range of a few rows), so what "latest" means is written once: the
-- ORDER BY below (and the same ORDER BY in the rebuild after it).
DROP TRIGGER events_screening_current;
CREATE TRIGGER events_screening_current AFTER INSERT ON events
WHEN NEW.kind = 'screening' AND NEW.claim_id IS NULL AND NEW.study_id IS NOT NULL
     AND NEW.reviewer_id IS NOT NULL
BEGIN
    DELETE FROM screening_current
     WHERE reviewer_id = NEW.reviewer_id AND study_id = NEW.study_id;
    INSERT INTO screening_current(reviewer_id, study_id, decision, event_id)
    SELECT latest.reviewer_id, latest.study_id,
           coalesce(json_extract(latest.after, '$.decision'), ''), latest.id
      FROM (SELECT e.id, e.reviewer_id, e.study_id, e.after FROM events e
             WHERE e.kind = 'screening' AND e.study_id = NEW.study_id
               AND e.claim_id IS NULL AND e.reviewer_id = NEW.reviewer_id
             ORDER BY e.id DESC LIMIT 1) latest
     WHERE latest.after IS NOT NULL AND json_type(latest.after, '$.arbitrated') IS NULL;
END;

DELETE FROM screening_current;
INSERT INTO screening_current(reviewer_id, study_id, decision, event_id)
SELECT reviewer_id, study_id, coalesce(json_extract(after, '$.decision'), ''), id FROM (
    SELECT e.id, e.reviewer_id, e.study_id, e.after, ROW_NUMBER() OVER (
        PARTITION BY e.reviewer_id, e.study_id ORDER BY e.id DESC) AS rn
    FROM events e
    WHERE e.kind = 'screening' AND e.claim_id IS NULL AND e.study_id IS NOT NULL
      AND e.reviewer_id IS NOT NULL
) WHERE rn = 1 AND after IS NOT NULL AND json_type(after, '$.arbitrated') IS NULL;

-- 2. How many live (not deleted) studies the project holds: the screening queue of all
-- studies and the studies table read it instead of counting the deleted-flag index. New
-- studies are counted by the one place that inserts them (store/studies.py _upsert_batch),
-- once per batch: an AFTER INSERT trigger on studies, even an empty one, made every insert
-- copy the wide new row (~50 us a study, +40% of the store's share of an import).
-- Deletions and returns are counted by studies_tally_deleted below.
CREATE TABLE study_stats (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    live INTEGER NOT NULL
);
INSERT INTO study_stats(id, live)
SELECT 1, count(*) FROM studies INDEXED BY studies_deleted WHERE deleted = 0;

CREATE TRIGGER studies_live_delete AFTER DELETE ON studies WHEN OLD.deleted = 0
BEGIN
    UPDATE study_stats SET live = live - 1;
END;

-- 3. Each reviewer's screening progress: how many live studies they have a current decision
-- about, per decision, in each condition and (condition_id 0) among all studies. Kept as
-- screening_current changes, studies join or leave a condition, and studies are deleted or
-- come back, so a count costs a few rows whatever the size of the project (it was a join
-- of the reviewer's decisions with their studies' conditions on every screening open).
CREATE TABLE screening_tally (
    reviewer_id  INTEGER NOT NULL,
    condition_id INTEGER NOT NULL,      -- 0: every study of the project
    decision     TEXT NOT NULL,
    studies      INTEGER NOT NULL,
    PRIMARY KEY (reviewer_id, condition_id, decision)
) WITHOUT ROWID;

INSERT INTO screening_tally(reviewer_id, condition_id, decision, studies)
SELECT j.reviewer_id, 0, j.decision, count(*) FROM screening_current j
 WHERE j.study_id NOT IN (SELECT id FROM studies INDEXED BY studies_deleted WHERE deleted = 1)
 GROUP BY j.reviewer_id, j.decision
UNION ALL
SELECT j.reviewer_id, sc.condition_id, j.decision, count(*) FROM screening_current j
  JOIN study_conditions sc ON sc.study_id = j.study_id
 WHERE j.study_id NOT IN (SELECT id FROM studies INDEXED BY studies_deleted WHERE deleted = 1)
 GROUP BY j.reviewer_id, sc.condition_id, j.decision;

-- The scope of a live study's decision: "all studies" (0) and each of its conditions.
CREATE TRIGGER screening_current_tally_insert AFTER INSERT ON screening_current
WHEN NOT EXISTS (SELECT 1 FROM studies INDEXED BY studies_deleted
                  WHERE deleted = 1 AND id = NEW.study_id)
BEGIN
    INSERT INTO screening_tally(reviewer_id, condition_id, decision, studies)
    SELECT NEW.reviewer_id, scope.condition_id, NEW.decision, 1
      FROM (SELECT 0 AS condition_id UNION ALL
            SELECT condition_id FROM study_conditions WHERE study_id = NEW.study_id) scope
     WHERE true
    ON CONFLICT DO UPDATE SET studies = studies + excluded.studies;
END;

CREATE TRIGGER screening_current_tally_delete AFTER DELETE ON screening_current
WHEN NOT EXISTS (SELECT 1 FROM studies INDEXED BY studies_deleted
                  WHERE deleted = 1 AND id = OLD.study_id)
BEGIN
    UPDATE screening_tally SET studies = studies - 1
     WHERE reviewer_id = OLD.reviewer_id AND decision = OLD.decision
       AND (condition_id = 0 OR condition_id IN (
            SELECT condition_id FROM study_conditions WHERE study_id = OLD.study_id));
END;

CREATE TRIGGER study_conditions_tally_insert AFTER INSERT ON study_conditions
WHEN NOT EXISTS (SELECT 1 FROM studies INDEXED BY studies_deleted
                  WHERE deleted = 1 AND id = NEW.study_id)
BEGIN
    INSERT INTO screening_tally(reviewer_id, condition_id, decision, studies)
    SELECT j.reviewer_id, NEW.condition_id, j.decision, 1 FROM screening_current j
     WHERE j.study_id = NEW.study_id
    ON CONFLICT DO UPDATE SET studies = studies + excluded.studies;
END;

CREATE TRIGGER study_conditions_tally_delete AFTER DELETE ON study_conditions
WHEN NOT EXISTS (SELECT 1 FROM studies INDEXED BY studies_deleted
                  WHERE deleted = 1 AND id = OLD.study_id)
BEGIN
    -- One row per reviewer in screening_current: each (reviewer, decision) pair once.
    UPDATE screening_tally SET studies = studies - 1
     WHERE condition_id = OLD.condition_id AND (reviewer_id, decision) IN (
        SELECT j.reviewer_id, j.decision FROM screening_current j
         WHERE j.study_id = OLD.study_id);
END;

CREATE TRIGGER studies_tally_deleted AFTER UPDATE OF deleted ON studies
WHEN OLD.deleted <> NEW.deleted
BEGIN
    UPDATE study_stats SET live = live + iif(NEW.deleted = 1, -1, 1);
    INSERT INTO screening_tally(reviewer_id, condition_id, decision, studies)
    SELECT j.reviewer_id, scope.condition_id, j.decision, iif(NEW.deleted = 1, -1, 1)
      FROM screening_current j
      CROSS JOIN (SELECT 0 AS condition_id UNION ALL
                  SELECT condition_id FROM study_conditions WHERE study_id = NEW.id) scope
     WHERE j.study_id = NEW.id
    ON CONFLICT DO UPDATE SET studies = studies + excluded.studies;
END;

-- 4. Every event of a kind in order (resolutions, read for the studies table's screening
-- column on every page it draws): a range of this index instead of a scan of all events.
CREATE INDEX events_kind ON events(kind, id);
