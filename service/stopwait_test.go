package service

import (
	"context"
	"github.com/recoron/recoron/scheduler"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
)

// slowFinishStore is a memory store whose writes of scheduled outcomes
// take delay, as on a slow database.
type slowFinishStore struct {
	*memstore.Store
	delay time.Duration
}

func (s slowFinishStore) FinishExecution(ctx context.Context, e *store.Execution, keep int) error {
	if e.Trigger == "schedule" && e.Status != store.StatusSkipped && e.Status != store.StatusMissed {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Store.FinishExecution(ctx, e, keep)
}

// TestStopWaitsForOutcomeWrite checks that Stop returns only after the
// outcome of a run cut short by its deadline is stored, even when the
// write takes longer than the deadline.
func TestStopWaitsForOutcomeWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hit := make(chan struct{}, 1)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer sink.Close()

	st := slowFinishStore{Store: memstore.New(), delay: 500 * time.Millisecond}
	svc, p := bootstrapped(t, Config{Store: st, AllowPrivateTargets: true})
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	in := jobInput("* * * * * *")
	in.URL = &sink.URL
	jobs, err := svc.CreateJobs(ctx, p, []JobInput{in}, false)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-hit:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not call the sink within 5s")
	}

	stopCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_ = svc.Stop(stopCtx)
	list, err := st.ListExecutions(ctx, p.User.ID, jobs[0].ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no execution recorded")
	}
	for _, e := range list {
		if e.Status == store.StatusRunning {
			t.Errorf("Stop returned while execution %s (slot %s) was still %q", e.ID, e.ScheduledAt, e.Status)
		}
	}
}

// TestExecuteJobUsesServiceClock checks that a manual run records times
// of the service's clock, as scheduled runs do.
func TestExecuteJobUsesServiceClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()

	clock := schedulertest.NewClock(time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC))
	svc, p := bootstrapped(t, Config{Store: memstore.New(), Clock: clock, AllowPrivateTargets: true})
	in := jobInput("0 0 * * *")
	in.URL = &sink.URL
	jobs, err := svc.CreateJobs(ctx, p, []JobInput{in}, false)
	if err != nil {
		t.Fatal(err)
	}

	e, err := svc.ExecuteJob(ctx, p, jobs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !e.StartedAt.Equal(clock.Now()) || !e.FinishedAt.Equal(clock.Now()) {
		t.Errorf("manual run started %v and finished %v, want the service clock's %v", e.StartedAt, e.FinishedAt, clock.Now())
	}
	for _, a := range e.Attempts {
		if !a.StartedAt.Equal(clock.Now()) {
			t.Errorf("attempt %d started %v, want the service clock's %v", a.Number, a.StartedAt, clock.Now())
		}
	}
}

// TestSkippedSlotMovesNextRun checks that a slot recorded as missed moves
// the job's stored next run past it, so a restart does not walk and
// record it again.
func TestSkippedSlotMovesNextRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2030, time.January, 1, 0, 0, 30, 0, time.UTC)
	svc, p := bootstrapped(t, Config{Store: memstore.New(), Clock: schedulertest.NewClock(start)})
	jobs, err := svc.CreateJobs(ctx, p, []JobInput{jobInput("* * * * *")}, false)
	if err != nil {
		t.Fatal(err)
	}
	job := jobs[0]

	slot := job.NextRunAt
	next := slot.Add(3 * time.Minute)
	svc.onSkip(ctx, scheduler.Run{JobID: job.ID, Owner: job.UserID, ExecutionID: scheduler.NewID("exe"),
		ScheduledAt: slot, NextAt: next, Trigger: scheduler.TriggerSchedule}, store.StatusMissed, "test")
	stored, err := svc.Store().GetJobByID(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.NextRunAt.Equal(next) {
		t.Errorf("after the missed slot %v the stored next run is %v, want %v", slot, stored.NextRunAt, next)
	}
	if !stored.LastRunAt.IsZero() {
		t.Errorf("a missed slot set lastRunAt to %v, want none", stored.LastRunAt)
	}
}
