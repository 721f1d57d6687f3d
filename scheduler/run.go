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
	// Retries must not run past it.
	NextAt  time.Time
	Trigger string
	// Attempt is the 1-based attempt number within this execution.
	Attempt int
}

// Result is the outcome of one execution.
type Result struct {
	Status     string
	StatusCode int // HTTP status of the last attempt, 0 if none
	StartedAt  time.Time
	Duration   time.Duration
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
// done.
type Executor interface {
	Execute(ctx context.Context, run Run) Result
}

// ExecutorFunc adapts a Go function to [Executor]. A nil error is a success;
// an error whose context deadline passed is a timeout; any other error is a
// failure.
type ExecutorFunc func(ctx context.Context, run Run) error

// Execute calls f and converts its error into a [Result].
func (f ExecutorFunc) Execute(ctx context.Context, run Run) Result {
	start := time.Now()
	run.Attempt = 1
	err := f(ctx, run)
	res := Result{Status: StatusSuccess, StartedAt: start, Duration: time.Since(start)}
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
