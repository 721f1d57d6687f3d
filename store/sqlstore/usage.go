package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/recoron/recoron/store"
)

// addUsageQuery adds counters to a user's row for one day, creating the
// row when it is missing. Peaks are raised to the new value, never lowered.
const addUsageQuery = `INSERT INTO usage_days (user_id, day, executions, api_calls, peak_jobs, peak_api_keys,
		jobs_created, jobs_deleted, api_keys_created, api_keys_deleted)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (user_id, day) DO UPDATE SET
		executions = usage_days.executions + excluded.executions,
		api_calls = usage_days.api_calls + excluded.api_calls,
		peak_jobs = CASE WHEN excluded.peak_jobs > usage_days.peak_jobs
			THEN excluded.peak_jobs ELSE usage_days.peak_jobs END,
		peak_api_keys = CASE WHEN excluded.peak_api_keys > usage_days.peak_api_keys
			THEN excluded.peak_api_keys ELSE usage_days.peak_api_keys END,
		jobs_created = usage_days.jobs_created + excluded.jobs_created,
		jobs_deleted = usage_days.jobs_deleted + excluded.jobs_deleted,
		api_keys_created = usage_days.api_keys_created + excluded.api_keys_created,
		api_keys_deleted = usage_days.api_keys_deleted + excluded.api_keys_deleted`

// addUsage adds the counters of delta to the user's row for the UTC day of
// at, and raises the stored peaks to those of delta. delta.Date is ignored.
//
// Every transaction calls it as its last statement, so on PostgreSQL no
// transaction holds the lock of a usage row while it waits for another
// lock. AddAPICalls, the one exception, locks usage rows only, in a fixed
// order. Together these rule out deadlocks on usage rows.
func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, userID string, at time.Time, delta store.DailyUsage) error {
	_, err := s.exec(ctx, tx, addUsageQuery, userID, dayKey(at),
		delta.Executions, delta.APICalls, delta.PeakJobs, delta.PeakAPIKeys,
		delta.JobsCreated, delta.JobsDeleted, delta.APIKeysCreated, delta.APIKeysDeleted)
	if err != nil {
		return fmt.Errorf("sqlstore: error counting usage of user %s: %w", userID, err)
	}
	return nil
}

// monthlyExecutions returns the user's executions in the UTC month of at.
func (s *Store) monthlyExecutions(ctx context.Context, q querier, userID string, at time.Time) (int64, error) {
	first, next := monthRange(at)
	var n int64
	err := s.queryRow(ctx, q, `SELECT CAST(COALESCE(SUM(executions), 0) AS BIGINT) FROM usage_days
		WHERE user_id = ? AND day >= ? AND day < ?`, userID, first, next).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error summing executions of user %s: %w", userID, err)
	}
	return n, nil
}

// AddAPICalls implements [store.Store].
func (s *Store) AddAPICalls(ctx context.Context, day time.Time, calls map[string]int64) error {
	// A fixed order of rows keeps two concurrent calls on PostgreSQL from
	// locking the same rows in opposite orders and deadlocking.
	users := make([]string, 0, len(calls))
	for userID := range calls {
		users = append(users, userID)
	}
	slices.Sort(users)

	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, userID := range users {
			if err := s.addUsage(ctx, tx, userID, day, store.DailyUsage{APICalls: calls[userID]}); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetUsage implements [store.Store].
func (s *Store) GetUsage(ctx context.Context, userID string, day time.Time) (*store.Usage, error) {
	u := &store.Usage{}
	u.Day.Date = store.Day(day)
	y, m, _ := day.UTC().Date()
	u.Month.Year, u.Month.Month = y, m

	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := s.readDailyUsage(ctx, tx, userID, &u.Day); err != nil {
			return err
		}
		if err := s.readMonthlyUsage(ctx, tx, userID, day, &u.Month); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// readDailyUsage fills d with the counters of the user's row for d.Date,
// and leaves them zero when the row is missing.
func (s *Store) readDailyUsage(ctx context.Context, tx *sql.Tx, userID string, d *store.DailyUsage) error {
	err := s.queryRow(ctx, tx, `SELECT executions, api_calls, peak_jobs, peak_api_keys,
			jobs_created, jobs_deleted, api_keys_created, api_keys_deleted
		FROM usage_days WHERE user_id = ? AND day = ?`, userID, dayKey(d.Date)).
		Scan(&d.Executions, &d.APICalls, &d.PeakJobs, &d.PeakAPIKeys,
			&d.JobsCreated, &d.JobsDeleted, &d.APIKeysCreated, &d.APIKeysDeleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: error reading daily usage of user %s: %w", userID, err)
	}
	return nil
}

// readMonthlyUsage fills m with the sums and paid flag of the user's UTC
// month containing day.
func (s *Store) readMonthlyUsage(ctx context.Context, tx *sql.Tx, userID string, day time.Time, m *store.MonthlyUsage) error {
	first, next := monthRange(day)
	err := s.queryRow(ctx, tx, `SELECT CAST(COALESCE(SUM(executions), 0) AS BIGINT),
			CAST(COALESCE(SUM(api_calls), 0) AS BIGINT)
		FROM usage_days WHERE user_id = ? AND day >= ? AND day < ?`, userID, first, next).
		Scan(&m.Executions, &m.APICalls)
	if err != nil {
		return fmt.Errorf("sqlstore: error summing monthly usage of user %s: %w", userID, err)
	}

	err = s.queryRow(ctx, tx, "SELECT paid FROM paid_months WHERE user_id = ? AND month = ?",
		userID, day.UTC().Format(monthLayout)).Scan(&m.Paid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: error reading paid flag of user %s: %w", userID, err)
	}
	return nil
}

// SetMonthPaid implements [store.Store].
func (s *Store) SetMonthPaid(ctx context.Context, userID string, year int, month time.Month, paid bool) error {
	key := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format(monthLayout)
	_, err := s.exec(ctx, s.db, `INSERT INTO paid_months (user_id, month, paid) VALUES (?, ?, ?)
		ON CONFLICT (user_id, month) DO UPDATE SET paid = excluded.paid`, userID, key, paid)
	if err != nil {
		return fmt.Errorf("sqlstore: error setting month %s of user %s paid: %w", key, userID, err)
	}
	return nil
}
