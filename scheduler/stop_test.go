package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestStopBeforeStart checks that a Stop that comes before Start succeeds
// and keeps the scheduler from starting, as when a shutdown signal
// arrives during startup.
func TestStopBeforeStart(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop before Start = %v, want nil", err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("Start after a Stop before Start = %v, want ErrStopped", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
}

// TestStopReportsQueueWithStuckWorkers checks that runs still queued when
// every worker is stuck in a run that ignores cancellation are reported
// as skipped before Stop returns.
func TestStopReportsQueueWithStuckWorkers(t *testing.T) {
	t.Parallel()
	clock := schedulertest.NewClock(epoch)
	reports := &reportLog{}
	var mu sync.Mutex
	skipped := map[string]string{}
	ex := &stubbornExecutor{started: make(chan scheduler.Run, 4), release: make(chan struct{}), returned: make(chan struct{})}
	s := scheduler.New(scheduler.Config{Clock: clock, Workers: 1, StopGrace: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
		Hooks: scheduler.Hooks{AfterRun: reports.afterRun, OnSkip: func(_ context.Context, run scheduler.Run, status, reason string) {
			mu.Lock()
			defer mu.Unlock()
			skipped[run.JobID] = reason
		}}})
	for _, id := range []string{"a", "b", "c", "d"} {
		if _, err := s.Add(scheduler.Job{ID: id, Schedule: mustCompile(t, "* * * * * *"), Executor: ex}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer close(ex.release)
	if !clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	clock.Advance(time.Second)
	var running scheduler.Run
	select {
	case running = <-ex.started:
	case <-time.After(5 * time.Second):
		t.Fatal("no run within 5s")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want %v", err, context.DeadlineExceeded)
	}
	if n := len(reports.all()); n != 1 {
		t.Errorf("Stop returned after %d AfterRun reports, want 1 for the stuck run", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(skipped) != 3 {
		t.Errorf("Stop returned after skip reports for %v, want the 3 jobs other than %s", skipped, running.JobID)
	}
	for id, reason := range skipped {
		if id == running.JobID || reason != "scheduler stopped before the run started" {
			t.Errorf("job %s skipped with reason %q, want only queued jobs, skipped as stopped", id, reason)
		}
	}
}

// TestStopDuringBeforeRunStartsNoRun checks that a run whose BeforeRun
// hook is still working when Stop cancels the runs never reaches its
// executor, and is reported as interrupted before Stop returns.
func TestStopDuringBeforeRunStartsNoRun(t *testing.T) {
	t.Parallel()
	reports := &reportLog{}
	inHook := make(chan scheduler.Run, 1)
	executed := make(chan struct{}, 1)
	ex := scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error {
		executed <- struct{}{}
		return nil
	})
	cfg := scheduler.Config{StopGrace: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		Hooks: scheduler.Hooks{
			// The hook stands for a slow store write: it ends only some
			// time after the runs were cancelled.
			BeforeRun: func(ctx context.Context, run *scheduler.Run) error {
				inHook <- *run
				<-ctx.Done()
				time.Sleep(50 * time.Millisecond)
				return nil
			},
			AfterRun: reports.afterRun,
		}}
	s := startWithRun(t, cfg, ex, inHook)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = s.Stop(ctx)
	select {
	case <-executed:
		t.Error("the executor ran after Stop cancelled the runs")
	default:
	}
	got := reports.all()
	if len(got) != 1 || got[0].Status != scheduler.StatusInterrupted {
		t.Fatalf("Stop returned after reports %+v, want one interrupted run", got)
	}
	if got[0].Error != "the scheduler stopped before the run started" {
		t.Errorf("interrupted report error = %q, want that the run did not start", got[0].Error)
	}
}

// TestRunNowOwnDeadlineDuringStop checks that a RunNow whose own context
// times out while the scheduler stops is reported as timed out: Stop
// neither waits for nor interrupts runs started by RunNow.
func TestRunNowOwnDeadlineDuringStop(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Logger: slog.New(slog.DiscardHandler)})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, res, err := s.RunNow(ctx, scheduler.Job{ID: "x", Executor: scheduler.ExecutorFunc(
		func(ctx context.Context, _ scheduler.Run) error {
			if err := s.Stop(context.Background()); err != nil {
				return err
			}
			<-ctx.Done()
			return ctx.Err()
		})})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != scheduler.StatusTimeout {
		t.Errorf("RunNow past its own deadline = %q (%s), want %q", res.Status, res.Error, scheduler.StatusTimeout)
	}
}

// TestStopEndsRetryWait checks that Stop does not wait out the backoff
// before a retry: the run ends with its last attempt's outcome.
func TestStopEndsRetryWait(t *testing.T) {
	t.Parallel()
	called := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called <- struct{}{}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)

	clock := schedulertest.NewClock(epoch)
	reports := &reportLog{}
	s := scheduler.New(scheduler.Config{Clock: clock, Logger: slog.New(slog.DiscardHandler),
		Hooks: scheduler.Hooks{AfterRun: reports.afterRun}})
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Hour, MaxInterval: time.Hour},
	}
	if _, err := s.Add(scheduler.Job{ID: "daily", Schedule: mustCompile(t, "0 0 * * *"), Executor: ex}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	clock.Advance(12 * time.Hour)
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("the job made no call within 5s")
	}

	// The backoff is drawn from up to an hour, far beyond this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v, want nil: the run should end instead of waiting to retry", err)
	}
	got := reports.all()
	if len(got) != 1 {
		t.Fatalf("AfterRun got %d reports, want 1", len(got))
	}
	if got[0].Status != scheduler.StatusFailure || len(got[0].Attempts) != 1 {
		t.Errorf("run = %s after %d attempts, want failure after 1", got[0].Status, len(got[0].Attempts))
	}
	if !strings.Contains(got[0].Error, "not retried because the scheduler is stopping") {
		t.Errorf("run error = %q, want it to say why there was no retry", got[0].Error)
	}
}

// TestRunNowDuringStart runs RunNow while Start runs, which the race
// detector checks for unguarded state shared by the two.
func TestRunNowDuringStart(t *testing.T) {
	t.Parallel()
	for range 20 {
		s := scheduler.New(scheduler.Config{Logger: slog.New(slog.DiscardHandler), Workers: 1})
		var wg sync.WaitGroup
		var res scheduler.Result
		var runErr, startErr error
		wg.Go(func() {
			_, res, runErr = s.RunNow(context.Background(), scheduler.Job{ID: "now",
				Executor: scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error { return nil })})
		})
		wg.Go(func() { startErr = s.Start(context.Background()) })
		wg.Wait()
		if runErr != nil || res.Status != scheduler.StatusSuccess {
			t.Errorf("RunNow during Start = %s, %v; want success", res.Status, runErr)
		}
		if startErr != nil {
			t.Errorf("Start = %v", startErr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop = %v", err)
		}
		cancel()
	}
}

// TestStopLeavesHangingHook checks that a hook that never returns holds
// Stop back for HookGrace at most.
func TestStopLeavesHangingHook(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	defer close(hang)
	started := make(chan scheduler.Run, 1)
	ex := scheduler.ExecutorFunc(func(_ context.Context, run scheduler.Run) error {
		started <- run
		return nil
	})
	cfg := scheduler.Config{StopGrace: 20 * time.Millisecond, HookGrace: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
		Hooks:  scheduler.Hooks{AfterRun: func(context.Context, scheduler.Run, scheduler.Result) { <-hang }}}
	s := startWithRun(t, cfg, ex, started)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(ctx) }()
	select {
	case err := <-stopped:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop still waits for a hanging AfterRun after 10s")
	}
}
