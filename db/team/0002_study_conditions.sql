-- Evidence Tracker team server, schema version 2: which studies belong to which condition
-- travels (a study fetched for CRPS on one machine is in CRPS on every machine).
--
-- A membership is a fact that only ever gets added (the app never takes a study out of a
-- condition), so it is one row per project, study and condition, whoever sent it first;
-- `added_at` is when it joined the condition (the first sender's clock), which is what
-- "new studies in the claim's conditions since the verdict" compares with, everywhere.

CREATE TABLE team.study_conditions (
    project_id  uuid NOT NULL REFERENCES team.projects(id),
    study_key   text NOT NULL,             -- 'pmid:123' or 'doi:10.1/x'
    slug        text NOT NULL,             -- the condition
    added_at    text NOT NULL,
    added_by    name NOT NULL DEFAULT current_user,
    seq         bigint NOT NULL UNIQUE,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project_id, study_key, slug)
);
CREATE INDEX study_conditions_seq ON team.study_conditions (project_id, seq);
ALTER TABLE team.study_conditions OWNER TO evidence_owner;

-- The same guards as every shared table (0001): commit-ordered seq, active members only,
-- append-only, a hint to listeners; row-level security forced.
CREATE TRIGGER stamp BEFORE INSERT ON team.study_conditions FOR EACH ROW
    EXECUTE FUNCTION team.stamp_row();
CREATE TRIGGER active BEFORE INSERT ON team.study_conditions FOR EACH STATEMENT
    EXECUTE FUNCTION team.require_active();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON team.study_conditions
    FOR EACH ROW EXECUTE FUNCTION team.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON team.study_conditions
    FOR EACH STATEMENT EXECUTE FUNCTION team.refuse_change();
CREATE TRIGGER hint AFTER INSERT ON team.study_conditions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION team.notify_new_rows();
ALTER TABLE team.study_conditions ENABLE ROW LEVEL SECURITY;
ALTER TABLE team.study_conditions FORCE ROW LEVEL SECURITY;
REVOKE ALL ON team.study_conditions FROM PUBLIC;
GRANT SELECT, INSERT ON team.study_conditions
    TO evidence_reviewer, evidence_arbiter, evidence_director;
GRANT SELECT ON team.study_conditions TO evidence_definer;
CREATE POLICY read_all ON team.study_conditions FOR SELECT USING (true);
CREATE POLICY add_own ON team.study_conditions FOR INSERT
    WITH CHECK (added_by = current_user AND team.is_active(current_user));

INSERT INTO team.schema_version(version) VALUES (2);
