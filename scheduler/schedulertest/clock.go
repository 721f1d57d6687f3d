// Package schedulertest provides a fake clock for tests of code that runs
// a [scheduler.Scheduler], so tests never sleep on the wall clock.
package schedulertest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/recoron/recoron/scheduler"
)

// Clock is a manual [scheduler.Clock]. Time moves only through
// [Clock.Advance] and [Clock.Set]. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// current is a copy of now that Now reads without the mutex, because
	// every worker of a scheduler reads the clock for every run.
	current atomic.Pointer[time.Time]
	timers  map[*timer]struct{}
	changed chan struct{} // closed and replaced when the timer set changes
}

var _ scheduler.Clock = (*Clock)(nil)

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock {
	c := &Clock{now: start, timers: make(map[*timer]struct{}), changed: make(chan struct{})}
	c.current.Store(&start)
	return c
}

type timer struct {
	c        *Clock
	deadline time.Time
	ch       chan time.Time
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, ok := t.c.timers[t]
	delete(t.c.timers, t)
	t.c.notify()
	return ok
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	if t := c.current.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// NewTimer returns a timer that fires when the clock reaches now+d.
func (c *Clock) NewTimer(d time.Duration) scheduler.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, deadline: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers[t] = struct{}{}
	c.notify()
	return t
}

func (c *Clock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock forward by d and fires the timers due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.setLocked(c.now.Add(d))
	c.mu.Unlock()
}

// Set moves the clock to t, forward or backward, and fires the timers due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.setLocked(t)
	c.mu.Unlock()
}

func (c *Clock) setLocked(t time.Time) {
	c.now = t
	c.current.Store(&t)
	for tm := range c.timers {
		if !tm.deadline.After(t) {
			tm.ch <- t
			delete(c.timers, tm)
		}
	}
	c.notify()
}

// Timers returns the number of pending timers.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimers blocks until at least n timers are pending, which shows a
// test that the scheduler is asleep, or until timeout of real time passes.
// It reports whether the count was reached.
func (c *Clock) WaitForTimers(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		count, changed := len(c.timers), c.changed
		c.mu.Unlock()
		if count >= n {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// NextTimer returns the deadline of the earliest pending timer, and false
// when no timer is pending. A test can compare it with a job's next run to
// see that the scheduler sleeps until that run at the latest.
func (c *Clock) NextTimer() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var earliest time.Time
	for tm := range c.timers {
		if earliest.IsZero() || tm.deadline.Before(earliest) {
			earliest = tm.deadline
		}
	}
	return earliest, !earliest.IsZero()
}
