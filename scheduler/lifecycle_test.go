package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// jitteryJob returns a job every ten seconds whose slots wait for jitter,
// below half the gap.
func jitteryJob(t *testing.T, ex scheduler.Executor) scheduler.Job {
	return scheduler.Job{ID: "jittery", Schedule: mustCompile(t, "*/10 * * * * *"), Executor: ex, Jitter: time.Hour}
}

// waitFired waits until the loop has handled the slot at +10s of the
// jittery job, which then reports its next slot at +20s.
func (h *harness) waitFired(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if next, _ := h.sched.NextRun("jittery"); next.Equal(epoch.Add(20 * time.Second)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the slot at +10s was not handled within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// stepThroughJitter moves the clock in small steps past the jitter cap of
// the slot at +10s.
func (h *harness) stepThroughJitter(t *testing.T) {
	for range 60 {
		h.advance(t, 100*time.Millisecond)
	}
}

func TestRemoveCancelsJitteredRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	if _, err := h.sched.Add(jitteryJob(t, rec)); err != nil {
		t.Fatal(err)
	}
	h.advance(t, 10*time.Second)
	h.waitFired(t)
	h.sched.Remove("jittery")
	h.stepThroughJitter(t)
	rec.none(t)
}

func TestReplaceDuringJitterRunsNewJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	old, replacement := newRecorder(), newRecorder()
	if _, err := h.sched.Add(jitteryJob(t, old)); err != nil {
		t.Fatal(err)
	}
	h.advance(t, 10*time.Second)
	h.waitFired(t)
	if _, err := h.sched.Add(jitteryJob(t, replacement)); err != nil {
		t.Fatal(err)
	}
	h.stepThroughJitter(t)
	if run := replacement.next(t); !run.ScheduledAt.Equal(epoch.Add(10 * time.Second)) {
		t.Errorf("replacement ran slot %v, want %v", run.ScheduledAt, epoch.Add(10*time.Second))
	}
	old.none(t)
}

func TestStopLeavesJitteredSlotUnreported(t *testing.T) {
	t.Parallel()
	clock := schedulertest.NewClock(epoch)
	var mu sync.Mutex
	var skips []string
	s := scheduler.New(scheduler.Config{Clock: clock, Hooks: scheduler.Hooks{
		OnSkip: func(_ context.Context, run scheduler.Run, status, reason string) {
			mu.Lock()
			defer mu.Unlock()
			skips = append(skips, run.ScheduledAt.Format(time.TimeOnly)+" "+status+" "+reason)
		}}})

	if _, err := s.Add(jitteryJob(t, newRecorder())); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.WaitForTimers(1, 5*time.Second)
	clock.Advance(10 * time.Second)
	clock.WaitForTimers(1, 5*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Another instance, or the misfire policy at the next start, handles
	// the slot, so reporting it would claim it for nothing.
	mu.Lock()
	defer mu.Unlock()
	if len(skips) > 0 {
		t.Errorf("Stop reported slots still waiting for jitter: %v", skips)
	}
}

// TestOverlapSkipCountsEarlierRuns checks that a job switched to
// OverlapSkip, directly or after switching back and forth, counts the run
// that started before the switch.
func TestOverlapSkipCountsEarlierRuns(t *testing.T) {
	t.Parallel()
	for name, policies := range map[string][]scheduler.Overlap{
		"allow then skip":      {scheduler.OverlapAllow, scheduler.OverlapSkip},
		"skip, allow and skip": {scheduler.OverlapSkip, scheduler.OverlapAllow, scheduler.OverlapSkip},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, scheduler.Config{})
			rec := newRecorder()
			rec.block = make(chan struct{})
			defer close(rec.block)
			job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec, Overlap: policies[0]}
			if _, err := h.sched.Add(job); err != nil {
				t.Fatal(err)
			}
			h.advance(t, time.Second)
			rec.next(t)
			for _, p := range policies[1:] {
				job.Overlap = p
				if _, err := h.sched.Add(job); err != nil {
					t.Fatal(err)
				}
			}
			h.advance(t, time.Second)
			rec.none(t)
			if got := h.waitSkips(t, 1); len(got) != 1 || !strings.Contains(got[0], "previous run still in flight") {
				t.Errorf("skips = %q, want the slot at +2s skipped for the run in flight", got)
			}
		})
	}
}

