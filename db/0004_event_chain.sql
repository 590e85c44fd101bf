-- Tamper-evident audit trail: every event stores the hash of the event before it and a hash
-- over its own content and that previous hash (store/event_chain.py defines the hash; the
-- connection provides it to SQL as evidence_event_hash). Events already recorded are chained
-- here, oldest first; from now on store/events.py chains each new event in the step that
-- appends it, and an event without a hash is refused.
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;

CREATE TEMP TABLE event_chain_fill(id INTEGER PRIMARY KEY, prev_hash TEXT, hash TEXT);

INSERT INTO event_chain_fill(id, prev_hash, hash)
WITH RECURSIVE chain(id, prev_hash, hash) AS (
    SELECT e.id, '', evidence_event_hash('', e.id, e.occurred_at,
           (SELECT name FROM reviewers WHERE id = e.reviewer_id), e.kind, e.study_id,
           e.claim_id, e.before, e.after, e.note, e.reverts)
    FROM events e WHERE e.id = (SELECT min(id) FROM events)
    UNION ALL
    SELECT e.id, c.hash, evidence_event_hash(c.hash, e.id, e.occurred_at,
           (SELECT name FROM reviewers WHERE id = e.reviewer_id), e.kind, e.study_id,
           e.claim_id, e.before, e.after, e.note, e.reverts)
    FROM chain c JOIN events e ON e.id = (SELECT min(id) FROM events WHERE id > c.id)
)
SELECT id, prev_hash, hash FROM chain;

-- The append-only guard steps aside for the back-fill only, in this same transaction.
DROP TRIGGER events_append_only_update;
UPDATE events SET
    prev_hash = (SELECT f.prev_hash FROM event_chain_fill f WHERE f.id = events.id),
    hash = (SELECT f.hash FROM event_chain_fill f WHERE f.id = events.id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
DROP TABLE event_chain_fill;

CREATE TRIGGER events_chained BEFORE INSERT ON events
WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
BEGIN
    SELECT RAISE(ABORT, 'events are appended with their hash (store/events.py)');
END;
