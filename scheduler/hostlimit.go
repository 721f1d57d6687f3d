package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// HostLimits bounds the calls made to each host, or to each owner and
// host (see [HTTPExecutor.Hosts]), so one slow or failing host cannot take
// all workers. A call over the concurrency limit waits
// for a free slot, within its attempt's timeout, but only while fewer than
// maxWaiting other calls to the host are already waiting. Past that it
// fails at once, and the job's retry policy decides what follows. So one
// hanging host holds at most maxConcurrent+maxWaiting workers.
type HostLimits struct {
	maxConcurrent int
	maxWaiting    int
	perSecond     rate.Limit
	burst         int

	mu    sync.Mutex
	hosts map[string]*hostState
	// calls counts state lookups, so that every sweepEvery-th one drops
	// idle states whose rate limiter has refilled since their last use.
	calls int
}

// sweepEvery is how many calls pass between sweeps of idle host states.
const sweepEvery = 1024

type hostState struct {
	slots   chan struct{}
	waiting int
	limiter *rate.Limiter
	// refs counts the calls between state and done, so that an idle
	// host's state can be dropped and the map stays as small as the set
	// of hosts in use.
	refs int
}

// NewHostLimits returns limits of maxConcurrent calls in flight, with as
// many more allowed to wait, and perSecond calls started per second for
// each host. Zero means no limit.
func NewHostLimits(maxConcurrent int, perSecond float64) *HostLimits {
	return &HostLimits{
		maxConcurrent: maxConcurrent,
		maxWaiting:    maxConcurrent,
		perSecond:     rate.Limit(perSecond),
		burst:         max(int(perSecond), 1),
		hosts:         make(map[string]*hostState),
	}
}

// SetMaxWaiting lets up to n calls per host wait for a free slot, in place
// of maxConcurrent, and returns l. It must be called before the first
// call. Waiting calls hold their workers, so n bounds how many workers one
// hanging host can take beyond maxConcurrent.
func (l *HostLimits) SetMaxWaiting(n int) *HostLimits {
	l.maxWaiting = max(n, 0)
	return l
}

// ErrHostBusy reports a call rejected by a host limit.
var ErrHostBusy = errors.New("host limit reached")

// state returns the state of host, counted as in use until done.
func (l *HostLimits) state(host string) *hostState {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls++; l.calls%sweepEvery == 0 {
		l.sweep()
	}
	st := l.hosts[host]
	if st == nil {
		st = &hostState{}
		if l.maxConcurrent > 0 {
			st.slots = make(chan struct{}, l.maxConcurrent)
		}
		if l.perSecond > 0 {
			st.limiter = rate.NewLimiter(l.perSecond, l.burst)
		}
		l.hosts[host] = st
	}
	st.refs++
	return st
}

// done ends a use of host's state and drops the state once no call uses
// it and its rate limiter has refilled, because a new state would start
// with a full limiter too.
func (l *HostLimits) done(host string, st *hostState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st.refs--
	if st.refs == 0 && l.idle(st) {
		delete(l.hosts, host)
	}
}

// idle reports whether st has no call and a full rate limiter, so that a
// new state would behave the same.
func (l *HostLimits) idle(st *hostState) bool {
	return st.refs == 0 && (st.limiter == nil || st.limiter.Tokens() >= float64(l.burst))
}

// sweep drops the idle states of hosts whose limiter refilled after their
// last call, with l.mu held.
func (l *HostLimits) sweep() {
	for host, st := range l.hosts {
		if l.idle(st) {
			delete(l.hosts, host)
		}
	}
}

// acquire reserves a call to host and returns its release function.
func (l *HostLimits) acquire(ctx context.Context, host string) (func(), error) {
	if l == nil || (l.maxConcurrent <= 0 && l.perSecond <= 0) {
		return func() {}, nil
	}
	st := l.state(host)

	if st.slots != nil {
		select {
		case st.slots <- struct{}{}:
		default:
			if err := l.wait(ctx, host, st); err != nil {
				l.done(host, st)
				return nil, err
			}
		}
	}
	release := func() {
		if st.slots != nil {
			<-st.slots
		}
		l.done(host, st)
	}
	if st.limiter != nil && !st.limiter.Allow() {
		release()
		return nil, fmt.Errorf("%w: more than %g calls per second to %s", ErrHostBusy, float64(l.perSecond), host)
	}
	return release, nil
}

// wait blocks for a free slot if the host's queue of waiting calls has
// room.
func (l *HostLimits) wait(ctx context.Context, host string, st *hostState) error {
	l.mu.Lock()
	if st.waiting >= l.maxWaiting {
		l.mu.Unlock()
		return fmt.Errorf("%w: %d calls to %s in flight and %d waiting", ErrHostBusy,
			l.maxConcurrent, host, l.maxWaiting)
	}
	st.waiting++
	l.mu.Unlock()

	defer func() {
		l.mu.Lock()
		st.waiting--
		l.mu.Unlock()
	}()
	select {
	case st.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: no free slot for %s before the attempt timed out", ErrHostBusy, host)
	}
}

// Load returns the calls to host in flight and waiting for a slot.
func (l *HostLimits) Load(host string) (inFlight, waiting int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.hosts[host]
	if st == nil {
		return 0, 0
	}
	return len(st.slots), st.waiting
}

// Hosts returns the number of hosts with calls in flight or waiting, or
// whose rate limiter has not refilled yet.
func (l *HostLimits) Hosts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hosts)
}
