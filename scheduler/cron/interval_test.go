package cron

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestMinIntervalExpectedValues(t *testing.T) {
	t.Parallel()

	const day = 24 * time.Hour
	tests := []struct {
		expr string
		zone string
		want time.Duration
	}{
		{"*/10 * * * * *", "UTC", 10 * time.Second},
		{"* * * * * *", "UTC", time.Second},
		{"0 9 * * *", "UTC", day},
		{"0 9 * * 1-5", "UTC", day},
		{"0 9 * * 1", "UTC", 7 * day},
		{"0,30 * * * *", "UTC", 30 * time.Minute},
		{"0 2,22 * * *", "UTC", 4 * time.Hour},
		{"0 0 1 * *", "UTC", 28 * day},
		{"0 0 31 * *", "UTC", 31 * day},
		{"0 0 L * *", "UTC", 28 * day},
		{"0 0 1,L * *", "UTC", day},
		{"0 0 29 2 *", "UTC", 1461 * day},
		{"0 0 29 2 */7", "UTC", 10227 * day},
		{"0 0 * * 5L", "UTC", 28 * day},
		{"0 0 1 1 *", "UTC", 365 * day},
		{"@every 90s", "UTC", 90 * time.Second},
		{"@every 90s", "America/New_York", 90 * time.Second},
		{"0 9 * * *", "Asia/Kolkata", day},
		{"*/10 * * * * *", "America/New_York", 10 * time.Second},
		{"0 9 * * *", "America/New_York", 23 * time.Hour},
		// Lord Howe Island moved its clocks by a full hour from 1981 to 1985.
		{"30 2 * * *", "Australia/Lord_Howe", 23 * time.Hour},
		{"*/15 * * * *", "America/New_York", 15 * time.Minute},
		{"31,59 * * * *", "Australia/Lord_Howe", 2 * time.Minute},
		{"0 0 1 * *", "Europe/Berlin", 28*day - time.Hour},
	}

	for _, tt := range tests {
		t.Run(tt.zone+"/"+tt.expr, func(t *testing.T) {
			t.Parallel()

			s := MustCompile(tt.expr, Options{Location: loadLocation(t, tt.zone)})
			if got := s.MinInterval(); got != tt.want {
				t.Errorf("MinInterval() = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestMinIntervalBoundsObservedGaps follows the fire times of random
// expressions and checks that no gap is shorter than MinInterval. In UTC it
// also checks that two years of fire times show a gap equal to it, which is
// true for the expressions that this seed draws.
func TestMinIntervalBoundsObservedGaps(t *testing.T) {
	t.Parallel()

	zones := []*time.Location{
		time.UTC,
		loadLocation(t, "America/New_York"),
		loadLocation(t, "Australia/Lord_Howe"),
		loadLocation(t, "Asia/Tehran"),
	}
	r := rand.New(rand.NewPCG(3, 4))

	for checked := 0; checked < 200; {
		expr := randomExpression(r)
		loc := zones[r.IntN(len(zones))]
		s, err := Compile(expr, Options{Location: loc})
		if err != nil {
			continue
		}
		checked++

		bound := s.MinInterval()
		start := time.Date(2020+r.IntN(3), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(2, 0, 0)

		shortest, gaps := time.Duration(0), 0
		previous := s.Next(start)
		for ; gaps < 20000 && previous.Before(end); gaps++ {
			next := s.Next(previous)
			gap := next.Sub(previous)
			if gap < bound {
				t.Errorf("%q in %s: gap %s from %s is below MinInterval %s", expr, loc, gap, previous, bound)
				break
			}
			if shortest == 0 || gap < shortest {
				shortest = gap
			}
			previous = next
		}

		if loc == time.UTC && gaps >= 100 && shortest != bound && !previous.Before(end) {
			t.Errorf("%q in UTC: shortest gap over two years %s, MinInterval %s", expr, shortest, bound)
		}
	}
}
