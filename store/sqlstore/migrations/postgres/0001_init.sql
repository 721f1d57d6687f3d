-- Initial schema. Times are Unix microseconds in UTC and NULL for the zero
-- time. Ids and date keys use the "C" collation so they sort bytewise,
-- which orders ids by creation whatever the database locale is.

CREATE TABLE users (
    id                  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name                TEXT   NOT NULL,
    plan                TEXT   NOT NULL,
    created_at          BIGINT,
    signing_secret      TEXT   NOT NULL,
    previous_secret     TEXT   NOT NULL,
    previous_expires_at BIGINT
);

CREATE TABLE api_keys (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    scopes       JSONB, -- NULL for a nil slice
    prefix       TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE,
    created_at   BIGINT,
    last_used_at BIGINT,
    expires_at   BIGINT
);

CREATE INDEX api_keys_user_id ON api_keys (user_id, id);

CREATE TABLE jobs (
    id                        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id                   TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                      TEXT    NOT NULL,
    url                       TEXT    NOT NULL,
    method                    TEXT    NOT NULL,
    schedule                  TEXT    NOT NULL,
    timezone                  TEXT    NOT NULL,
    enabled                   BOOLEAN NOT NULL,
    headers                   JSONB,  -- NULL for a nil map
    body                      TEXT    NOT NULL,
    timeout_seconds           INTEGER NOT NULL,
    retry_max_attempts        INTEGER NOT NULL,
    retry_initial_interval_ms INTEGER NOT NULL,
    retry_max_interval_ms     INTEGER NOT NULL,
    overlap                   TEXT    NOT NULL,
    misfire                   TEXT    NOT NULL,
    catch_up_seconds          INTEGER NOT NULL,
    jitter_seconds            INTEGER NOT NULL,
    next_run_at               BIGINT,
    last_run_at               BIGINT,
    created_at                BIGINT,
    updated_at                BIGINT
);

CREATE INDEX jobs_user_id ON jobs (user_id, id);
CREATE INDEX jobs_enabled ON jobs (id) WHERE enabled;

CREATE TABLE executions (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    job_id           TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    user_id          TEXT COLLATE "C" NOT NULL,
    triggered_by     TEXT    NOT NULL,
    scheduled_at     BIGINT,
    started_at       BIGINT,
    finished_at      BIGINT,
    status           TEXT    NOT NULL,
    status_code      INTEGER NOT NULL,
    duration_ms      BIGINT  NOT NULL,
    error            TEXT    NOT NULL,
    response_excerpt TEXT    NOT NULL,
    attempts         JSONB   -- NULL for a nil slice
);

CREATE INDEX executions_job_id ON executions (job_id, id);

-- Counters of one user for one UTC day. They have no foreign key, so API
-- calls can be counted without a lookup of the user, and counting takes no
-- lock on the user row that limit checks hold.
CREATE TABLE usage_days (
    user_id          TEXT COLLATE "C" NOT NULL,
    day              TEXT COLLATE "C" NOT NULL, -- YYYY-MM-DD in UTC
    executions       BIGINT NOT NULL DEFAULT 0,
    api_calls        BIGINT NOT NULL DEFAULT 0,
    peak_jobs        BIGINT NOT NULL DEFAULT 0,
    peak_api_keys    BIGINT NOT NULL DEFAULT 0,
    jobs_created     BIGINT NOT NULL DEFAULT 0,
    jobs_deleted     BIGINT NOT NULL DEFAULT 0,
    api_keys_created BIGINT NOT NULL DEFAULT 0,
    api_keys_deleted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);

CREATE TABLE paid_months (
    user_id TEXT COLLATE "C" NOT NULL,
    month   TEXT COLLATE "C" NOT NULL, -- YYYY-MM in UTC
    paid    BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, month)
);
