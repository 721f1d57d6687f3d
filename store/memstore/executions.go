package memstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/recoron/recoron/store"
)

func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }

func monthlyExecutions(txn *memdb.Txn, userID string, at time.Time) (int64, error) {
	rows, err := list[usageRow](txn, "usage", "id_prefix", store.Page{}, userID, monthKey(at))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range rows {
		n += r.Executions
	}
	return n, nil
}

// BeginExecution implements [store.Store].
func (s *Store) BeginExecution(ctx context.Context, e *store.Execution, monthlyMax int64) error {
	return s.write(func(txn *memdb.Txn) error {
		if _, err := first[store.Execution](txn, "executions", "id", e.ID); err == nil {
			return fmt.Errorf("execution %s: %w", e.ID, store.ErrConflict)
		}
		if e.Trigger == store.TriggerSchedule {
			slot := slotKey(e)
			if _, err := first[slotRow](txn, "slots", "id", slot.JobID, slot.Key); err == nil {
				return fmt.Errorf("job %s slot %s: %w", e.JobID, e.ScheduledAt, store.ErrConflict)
			}
			if err := txn.Insert("slots", slot); err != nil {
				return err
			}
		}
		if e.Counted() {
			n, err := monthlyExecutions(txn, e.UserID, e.StartedAt)
			if err != nil {
				return err
			}
			if monthlyMax > 0 && n >= monthlyMax {
				return store.ErrLimitExceeded
			}
			err = updateUsage(txn, e.UserID, e.StartedAt, func(d *store.DailyUsage) { d.Executions++ })
			if err != nil {
				return err
			}
		}
		return txn.Insert("executions", e.Clone())
	})
}

// FinishExecution implements [store.Store].
func (s *Store) FinishExecution(ctx context.Context, e *store.Execution, keep int) error {
	return s.finishExecution(e, keep, nil)
}

// FinishScheduledExecution implements [store.ScheduledRunFinisher].
func (s *Store) FinishScheduledExecution(ctx context.Context, e *store.Execution, keep int, next time.Time) error {
	return s.finishExecution(e, keep, &next)
}

// finishExecution stores the final state of e and, when next is not nil,
// the job's next run time, unless the stored one is already past e's
// slot.
func (s *Store) finishExecution(e *store.Execution, keep int, next *time.Time) error {
	return s.write(func(txn *memdb.Txn) error {
		j, err := first[store.Job](txn, "jobs", "id", e.JobID)
		if errors.Is(err, store.ErrNotFound) {
			// The job was deleted while it ran, and its executions with it.
			return nil
		}
		if err != nil {
			return err
		}
		if err := txn.Insert("executions", e.Clone()); err != nil {
			return err
		}
		setLast := e.Counted() && e.ScheduledAt.After(j.LastRunAt)
		setNext := next != nil && !j.NextRunAt.After(e.ScheduledAt)
		if setLast || setNext {
			c := j.Clone()
			if setLast {
				c.LastRunAt = e.ScheduledAt
			}
			if setNext {
				c.NextRunAt = *next
			}
			if err := txn.Insert("jobs", c); err != nil {
				return err
			}
		}
		if keep <= 0 {
			return nil
		}
		all, err := list[store.Execution](txn, "executions", "job_prefix", store.Page{}, e.JobID)
		if err != nil {
			return err
		}
		for _, old := range all[:max(0, len(all)-keep)] {
			if err := deleteExecution(txn, old); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteExecution removes e and its slot claim.
func deleteExecution(txn *memdb.Txn, e *store.Execution) error {
	if err := txn.Delete("executions", e); err != nil {
		return err
	}
	if e.Trigger != store.TriggerSchedule {
		return nil
	}
	slot := slotKey(e)
	if _, err := first[slotRow](txn, "slots", "id", slot.JobID, slot.Key); err != nil {
		return nil
	}
	return txn.Delete("slots", slot)
}

// InterruptExecutions implements [store.Store].
func (s *Store) InterruptExecutions(ctx context.Context, startedBefore, now time.Time) (int, error) {
	n := 0
	err := s.write(func(txn *memdb.Txn) error {
		it, err := txn.Get("executions", "id")
		if err != nil {
			return err
		}
		var running []*store.Execution
		for raw := it.Next(); raw != nil; raw = it.Next() {
			e := raw.(*store.Execution)
			if e.Status == store.StatusRunning && e.StartedAt.Before(startedBefore) {
				running = append(running, e)
			}
		}
		for _, e := range running {
			c := e.Clone()
			c.Status, c.FinishedAt = store.StatusInterrupted, now
			c.Error = "the server stopped while the run was in flight; the call may or may not have reached the target"
			if err := txn.Insert("executions", c); err != nil {
				return err
			}
		}
		n = len(running)
		return nil
	})
	return n, err
}

// GetExecution implements [store.Store].
func (s *Store) GetExecution(ctx context.Context, userID, jobID, id string) (*store.Execution, error) {
	e, err := first[store.Execution](s.db.Txn(false), "executions", "job", jobID, id)
	if err != nil {
		return nil, err
	}
	if e.UserID != userID {
		return nil, store.ErrNotFound
	}
	return e.Clone(), nil
}

// ListExecutions implements [store.Store].
func (s *Store) ListExecutions(ctx context.Context, userID, jobID string, page store.Page) ([]*store.Execution, error) {
	txn := s.db.Txn(false)
	if _, err := first[store.Job](txn, "jobs", "user", userID, jobID); err != nil {
		return nil, err
	}
	all, err := list[store.Execution](txn, "executions", "job_prefix", store.Page{}, jobID)
	if err != nil {
		return nil, err
	}
	slices.Reverse(all)
	var out []*store.Execution
	for _, e := range all {
		if page.After != "" && e.ID >= page.After {
			continue
		}
		out = append(out, e.Clone())
		if page.Limit > 0 && len(out) == page.Limit {
			break
		}
	}
	return out, nil
}

// AddAPICalls implements [store.Store].
func (s *Store) AddAPICalls(ctx context.Context, day time.Time, calls map[string]int64) error {
	return s.write(func(txn *memdb.Txn) error {
		for userID, n := range calls {
			err := updateUsage(txn, userID, day, func(d *store.DailyUsage) { d.APICalls += n })
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// GetUsage implements [store.Store].
func (s *Store) GetUsage(ctx context.Context, userID string, day time.Time) (*store.Usage, error) {
	txn := s.db.Txn(false)
	u := &store.Usage{}
	u.Day.Date = store.Day(day)
	if row, err := first[usageRow](txn, "usage", "id", userID, dayKey(day)); err == nil {
		u.Day = row.DailyUsage
	}
	rows, err := list[usageRow](txn, "usage", "id_prefix", store.Page{}, userID, monthKey(day))
	if err != nil {
		return nil, err
	}
	y, m, _ := day.UTC().Date()
	u.Month.Year, u.Month.Month = y, m
	for _, r := range rows {
		u.Month.Executions += r.Executions
		u.Month.APICalls += r.APICalls
	}
	if p, err := first[paidRow](txn, "paid", "id", userID, monthKey(day)); err == nil {
		u.Month.Paid = p.Paid
	}
	return u, nil
}

// SetMonthPaid implements [store.Store].
func (s *Store) SetMonthPaid(ctx context.Context, userID string, year int, month time.Month, paid bool) error {
	key := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	return s.write(func(txn *memdb.Txn) error {
		return txn.Insert("paid", &paidRow{UserID: userID, MonthKey: key, Paid: paid})
	})
}
