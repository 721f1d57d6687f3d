package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var concurrencyTests = []test{
	{"CreateJobsLimit", testConcurrentCreateJobs},
	{"CreateJobBatchesLimit", testConcurrentJobBatches},
	{"BeginExecutionBudget", testConcurrentBeginExecution},
	{"CreateAPIKeyLimit", testConcurrentCreateKeys},
	{"DeleteAPIKeyCheck", testConcurrentDeleteKeys},
	{"DeleteLastTwoKeys", testConcurrentDeleteLastTwo},
	{"AddAPICalls", testConcurrentAddAPICalls},
	{"TouchAPIKeys", testConcurrentTouch},
	{"FinishExecutionRetention", testConcurrentFinish},
}

// callers is the number of goroutines of each concurrency test.
const callers = 50

// outcome counts the results of concurrent calls that may succeed or hit
// a limit.
type outcome struct {
	mu      sync.Mutex
	ok      int
	limited int
	other   []error
}

func (o *outcome) add(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err == nil:
		o.ok++
	case errors.Is(err, store.ErrLimitExceeded):
		o.limited++
	default:
		o.other = append(o.other, err)
	}
}

// check fails the test unless exactly wantOK calls succeeded and all the
// others hit the limit.
func (o *outcome) check(t *testing.T, what string, wantOK int) {
	t.Helper()
	for _, err := range o.other {
		t.Errorf("%s: unexpected error: %v", what, err)
	}
	if o.ok != wantOK || o.limited != callers-wantOK {
		t.Errorf("%s: %d succeeded and %d hit the limit, want %d and %d",
			what, o.ok, o.limited, wantOK, callers-wantOK)
	}
}

// parallel runs fn(i) for i in [0, callers) in separate goroutines, all
// released at once, and waits for them.
func parallel(fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func testConcurrentCreateJobs(t *testing.T, f *fixture) {
	u := f.user()
	var o outcome
	parallel(func(int) {
		o.add(f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, 5))
	})

	o.check(t, "CreateJobs with limit 5", 5)
	if n := len(f.listJobs(u.ID)); n != 5 {
		t.Errorf("the user has %d jobs, want 5", n)
	}
	day := f.usage(u.ID, base).Day
	if day.JobsCreated != 5 || day.PeakJobs != 5 {
		t.Errorf("JobsCreated = %d and PeakJobs = %d, want 5 and 5", day.JobsCreated, day.PeakJobs)
	}
}

func testConcurrentJobBatches(t *testing.T, f *fixture) {
	u := f.user()
	var o outcome
	parallel(func(int) {
		o.add(f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID), newJob(u.ID), newJob(u.ID)}, 10))
	})

	o.check(t, "CreateJobs of 3 with limit 10", 3)
	if n := len(f.listJobs(u.ID)); n != 9 {
		t.Errorf("the user has %d jobs, want 9", n)
	}
}

func testConcurrentBeginExecution(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	var o outcome
	parallel(func(i int) {
		o.add(f.s.BeginExecution(f.ctx, newExecution(j, base.Add(time.Duration(i)*time.Second)), 10))
	})

	o.check(t, "BeginExecution with budget 10", 10)
	if n := f.usage(u.ID, base).Month.Executions; n != 10 {
		t.Errorf("executions of the month = %d, want 10", n)
	}
	if n := len(f.listExecutions(u.ID, j.ID)); n != 10 {
		t.Errorf("ListExecutions returned %d executions, want 10", n)
	}
}

func testConcurrentCreateKeys(t *testing.T, f *fixture) {
	u := f.user()
	var o outcome
	parallel(func(int) {
		o.add(f.s.CreateAPIKey(f.ctx, newKey(u.ID), 5))
	})

	o.check(t, "CreateAPIKey with limit 5", 5)
	keys, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	if len(keys) != 5 {
		t.Errorf("the user has %d keys, want 5", len(keys))
	}
	day := f.usage(u.ID, base).Day
	if day.APIKeysCreated != 5 || day.PeakAPIKeys != 5 {
		t.Errorf("APIKeysCreated = %d and PeakAPIKeys = %d, want 5 and 5", day.APIKeysCreated, day.PeakAPIKeys)
	}
}

// keepOne is a delete check that keeps at least one key of the user.
func keepOne(remaining []*store.APIKey) error {
	if len(remaining) == 0 {
		return errKeepKey
	}
	return nil
}

// deleteOutcome counts the results of concurrent deletes whose check may
// reject them.
type deleteOutcome struct {
	mu       sync.Mutex
	ok       int
	rejected int
	other    []error
}

func (o *deleteOutcome) add(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err == nil:
		o.ok++
	case errors.Is(err, errKeepKey):
		o.rejected++
	default:
		o.other = append(o.other, err)
	}
}

