package service

import (
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
)

func TestShortestGap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		expr, zone string
		want       time.Duration
	}{
		{"*/10 * * * * *", "UTC", 10 * time.Second},
		{"0 9 * * *", "UTC", 24 * time.Hour},
		// Apia skipped a whole day in 2011; that must not make a daily
		// job look like it runs every second today.
		{"0 9 * * *", "Pacific/Apia", 24 * time.Hour},
		// A daily job in New York is 23 hours apart across the spring
		// clock change.
		{"0 9 * * *", "America/New_York", 23 * time.Hour},
		{"@every 90s", "UTC", 90 * time.Second},
		{"0 0 29 2 *", "UTC", 1461 * 24 * time.Hour},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := cron.Compile(tc.expr, cron.Options{Location: loc, Anchor: now})
		if err != nil {
			t.Fatal(err)
		}
		if got := shortestGap(sched, now); got != tc.want {
			t.Errorf("shortestGap(%q in %s) = %s, want %s", tc.expr, tc.zone, got, tc.want)
		}
	}
}
