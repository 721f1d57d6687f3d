package scheduler

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
)

func TestNewIDSortsByCreation(t *testing.T) {
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = NewID("exe")
	}
	if !slices.IsSorted(ids) {
		t.Error("ids made one after another are not in ascending order")
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Error("NewID returned the same id twice")
	}
}

// TestNewIDAtSortsBySlot checks that ids made for earlier slots sort first
// even when they are made last, as for slots recorded as missed after a
// restart.
func TestNewIDAtSortsBySlot(t *testing.T) {
	base := time.Date(2026, time.December, 4, 8, 30, 0, 0, time.UTC)
	slots := []time.Duration{25, 20, 10, 5, 15, 0}
	idOfSlot := map[time.Duration]string{}
	for _, s := range slots {
		idOfSlot[s] = newIDAt("exe", base.Add(s*time.Second))
	}

	ordered := slices.Clone(slots)
	slices.Sort(ordered)
	for i := 1; i < len(ordered); i++ {
		earlier, later := idOfSlot[ordered[i-1]], idOfSlot[ordered[i]]
		if earlier >= later {
			t.Errorf("id %s of slot +%ds does not sort before id %s of slot +%ds",
				earlier, ordered[i-1], later, ordered[i])
		}
	}

	id := idOfSlot[15]
	if !strings.HasPrefix(id, "exe_") {
		t.Fatalf("id %q lacks the exe_ prefix", id)
	}
	parsed, err := ulid.ParseStrict(strings.TrimPrefix(id, "exe_"))
	if err != nil {
		t.Fatalf("id %q is not a ULID: %v", id, err)
	}
	if got, want := ulid.Time(parsed.Time()), base.Add(15*time.Second); !got.Equal(want) {
		t.Errorf("id %s carries time %v, want the slot %v", id, got, want)
	}
}