func testConcurrentDeleteKeys(t *testing.T, f *fixture) {
	u := f.user()
	keys := make([]*store.APIKey, callers)
	for i := range keys {
		keys[i] = f.key(u.ID)
	}

	// Each caller deletes a different key, and each check passes on its
	// own, so only a check that reads the other deletes stops the last one.
	var o deleteOutcome
	parallel(func(i int) {
		o.add(f.s.DeleteAPIKey(f.ctx, u.ID, keys[i].ID, base, keepOne))
	})

	for _, err := range o.other {
		t.Errorf("DeleteAPIKey: unexpected error: %v", err)
	}
	if o.ok != callers-1 || o.rejected != 1 {
		t.Errorf("%d concurrent deletes that keep one key: %d succeeded and %d were rejected, want %d and 1",
			callers, o.ok, o.rejected, callers-1)
	}
	left, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	if len(left) != 1 {
		t.Errorf("the user has %d keys after the deletes, want 1", len(left))
	}
	if got := f.usage(u.ID, base).Day.APIKeysDeleted; got != callers-1 {
		t.Errorf("APIKeysDeleted = %d, want %d", got, callers-1)
	}
}

func testConcurrentDeleteLastTwo(t *testing.T, f *fixture) {
	// Many users, each deleting their two keys at once, give the race
	// many chances to show.
	users := make([]*store.User, callers/2)
	keys := make([]*store.APIKey, 0, callers)
	for i := range users {
		users[i] = f.user()
		keys = append(keys, f.key(users[i].ID), f.key(users[i].ID))
	}

	var o deleteOutcome
	parallel(func(i int) {
		o.add(f.s.DeleteAPIKey(f.ctx, keys[i].UserID, keys[i].ID, base, keepOne))
	})

	for _, err := range o.other {
		t.Errorf("DeleteAPIKey: unexpected error: %v", err)
	}
	if o.ok != len(users) || o.rejected != len(users) {
		t.Errorf("concurrent deletes of both keys of %d users: %d succeeded and %d were rejected, want %d and %d",
			len(users), o.ok, o.rejected, len(users), len(users))
	}
	for _, u := range users {
		left, err := f.s.ListAPIKeys(f.ctx, u.ID)
		wantNoErr(t, "ListAPIKeys", err)
		if len(left) != 1 {
			t.Errorf("user %s has %d keys after deleting both at once, want 1", u.ID, len(left))
		}
	}
}

func testConcurrentAddAPICalls(t *testing.T, f *fixture) {
	a, b := f.user(), f.user()
	var o outcome
	parallel(func(int) {
		o.add(f.s.AddAPICalls(f.ctx, base, map[string]int64{a.ID: 1, b.ID: 2}))
	})

	o.check(t, "AddAPICalls", callers)
	if n := f.usage(a.ID, base).Day.APICalls; n != callers {
		t.Errorf("API calls of the first user = %d, want %d", n, callers)
	}
	if n := f.usage(b.ID, base).Month.APICalls; n != 2*callers {
		t.Errorf("API calls of the second user = %d, want %d", n, 2*callers)
	}
}

func testConcurrentTouch(t *testing.T, f *fixture) {
	u := f.user()
	k1, k2 := f.key(u.ID), f.key(u.ID)
	var o outcome
	parallel(func(i int) {
		o.add(f.s.TouchAPIKeys(f.ctx, map[string]time.Time{
			k1.ID: base.Add(time.Duration(i) * time.Second),
			k2.ID: base.Add(time.Duration(callers-i) * time.Second),
		}))
	})

	o.check(t, "TouchAPIKeys", callers)
	wantLastUsed(t, f, u.ID, k1.ID, base.Add((callers-1)*time.Second))
	wantLastUsed(t, f, u.ID, k2.ID, base.Add(callers*time.Second))
}

func testConcurrentFinish(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	var begun []*store.Execution
	for i := range callers {
		e := newExecution(j, base.Add(time.Duration(i)*time.Second))
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e, 0))
		begun = append(begun, e)
	}

	var o outcome
	parallel(func(i int) {
		o.add(f.s.FinishExecution(f.ctx, finished(begun[i]), 5))
	})

	o.check(t, "FinishExecution with keep 5", callers)
	var want []string
	for i := callers - 1; i >= callers-5; i-- {
		want = append(want, begun[i].ID)
	}
	sameIDs(t, "executions kept", executionIDs(f.listExecutions(u.ID, j.ID)), want)
	if got := f.getJob(u.ID, j.ID).LastRunAt; !got.Equal(begun[callers-1].ScheduledAt) {
		t.Errorf("LastRunAt = %v, want %v", got, begun[callers-1].ScheduledAt)
	}
}
