package scheduler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// past is a fake time years before the wall clock, where comparing the
// fake NextAt with the wall clock would drop every retry.
var past = time.Date(2001, 2, 3, 4, 5, 0, 0, time.UTC)

func TestHTTPRetryCutOffReadsContextClock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		untilNext time.Duration // from the fake now to Run.NextAt
		interval  time.Duration
		attempts  int
	}{
		{"retries fit before the next slot", time.Minute, time.Millisecond, 3},
		{"first wait passes the next slot", time.Second, time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, 503, 503, 200)
			ex := &scheduler.HTTPExecutor{
				Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
				Method: http.MethodGet, URL: s.srv.URL,
				Retry: scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: tc.interval, MaxInterval: tc.interval},
			}
			clock := schedulertest.NewClock(past)
			ctx := scheduler.ContextWithClock(context.Background(), clock)
			run := scheduler.Run{Trigger: scheduler.TriggerSchedule, ScheduledAt: past, NextAt: past.Add(tc.untilNext)}
			res := ex.Execute(ctx, run)
			if len(res.Attempts) != tc.attempts {
				t.Errorf("attempts = %d, want %d", len(res.Attempts), tc.attempts)
			}
			if !res.StartedAt.Equal(past) || !res.FinishedAt.Equal(past) {
				t.Errorf("result runs from %v to %v, want both at the fake time %v", res.StartedAt, res.FinishedAt, past)
			}
			for _, a := range res.Attempts {
				if !a.StartedAt.Equal(past) {
					t.Errorf("attempt %d started at %v, want the fake time %v", a.Number, a.StartedAt, past)
				}
			}
		})
	}
}

func TestSchedulerStampsResultFromClock(t *testing.T) {
	t.Parallel()
	results := make(chan scheduler.Result, 1)
	h := newHarness(t, scheduler.Config{Hooks: scheduler.Hooks{
		AfterRun: func(_ context.Context, _ scheduler.Run, res scheduler.Result) { results <- res },
	}})

	// The function takes three seconds of the fake clock.
	slow := scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error {
		h.clock.Advance(3 * time.Second)
		return nil
	})
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * *"), Executor: slow}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Hour)

	var res scheduler.Result
	select {
	case res = <-results:
	case <-time.After(5 * time.Second):
		t.Fatal("no result within 5s")
	}

	start := epoch.Add(time.Hour)
	if !res.StartedAt.Equal(start) {
		t.Errorf("StartedAt = %v, want the fake time %v", res.StartedAt, start)
	}
	if !res.FinishedAt.Equal(start.Add(3 * time.Second)) {
		t.Errorf("FinishedAt = %v, want %v", res.FinishedAt, start.Add(3*time.Second))
	}
	if res.Duration != 3*time.Second {
		t.Errorf("Duration = %v, want 3s of the fake clock", res.Duration)
	}
	if len(res.Attempts) != 1 || !res.Attempts[0].StartedAt.Equal(start) {
		t.Errorf("attempts = %+v, want one started at %v", res.Attempts, start)
	}
}

func TestScheduledHTTPRetriesOnPastClock(t *testing.T) {
	t.Parallel()
	results := make(chan scheduler.Result, 1)
	clock := schedulertest.NewClock(past)
	s := scheduler.New(scheduler.Config{Clock: clock, Hooks: scheduler.Hooks{
		AfterRun: func(_ context.Context, _ scheduler.Run, res scheduler.Result) { results <- res },
	}})

	sink := newSink(t, 503, 200)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: sink.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond},
	}
	if _, err := s.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * * *"), Executor: ex}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})

	if !clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	clock.Advance(time.Minute)
	select {
	case res := <-results:
		if res.Status != scheduler.StatusSuccess || len(res.Attempts) != 2 {
			t.Errorf("result = %s after %d attempts, want success after 2", res.Status, len(res.Attempts))
		}
		if slot := past.Add(time.Minute); !res.StartedAt.Equal(slot) {
			t.Errorf("StartedAt = %v, want the fake time %v", res.StartedAt, slot)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result within 5s")
	}
}
