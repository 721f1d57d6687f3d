package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

func TestStoppedSchedulerRejectsCalls(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	rec := newRecorder()
	next, err := s.Add(scheduler.Job{ID: "late", Schedule: mustCompile(t, "@daily"), Executor: rec})
	if !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("Add after Stop = %v, want ErrStopped", err)
	}
	if !next.IsZero() {
		t.Errorf("Add after Stop returned next slot %v, want zero", next)
	}
	if n := s.Len(); n != 0 {
		t.Errorf("Len after a rejected Add = %d, want 0", n)
	}
	if err := s.Start(context.Background()); !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("Start after Stop = %v, want ErrStopped", err)
	}
	if _, _, err := s.RunNow(context.Background(), scheduler.Job{ID: "late", Executor: rec}); !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("RunNow after Stop = %v, want ErrStopped", err)
	}
	rec.none(t)
}

func TestStartTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	if err := h.sched.Start(context.Background()); !errors.Is(err, scheduler.ErrAlreadyStarted) {
		t.Errorf("second Start = %v, want ErrAlreadyStarted", err)
	}
}

func TestInvalidJobsMatchErrInvalidJob(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	base := scheduler.Job{ID: "p", Schedule: mustCompile(t, "@daily"), Executor: newRecorder()}
	for name, change := range map[string]func(*scheduler.Job){
		"empty id":          func(j *scheduler.Job) { j.ID = "" },
		"nil schedule":      func(j *scheduler.Job) { j.Schedule = nil },
		"zero schedule":     func(j *scheduler.Job) { j.Schedule = new(cron.Schedule) },
		"nil executor":      func(j *scheduler.Job) { j.Executor = nil },
		"nil ExecutorFunc":  func(j *scheduler.Job) { j.Executor = scheduler.ExecutorFunc(nil) },
		"nil *HTTPExecutor": func(j *scheduler.Job) { j.Executor = (*scheduler.HTTPExecutor)(nil) },
		"unknown overlap":   func(j *scheduler.Job) { j.Overlap = 7 },
		"negative catchUp":  func(j *scheduler.Job) { j.CatchUp = -time.Second },
		"negative timeout":  func(j *scheduler.Job) { j.Timeout = -time.Second },
	} {
		job := base
		change(&job)
		_, err := s.Add(job)
		if !errors.Is(err, scheduler.ErrInvalidJob) {
			t.Errorf("Add of a job with %s = %v, want ErrInvalidJob", name, err)
		}
	}
	if n := s.Len(); n != 0 {
		t.Errorf("Len = %d after rejected jobs, want 0", n)
	}
}

func TestInvalidJobKeepsMessage(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	_, err := s.Add(scheduler.Job{ID: "p", Schedule: mustCompile(t, "@daily"), Executor: newRecorder(), Overlap: 7})
	if want := "scheduler: job p has unknown Overlap 7; use OverlapAllow or OverlapSkip"; err == nil || err.Error() != want {
		t.Errorf("Add = %v, want %q", err, want)
	}
}

func TestRunNowRejectsNilExecutor(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch), Logger: logs.logger()})
	for name, ex := range map[string]scheduler.Executor{
		"nil":              nil,
		"nil ExecutorFunc": scheduler.ExecutorFunc(nil),
	} {
		if _, _, err := s.RunNow(context.Background(), scheduler.Job{ID: "x", Executor: ex}); !errors.Is(err, scheduler.ErrInvalidJob) {
			t.Errorf("RunNow with a %s executor = %v, want ErrInvalidJob", name, err)
		}
	}
	if panics := logs.matching("executor panicked"); len(panics) > 0 {
		t.Errorf("RunNow ran a nil executor: %+v", panics)
	}
}

func TestZeroSchedulerReturnsErrors(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]*scheduler.Scheduler{"zero": new(scheduler.Scheduler), "nil": nil} {
		if err := s.Start(context.Background()); !errors.Is(err, scheduler.ErrNotInitialized) {
			t.Errorf("%s Scheduler: Start = %v, want ErrNotInitialized", name, err)
		}
		if err := s.Stop(context.Background()); !errors.Is(err, scheduler.ErrNotInitialized) {
			t.Errorf("%s Scheduler: Stop = %v, want ErrNotInitialized", name, err)
		}
		job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "@daily"), Executor: newRecorder()}
		if _, err := s.Add(job); !errors.Is(err, scheduler.ErrNotInitialized) {
			t.Errorf("%s Scheduler: Add = %v, want ErrNotInitialized", name, err)
		}
		if _, _, err := s.RunNow(context.Background(), job); !errors.Is(err, scheduler.ErrNotInitialized) {
			t.Errorf("%s Scheduler: RunNow = %v, want ErrNotInitialized", name, err)
		}
		if s.Remove("j") {
			t.Errorf("%s Scheduler: Remove reported a job", name)
		}
		if _, ok := s.NextRun("j"); ok {
			t.Errorf("%s Scheduler: NextRun reported a job", name)
		}
		if ids := s.JobIDs(); len(ids) != 0 {
			t.Errorf("%s Scheduler: JobIDs = %v, want none", name, ids)
		}
		if n := s.Len(); n != 0 {
			t.Errorf("%s Scheduler: Len = %d, want 0", name, n)
		}
	}
}

func TestFutureAfterDelaysFirstSlot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	after := epoch.Add(10 * time.Second)
	next, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec, After: after})
	if err != nil {
		t.Fatal(err)
	}
	want := epoch.Add(11 * time.Second)
	if !next.Equal(want) {
		t.Errorf("Add returned next slot %v, want %v, the first slot after After", next, want)
	}
	h.advance(t, 5*time.Second)
	rec.none(t)
	h.advance(t, 6*time.Second)
	if run := rec.next(t); !run.ScheduledAt.Equal(want) {
		t.Errorf("first run scheduled at %v, want %v", run.ScheduledAt, want)
	}
	if got := h.skipped(); len(got) != 0 {
		t.Errorf("skips = %q, want none for slots before After", got)
	}
}
