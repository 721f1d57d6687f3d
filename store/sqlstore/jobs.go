package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/recoron/recoron/store"
)

// jobColumns lists the columns of jobs. The columns after user_id are
// the ones that UpdateJob replaces.
var jobColumns = []string{"id", "user_id", "name", "url", "method", "schedule", "timezone", "enabled", "headers", "body",
	"timeout_seconds", "retry_max_attempts", "retry_initial_interval_ms", "retry_max_interval_ms",
	"overlap", "misfire", "catch_up_seconds", "jitter_seconds",
	"next_run_at", "last_run_at", "created_at", "updated_at"}

// Statements built from jobColumns.
var (
	selectJob = "SELECT " + strings.Join(jobColumns, ", ") + " FROM jobs"
	insertJob = "INSERT INTO jobs (" + strings.Join(jobColumns, ", ") + ") VALUES "
	jobRow    = "(" + placeholders(len(jobColumns)) + ")"
	updateJob = "UPDATE jobs SET " + strings.Join(jobColumns[2:], " = ?, ") + " = ? WHERE id = ? AND user_id = ?"
)

// jobsPerInsert is the maximum number of rows that one INSERT carries. It
// keeps the bound parameters, one per column and row, far below the limits
// of SQLite (32766 since version 3.32) and PostgreSQL (65535).
const jobsPerInsert = 100

func scanJob(row rowScanner) (*store.Job, error) {
	j := &store.Job{}
	err := row.Scan(&j.ID, &j.UserID, &j.Name, &j.URL, &j.Method, &j.Schedule, &j.Timezone, &j.Enabled,
		jsonColumn{dst: &j.Headers}, &j.Body,
		&j.TimeoutSeconds, &j.RetryMaxAttempts, &j.RetryInitialIntervalMs, &j.RetryMaxIntervalMs,
		&j.Overlap, &j.Misfire, &j.CatchUpSeconds, &j.JitterSeconds,
		(*microTime)(&j.NextRunAt), (*microTime)(&j.LastRunAt), (*microTime)(&j.CreatedAt), (*microTime)(&j.UpdatedAt))
	return j, err
}

// jobValues returns the column values of j in the order of jobColumns.
func jobValues(j *store.Job) ([]any, error) {
	headers, err := jsonValue(j.Headers, j.Headers == nil)
	if err != nil {
		return nil, err
	}
	return []any{j.ID, j.UserID, j.Name, j.URL, j.Method, j.Schedule, j.Timezone, j.Enabled, headers, j.Body,
		j.TimeoutSeconds, j.RetryMaxAttempts, j.RetryInitialIntervalMs, j.RetryMaxIntervalMs,
		j.Overlap, j.Misfire, j.CatchUpSeconds, j.JitterSeconds,
		timeValue(j.NextRunAt), timeValue(j.LastRunAt), timeValue(j.CreatedAt), timeValue(j.UpdatedAt)}, nil
}

// CreateJobs implements [store.Store]. It fails with ErrNotFound when the
// user does not exist, and with ErrConflict when an id is taken or appears
// twice in jobs.
func (s *Store) CreateJobs(ctx context.Context, jobs []*store.Job, limit int) error {
	if len(jobs) == 0 {
		return nil
	}
	userID := jobs[0].UserID
	values := make([][]any, len(jobs))
	for i, j := range jobs {
		if j.UserID != userID {
			return fmt.Errorf("sqlstore: a batch of jobs must belong to one user, got %s and %s", userID, j.UserID)
		}
		v, err := jobValues(j)
		if err != nil {
			return err
		}
		values[i] = v
	}

	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}

		n, err := s.count(ctx, tx, "SELECT COUNT(*) FROM jobs WHERE user_id = ?", userID)
		if err != nil {
			return err
		}
		if limit > 0 && n+len(jobs) > limit {
			return fmt.Errorf("user %s has %d jobs, and %d more would exceed the limit of %d: %w",
				userID, n, len(jobs), limit, store.ErrLimitExceeded)
		}

		if err := checkDistinctIDs(jobs); err != nil {
			return err
		}
		if err := s.insertJobs(ctx, tx, values); err != nil {
			return fmt.Errorf("sqlstore: error creating %d jobs of user %s: %w", len(jobs), userID, err)
		}

		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.ID
		}
		if err := s.recordJobChanges(ctx, tx, ids...); err != nil {
			return err
		}

		return s.addUsage(ctx, tx, userID, jobs[0].CreatedAt,
			store.DailyUsage{JobsCreated: int64(len(jobs)), PeakJobs: int64(n + len(jobs))})
	})
}

