package scheduler_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
)

// logRecord is one record that logRecorder kept, with its attributes
// formatted as strings.
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// logRecorder is a slog handler that keeps every record, for tests that
// check what the scheduler logs.
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord
	changed chan struct{} // closed and replaced on every record
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

func (l *logRecorder) logger() *slog.Logger { return slog.New(l) }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, rec)
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// The scheduler adds no attributes or groups to its logger.
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// matching returns the records with message msg.
func (l *logRecorder) matching(msg string) []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRecord
	for _, r := range l.records {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// atLeast returns the records at level or above.
func (l *logRecorder) atLeast(level slog.Level) []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRecord
	for _, r := range l.records {
		if r.level >= level {
			out = append(out, r)
		}
	}
	return out
}

// wait returns the first record with message msg, waiting up to 5s for it.
func (l *logRecorder) wait(t *testing.T, msg string) logRecord {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if found := l.matching(msg); len(found) > 0 {
			return found[0]
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no log record %q within 5s", msg)
		}
	}
}

const hookPanicked = "scheduler hook panicked"

// checkHookPanicLog checks that the scheduler logged a panic of hook
// with the job id, an execution id and the panic value.
func checkHookPanicLog(t *testing.T, logs *logRecorder, hook string) {
	t.Helper()
	rec := logs.wait(t, hookPanicked)
	if rec.level != slog.LevelError {
		t.Errorf("hook panic logged at %v, want ERROR", rec.level)
	}
	if got := rec.attrs["hook"]; got != hook {
		t.Errorf("hook panic log names hook %q, want %q", got, hook)
	}
	if got := rec.attrs["job_id"]; got != "j" {
		t.Errorf("hook panic log names job %q, want j", got)
	}
	if got := rec.attrs["execution_id"]; !strings.HasPrefix(got, "exe_") {
		t.Errorf("hook panic log has execution id %q, want an exe_ id", got)
	}
	if got := rec.attrs["panic"]; got != "boom" {
		t.Errorf("hook panic log has panic %q, want boom", got)
	}
}

func TestOnFirePanicStillRuns(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	h := newHarness(t, scheduler.Config{Logger: logs.logger(), Hooks: scheduler.Hooks{
		OnFire: func(scheduler.Run) { panic("boom") },
	}})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		h.advance(t, time.Second)
		if run := rec.next(t); !run.ScheduledAt.Equal(epoch.Add(time.Duration(i) * time.Second)) {
			t.Errorf("run %d scheduled at %v, want %v", i, run.ScheduledAt, epoch.Add(time.Duration(i)*time.Second))
		}
	}
	checkHookPanicLog(t, logs, "OnFire")
}

func TestBeforeRunPanicSkipsRun(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	h := newHarness(t, scheduler.Config{Logger: logs.logger(), Hooks: scheduler.Hooks{
		BeforeRun: func(context.Context, *scheduler.Run) error { panic("boom") },
	}})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	h.advance(t, time.Second)
	got := h.waitSkips(t, 2)
	want := []string{
		"skipped 12:00:01 BeforeRun hook panicked: boom",
		"skipped 12:00:02 BeforeRun hook panicked: boom",
	}
	if len(got) != len(want) {
		t.Fatalf("skips = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("skip %d = %q, want %q", i, got[i], want[i])
		}
	}
	rec.none(t)
	checkHookPanicLog(t, logs, "BeforeRun")
}

// TestBeforeRunPanicIsNotClaim checks that a panic whose value wraps
// ErrClaimed still reaches OnSkip, because only a returned error can
// claim a slot.
func TestBeforeRunPanicIsNotClaim(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scheduler.Config{Logger: newLogRecorder().logger(), Hooks: scheduler.Hooks{
		BeforeRun: func(context.Context, *scheduler.Run) error { panic(scheduler.ErrClaimed) },
	}})
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: newRecorder()}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	got := h.waitSkips(t, 1)
	if len(got) != 1 || !strings.Contains(got[0], "BeforeRun hook panicked") {
		t.Errorf("skips = %q, want the slot reported as skipped for the panic", got)
	}
}

func TestAfterRunPanicKeepsRunning(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	h := newHarness(t, scheduler.Config{Logger: logs.logger(), Hooks: scheduler.Hooks{
		AfterRun: func(context.Context, scheduler.Run, scheduler.Result) { panic("boom") },
	}})
	rec := newRecorder()
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: rec}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		h.advance(t, time.Second)
		rec.next(t)
	}
	checkHookPanicLog(t, logs, "AfterRun")
}

func TestOnSkipPanicKeepsRunning(t *testing.T) {
	t.Parallel()
	logs := newLogRecorder()
	vetoed := make(chan time.Time, 10)
	h := newHarness(t, scheduler.Config{Logger: logs.logger(), Hooks: scheduler.Hooks{
		BeforeRun: func(_ context.Context, run *scheduler.Run) error {
			vetoed <- run.ScheduledAt
			return errBudget
		},
		OnSkip: func(context.Context, scheduler.Run, string, string) { panic("boom") },
	}})
	if _, err := h.sched.Add(scheduler.Job{ID: "j", Schedule: mustCompile(t, "* * * * * *"), Executor: newRecorder()}); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	checkHookPanicLog(t, logs, "OnSkip")
	h.advance(t, time.Second)
	for i := 1; i <= 2; i++ {
		select {
		case slot := <-vetoed:
			if want := epoch.Add(time.Duration(i) * time.Second); !slot.Equal(want) {
				t.Errorf("BeforeRun call %d got slot %v, want %v", i, slot, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("BeforeRun call %d did not come within 5s after the OnSkip panic", i)
		}
	}
}

func TestRunNowBeforeRunPanic(t *testing.T) {
	t.Parallel()
	skipped := make(chan string, 1)
	s := scheduler.New(scheduler.Config{Logger: newLogRecorder().logger(), Hooks: scheduler.Hooks{
		BeforeRun: func(context.Context, *scheduler.Run) error { panic("boom") },
		OnSkip: func(_ context.Context, _ scheduler.Run, status, reason string) {
			skipped <- status + " " + reason
		},
	}})
	rec := newRecorder()
	_, res, err := s.RunNow(context.Background(), scheduler.Job{ID: "j", Executor: rec})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != scheduler.StatusSkipped || res.Error != "BeforeRun hook panicked: boom" {
		t.Errorf("result = %s %q, want skipped for the panic", res.Status, res.Error)
	}
	if got := <-skipped; got != "skipped BeforeRun hook panicked: boom" {
		t.Errorf("OnSkip got %q, want the panic as the reason", got)
	}
	rec.none(t)
}
