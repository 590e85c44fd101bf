-- Placeholder on branch syncorder only, so that 0009 applies (migrations are numbered
-- 1..N). The lead drops this file at merge: the real 0008 comes from another branch.
SELECT 1;
