package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// newClaim returns a scheduled execution of job_1 of usr_1 for slot that
// starts at at.
func newClaim(id string, slot, at time.Time) *store.Execution {
	return &store.Execution{ID: id, JobID: "job_1", UserID: "usr_1", Trigger: store.TriggerSchedule,
		ScheduledAt: slot, StartedAt: at, Status: store.StatusRunning, Instance: "ins_1"}
}

// claimOutcome is the result of one BeginExecution call of a test.
type claimOutcome struct {
	id  string
	err error
}

// awaitClaims receives n outcomes from results, or fails the test when
// they do not all arrive within timeout.
func awaitClaims(t *testing.T, results <-chan claimOutcome, n int, timeout time.Duration) []claimOutcome {
	t.Helper()
	deadline := time.After(timeout)
	outcomes := make([]claimOutcome, 0, n)
	for len(outcomes) < n {
		select {
		case o := <-results:
			outcomes = append(outcomes, o)
		case <-deadline:
			t.Fatalf("%d of %d BeginExecution calls did not return within %v", n-len(outcomes), n, timeout)
		}
	}
	return outcomes
}

// TestClaimAfterCloseFails checks that every claim made after Close fails
// at once instead of waiting for a worker that has stopped.
func TestClaimAfterCloseFails(t *testing.T) {
	s := newPostgres(t)
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_1"}}, 0))
	mustDo(t, "Close", s.Close())

	const n = 20
	at := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	results := make(chan claimOutcome, n)
	for i := range n {
		go func() {
			callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			e := newClaim(fmt.Sprintf("exe_%d", i), at.Add(time.Duration(i)*time.Second), at)
			results <- claimOutcome{id: e.ID, err: s.BeginExecution(callCtx, e, 0)}
		}()
	}
	for _, o := range awaitClaims(t, results, n, 10*time.Second) {
		if o.err == nil {
			t.Errorf("BeginExecution(%s) after Close = nil, want an error", o.id)
		}
		if errors.Is(o.err, context.DeadlineExceeded) {
			t.Errorf("BeginExecution(%s) after Close waited for its context to end: %v", o.id, o.err)
		}
	}
}

// TestClaimsDuringCloseReportStoredRows checks that claims racing with
// Close all return, and that a claim succeeds exactly when its row was
// stored.
func TestClaimsDuringCloseReportStoredRows(t *testing.T) {
	dsn := postgresDSN(t)
	opts := sqlstore.Options{Schema: testSchema(t, dsn)}
	s := mustOpen(t, dsn, opts)
	// other reads the rows after s is closed.
	other := closeAtEnd(t, mustOpen(t, dsn, opts))
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_1"}}, 0))

	// Each claimer makes claims one after another until three of them
	// have failed, so claims start before, during and after Close.
	const claimers, maxClaims, maxFailures = 16, 100, 3
	at := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	results := make(chan claimOutcome, claimers*maxClaims)
	var wg sync.WaitGroup
	for c := range claimers {
		wg.Go(func() {
			failures := 0
			for i := 0; i < maxClaims && failures < maxFailures; i++ {
				callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				e := newClaim(fmt.Sprintf("exe_%d_%d", c, i), at.Add(time.Duration(c*maxClaims+i)*time.Second), at)
				err := s.BeginExecution(callCtx, e, 0)
				cancel()
				results <- claimOutcome{id: e.ID, err: err}
				if err != nil {
					failures++
				}
			}
		})
	}
	outcomes := make([]claimOutcome, 0, claimers*maxClaims)
	for range 2 * claimers {
		outcomes = append(outcomes, <-results)
	}
	mustDo(t, "Close", s.Close())
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("BeginExecution calls made around Close did not return within 20s")
	}
	close(results)
	for o := range results {
		outcomes = append(outcomes, o)
	}

	var claimed, failed int
	for _, o := range outcomes {
		_, err := other.GetExecution(ctx, "usr_1", "job_1", o.id)
		switch {
		case o.err == nil && err != nil:
			t.Errorf("BeginExecution(%s) = nil, but GetExecution = %v", o.id, err)
		case o.err != nil && !errors.Is(err, store.ErrNotFound):
			t.Errorf("BeginExecution(%s) = %v, but GetExecution = %v, want %v", o.id, o.err, err, store.ErrNotFound)
		}
		if o.err == nil {
			claimed++
		} else {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no claim failed, so none was made after Close")
	}
	t.Logf("%d claims succeeded and %d failed", claimed, failed)
}

// TestRetriedClaimFindsOwnRow checks that a claim retried on its own after
// its batch statement failed succeeds when that statement was committed
// anyway, and still conflicts with a different row.
func TestRetriedClaimFindsOwnRow(t *testing.T) {
	s := closeAtEnd(t, newPostgres(t))
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_1"}}, 0))

	at := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	e := newClaim("exe_1", at, at)
	mustDo(t, "BeginExecution", s.BeginExecution(ctx, e.Clone(), 0))

	if err := sqlstore.RetryClaim(s, e.Clone()); err != nil {
		t.Errorf("retried claim whose row is stored = %v, want nil", err)
	}
	rival := newClaim("exe_2", at, at)
	if err := sqlstore.RetryClaim(s, rival); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retried claim of a slot with another id = %v, want %v", err, store.ErrConflict)
	}
	reused := e.Clone()
	reused.Trigger = store.TriggerManual
	if err := sqlstore.RetryClaim(s, reused); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retried manual claim with a taken id = %v, want %v", err, store.ErrConflict)
	}
	if err := sqlstore.RetryClaim(s, newClaim("exe_3", at.Add(time.Second), at)); err != nil {
		t.Errorf("retried claim of a free slot = %v, want nil", err)
	}

	u, err := s.GetUsage(ctx, "usr_1", at)
	mustDo(t, "GetUsage", err)
	if u.Day.Executions != 2 {
		t.Errorf("usage counts %d executions, want 2, one for each stored claim", u.Day.Executions)
	}
}

// TestClaimBatchRetryKeepsStoredClaim checks that when a batch statement
// fails, a claim of the batch whose row is already stored succeeds on its
// retry.
func TestClaimBatchRetryKeepsStoredClaim(t *testing.T) {
	s := closeAtEnd(t, newPostgres(t))
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_1"}}, 0))

	at := time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
	e := newClaim("exe_1", at, at)
	mustDo(t, "BeginExecution", s.BeginExecution(ctx, e.Clone(), 0))

	missing := newClaim("exe_2", at, at)
	missing.JobID = "job_missing"
	errs := sqlstore.ClaimBatch(s, []*store.Execution{e.Clone(), missing})
	if errs[0] != nil {
		t.Errorf("claim whose row is stored = %v, want nil", errs[0])
	}
	if !errors.Is(errs[1], store.ErrNotFound) {
		t.Errorf("claim for a missing job = %v, want %v", errs[1], store.ErrNotFound)
	}
}
