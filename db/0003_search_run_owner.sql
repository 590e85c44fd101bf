-- The process running a search run or import, while it runs: "host/pid/start", the start
-- being what tells this process from a later one given the same pid (on Linux the boot id
-- and the process's start time; empty elsewhere). A run left 'running' by a process that
-- no longer exists is closed as 'interrupted' when the project is next opened.
ALTER TABLE search_runs ADD COLUMN owner TEXT;
