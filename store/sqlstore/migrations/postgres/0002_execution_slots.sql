-- One scheduled execution per job and nominal fire time: processes that
-- share the database all fire every slot, and this index admits one.
CREATE UNIQUE INDEX executions_slot ON executions (job_id, scheduled_at)
    WHERE triggered_by = 'schedule';

-- Finds executions left running by a process that stopped.
CREATE INDEX executions_running ON executions (started_at) WHERE status = 'running';
