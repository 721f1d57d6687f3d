// Package metering counts API calls and executions per user and reports
// usage against plan limits.
//
// Counting an API call touches only memory; a [Meter] flushes the counts
// to the store every FlushInterval and on [Meter.Stop]. A crash loses at
// most the counts of the last interval. Executions and job and key
// activity are counted by the store in the same transaction as the write.
package metering

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/recoron/recoron/store"
)

// Config configures a [Meter].
type Config struct {
	Store store.Store
	// FlushInterval is how often counts are written; the default is 5s.
	FlushInterval time.Duration
	// Now is the time source; the default is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Meter buffers API-call counts and last-use times of keys in memory.
type Meter struct {
	cfg Config

	flushMu  sync.Mutex
	mu       sync.Mutex
	calls    map[time.Time]map[string]int64 // day -> user -> count
	keysUsed map[string]time.Time

	stop chan struct{}
	done chan struct{}
}

// New returns a meter; call [Meter.Start] to flush periodically.
func New(cfg Config) *Meter {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Meter{
		cfg:      cfg,
		calls:    make(map[time.Time]map[string]int64),
		keysUsed: make(map[string]time.Time),
	}
}

// CountAPICall counts one authenticated request of userID made with keyID.
func (m *Meter) CountAPICall(userID, keyID string) {
	now := m.cfg.Now()
	day := store.Day(now)
	m.mu.Lock()
	defer m.mu.Unlock()

	users := m.calls[day]
	if users == nil {
		users = make(map[string]int64)
		m.calls[day] = users
	}
	users[userID]++
	m.keysUsed[keyID] = now
}

// PendingAPICalls returns the unflushed calls of userID on the UTC day
// containing day, and in its month.
func (m *Meter) PendingAPICalls(userID string, day time.Time) (daily, monthly int64) {
	day = store.Day(day)
	m.mu.Lock()
	defer m.mu.Unlock()

	for d, users := range m.calls {
		if d.Year() == day.Year() && d.Month() == day.Month() {
			monthly += users[userID]
			if d.Equal(day) {
				daily += users[userID]
			}
		}
	}
	return daily, monthly
}

// LastUsed returns the unflushed last-use time of a key, or zero.
func (m *Meter) LastUsed(keyID string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keysUsed[keyID]
}

// Flush writes buffered counts to the store. Counts stay visible to
// PendingAPICalls and LastUsed until they are stored, and counts that fail
// to be stored are kept for the next flush.
func (m *Meter) Flush(ctx context.Context) error {
	// Two flushes of the same snapshot would store it twice.
	m.flushMu.Lock()
	defer m.flushMu.Unlock()

	m.mu.Lock()
	calls := make(map[time.Time]map[string]int64, len(m.calls))
	for day, users := range m.calls {
		calls[day] = maps.Clone(users)
	}
	used := maps.Clone(m.keysUsed)
	m.mu.Unlock()

	for day, users := range calls {
		if err := m.cfg.Store.AddAPICalls(ctx, day, users); err != nil {
			return err
		}
		m.forgetCalls(day, users)
	}
	if len(used) > 0 {
		if err := m.cfg.Store.TouchAPIKeys(ctx, used); err != nil {
			return err
		}
		m.forgetUse(used)
	}
	return nil
}

// forgetCalls subtracts stored counts from the buffer.
func (m *Meter) forgetCalls(day time.Time, stored map[string]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	users := m.calls[day]
	for u, n := range stored {
		users[u] -= n
		if users[u] <= 0 {
			delete(users, u)
		}
	}
	if len(users) == 0 {
		delete(m.calls, day)
	}
}

// forgetUse drops stored last-use times that no later use has replaced.
func (m *Meter) forgetUse(stored map[string]time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, t := range stored {
		if m.keysUsed[k].Equal(t) {
			delete(m.keysUsed, k)
		}
	}
}

// Start flushes every FlushInterval until [Meter.Stop]. The flushes keep
// the values of ctx but ignore its cancellation, because a server cancels
// ctx at a stop signal and still counts calls until it calls Stop, which
// ends the loop and flushes one last time.
func (m *Meter) Start(ctx context.Context) {
	flushCtx := context.WithoutCancel(ctx)
	m.stop = make(chan struct{})
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		ticker := time.NewTicker(m.cfg.FlushInterval)
		defer ticker.Stop()
		failures := 0
		for {
			select {
			case <-ticker.C:
				if err := m.Flush(flushCtx); err != nil {
					failures++
					m.cfg.Logger.ErrorContext(flushCtx, "metering flush failed; counts kept for retry",
						slog.Int("consecutive_failures", failures), slog.Any("err", err))
					continue
				}
				failures = 0
			case <-m.stop:
				return
			}
		}
	}()
}

// Stop ends the periodic flush and flushes once more.
func (m *Meter) Stop(ctx context.Context) error {
	if m.stop != nil {
		close(m.stop)
		<-m.done
		m.stop = nil
	}
	return m.Flush(ctx)
}
