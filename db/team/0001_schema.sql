-- Evidence Tracker team server, schema version 1 (store/team_schema.py applies it as an
-- admin, in one transaction; files here are append-only like the SQLite migrations).
--
-- Roles (cluster-wide, created when missing):
--   evidence_owner     NOLOGIN: owns the schema, tables and sequence; nobody logs in as it.
--   evidence_definer   NOLOGIN BYPASSRLS: owns the SECURITY DEFINER functions (the blind
--                      rule reads the events table it guards without recursing into RLS).
--   evidence_reviewer, evidence_arbiter, evidence_director: group roles; each person is a
--                      LOGIN role, member of one of them (services/team.py add_reviewer).
-- The app never connects as owner, superuser or BYPASSRLS.
--
-- Order equals commit order: every shared row gets its `seq` in a BEFORE INSERT row
-- trigger that first takes the project's transaction advisory lock, so two transactions
-- adding to one project draw their numbers one after the other, and the second cannot
-- commit before the first (a reader's `seq > cursor` never skips a late commit).
-- (A statement trigger cannot see which project the rows belong to, hence a row trigger
-- drawing from the sequence itself; the client cannot choose `seq`: the trigger overwrites it.)

DO $roles$
DECLARE
    r text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'evidence_owner') THEN
        CREATE ROLE evidence_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'evidence_definer') THEN
        CREATE ROLE evidence_definer NOLOGIN BYPASSRLS;
    END IF;
    FOREACH r IN ARRAY ARRAY['evidence_reviewer', 'evidence_arbiter', 'evidence_director'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;

CREATE SCHEMA team AUTHORIZATION evidence_owner;
REVOKE ALL ON SCHEMA team FROM PUBLIC;
GRANT USAGE ON SCHEMA team TO evidence_reviewer, evidence_arbiter, evidence_director,
    evidence_definer;

CREATE TABLE team.schema_version (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
-- One row; a new generation is drawn when the server is restored from a backup
-- (`evidence-tracker team restored`): clients then re-pull and re-push what it lost.
CREATE TABLE team.server_info (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE team.projects (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT current_user
);
-- Who is on the team: one row per login role. Deactivating keeps the person's rows.
CREATE TABLE team.members (
    role_name  name PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('reviewer', 'arbiter', 'director')),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The reviewers assigned to judge a stage (an event kind) of a project. A subject is
-- complete when every assigned reviewer judged it; with fewer than two assigned, when two
-- reviewers did (domain/review.complete).
CREATE TABLE team.assignments (
    project_id uuid NOT NULL REFERENCES team.projects(id),
    stage      text NOT NULL,
    role_name  name NOT NULL REFERENCES team.members(role_name),
    PRIMARY KEY (project_id, stage, role_name)
);

CREATE SEQUENCE team.change_seq AS bigint CACHE 1;

-- The shared rows. Every table carries project_id and the commit-ordered seq.
CREATE TABLE team.studies (
    project_id   uuid NOT NULL REFERENCES team.projects(id),
    study_key    text NOT NULL,            -- 'pmid:123' or 'doi:10.1/x'
    content_hash text NOT NULL,            -- a revision of the record: one row per revision
    record       jsonb NOT NULL,
    revised_date text NOT NULL DEFAULT '',
    added_by     name NOT NULL DEFAULT current_user,
    seq          bigint NOT NULL UNIQUE,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project_id, study_key, content_hash)
);
CREATE TABLE team.conditions (
    project_id   uuid NOT NULL REFERENCES team.projects(id),
    slug         text NOT NULL,
    content_hash text NOT NULL,
    record       jsonb NOT NULL,
    added_by     name NOT NULL DEFAULT current_user,
    seq          bigint NOT NULL UNIQUE,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project_id, slug, content_hash)
);
-- A claim edited is a new row with the same id (the latest seq is the claim's text now).
CREATE TABLE team.claims (
    id           uuid NOT NULL,
    project_id   uuid NOT NULL REFERENCES team.projects(id),
    code         text,                     -- not unique: two offline reviewers may both say C055
    content_hash text NOT NULL,
    record       jsonb NOT NULL,
    added_by     name NOT NULL DEFAULT current_user,
    seq          bigint NOT NULL UNIQUE,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (id, content_hash)
);
CREATE TABLE team.claim_sources (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES team.projects(id),
    claim_id     uuid NOT NULL,
    content_hash text NOT NULL,
    record       jsonb NOT NULL,
    added_by     name NOT NULL DEFAULT current_user,
    seq          bigint NOT NULL UNIQUE,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- Judgements: the events, as the reviewer's client minted them.
CREATE TABLE team.events (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES team.projects(id),
    reviewer     name NOT NULL DEFAULT current_user,
    kind         text NOT NULL,
    study_key    text,
    claim_id     uuid,
    before       text,
    after        text,
    note         text NOT NULL DEFAULT '',
    reverts      uuid,
    occurred_at  text NOT NULL,            -- the client's clock (ISO 8601): for display only
    content_hash text NOT NULL,
    seq          bigint NOT NULL UNIQUE,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- What the judgement is about, as one indexable key (kind|study|claim).
    subject      text GENERATED ALWAYS AS (kind || '|' || coalesce(study_key, '') || '|'
                                           || coalesce(claim_id::text, '')) STORED
);
CREATE INDEX events_subject ON team.events (project_id, subject, reviewer);
-- Stages the arbiter unblinded: everyone then sees every judgement of that stage.
CREATE TABLE team.unblinded (
    project_id  uuid NOT NULL REFERENCES team.projects(id),
    stage       text NOT NULL,
    by_role     name NOT NULL DEFAULT current_user,
    seq         bigint NOT NULL UNIQUE,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project_id, stage)
);
-- Visibility changes, logged with their own seq: a subject became complete. A client
-- that pulls one re-fetches the subject's rows, which lie below its cursor.
CREATE TABLE team.completions (
    project_id  uuid NOT NULL REFERENCES team.projects(id),
    kind        text NOT NULL,
    study_key   text NOT NULL DEFAULT '',
    claim_id    uuid,
    subject     text NOT NULL,             -- kind|study_key|claim_id, for the unique key
    seq         bigint NOT NULL UNIQUE,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project_id, subject)
);
CREATE INDEX studies_seq ON team.studies (project_id, seq);
CREATE INDEX conditions_seq ON team.conditions (project_id, seq);
CREATE INDEX claims_seq ON team.claims (project_id, seq);
CREATE INDEX claim_sources_seq ON team.claim_sources (project_id, seq);
CREATE INDEX events_seq ON team.events (project_id, seq);
CREATE INDEX unblinded_seq ON team.unblinded (project_id, seq);
CREATE INDEX completions_seq ON team.completions (project_id, seq);

ALTER TABLE team.schema_version OWNER TO evidence_owner;
ALTER TABLE team.server_info OWNER TO evidence_owner;
ALTER TABLE team.projects OWNER TO evidence_owner;
ALTER TABLE team.members OWNER TO evidence_owner;
ALTER TABLE team.assignments OWNER TO evidence_owner;
ALTER SEQUENCE team.change_seq OWNER TO evidence_owner;
ALTER TABLE team.studies OWNER TO evidence_owner;
ALTER TABLE team.conditions OWNER TO evidence_owner;
ALTER TABLE team.claims OWNER TO evidence_owner;
ALTER TABLE team.claim_sources OWNER TO evidence_owner;
ALTER TABLE team.events OWNER TO evidence_owner;
ALTER TABLE team.unblinded OWNER TO evidence_owner;
ALTER TABLE team.completions OWNER TO evidence_owner;

-- ---------------------------------------------------------------------------------------
-- The rules, as SECURITY DEFINER functions owned by evidence_definer (BYPASSRLS), with a
-- pinned search_path, EXECUTE revoked from PUBLIC.

-- Is `who` an active member?
CREATE FUNCTION team.is_active(who name) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT m.active FROM team.members m WHERE m.role_name = who), false)
$$;

