-- Processes sharing the database renew a lease here. The executions that
-- a process left running after its lease lapsed are marked interrupted by
-- the others.
CREATE TABLE instances (
    id           TEXT    NOT NULL PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
) STRICT;

-- The process that ran an execution; empty for executions written before
-- this column existed and by tools that run nothing.
ALTER TABLE executions ADD COLUMN instance_id TEXT NOT NULL DEFAULT '';
