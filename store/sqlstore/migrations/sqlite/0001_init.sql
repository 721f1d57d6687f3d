-- Initial schema. Times are Unix microseconds in UTC and NULL for the zero
-- time. Ids sort bytewise, which orders them by creation.

CREATE TABLE users (
    id                  TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL,
    plan                TEXT    NOT NULL,
    created_at          INTEGER,
    signing_secret      TEXT    NOT NULL,
    previous_secret     TEXT    NOT NULL,
    previous_expires_at INTEGER
) STRICT;

CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    scopes       TEXT,   -- JSON array, NULL for a nil slice
    prefix       TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER,
    last_used_at INTEGER,
    expires_at   INTEGER
) STRICT;

CREATE INDEX api_keys_user_id ON api_keys (user_id, id);

CREATE TABLE jobs (
    id                        TEXT    NOT NULL PRIMARY KEY,
    user_id                   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                      TEXT    NOT NULL,
    url                       TEXT    NOT NULL,
    method                    TEXT    NOT NULL,
    schedule                  TEXT    NOT NULL,
    timezone                  TEXT    NOT NULL,
    enabled                   INTEGER NOT NULL,
    headers                   TEXT,   -- JSON object, NULL for a nil map
    body                      TEXT    NOT NULL,
    timeout_seconds           INTEGER NOT NULL,
    retry_max_attempts        INTEGER NOT NULL,
    retry_initial_interval_ms INTEGER NOT NULL,
    retry_max_interval_ms     INTEGER NOT NULL,
    overlap                   TEXT    NOT NULL,
    misfire                   TEXT    NOT NULL,
    catch_up_seconds          INTEGER NOT NULL,
    jitter_seconds            INTEGER NOT NULL,
    next_run_at               INTEGER,
    last_run_at               INTEGER,
    created_at                INTEGER,
    updated_at                INTEGER
) STRICT;

CREATE INDEX jobs_user_id ON jobs (user_id, id);
CREATE INDEX jobs_enabled ON jobs (id) WHERE enabled;

-- Change log of job definitions, which WatchJobs polls to learn about
-- changes made by other processes. AUTOINCREMENT keeps sequence numbers
-- growing after old rows are pruned.
CREATE TABLE job_changes (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    job_id     TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
) STRICT;

CREATE INDEX job_changes_changed_at ON job_changes (changed_at);

CREATE TABLE executions (
    id               TEXT    NOT NULL PRIMARY KEY,
    job_id           TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    user_id          TEXT    NOT NULL,
    triggered_by     TEXT    NOT NULL,
    scheduled_at     INTEGER,
    started_at       INTEGER,
    finished_at      INTEGER,
    status           TEXT    NOT NULL,
    status_code      INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    error            TEXT    NOT NULL,
    response_excerpt TEXT    NOT NULL,
    attempts         TEXT    -- JSON array, NULL for a nil slice
) STRICT;

CREATE INDEX executions_job_id ON executions (job_id, id);

-- Counters of one user for one UTC day. They have no foreign key, so API
-- calls can be counted without a lookup of the user.
CREATE TABLE usage_days (
    user_id          TEXT    NOT NULL,
    day              TEXT    NOT NULL, -- YYYY-MM-DD in UTC
    executions       INTEGER NOT NULL DEFAULT 0,
    api_calls        INTEGER NOT NULL DEFAULT 0,
    peak_jobs        INTEGER NOT NULL DEFAULT 0,
    peak_api_keys    INTEGER NOT NULL DEFAULT 0,
    jobs_created     INTEGER NOT NULL DEFAULT 0,
    jobs_deleted     INTEGER NOT NULL DEFAULT 0,
    api_keys_created INTEGER NOT NULL DEFAULT 0,
    api_keys_deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
) STRICT;

CREATE TABLE paid_months (
    user_id TEXT    NOT NULL,
    month   TEXT    NOT NULL, -- YYYY-MM in UTC
    paid    INTEGER NOT NULL,
    PRIMARY KEY (user_id, month)
) STRICT;
