package scheduler_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// recorder is an executor that sends every run to a channel.
type recorder struct {
	runs  chan scheduler.Run
	block chan struct{} // when non-nil, runs wait for it to close
}

func newRecorder() *recorder { return &recorder{runs: make(chan scheduler.Run, 1000)} }

func (r *recorder) Execute(ctx context.Context, run scheduler.Run) scheduler.Result {
	r.runs <- run
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return scheduler.Result{Status: scheduler.StatusTimeout, Error: ctx.Err().Error()}
		}
	}
	return scheduler.Result{Status: scheduler.StatusSuccess}
}

func (r *recorder) next(t *testing.T) scheduler.Run {
	t.Helper()
	select {
	case run := <-r.runs:
		return run
	case <-time.After(5 * time.Second):
		t.Fatal("no run within 5s")
		return scheduler.Run{}
	}
}

func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case run := <-r.runs:
		t.Fatalf("unexpected run %+v", run)
	case <-time.After(50 * time.Millisecond):
	}
}

type harness struct {
	clock *schedulertest.Clock
	sched *scheduler.Scheduler

	mu    sync.Mutex
	skips []string
}

func newHarness(t *testing.T, cfg scheduler.Config) *harness {
	t.Helper()
	h := &harness{clock: schedulertest.NewClock(epoch)}
	cfg.Clock = h.clock
	if cfg.Hooks.OnSkip == nil {
		cfg.Hooks.OnSkip = func(_ context.Context, run scheduler.Run, status, reason string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.skips = append(h.skips, status+" "+run.ScheduledAt.Format(time.TimeOnly)+" "+reason)
		}
	}
	h.sched = scheduler.New(cfg)
	if err := h.sched.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.sched.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return h
}

// advance moves the fake clock once the scheduler is asleep.
func (h *harness) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if !h.clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	// The loop must also sleep on a timer due by the earliest next run,
	// or a job added since it last woke could be handled late, together
	// with its next slot.
	for deadline := time.Now().Add(5 * time.Second); ; {
		timer, ok := h.clock.NextTimer()
		earliest := h.earliestNextRun()
		if ok && (earliest.IsZero() || !timer.After(earliest.Add(time.Millisecond))) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduler sleeps until %v, after the earliest next run %v", timer, earliest)
		}
		time.Sleep(time.Millisecond)
	}
	h.clock.Advance(d)
}

// earliestNextRun returns the earliest next run of the registered jobs, or
// the zero Time when none has one.
func (h *harness) earliestNextRun() time.Time {
	var earliest time.Time
	for _, id := range h.sched.JobIDs() {
		if next, ok := h.sched.NextRun(id); ok && !next.IsZero() && (earliest.IsZero() || next.Before(earliest)) {
			earliest = next
		}
	}
	return earliest
}

// waitSkips polls until n skips are recorded by the workers or 5s pass,
// and returns them sorted.
func (h *harness) waitSkips(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.skipped()) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := h.skipped()
	sort.Strings(got)
	return got
}

func (h *harness) skipped() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.skips...)
}

func mustCompile(t *testing.T, expr string) *cron.Schedule {
	t.Helper()
	s, err := cron.Compile(expr, cron.Options{Location: time.UTC, Anchor: epoch})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEverySecondFiresAtNominalTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	next, err := h.sched.Add(scheduler.Job{ID: "j1", Owner: "u1", Schedule: mustCompile(t, "* * * * * *"), Executor: rec})
	if err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(time.Second); !next.Equal(want) {
		t.Fatalf("next = %v, want %v", next, want)
	}

	for i := 1; i <= 5; i++ {
		// Advancing by slightly more than a second each time must not
		// make the nominal times drift.
		h.advance(t, time.Second+3*time.Millisecond)
		run := rec.next(t)
		if want := epoch.Add(time.Duration(i) * time.Second); !run.ScheduledAt.Equal(want) {
			t.Errorf("run %d scheduled at %v, want %v", i, run.ScheduledAt, want)
		}
		if run.JobID != "j1" || run.Owner != "u1" || run.Trigger != scheduler.TriggerSchedule {
			t.Errorf("run %d = %+v", i, run)
		}
		if run.ExecutionID == "" {
			t.Errorf("run %d has no execution id", i)
		}
	}
}

