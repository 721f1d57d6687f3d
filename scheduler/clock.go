package scheduler

import (
	"context"
	"time"
)

// Clock gives the scheduler the time and wakes it up. Tests replace the
// real clock with a fake one, so nothing sleeps on the wall clock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once d has elapsed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of [time.Timer] the scheduler uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer wraps [time.NewTimer].
func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// clockKey is the context key of the clock that [ContextWithClock] stores.
type clockKey struct{}

// ContextWithClock returns a copy of ctx that carries clock. The scheduler
// gives every run a context that carries [Config.Clock], so executors can
// read the time that the scheduler schedules by. Tests that call an
// executor directly can use it to hand the executor a fake clock.
func ContextWithClock(ctx context.Context, clock Clock) context.Context {
	return context.WithValue(ctx, clockKey{}, clock)
}

// ClockFromContext returns the clock that ctx carries, or [SystemClock]
// when it carries none. [ExecutorFunc] and [HTTPExecutor] stamp their
// results with it and compare its time with [Run.NextAt].
func ClockFromContext(ctx context.Context) Clock {
	if c, ok := ctx.Value(clockKey{}).(Clock); ok && c != nil {
		return c
	}
	return SystemClock{}
}

type stopKey struct{}

// contextWithStop returns a copy of ctx whose [StopRequested] channel is
// stopping.
func contextWithStop(ctx context.Context, stopping <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey{}, stopping)
}

// StopRequested returns a channel that is closed when the scheduler that
// runs the run of ctx begins to stop, or nil when ctx carries none. Stop
// lets calls in progress finish, so an executor keeps working on the
// current attempt but can give up waits that would only lead to more
// work, such as the backoff before a retry. [HTTPExecutor] makes no more
// retries once it is closed.
func StopRequested(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stopKey{}).(<-chan struct{})
	return ch
}
