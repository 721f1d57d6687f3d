package scheduler

import (
	"context"
	"time"
)

// Execution statuses reported in [Result.Status].
const (
	StatusSuccess = "success"
	StatusFailure = "failure"
	StatusTimeout = "timeout"
	StatusSkipped = "skipped"
	StatusMissed  = "missed"
	// StatusInterrupted marks a run cancelled because the scheduler
	// stopped before it finished.
	StatusInterrupted = "interrupted"
)

// Triggers reported in [Run.Trigger].
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// Run describes one execution of a job, handed to its [Executor].
type Run struct {
	JobID       string
	Owner       string
	ExecutionID string
	// ScheduledAt is the nominal fire time of the slot; for manual runs,
	// the time the run was requested.
	ScheduledAt time.Time
	// NextAt is the job's next nominal fire time after this run, or zero.
	// Retries must not run past it. It comes from the scheduler's clock,
	// so compare it with the time of [ClockFromContext], not time.Now.
	NextAt  time.Time
	Trigger string
	// Attempt is the 1-based attempt number within this execution.
	Attempt int
}

// Result is the outcome of one execution. For runs that the scheduler
// executes, including RunNow, the scheduler sets StartedAt, FinishedAt and
// Duration from [Config.Clock] just before and after the executor, in
// place of what the executor returned. With a fake clock that does not
// move during the run, Duration is zero.
type Result struct {
	Status     string
	StatusCode int // HTTP status of the last attempt, 0 if none
	StartedAt  time.Time
	FinishedAt time.Time
	// Duration is FinishedAt minus StartedAt.
	Duration time.Duration
	// Error describes the failure; empty on success.
	Error string
	// ResponseExcerpt is the start of the last response body, capped.
	ResponseExcerpt string
	Attempts        []Attempt
}

// Attempt is one call made during an execution.
type Attempt struct {
	Number     int
	StartedAt  time.Time
	Duration   time.Duration
	StatusCode int
	Error      string
}

// Executor performs a job's work. Implementations must return when ctx is
// done. A run that does not return within [Config.StopGrace] after Stop
// cancelled it is left running, as [Scheduler.Stop] describes.
type Executor interface {
	Execute(ctx context.Context, run Run) Result
}

// ExecutorFunc adapts a Go function to [Executor]. A nil error is a success;
// an error whose context deadline passed is a timeout; any other error is a
// failure.
type ExecutorFunc func(ctx context.Context, run Run) error

// Execute calls f and converts its error into a [Result], with times
// read from the clock of [ClockFromContext].
func (f ExecutorFunc) Execute(ctx context.Context, run Run) Result {
	clock := ClockFromContext(ctx)
	start := clock.Now()
	run.Attempt = 1
	err := f(ctx, run)
	finished := clock.Now()
	res := Result{Status: StatusSuccess, StartedAt: start, FinishedAt: finished, Duration: finished.Sub(start)}
	if err != nil {
		res.Status = StatusFailure
		if ctx.Err() == context.DeadlineExceeded {
			res.Status = StatusTimeout
		}
		res.Error = err.Error()
	}
	res.Attempts = []Attempt{{Number: 1, StartedAt: start, Duration: res.Duration, Error: res.Error}}
	return res
}