func TestRemoveStopsFiring(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	if !h.sched.Remove("j") {
		t.Fatal("Remove reported the job unknown")
	}
	if h.sched.Remove("j") {
		t.Fatal("second Remove reported the job known")
	}
	h.clock.Advance(3 * time.Second)
	rec.none(t)
	if _, ok := h.sched.NextRun("j"); ok {
		t.Error("NextRun still knows the removed job")
	}
}

func TestReplaceKeepsOneEntry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	for _, expr := range []string{"* * * * * *", "*/5 * * * * *"} {
		if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, expr), Executor: rec}); err != nil {
			t.Fatal(err)
		}
	}
	if h.sched.Len() != 1 {
		t.Fatalf("Len = %d, want 1", h.sched.Len())
	}
	h.advance(t, 5*time.Second)
	run := rec.next(t)
	if want := epoch.Add(5 * time.Second); !run.ScheduledAt.Equal(want) {
		t.Errorf("scheduled at %v, want %v", run.ScheduledAt, want)
	}
	rec.none(t)
}

func TestOverlapSkipRecordsSkippedSlot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	rec.block = make(chan struct{})
	job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec, Overlap: scheduler.OverlapSkip}
	if _, err := h.sched.Add(job); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	rec.next(t) // first run now blocks
	h.advance(t, time.Second)
	if !h.clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	skips := h.waitSkips(t, 1)
	close(rec.block)

	if len(skips) != 1 {
		t.Fatalf("skips = %q, want one", skips)
	}
	if want := "skipped 12:00:02 previous run still in flight"; skips[0] != want {
		t.Errorf("skip = %q, want %q", skips[0], want)
	}
}

func TestClockJumpReportsMissedSlotsAndRunsLatest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{CatchUpWindow: 10 * time.Second})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, 5*time.Minute+30*time.Second)

	run := rec.next(t)
	if want := epoch.Add(5 * time.Minute); !run.ScheduledAt.Equal(want) {
		t.Errorf("coalesced run scheduled at %v, want %v", run.ScheduledAt, want)
	}
	rec.none(t)
	coalesced := "the scheduler was down or behind when this slot came due; only the latest due slot runs"
	want := []string{
		"missed 12:01:00 " + coalesced,
		"missed 12:02:00 " + coalesced,
		"missed 12:03:00 " + coalesced,
		"missed 12:04:00 " + coalesced,
	}
	got := h.waitSkips(t, len(want))
	if len(got) != len(want) {
		t.Fatalf("skips = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("skip %d = %q, want %q", i, got[i], want[i])
		}
	}
	if next, _ := h.sched.NextRun("j"); !next.Equal(epoch.Add(6 * time.Minute)) {
		t.Errorf("next = %v, want 12:06", next)
	}
}

func TestBeforeRunErrorSkips(t *testing.T) {
	t.Parallel()
	var h *harness
	h = newHarness(t, scheduler.Config{Hooks: scheduler.Hooks{
		BeforeRun: func(context.Context, *scheduler.Run) error { return errBudget },
		OnSkip: func(_ context.Context, run scheduler.Run, status, reason string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.skips = append(h.skips, status+" "+reason)
		},
	}})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	rec.none(t)
	if got := h.waitSkips(t, 1); len(got) != 1 || got[0] != "skipped monthly budget used" {
		t.Errorf("skips = %q", got)
	}
}

type budgetError struct{}

func (budgetError) Error() string { return "monthly budget used" }

var errBudget = budgetError{}

func TestAfterRunSeesResult(t *testing.T) {
	t.Parallel()
	results := make(chan scheduler.Result, 1)
	h := newHarness(t, scheduler.Config{Hooks: scheduler.Hooks{
		AfterRun: func(_ context.Context, _ scheduler.Run, res scheduler.Result) { results <- res },
	}})
	fail := scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error { return errBudget })
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: fail}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	select {
	case res := <-results:
		if res.Status != scheduler.StatusFailure || res.Error != "monthly budget used" {
			t.Errorf("result = %+v", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result")
	}
}

func TestPanickingExecutorFailsRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	boom := scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error { panic("boom") })
	_, res, err := h.sched.RunNow(context.Background(), scheduler.Job{ID: "p", Schedule: mustCompile(t, "@hourly"), Executor: boom})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != scheduler.StatusFailure || res.Error != "executor panicked: boom" {
		t.Errorf("result = %+v", res)
	}
}

