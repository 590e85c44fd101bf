-- Team sync that means the same on every machine (store/team_local.py, store/events.py).
--
-- 1. The shared order of events. A pulled event gets a new local id, so local id order is
--    arrival order, which differs between machines. Every event that has travelled keeps
--    the team server's sequence number here (`seq`: drawn in commit order when it was
--    pushed, read when it was pulled). THE order of events, wherever "latest" or "current"
--    is computed, is store/events.py ORDINAL: the seq once known; events that have not
--    travelled come after all of those, in local order (4611686018427387904 = 2^62, + id).
ALTER TABLE team_event_ids ADD COLUMN seq INTEGER;
-- The sequenced events newest first (undo reads the top of a reviewer's stack through it).
CREATE INDEX team_event_ids_seq ON team_event_ids(seq) WHERE seq IS NOT NULL;

-- The current judgements view follows the shared order.
DROP VIEW current_judgements;
CREATE VIEW current_judgements AS
SELECT id, occurred_at, reviewer_id, kind, study_id, claim_id, before, after, note
FROM (
    SELECT e.*, ROW_NUMBER() OVER (
        PARTITION BY e.kind, e.study_id, e.claim_id, e.reviewer_id
        ORDER BY coalesce((SELECT t.seq FROM team_event_ids t WHERE t.event_id = e.id),
                          4611686018427387904 + e.id) DESC
    ) AS rn
    FROM events e
) ranked
WHERE rn = 1 AND after IS NOT NULL;

-- screening_current (db/0005, db/0008) holds each reviewer's current screening decision
-- per study: their latest screening event about it in the shared order, unless it withdraws
-- the decision or is an arbiter's copy of a resolution (domain/review.is_arbitration). A
-- (reviewer, study) pair is worked out again from its few events whenever one of them is
-- appended, and whenever an event's place in the shared order becomes known or changes
-- (pushed, pulled, re-pulled after a server restore). SQLite has no procedures: the one body
-- that does it is the INSTEAD OF trigger of the view screening_recompute, and each of those
-- moments inserts the pair into that view.
CREATE VIEW screening_recompute(reviewer_id, study_id) AS SELECT NULL, NULL WHERE 0;
CREATE TRIGGER screening_recompute_pair INSTEAD OF INSERT ON screening_recompute
BEGIN
    DELETE FROM screening_current
     WHERE reviewer_id = NEW.reviewer_id AND study_id = NEW.study_id;
    INSERT INTO screening_current(reviewer_id, study_id, decision, event_id)
    SELECT latest.reviewer_id, latest.study_id,
           coalesce(json_extract(latest.after, '$.decision'), ''), latest.id
      FROM (SELECT x.id, x.reviewer_id, x.study_id, x.after FROM events x
             WHERE x.kind = 'screening' AND x.study_id = NEW.study_id
               AND x.claim_id IS NULL AND x.reviewer_id = NEW.reviewer_id
             ORDER BY coalesce((SELECT t.seq FROM team_event_ids t WHERE t.event_id = x.id),
                               4611686018427387904 + x.id) DESC LIMIT 1) latest
     WHERE latest.after IS NOT NULL AND json_type(latest.after, '$.arbitrated') IS NULL;
END;

DROP TRIGGER events_screening_current;
CREATE TRIGGER events_screening_current AFTER INSERT ON events
WHEN NEW.kind = 'screening' AND NEW.claim_id IS NULL AND NEW.study_id IS NOT NULL
     AND NEW.reviewer_id IS NOT NULL
BEGIN
    INSERT INTO screening_recompute VALUES (NEW.reviewer_id, NEW.study_id);
END;

CREATE TRIGGER team_event_seq_screening_insert AFTER INSERT ON team_event_ids
WHEN NEW.seq IS NOT NULL
BEGIN
    INSERT INTO screening_recompute
    SELECT reviewer_id, study_id FROM events
     WHERE id = NEW.event_id AND kind = 'screening' AND claim_id IS NULL
       AND study_id IS NOT NULL AND reviewer_id IS NOT NULL;
END;

CREATE TRIGGER team_event_seq_screening_update AFTER UPDATE OF seq ON team_event_ids
WHEN NEW.seq IS NOT OLD.seq
BEGIN
    INSERT INTO screening_recompute
    SELECT reviewer_id, study_id FROM events
     WHERE id = NEW.event_id AND kind = 'screening' AND claim_id IS NULL
       AND study_id IS NOT NULL AND reviewer_id IS NOT NULL;
END;

-- Every pair worked out again by the same body (no seq is known yet: local order).
INSERT INTO screening_recompute
SELECT DISTINCT reviewer_id, study_id FROM events
 WHERE kind = 'screening' AND claim_id IS NULL AND study_id IS NOT NULL
   AND reviewer_id IS NOT NULL;

-- A project that synced before this version has not kept any seq: the next sync pulls
-- everything once more, and the events already here learn their place in the server's
-- order (nothing is applied twice; memberships, below, arrive with it).
UPDATE team_link SET pull_cursor = 0;

-- 3. Which studies belong to which condition travels too (team.study_conditions on the
--    server, db/team/0002): the memberships already on the server or pulled from it.
CREATE TABLE team_membership_sync (
    study_id     INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    condition_id INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,
    PRIMARY KEY (study_id, condition_id)
) WITHOUT ROWID;