// checkDistinctIDs fails with ErrConflict when an id appears twice in jobs,
// naming the id, which the database error would not always do.
func checkDistinctIDs(jobs []*store.Job) error {
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		if seen[j.ID] {
			return fmt.Errorf("job %s appears twice in the batch: %w", j.ID, store.ErrConflict)
		}
		seen[j.ID] = true
	}
	return nil
}

// insertJobs inserts rows of job values with one statement per
// jobsPerInsert rows, so a batch takes few round trips to PostgreSQL.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, values [][]any) error {
	for len(values) > 0 {
		chunk := values[:min(jobsPerInsert, len(values))]
		values = values[len(chunk):]

		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*len(jobColumns))
		for i, v := range chunk {
			rows[i] = jobRow
			args = append(args, v...)
		}
		if _, err := s.exec(ctx, tx, insertJob+strings.Join(rows, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// GetJob implements [store.Store].
func (s *Store) GetJob(ctx context.Context, userID, id string) (*store.Job, error) {
	j, err := scanJob(s.queryRow(ctx, s.read, selectJob+" WHERE id = ? AND user_id = ?", id, userID))
	if err != nil {
		return nil, notFound(err, "job "+id)
	}
	return j, nil
}

// GetJobByID implements [store.Store].
func (s *Store) GetJobByID(ctx context.Context, id string) (*store.Job, error) {
	j, err := scanJob(s.queryRow(ctx, s.read, selectJob+" WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "job "+id)
	}
	return j, nil
}

// ListJobs implements [store.Store].
func (s *Store) ListJobs(ctx context.Context, userID string, page store.Page) ([]*store.Job, error) {
	order, limitArgs := pageClause("id", page.Limit)
	args := append([]any{userID, page.After}, limitArgs...)
	rows, err := s.query(ctx, s.read, selectJob+" WHERE user_id = ? AND id > ?"+order, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error listing jobs of user %s: %w", userID, err)
	}
	return collect(rows, scanJob)
}

// ListEnabledJobs implements [store.Store].
func (s *Store) ListEnabledJobs(ctx context.Context) ([]*store.Job, error) {
	rows, err := s.query(ctx, s.read, selectJob+" WHERE enabled ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error listing enabled jobs: %w", err)
	}
	return collect(rows, scanJob)
}

// UpdateJob implements [store.Store].
func (s *Store) UpdateJob(ctx context.Context, j *store.Job) error {
	values, err := jobValues(j)
	if err != nil {
		return err
	}

	// The values after id and user_id go to SET, and those two to WHERE.
	args := append(values[2:], j.ID, j.UserID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, updateJob, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: error updating job %s: %w", j.ID, err)
		}
		if err := affectedOne(res, "job "+j.ID); err != nil {
			return err
		}

		return s.recordJobChanges(ctx, tx, j.ID)
	})
}

// SetJobRunTimes implements [store.Store].
func (s *Store) SetJobRunTimes(ctx context.Context, id string, lastRunAt, nextRunAt time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE jobs SET last_run_at = ?, next_run_at = ? WHERE id = ?",
		timeValue(lastRunAt), timeValue(nextRunAt), id)
	if err != nil {
		return fmt.Errorf("sqlstore: error setting run times of job %s: %w", id, err)
	}
	return nil
}

// DeleteJob implements [store.Store]. The executions of the job go with it
// through the foreign key's ON DELETE CASCADE.
func (s *Store) DeleteJob(ctx context.Context, userID, id string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "DELETE FROM jobs WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return fmt.Errorf("sqlstore: error deleting job %s: %w", id, err)
		}
		if err := affectedOne(res, "job "+id); err != nil {
			return err
		}
		if err := s.recordJobChanges(ctx, tx, id); err != nil {
			return err
		}

		return s.addUsage(ctx, tx, userID, now, store.DailyUsage{JobsDeleted: 1})
	})
}