func TestStopWaitsForRunsThenCancels(t *testing.T) {
	t.Parallel()
	clock := schedulertest.NewClock(epoch)
	type outcome struct {
		res    scheduler.Result
		ctxErr error
	}
	after := make(chan outcome, 1)
	s := scheduler.New(scheduler.Config{Clock: clock, Hooks: scheduler.Hooks{
		AfterRun: func(ctx context.Context, _ scheduler.Run, res scheduler.Result) {
			after <- outcome{res, ctx.Err()}
		},
	}})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	rec.block = make(chan struct{}) // never closed: only cancellation ends the run
	if _, err := s.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	clock.WaitForTimers(1, 5*time.Second)
	clock.Advance(time.Second)
	rec.next(t)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); err != context.DeadlineExceeded {
		t.Errorf("Stop = %v, want deadline exceeded", err)
	}
	// The cancelled run is reported as interrupted, through a context
	// that still lets the hook store it.
	got := <-after
	if got.res.Status != scheduler.StatusInterrupted || got.ctxErr != nil {
		t.Errorf("AfterRun got status %q with context error %v, want %q and a live context",
			got.res.Status, got.ctxErr, scheduler.StatusInterrupted)
	}
}

func TestAddValidates(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Config{Clock: schedulertest.NewClock(epoch)})
	if _, err := s.Add(scheduler.Job{Schedule: mustCompile(t, "@daily"), Executor: newRecorder()}); err == nil {
		t.Error("job without id accepted")
	}
	if _, err := s.Add(scheduler.Job{ID: "x", Executor: newRecorder()}); err == nil {
		t.Error("job without schedule accepted")
	}
	if _, err := s.Add(scheduler.Job{ID: "x", Schedule: mustCompile(t, "@daily")}); err == nil {
		t.Error("job without executor accepted")
	}
}

func TestMisfireSkipRunsNothingLate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{CatchUpWindow: 10 * time.Second})
	rec := newRecorder()
	job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec, Misfire: scheduler.MisfireSkip}
	if _, err := h.sched.Add(job); err != nil {
		t.Fatal(err)
	}
	h.advance(t, 3*time.Minute+30*time.Second)
	if got := h.waitSkips(t, 3); len(got) != 3 {
		t.Fatalf("skips = %q, want 3 missed slots", got)
	}
	rec.none(t)

	// The next slot is on time again and runs.
	h.advance(t, 30*time.Second)
	if run := rec.next(t); !run.ScheduledAt.Equal(epoch.Add(4 * time.Minute)) {
		t.Errorf("scheduled at %v, want 12:04", run.ScheduledAt)
	}
}

// TestBacklogWithinWindowRunsLatest checks that slots which came due
// together, because the scheduler was behind, coalesce into one run of
// the latest even when all are within the catch-up window.
func TestBacklogWithinWindowRunsLatest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{CatchUpWindow: time.Minute})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, 3*time.Second)
	if run := rec.next(t); !run.ScheduledAt.Equal(epoch.Add(3 * time.Second)) {
		t.Errorf("ran slot %v, want the latest, %v", run.ScheduledAt, epoch.Add(3*time.Second))
	}
	rec.none(t)
	coalesced := "the scheduler was down or behind when this slot came due; only the latest due slot runs"
	got := h.waitSkips(t, 2)
	want := []string{"missed 12:00:01 " + coalesced, "missed 12:00:02 " + coalesced}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("skips = %q, want %q", got, want)
	}
}

func TestAfterResumesPastSlots(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{CatchUpWindow: 10 * time.Second})
	rec := newRecorder()
	// The job's last handled slot was 11:56. The slots 11:57 to 11:59
	// passed while the process was down, and the 12:00 slot is due now:
	// only 12:00 runs and the others are missed.
	job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec,
		After: epoch.Add(-4 * time.Minute)}
	if _, err := h.sched.Add(job); err != nil {
		t.Fatal(err)
	}
	if run := rec.next(t); !run.ScheduledAt.Equal(epoch) {
		t.Errorf("ran slot %v, want %v", run.ScheduledAt, epoch)
	}
	rec.none(t)
	coalesced := "the scheduler was down or behind when this slot came due; only the latest due slot runs"
	got := h.waitSkips(t, 3)
	want := []string{"missed 11:57:00 " + coalesced, "missed 11:58:00 " + coalesced, "missed 11:59:00 " + coalesced}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("skips = %q, want %q", got, want)
	}
}

