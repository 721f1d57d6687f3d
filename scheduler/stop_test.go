package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// reportLog records the AfterRun reports of a scheduler.
type reportLog struct {
	mu      sync.Mutex
	results []scheduler.Result
}

func (l *reportLog) afterRun(_ context.Context, _ scheduler.Run, res scheduler.Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, res)
}

func (l *reportLog) all() []scheduler.Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]scheduler.Result(nil), l.results...)
}

// startWithRun starts a scheduler on a fake clock with one job every
// second, fires its first slot and waits until ex runs it.
func startWithRun(t *testing.T, cfg scheduler.Config, ex scheduler.Executor, started <-chan scheduler.Run) *scheduler.Scheduler {
	t.Helper()
	clock := schedulertest.NewClock(epoch)
	cfg.Clock = clock
	s := scheduler.New(cfg)
	if _, err := s.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: ex}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	clock.Advance(time.Second)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no run within 5s")
	}
	return s
}

// stopResult is what one Stop call returned, and how many runs AfterRun
// had seen by then.
type stopResult struct {
	err     error
	reports int
}

// stopConcurrently calls Stop once per context, all at once, and returns
// a channel with their results.
func stopConcurrently(s *scheduler.Scheduler, reports *reportLog, ctxs ...context.Context) <-chan stopResult {
	out := make(chan stopResult, len(ctxs))
	for _, ctx := range ctxs {
		go func() {
			err := s.Stop(ctx)
			out <- stopResult{err, len(reports.all())}
		}()
	}
	return out
}

func TestConcurrentStopsWaitForRun(t *testing.T) {
	t.Parallel()
	reports := &reportLog{}
	rec := newRecorder()
	rec.block = make(chan struct{})
	s := startWithRun(t, scheduler.Config{Hooks: scheduler.Hooks{AfterRun: reports.afterRun}}, rec, rec.runs)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	results := stopConcurrently(s, reports, ctx, ctx)
	select {
	case r := <-results:
		t.Fatalf("Stop returned %v while the run was still in flight", r.err)
	case <-time.After(50 * time.Millisecond):
	}
	close(rec.block)
	for i := range 2 {
		r := <-results
		if r.err != nil {
			t.Errorf("Stop call %d = %v, want nil", i, r.err)
		}
		if r.reports != 1 {
			t.Errorf("Stop call %d returned after %d AfterRun reports, want 1", i, r.reports)
		}
	}
}

func TestConcurrentStopsShareDeadlineError(t *testing.T) {
	t.Parallel()
	reports := &reportLog{}
	rec := newRecorder()
	rec.block = make(chan struct{}) // never closed: only cancellation ends the run
	s := startWithRun(t, scheduler.Config{Hooks: scheduler.Hooks{AfterRun: reports.afterRun}}, rec, rec.runs)

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	results := stopConcurrently(s, reports, short, context.Background())
	for i := range 2 {
		r := <-results
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("Stop call %d = %v, want the deadline error of the first context to end", i, r.err)
		}
		if r.reports != 1 {
			t.Errorf("Stop call %d returned after %d AfterRun reports, want 1", i, r.reports)
		}
	}
	if got := reports.all(); len(got) != 1 || got[0].Status != scheduler.StatusInterrupted {
		t.Errorf("AfterRun reports = %+v, want one interrupted run", got)
	}
	// A later call returns the same result.
	if err := s.Stop(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop after the shutdown = %v, want the same deadline error", err)
	}
}

// stubbornExecutor ignores its context and returns only when release is
// closed.
type stubbornExecutor struct {
	started  chan scheduler.Run
	release  chan struct{}
	returned chan struct{}
}

func (e *stubbornExecutor) Execute(_ context.Context, run scheduler.Run) scheduler.Result {
	e.started <- run
	<-e.release
	close(e.returned)
	return scheduler.Result{Status: scheduler.StatusSuccess}
}

func TestStopLeavesRunIgnoringCancellation(t *testing.T) {
	t.Parallel()
	reports := &reportLog{}
	logs := newLogRecorder()
	ex := &stubbornExecutor{started: make(chan scheduler.Run, 1), release: make(chan struct{}), returned: make(chan struct{})}
	cfg := scheduler.Config{Logger: logs.logger(), StopGrace: 20 * time.Millisecond,
		Hooks: scheduler.Hooks{AfterRun: reports.afterRun}}
	s := startWithRun(t, cfg, ex, ex.started)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want %v", err, context.DeadlineExceeded)
	}
	select {
	case <-ex.returned:
		t.Fatal("the executor returned although nothing released it")
	default:
	}
	got := reports.all()
	if len(got) != 1 {
		t.Fatalf("Stop returned after %d AfterRun reports, want 1", len(got))
	}
	if got[0].Status != scheduler.StatusInterrupted {
		t.Errorf("the run left running is reported as %q, want %q", got[0].Status, scheduler.StatusInterrupted)
	}
	if got[0].StartedAt.IsZero() || got[0].FinishedAt.IsZero() {
		t.Errorf("the interrupted report has StartedAt %v and FinishedAt %v, want both set", got[0].StartedAt, got[0].FinishedAt)
	}

	// The late return is logged, not reported a second time.
	close(ex.release)
	logs.wait(t, "scheduler dropped the result of a run that returned after Stop reported it interrupted")
	if n := len(reports.all()); n != 1 {
		t.Errorf("AfterRun got %d reports after the late return, want 1", n)
	}
}

func TestStopIdleWithCancelledContext(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch), Logger: logs.logger()})
	if _, err := s.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "@daily"), Executor: newRecorder()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("Stop with nothing in flight = %v, want nil", err)
	}
	if warnings := logs.atLeast(slog.LevelWarn); len(warnings) > 0 {
		t.Errorf("Stop with nothing in flight logged %+v, want no warning", warnings)
	}
}

func TestStopBeforeStart(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop before Start = %v, want nil", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Errorf("Start after a Stop before Start = %v, want nil", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop = %v, want nil", err)
	}
}