func TestVetoSkipContextSurvivesStop(t *testing.T) {
	t.Parallel()
	clock := schedulertest.NewClock(epoch)
	entered := make(chan struct{})
	skipCtxErr := make(chan error, 1)
	s := scheduler.New(scheduler.Config{Clock: clock, Hooks: scheduler.Hooks{
		BeforeRun: func(ctx context.Context, _ *scheduler.Run) error {
			close(entered)
			<-ctx.Done()
			return errors.New("claim failed: " + ctx.Err().Error())
		},
		OnSkip: func(ctx context.Context, _ scheduler.Run, _, _ string) {
			skipCtxErr <- ctx.Err()
		},
	}})

	if _, err := s.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: newRecorder()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.WaitForTimers(1, 5*time.Second)
	clock.Advance(time.Second)
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = s.Stop(ctx) // the deadline passes while BeforeRun waits
	select {
	case err := <-skipCtxErr:
		if err != nil {
			t.Errorf("OnSkip after a veto got a cancelled context (%v), so the skip could not be stored", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnSkip was not called within 5s")
	}
}

func TestRunNowWhileStarting(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Hooks: scheduler.Hooks{
		AfterRun: func(context.Context, scheduler.Run, scheduler.Result) {},
	}})
	done := make(chan scheduler.Result, 1)
	go func() {
		_, res, err := s.RunNow(context.Background(), scheduler.Job{ID: "x", Executor: newRecorder()})
		if err != nil {
			res.Error = err.Error()
		}
		done <- res
	}()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.Status != scheduler.StatusSuccess {
		t.Errorf("RunNow = %s %q, want success", res.Status, res.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Error(err)
	}
}

func TestNewIDLongPrefix(t *testing.T) {
	t.Parallel()
	prefix := strings.Repeat("p", 64)
	id := scheduler.NewID(prefix)
	if !strings.HasPrefix(id, prefix+"_") || len(id) != len(prefix)+27 {
		t.Errorf("NewID(%d-byte prefix) = %q, want the prefix, an underscore and 26 characters", len(prefix), id)
	}
}

func TestAddRejectsZeroSchedule(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	if _, err := s.Add(scheduler.Job{ID: "z", Schedule: new(cron.Schedule), Executor: newRecorder()}); err == nil {
		t.Error("Add accepted a zero Schedule")
	}
	if n := s.Len(); n != 0 {
		t.Errorf("Len = %d after a rejected Add, want 0", n)
	}
}

func TestAddRejectsInvalidPolicies(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	base := scheduler.Job{ID: "p", Schedule: mustCompile(t, "@daily"), Executor: newRecorder()}
	for name, change := range map[string]func(*scheduler.Job){
		"unknown overlap":  func(j *scheduler.Job) { j.Overlap = 7 },
		"unknown misfire":  func(j *scheduler.Job) { j.Misfire = 9 },
		"negative timeout": func(j *scheduler.Job) { j.Timeout = -time.Second },
		"negative catchUp": func(j *scheduler.Job) { j.CatchUp = -time.Second },
		"negative jitter":  func(j *scheduler.Job) { j.Jitter = -time.Second },
	} {
		job := base
		change(&job)
		if _, err := s.Add(job); err == nil {
			t.Errorf("Add accepted a job with %s", name)
		}
	}
	if n := s.Len(); n != 0 {
		t.Errorf("Len = %d after rejected jobs, want 0", n)
	}
}

func TestAddReturnsUTC(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cron.Compile("0 9 * * *", cron.Options{Location: tokyo})
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.Add(scheduler.Job{ID: "tokyo", Schedule: sched, Executor: newRecorder()})
	if err != nil {
		t.Fatal(err)
	}
	fromNextRun, _ := s.NextRun("tokyo")
	if next.Location() != time.UTC || next != fromNextRun {
		t.Errorf("Add returned %v, NextRun %v; want the same instant in UTC", next, fromNextRun)
	}
}