func TestJitterDeterministicAndCapped(t *testing.T) {
	t.Parallel()
	// firedAt runs the job on a new scheduler, moving the fake clock in
	// steps of 250ms, and returns the clock's time when the first run was
	// queued and the slot it reported.
	firedAt := func() (time.Time, time.Time) {
		fired := make(chan time.Time, 1)
		clock := schedulertest.NewClock(epoch)
		s := scheduler.New(scheduler.Config{Clock: clock, Hooks: scheduler.Hooks{OnFire: func(scheduler.Run) {
			select {
			case fired <- clock.Now():
			default:
			}
		}}})
		rec := newRecorder()
		job := scheduler.Job{ID: "jittery", Schedule: mustCompile(t, "*/10 * * * * *"), Executor: rec, Jitter: time.Hour}
		// Adding the job before Start means the loop's first timer already
		// counts it, so every step below is seen by a sleeping loop.
		if _, err := s.Add(job); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := s.Stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
		}()
		for range 80 {
			if !clock.WaitForTimers(1, 5*time.Second) {
				t.Fatal("scheduler never went to sleep")
			}
			clock.Advance(250 * time.Millisecond)
			// The run is queued, if at all, before the loop sleeps again.
			if !clock.WaitForTimers(1, 5*time.Second) {
				t.Fatal("scheduler never went to sleep")
			}
			select {
			case at := <-fired:
				return at, rec.next(t).ScheduledAt
			default:
			}
		}
		t.Fatal("no run within 20s")
		return time.Time{}, time.Time{}
	}

	at, slot := firedAt()
	t.Logf("slot %v queued at %v", slot, at)
	if want := epoch.Add(10 * time.Second); !slot.Equal(want) {
		t.Errorf("run reports %v, want the nominal slot %v", slot, want)
	}
	// The cap is half the 10s gap. This job id and slot hash to a nonzero
	// delay, so the run comes after the slot.
	if !at.After(slot) || !at.Before(slot.Add(5*time.Second)) {
		t.Errorf("run queued at %v, want after the slot %v and before the cap %v", at, slot, slot.Add(5*time.Second))
	}
	// The same job id and slot give the same delay on another scheduler.
	if at2, _ := firedAt(); !at2.Equal(at) {
		t.Errorf("second scheduler queued the run at %v, first at %v", at2, at)
	}
}

func TestBackwardClockJumpDoesNotFireEarly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Minute)
	if run := rec.next(t); !run.ScheduledAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("first run at %v", run.ScheduledAt)
	}

	// The clock steps back an hour. A job added now must wait for its
	// own next minute, not fire at once.
	if !h.clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler never went to sleep")
	}
	h.clock.Set(epoch.Add(-time.Hour))
	rec2 := newRecorder()
	next, err := h.sched.Add(scheduler.Job{ID: "k", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec2})
	if err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(-time.Hour + time.Minute); !next.Equal(want) {
		t.Errorf("next = %v, want %v", next, want)
	}
	rec2.none(t)
	h.advance(t, time.Minute)
	if run := rec2.next(t); !run.ScheduledAt.Equal(epoch.Add(-time.Hour + time.Minute)) {
		t.Errorf("run at %v, want 11:01", run.ScheduledAt)
	}
}

func TestOverlapSkipRunsLatestOfBacklog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	job := scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec,
		Overlap: scheduler.OverlapSkip, After: epoch.Add(-3 * time.Second)}
	if _, err := h.sched.Add(job); err != nil {
		t.Fatal(err)
	}
	// Slots 11:59:58 to 12:00:00 are due at once; only the last runs.
	if run := rec.next(t); !run.ScheduledAt.Equal(epoch) {
		t.Errorf("ran %v, want the latest slot %v", run.ScheduledAt, epoch)
	}
	rec.none(t)
	if got := h.waitSkips(t, 2); len(got) != 2 || !strings.Contains(got[0], "only the latest due slot runs") {
		t.Errorf("skips = %q, want the two earlier slots", got)
	}
}