-- The last number drawn (a count can leak, content cannot): a server whose number is
-- below a client's cursor was restored from an older backup.
CREATE FUNCTION team.last_seq() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END FROM team.change_seq s
$$;

CREATE FUNCTION team.member_role(who name) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT m.role FROM team.members m WHERE m.role_name = who
$$;

-- The blind rule, the same as domain.blinding.may_see (tests/team/test_blind_rule.py
-- checks that both agree case by case): a viewer sees their own judgements; everyone's
-- once the arbiter unblinded the stage, or once the subject is complete (every assigned
-- reviewer judged it; with fewer than two assigned, two reviewers did). The director reads
-- everything. Only judgement kinds are blind; other events are seen by all.
CREATE FUNCTION team.may_see(viewer name, author name, project uuid, kind text,
                             subject text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    judged name[];
    assigned name[];
BEGIN
    IF viewer = author OR kind NOT IN ('screening', 'appraisal', 'grade', 'link') THEN
        RETURN true;
    END IF;
    IF team.member_role(viewer) = 'director' THEN
        RETURN true;
    END IF;
    IF EXISTS (SELECT FROM team.unblinded u WHERE u.project_id = project AND u.stage = kind)
    THEN
        RETURN true;
    END IF;
    SELECT coalesce(array_agg(DISTINCT e.reviewer), '{}') INTO judged
    FROM team.events e WHERE e.project_id = project AND e.subject = may_see.subject;
    SELECT coalesce(array_agg(a.role_name), '{}') INTO assigned
    FROM team.assignments a WHERE a.project_id = project AND a.stage = may_see.kind;
    IF cardinality(assigned) >= 2 THEN
        RETURN assigned <@ judged;
    END IF;
    RETURN cardinality(judged) >= 2;
END
$$;

-- What a member may add: reviewers and arbiters judge; only the arbiter resolves; the
-- director records verdicts, never screening or other judgements; nobody while inactive.
CREATE FUNCTION team.may_add(kind text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text := team.member_role(session_user);
BEGIN
    IF r IS NULL OR NOT team.is_active(session_user) THEN
        RETURN false;
    END IF;
    IF kind = 'resolution' THEN
        RETURN r = 'arbiter';
    END IF;
    IF kind IN ('screening', 'appraisal', 'grade', 'link') THEN
        RETURN r IN ('reviewer', 'arbiter');
    END IF;
    RETURN true;
END
$$;

-- Stamp every shared row: the project's lock first, then the next number, then the time.
CREATE FUNCTION team.stamp_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('evidence-tracker:' || NEW.project_id::text, 0));
    NEW.seq := nextval('team.change_seq');
    NEW.received_at := clock_timestamp();
    RETURN NEW;
END
$$;

-- A clear refusal for a deactivated or unknown member (the policy alone would only say
-- "violates row-level security policy").
CREATE FUNCTION team.require_active() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT team.is_active(session_user) THEN
        RAISE EXCEPTION 'reviewer % is not an active member of this team server', session_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask the team administrator to reactivate the account.';
    END IF;
    RETURN NULL;
END
$$;

-- After a judgement: when its subject has just become complete, log the visibility change.
CREATE FUNCTION team.log_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    judged name[];
    assigned name[];
    done boolean;
BEGIN
    IF NEW.kind NOT IN ('screening', 'appraisal', 'grade', 'link') THEN
        RETURN NULL;
    END IF;
    -- A reviewer judging again changes nothing: only a new judge can complete a subject.
    IF EXISTS (SELECT FROM team.events e WHERE e.project_id = NEW.project_id
               AND e.subject = NEW.subject AND e.reviewer = NEW.reviewer AND e.id <> NEW.id)
    THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(DISTINCT e.reviewer), '{}') INTO judged
    FROM team.events e WHERE e.project_id = NEW.project_id AND e.subject = NEW.subject;
    SELECT coalesce(array_agg(a.role_name), '{}') INTO assigned
    FROM team.assignments a WHERE a.project_id = NEW.project_id AND a.stage = NEW.kind;
    done := CASE WHEN cardinality(assigned) >= 2 THEN assigned <@ judged
                 ELSE cardinality(judged) >= 2 END;
    IF done THEN
        INSERT INTO team.completions(project_id, kind, study_key, claim_id, subject, seq)
        VALUES (NEW.project_id, NEW.kind, coalesce(NEW.study_key, ''), NEW.claim_id,
                NEW.subject, 0)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

