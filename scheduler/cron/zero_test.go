package cron

import (
	"testing"
	"time"
)

func TestZeroAndNilScheduleNeverFire(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for name, s := range map[string]*Schedule{"zero": {}, "nil": nil} {
		if next := s.Next(at); !next.IsZero() {
			t.Errorf("%s Schedule: Next = %v, want the zero Time", name, next)
		}
		if got := s.String(); got != "" {
			t.Errorf("%s Schedule: String = %q, want empty", name, got)
		}
		if loc := s.Location(); loc != nil {
			t.Errorf("%s Schedule: Location = %v, want nil", name, loc)
		}
		if d := s.MinInterval(); d != 0 {
			t.Errorf("%s Schedule: MinInterval = %v, want 0", name, d)
		}
	}
}