func TestFullQueueReportsSkippedSlots(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{Workers: 1, QueueSize: 1})
	rec := newRecorder()
	rec.block = make(chan struct{})
	defer close(rec.block)
	// Job a takes the one worker first. Then b and c fire at once: b waits
	// in the queue of one, and c finds the queue full and is reported.
	for id, expr := range map[string]string{"a": "30 * * * * *", "b": "0 * * * * *", "c": "0 * * * * *"} {
		if _, err := h.sched.Add(scheduler.Job{ID: id, Schedule: mustCompile(t, expr), Executor: rec}); err != nil {
			t.Fatal(err)
		}
	}
	h.advance(t, 30*time.Second)
	if run := rec.next(t); run.JobID != "a" {
		t.Fatalf("first run is of job %s, want a", run.JobID)
	}
	h.advance(t, 30*time.Second)
	got := h.waitSkips(t, 1)
	if len(got) != 1 || !strings.Contains(got[0], "worker queue full") {
		t.Errorf("skips = %q, want one slot reported for a full queue", got)
	}
}

// TestReplaceKeepsQueuedRun checks that a run already fired uses the job
// as it was at its slot, even when the job is replaced or removed before
// a worker takes the run.
func TestReplaceKeepsQueuedRun(t *testing.T) {
	t.Parallel()
	fired := make(chan scheduler.Run, 10)
	h := newHarness(t, scheduler.Config{Workers: 1, Hooks: scheduler.Hooks{OnFire: func(run scheduler.Run) {
		fired <- run
	}}})
	blocker := newRecorder()
	blocker.block = make(chan struct{})
	old, replacement := newRecorder(), newRecorder()
	every := mustCompile(t, "* * * * * *")
	if _, err := h.sched.Add(scheduler.Job{ID: "blocker", Schedule: mustCompile(t, "1 * * * * *"), Executor: blocker}); err != nil {
		t.Fatal(err)
	}
	// The one worker is busy with the blocker when the job's slot at +2s
	// is queued behind it.
	h.advance(t, time.Second)
	blocker.next(t)
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: every, Executor: old, Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	for waiting := true; waiting; {
		select {
		case run := <-fired:
			waiting = run.JobID != "j"
		case <-time.After(5 * time.Second):
			t.Fatal("the slot at +2s did not fire within 5s")
		}
	}
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: every, Executor: replacement}); err != nil {
		t.Fatal(err)
	}
	h.sched.Remove("j")
	close(blocker.block)

	run := old.next(t)
	if !run.ScheduledAt.Equal(epoch.Add(2 * time.Second)) {
		t.Errorf("queued run reports slot %v, want %v", run.ScheduledAt, epoch.Add(2*time.Second))
	}
	replacement.none(t)
}

// TestJitteredSlotCoalesces checks that a slot held back by its jitter
// while the clock jumps ahead coalesces with the later slots: it is
// recorded as missed, and only the latest slot runs.
func TestJitteredSlotCoalesces(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{})
	rec := newRecorder()
	job := scheduler.Job{ID: "jittered", Schedule: mustCompile(t, "0 * * * * *"), Executor: rec,
		Jitter: 25 * time.Second, Misfire: scheduler.MisfireSkip, CatchUp: time.Minute}
	if _, err := h.sched.Add(job); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Minute)    // 12:01:00: the slot waits for its jitter
	h.advance(t, 10*time.Minute) // 12:11:00: the process was stalled
	h.advance(t, 30*time.Second) // past the jitter of the 12:11 slot

	if run := rec.next(t); !run.ScheduledAt.Equal(epoch.Add(11 * time.Minute)) {
		t.Errorf("ran slot %s, want only the latest, 12:11:00", run.ScheduledAt.Format(time.TimeOnly))
	}
	rec.none(t)
	got := h.waitSkips(t, 10)
	if len(got) != 10 {
		t.Fatalf("skips = %q, want the 10 slots 12:01 to 12:10 missed", got)
	}
	for i, skip := range got {
		want := "missed " + epoch.Add(time.Duration(i+1)*time.Minute).Format(time.TimeOnly) + " "
		if !strings.HasPrefix(skip, want) || !strings.Contains(skip, "only the latest due slot runs") {
			t.Errorf("skip %d = %q, want %q coalesced", i, skip, want)
		}
	}
}