-- LISTEN/NOTIFY only hints "project P has rows up to N": notifications bypass row
-- security, so they carry no content. Clients poll as well, and sync after a reconnect.
CREATE FUNCTION team.notify_new_rows() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.project_id, max(n.seq) AS last FROM new_rows n GROUP BY n.project_id LOOP
        PERFORM pg_notify('evidence_tracker', r.project_id::text || ':' || r.last::text);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE FUNCTION team.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'team.% is append-only: record a correction as a new row', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

ALTER FUNCTION team.is_active(name) OWNER TO evidence_definer;
ALTER FUNCTION team.member_role(name) OWNER TO evidence_definer;
ALTER FUNCTION team.last_seq() OWNER TO evidence_definer;
ALTER FUNCTION team.may_see(name, name, uuid, text, text) OWNER TO evidence_definer;
ALTER FUNCTION team.may_add(text) OWNER TO evidence_definer;
ALTER FUNCTION team.stamp_row() OWNER TO evidence_definer;
ALTER FUNCTION team.require_active() OWNER TO evidence_definer;
ALTER FUNCTION team.log_completion() OWNER TO evidence_definer;
ALTER FUNCTION team.refuse_change() OWNER TO evidence_owner;
ALTER FUNCTION team.notify_new_rows() OWNER TO evidence_owner;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA team FROM PUBLIC;
GRANT EXECUTE ON FUNCTION team.may_see(name, name, uuid, text, text), team.may_add(text),
    team.is_active(name), team.member_role(name), team.last_seq()
    TO evidence_reviewer, evidence_arbiter, evidence_director;
