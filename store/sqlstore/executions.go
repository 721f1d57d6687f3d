package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/recoron/recoron/store"
)

const executionColumns = `id, job_id, user_id, triggered_by, scheduled_at, started_at, finished_at,
	status, status_code, duration_ms, error, response_excerpt, attempts, instance_id`

// executionPlaceholders has one placeholder per column of executionColumns.
const executionPlaceholders = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func scanExecution(row rowScanner) (*store.Execution, error) {
	e := &store.Execution{}
	err := row.Scan(&e.ID, &e.JobID, &e.UserID, &e.Trigger,
		(*microTime)(&e.ScheduledAt), (*microTime)(&e.StartedAt), (*microTime)(&e.FinishedAt),
		&e.Status, &e.StatusCode, &e.DurationMs, &e.Error, &e.ResponseExcerpt, attemptsColumn{dst: &e.Attempts},
		&e.Instance)
	return e, err
}

// executionValues returns the column values of e in the order of
// executionColumns.
func executionValues(e *store.Execution) ([]any, error) {
	attempts, err := attemptsValue(e.Attempts)
	if err != nil {
		return nil, err
	}
	return []any{e.ID, e.JobID, e.UserID, e.Trigger,
		timeValue(e.ScheduledAt), timeValue(e.StartedAt), timeValue(e.FinishedAt),
		e.Status, e.StatusCode, e.DurationMs, e.Error, e.ResponseExcerpt, attempts, e.Instance}, nil
}

// upsertExecutionQuery stores an execution whole, replacing the row with
// the same id.
const upsertExecutionQuery = "INSERT INTO executions (" + executionColumns + ") VALUES " +
	executionPlaceholders + `
	ON CONFLICT (id) DO UPDATE SET
		job_id = excluded.job_id, user_id = excluded.user_id, triggered_by = excluded.triggered_by,
		scheduled_at = excluded.scheduled_at, started_at = excluded.started_at,
		finished_at = excluded.finished_at, status = excluded.status, status_code = excluded.status_code,
		duration_ms = excluded.duration_ms, error = excluded.error,
		response_excerpt = excluded.response_excerpt, attempts = excluded.attempts,
		instance_id = excluded.instance_id`

// BeginExecution implements [store.Store]. It fails with ErrConflict when
// the id is taken, and with ErrNotFound when the job does not exist or,
// for a budget check, the user does not exist.
func (s *Store) BeginExecution(ctx context.Context, e *store.Execution, monthlyMax int64) error {
	values, err := executionValues(e)
	if err != nil {
		return err
	}

	if s.claims != nil && (monthlyMax <= 0 || !e.Counted()) {
		return s.claims.claim(ctx, e, values)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if e.Counted() && monthlyMax > 0 {
			if err := s.checkBudget(ctx, tx, e, monthlyMax); err != nil {
				return err
			}
		}

		_, err := s.exec(ctx, tx, "INSERT INTO executions ("+executionColumns+") VALUES "+
			executionPlaceholders, values...)
		if err != nil {
			return fmt.Errorf("sqlstore: error creating execution %s of job %s: %w", e.ID, e.JobID, err)
		}

		if !e.Counted() {
			return nil
		}
		return s.addUsage(ctx, tx, e.UserID, e.StartedAt, store.DailyUsage{Executions: 1})
	})
}

// checkBudget locks the user of e and fails with ErrLimitExceeded when the
// user's executions in the month of e.StartedAt reach monthlyMax.
func (s *Store) checkBudget(ctx context.Context, tx *sql.Tx, e *store.Execution, monthlyMax int64) error {
	if err := s.lockUser(ctx, tx, e.UserID); err != nil {
		return err
	}

	n, err := s.monthlyExecutions(ctx, tx, e.UserID, e.StartedAt)
	if err != nil {
		return err
	}
	if n >= monthlyMax {
		return fmt.Errorf("user %s has run %d executions in %s, which reaches the monthly limit of %d: %w",
			e.UserID, n, e.StartedAt.UTC().Format(monthLayout), monthlyMax, store.ErrLimitExceeded)
	}
	return nil
}

// FinishExecution implements [store.Store]. When the job was deleted in
// the meantime it stores nothing and returns nil, since the executions of
// a deleted job are gone with it.
func (s *Store) FinishExecution(ctx context.Context, e *store.Execution, keep int) error {
	return s.finishExecution(ctx, e, keep, nil)
}

var _ store.ScheduledRunFinisher = (*Store)(nil)

// FinishScheduledExecution implements [store.ScheduledRunFinisher].
func (s *Store) FinishScheduledExecution(ctx context.Context, e *store.Execution, keep int, next time.Time) error {
	return s.finishExecution(ctx, e, keep, &next)
}

