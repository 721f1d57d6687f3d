package cron

import (
	"testing"
	"time"
)

func TestCivilConversionsMatchTimePackage(t *testing.T) {
	t.Parallel()

	check := func(days int64) {
		date := time.Unix(days*secondsPerDay, 0).UTC()
		year, month, day := civilFromDays(days)
		if year != int64(date.Year()) || month != int(date.Month()) || day != date.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", days, year, month, day, date.Format(time.DateOnly))
		}
		if got := daysFromCivil(year, month, day); got != days {
			t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", year, month, day, got, days)
		}
		if got := weekday(days); got != int(date.Weekday()) {
			t.Fatalf("weekday(%d) = %d, want %d", days, got, date.Weekday())
		}
		if got := daysIn(year, month); got != time.Date(date.Year(), date.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			t.Fatalf("daysIn(%d, %d) = %d, want the length of %s", year, month, got, date.Format("2006-01"))
		}
	}

	// Every day from 1600 to 2500, then a sparse sample far away.
	from := daysFromCivil(1600, 1, 1)
	to := daysFromCivil(2500, 1, 1)
	for days := from; days < to; days++ {
		check(days)
	}
	for days := int64(-maxInstant / secondsPerDay); days < maxInstant/secondsPerDay; days += 987_654_321 {
		check(days)
	}
}

func TestIsLeap(t *testing.T) {
	t.Parallel()

	tests := []struct {
		year int64
		want bool
	}{
		{1900, false}, {2000, true}, {2024, true}, {2025, false},
		{2100, false}, {2400, true}, {-4, true}, {-100, false}, {0, true},
	}
	for _, tt := range tests {
		if got := isLeap(tt.year); got != tt.want {
			t.Errorf("isLeap(%d) = %v, want %v", tt.year, got, tt.want)
		}
	}
}
