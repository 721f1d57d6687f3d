package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/recoron/recoron/store"
)

// CreateJobs implements [store.Store].
func (s *Store) CreateJobs(ctx context.Context, jobs []*store.Job, limit int) error {
	if len(jobs) == 0 {
		return nil
	}
	userID := jobs[0].UserID
	return s.write(func(txn *memdb.Txn) error {
		n, err := countPrefix(txn, "jobs", "user_prefix", userID)
		if err != nil {
			return err
		}
		if limit > 0 && n+len(jobs) > limit {
			return store.ErrLimitExceeded
		}
		for _, j := range jobs {
			if j.UserID != userID {
				return fmt.Errorf("memstore: batch mixes users %s and %s", userID, j.UserID)
			}
			if _, err := first[store.Job](txn, "jobs", "id", j.ID); err == nil {
				return fmt.Errorf("job %s: %w", j.ID, store.ErrConflict)
			}
			if err := txn.Insert("jobs", j.Clone()); err != nil {
				return err
			}
		}
		return updateUsage(txn, userID, jobs[0].CreatedAt, func(d *store.DailyUsage) {
			d.JobsCreated += int64(len(jobs))
			d.PeakJobs = max(d.PeakJobs, int64(n+len(jobs)))
		})
	})
}

// GetJob implements [store.Store].
func (s *Store) GetJob(ctx context.Context, userID, id string) (*store.Job, error) {
	j, err := first[store.Job](s.db.Txn(false), "jobs", "user", userID, id)
	if err != nil {
		return nil, err
	}
	return j.Clone(), nil
}

// GetJobByID implements [store.Store].
func (s *Store) GetJobByID(ctx context.Context, id string) (*store.Job, error) {
	j, err := first[store.Job](s.db.Txn(false), "jobs", "id", id)
	if err != nil {
		return nil, err
	}
	return j.Clone(), nil
}

func cloneJobs(jobs []*store.Job) []*store.Job {
	out := make([]*store.Job, len(jobs))
	for i, j := range jobs {
		out[i] = j.Clone()
	}
	return out
}

// ListJobs implements [store.Store].
func (s *Store) ListJobs(ctx context.Context, userID string, page store.Page) ([]*store.Job, error) {
	jobs, err := list[store.Job](s.db.Txn(false), "jobs", "user_prefix", page, userID)
	if err != nil {
		return nil, err
	}
	return cloneJobs(jobs), nil
}

// ListEnabledJobs implements [store.Store].
func (s *Store) ListEnabledJobs(ctx context.Context) ([]*store.Job, error) {
	jobs, err := list[store.Job](s.db.Txn(false), "jobs", "enabled", store.Page{}, true)
	if err != nil {
		return nil, err
	}
	return cloneJobs(jobs), nil
}

// UpdateJob implements [store.Store].
func (s *Store) UpdateJob(ctx context.Context, j *store.Job) error {
	return s.write(func(txn *memdb.Txn) error {
		if _, err := first[store.Job](txn, "jobs", "user", j.UserID, j.ID); err != nil {
			return err
		}
		return txn.Insert("jobs", j.Clone())
	})
}

// SetJobRunTimes implements [store.Store].
func (s *Store) SetJobRunTimes(ctx context.Context, id string, lastRunAt, nextRunAt time.Time) error {
	return s.write(func(txn *memdb.Txn) error {
		j, err := first[store.Job](txn, "jobs", "id", id)
		if err != nil {
			return nil
		}
		c := j.Clone()
		c.LastRunAt = lastRunAt
		c.NextRunAt = nextRunAt
		return txn.Insert("jobs", c)
	})
}

// DeleteJob implements [store.Store].
func (s *Store) DeleteJob(ctx context.Context, userID, id string, now time.Time) error {
	return s.write(func(txn *memdb.Txn) error {
		j, err := first[store.Job](txn, "jobs", "user", userID, id)
		if err != nil {
			return err
		}
		if err := txn.Delete("jobs", j); err != nil {
			return err
		}
		if _, err := txn.DeletePrefix("executions", "job_prefix", id); err != nil {
			return fmt.Errorf("memstore: delete executions of job %s: %w", id, err)
		}
		if _, err := txn.DeletePrefix("slots", "id_prefix", id); err != nil {
			return fmt.Errorf("memstore: delete slot claims of job %s: %w", id, err)
		}
		return updateUsage(txn, userID, now, func(d *store.DailyUsage) { d.JobsDeleted++ })
	})
}