// finishExecution stores the final state of e and, when next is not nil,
// the job's next run time.
func (s *Store) finishExecution(ctx context.Context, e *store.Execution, keep int, next *time.Time) error {
	values, err := executionValues(e)
	if err != nil {
		return err
	}

	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Updating the job first locks its row on PostgreSQL, so two
		// executions of one job finish one after the other, and neither
		// waits for execution rows that the other has locked. The
		// update runs for skipped and missed slots too, for the lock and
		// to learn whether the job still exists, but a NULL time leaves
		// lastRunAt as it is.
		var at any
		if e.Counted() {
			at = timeValue(e.ScheduledAt)
		}
		query, args := `UPDATE jobs SET last_run_at =
				CASE WHEN last_run_at IS NULL OR last_run_at < ? THEN ? ELSE last_run_at END
			WHERE id = ?`, []any{at, at, e.JobID}
		if next != nil {
			// next_run_at moves only while it is not past this slot, so a
			// run that finishes after a later slot's run, or after an
			// update rescheduled the job, leaves the newer value. Manual
			// runs, which also set last_run_at, do not matter here.
			query = `UPDATE jobs SET
				next_run_at = CASE WHEN next_run_at IS NULL OR next_run_at <= ? THEN ? ELSE next_run_at END,
				last_run_at = CASE WHEN last_run_at IS NULL OR last_run_at < ? THEN ? ELSE last_run_at END
			WHERE id = ?`
			args = []any{timeValue(e.ScheduledAt), timeValue(*next), at, at, e.JobID}
		}
		res, err := s.exec(ctx, tx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: error setting last run of job %s: %w", e.JobID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: error reading affected rows: %w", err)
		}
		if n == 0 {
			s.logger.DebugContext(ctx, "execution of a deleted job not stored",
				slog.String("job_id", e.JobID), slog.String("execution_id", e.ID))
			return nil
		}

		if _, err := s.exec(ctx, tx, upsertExecutionQuery, values...); err != nil {
			return fmt.Errorf("sqlstore: error storing execution %s of job %s: %w", e.ID, e.JobID, err)
		}

		return s.applyRetention(ctx, tx, e.JobID, keep)
	})
}

// applyRetention deletes the oldest executions of a job beyond keep.
func (s *Store) applyRetention(ctx context.Context, tx *sql.Tx, jobID string, keep int) error {
	if keep <= 0 {
		return nil
	}

	// The subquery finds the newest execution that falls outside the
	// retention, and yields NULL, deleting nothing, when none does.
	_, err := s.exec(ctx, tx, `DELETE FROM executions WHERE job_id = ? AND id <= (
			SELECT id FROM executions WHERE job_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
		jobID, jobID, keep)
	if err != nil {
		return fmt.Errorf("sqlstore: error deleting old executions of job %s: %w", jobID, err)
	}
	return nil
}

// GetExecution implements [store.Store].
func (s *Store) GetExecution(ctx context.Context, userID, jobID, id string) (*store.Execution, error) {
	e, err := scanExecution(s.queryRow(ctx, s.read, "SELECT "+executionColumns+
		" FROM executions WHERE id = ? AND job_id = ? AND user_id = ?", id, jobID, userID))
	if err != nil {
		return nil, notFound(err, "execution "+id)
	}
	return e, nil
}

// ListExecutions implements [store.Store].
func (s *Store) ListExecutions(ctx context.Context, userID, jobID string, page store.Page) ([]*store.Execution, error) {
	var list []*store.Execution
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := s.queryRow(ctx, tx, "SELECT 1 FROM jobs WHERE id = ? AND user_id = ?", jobID, userID).Scan(&one)
		if err != nil {
			return notFound(err, "job "+jobID)
		}

		query := "SELECT " + executionColumns + " FROM executions WHERE job_id = ?"
		args := []any{jobID}
		if page.After != "" {
			query += " AND id < ?"
			args = append(args, page.After)
		}
		order, limitArgs := pageClause("id DESC", page.Limit)
		rows, err := s.query(ctx, tx, query+order, append(args, limitArgs...)...)
		if err != nil {
			return fmt.Errorf("sqlstore: error listing executions of job %s: %w", jobID, err)
		}
		list, err = collect(rows, scanExecution)
		return err
	})
	return list, err
}

// InterruptExecutions implements [store.Store].
func (s *Store) InterruptExecutions(ctx context.Context, startedBefore, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.db, `UPDATE executions
		SET status = ?, finished_at = ?, error = ?
		WHERE status = ? AND started_at < ?`,
		store.StatusInterrupted, timeValue(now), interruptedReason, store.StatusRunning, timeValue(startedBefore))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error marking interrupted executions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error counting interrupted executions: %w", err)
	}
	return int(n), nil
}

// interruptedReason is the error text of an interrupted execution.
const interruptedReason = "the server stopped while the run was in flight; the call may or may not have reached the target"
