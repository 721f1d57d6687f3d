package scheduler

import (
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// HostLimits bounds the calls made to each host, so one slow or failing
// host cannot take all workers. A call over a limit fails at once, without
// waiting, and is retried by the job's retry policy like any failure.
// The zero value has no limits; use [NewHostLimits].
type HostLimits struct {
	maxConcurrent int
	perSecond     rate.Limit
	burst         int

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	inFlight int
	limiter  *rate.Limiter
}

// NewHostLimits returns limits of maxConcurrent calls in flight and
// perSecond calls started per second for each host. Zero means no limit.
func NewHostLimits(maxConcurrent int, perSecond float64) *HostLimits {
	burst := max(int(perSecond), 1)
	return &HostLimits{maxConcurrent: maxConcurrent, perSecond: rate.Limit(perSecond), burst: burst,
		hosts: make(map[string]*hostState)}
}

// ErrHostBusy reports a call rejected by a host limit.
var ErrHostBusy = fmt.Errorf("host limit reached")

// acquire reserves a call to host and returns its release function.
func (l *HostLimits) acquire(host string) (func(), error) {
	if l == nil || (l.maxConcurrent <= 0 && l.perSecond <= 0) {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()

	st := l.hosts[host]
	if st == nil {
		st = &hostState{}
		if l.perSecond > 0 {
			st.limiter = rate.NewLimiter(l.perSecond, l.burst)
		}
		l.hosts[host] = st
	}
	if l.maxConcurrent > 0 && st.inFlight >= l.maxConcurrent {
		return nil, fmt.Errorf("%w: %d calls to %s already in flight", ErrHostBusy, st.inFlight, host)
	}
	if st.limiter != nil && !st.limiter.Allow() {
		return nil, fmt.Errorf("%w: more than %g calls per second to %s", ErrHostBusy, float64(l.perSecond), host)
	}
	st.inFlight++
	return func() { l.release(host) }, nil
}

func (l *HostLimits) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.hosts[host]
	st.inFlight--
	// Forget idle hosts without a rate limiter, so the map stays small.
	if st.inFlight == 0 && st.limiter == nil {
		delete(l.hosts, host)
	}
}