GRANT SELECT ON ALL TABLES IN SCHEMA team TO evidence_definer;
GRANT INSERT ON team.completions TO evidence_definer;
GRANT USAGE, SELECT ON SEQUENCE team.change_seq TO evidence_definer;

DO $triggers$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['studies', 'conditions', 'claims', 'claim_sources', 'events',
                             'unblinded', 'completions'] LOOP
        EXECUTE format('CREATE TRIGGER stamp BEFORE INSERT ON team.%I FOR EACH ROW '
                       'EXECUTE FUNCTION team.stamp_row()', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['studies', 'conditions', 'claims', 'claim_sources', 'events',
                             'unblinded'] LOOP
        -- Once per statement: whether the person is active does not depend on the row.
        EXECUTE format('CREATE TRIGGER active BEFORE INSERT ON team.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION team.require_active()', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['schema_version', 'server_info', 'projects', 'members',
                             'assignments', 'studies', 'conditions', 'claims',
                             'claim_sources', 'events', 'unblinded', 'completions'] LOOP
        EXECUTE format('ALTER TABLE team.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE team.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON team.%I FROM PUBLIC', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['studies', 'conditions', 'claims', 'claim_sources', 'events',
                             'unblinded', 'completions'] LOOP
        EXECUTE format('CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON team.%I '
                       'FOR EACH ROW EXECUTE FUNCTION team.refuse_change()', t);
        EXECUTE format('CREATE TRIGGER no_truncate BEFORE TRUNCATE ON team.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION team.refuse_change()', t);
        EXECUTE format('CREATE TRIGGER hint AFTER INSERT ON team.%I REFERENCING NEW TABLE '
                       'AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION team.notify_new_rows()',
                       t);
    END LOOP;
END
$triggers$;
CREATE TRIGGER judged AFTER INSERT ON team.events FOR EACH ROW
    EXECUTE FUNCTION team.log_completion();

-- Privileges: read and append, never UPDATE, DELETE or TRUNCATE.
GRANT SELECT ON team.schema_version, team.server_info, team.projects, team.members,
    team.assignments, team.studies, team.conditions, team.claims, team.claim_sources,
    team.events, team.unblinded, team.completions
    TO evidence_reviewer, evidence_arbiter, evidence_director;
GRANT INSERT ON team.studies, team.conditions, team.claims, team.claim_sources, team.events
    TO evidence_reviewer, evidence_arbiter, evidence_director;
GRANT INSERT ON team.unblinded TO evidence_arbiter;
REVOKE UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA team
    FROM evidence_reviewer, evidence_arbiter, evidence_director;

-- Policies. Shared reference rows (studies, conditions, claims, sources) are readable by
-- every member; each is added only as oneself, while active.
DO $policies$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['schema_version', 'server_info', 'projects', 'members',
                             'assignments', 'unblinded', 'completions'] LOOP
        EXECUTE format('CREATE POLICY read_all ON team.%I FOR SELECT USING (true)', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['studies', 'conditions', 'claims', 'claim_sources'] LOOP
        EXECUTE format('CREATE POLICY read_all ON team.%I FOR SELECT USING (true)', t);
        EXECUTE format('CREATE POLICY add_own ON team.%I FOR INSERT WITH CHECK '
                       '(added_by = current_user AND team.is_active(current_user))', t);
    END LOOP;
END
$policies$;
CREATE POLICY read_visible ON team.events FOR SELECT
    USING (team.may_see(current_user, reviewer, project_id, kind, subject));
CREATE POLICY add_own ON team.events FOR INSERT
    WITH CHECK (reviewer = current_user AND team.may_add(kind));
CREATE POLICY arbiter_unblinds ON team.unblinded FOR INSERT
    WITH CHECK (by_role = current_user AND team.member_role(current_user) = 'arbiter'
                AND team.is_active(current_user));
-- The definer logs completions (its function runs as evidence_definer, BYPASSRLS).

INSERT INTO team.schema_version(version) VALUES (1);
INSERT INTO team.server_info(generation) VALUES (gen_random_uuid());
