package wheel

import (
	"testing"
	"time"
)

// TestSteadyStateAllocations is not parallel because AllocsPerRun counts the
// allocations of the whole process.
func TestSteadyStateAllocations(t *testing.T) {
	w := New[int](aligned, time.Millisecond)
	entries := make([]Entry[int], 4096)
	state := uint64(1)
	offset := func(limit time.Duration) time.Duration {
		state = mix(state)
		return time.Duration(state % uint64(limit))
	}

	for i := range entries {
		w.Schedule(&entries[i], aligned.Add(offset(time.Hour)))
	}

	// Rescheduling each fired entry keeps the wheel full, so later Advance
	// calls keep cascading entries down from higher levels.
	fire := func(e *Entry[int]) {
		w.Schedule(e, w.Now().Add(offset(time.Hour)))
	}

	now := aligned
	cases := []struct {
		name string
		run  func()
	}{
		{"Schedule then Cancel", func() {
			e := &entries[state%uint64(len(entries))]
			w.Schedule(e, now.Add(offset(24*time.Hour)))
			w.Cancel(e)
			w.Schedule(e, now.Add(offset(time.Hour)))
		}},
		{"Schedule overdue", func() {
			w.Schedule(&entries[state%uint64(len(entries))], now.Add(-time.Second))
		}},
		{"Advance by a few ticks", func() {
			now = now.Add(7 * time.Millisecond)
			w.Advance(now, fire)
		}},
		{"Advance by minutes", func() {
			now = now.Add(3 * time.Minute)
			w.Advance(now, fire)
		}},
		{"NextWake", func() {
			w.NextWake()
		}},
	}

	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s allocates %.1f times per run, want 0", c.name, allocs)
		}
	}

	if w.Len() != len(entries) {
		t.Errorf("Len() = %d, want %d", w.Len(), len(entries))
	}
}
