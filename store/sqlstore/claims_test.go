package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
)

// TestClaimBatchIsolatesFailures checks that one claim in a batch that
// cannot be stored, or whose slot is taken, leaves the other claims of the
// batch and their usage counts intact.
func TestClaimBatchIsolatesFailures(t *testing.T) {
	s := closeAtEnd(t, newPostgres(t))
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_1"}}, 0))

	at := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	claim := func(id, job string, slot time.Time) *store.Execution {
		return &store.Execution{ID: id, JobID: job, UserID: "usr_1", Trigger: store.TriggerSchedule,
			ScheduledAt: slot, StartedAt: at, Status: store.StatusRunning}
	}
	errs := sqlstore.ClaimBatch(s, []*store.Execution{
		claim("exe_1", "job_1", at),
		claim("exe_2", "job_missing", at),
		claim("exe_3", "job_1", at), // the same slot as exe_1
		claim("exe_4", "job_1", at.Add(time.Second)),
	})
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("claims of free slots = %v and %v, want nil", errs[0], errs[3])
	}
	if !errors.Is(errs[1], store.ErrNotFound) {
		t.Errorf("claim for a missing job = %v, want %v", errs[1], store.ErrNotFound)
	}
	if !errors.Is(errs[2], store.ErrConflict) {
		t.Errorf("second claim of one slot = %v, want %v", errs[2], store.ErrConflict)
	}

	u, err := s.GetUsage(ctx, "usr_1", at)
	mustDo(t, "GetUsage", err)
	if u.Day.Executions != 2 {
		t.Errorf("usage counts %d executions, want the 2 claims that were stored", u.Day.Executions)
	}
}
