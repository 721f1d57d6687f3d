package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
)

// ErrClaimed is returned by a BeforeRun hook, possibly wrapped, when
// another scheduler instance has already claimed the slot. The run is then
// dropped without a report to OnSkip, because the claiming instance
// reports it.
var ErrClaimed = errors.New("slot already claimed by another instance")

// Hooks let embedders observe and veto runs. Every hook is optional and is
// called from the scheduler's goroutines, so it must be safe for concurrent
// use.
//
// For one slot the hooks are called in this order:
//
//   - A run: OnFire, BeforeRun, the executor, AfterRun.
//   - A run vetoed by BeforeRun: OnFire, BeforeRun, OnSkip with status
//     "skipped". An error wrapping [ErrClaimed] ends it after BeforeRun.
//   - A slot skipped because the previous run is still in flight, the
//     worker queue is full or Stop came first: OnFire, then OnSkip with
//     status "skipped".
//   - A missed slot, which came due together with later slots of its job
//     or passed the catch-up window under MisfireSkip: OnSkip with status
//     "missed" only.
//   - A run that Stop leaves running: OnFire, BeforeRun, then AfterRun
//     with status "interrupted", called by Stop.
//   - [Scheduler.RunNow]: BeforeRun, the executor, AfterRun, or OnSkip
//     after a veto. OnFire is not called.
//
// A panic in a hook is recovered and logged at error level with the job
// id, the execution id, the hook's name and the panic value, and the
// scheduler keeps running. A panicking OnFire does not stop the run. A
// panicking BeforeRun acts as a BeforeRun error: the run does not start
// and is reported to OnSkip as skipped, with the panic as the reason. A
// panicking AfterRun or OnSkip loses only its own report.
type Hooks struct {
	// OnFire is called when a slot comes due, before the run is queued.
	// It must not block.
	OnFire func(run Run)
	// BeforeRun is called by a worker just before the executor. A non-nil
	// error cancels the run, which is then reported to OnSkip, unless the
	// error wraps ErrClaimed. Changes to *run reach the executor and the
	// later hooks. The scheduler reuses the memory that run points to, so
	// the hook must not keep the pointer after it returns.
	BeforeRun func(ctx context.Context, run *Run) error
	// AfterRun is called with the result of every executed run. Its
	// context carries the values of the run's context but is not
	// cancelled by Stop, so the result can still be stored.
	AfterRun func(ctx context.Context, run Run, res Result)
	// OnSkip is called for slots that are not executed: status is
	// "skipped" (overlap, full queue, shutdown, BeforeRun error) or
	// "missed" (the slot passed while the scheduler was behind or down).
	// The package documentation lists the cases that are only logged.
	OnSkip func(ctx context.Context, run Run, status, reason string)
}

// Hook names in panic logs.
const (
	hookOnFire    = "OnFire"
	hookBeforeRun = "BeforeRun"
	hookAfterRun  = "AfterRun"
	hookOnSkip    = "OnSkip"
)

// callOnFire calls the OnFire hook, which must be set.
func (s *Scheduler) callOnFire(run Run) {
	defer s.recoverHook(hookOnFire, run.JobID, run.ExecutionID)
	s.cfg.Hooks.OnFire(run)
}

// callBeforeRun calls the BeforeRun hook, which must be set, and turns a
// panic in it into an error, so the run is vetoed as for an error.
func (s *Scheduler) callBeforeRun(ctx context.Context, run *Run) (err error) {
	jobID, executionID := run.JobID, run.ExecutionID
	defer func() {
		if p := recover(); p != nil {
			s.logHookPanic(hookBeforeRun, jobID, executionID, p)
			// The panic value is formatted, never wrapped, so a panic
			// cannot pass for ErrClaimed and drop the run unreported.
			err = fmt.Errorf("BeforeRun hook panicked: %v", p)
		}
	}()
	return s.cfg.Hooks.BeforeRun(ctx, run)
}

// callAfterRun calls the AfterRun hook if it is set.
func (s *Scheduler) callAfterRun(ctx context.Context, run Run, res Result) {
	if s.cfg.Hooks.AfterRun == nil {
		return
	}
	defer s.recoverHook(hookAfterRun, run.JobID, run.ExecutionID)
	s.cfg.Hooks.AfterRun(ctx, run, res)
}

// callOnSkip calls the OnSkip hook if it is set.
func (s *Scheduler) callOnSkip(ctx context.Context, run Run, status, reason string) {
	if s.cfg.Hooks.OnSkip == nil {
		return
	}
	defer s.recoverHook(hookOnSkip, run.JobID, run.ExecutionID)
	s.cfg.Hooks.OnSkip(ctx, run, status, reason)
}

// recoverHook, deferred around a hook call, stops a panic in the hook and
// logs it.
func (s *Scheduler) recoverHook(hook, jobID, executionID string) {
	if p := recover(); p != nil {
		s.logHookPanic(hook, jobID, executionID, p)
	}
}

func (s *Scheduler) logHookPanic(hook, jobID, executionID string, p any) {
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	s.logger.Error("scheduler hook panicked", slog.String("hook", hook), slog.String("job_id", jobID),
		slog.String("execution_id", executionID), slog.Any("panic", p), slog.String("stack", string(buf)))
}
