package cron

import (
	"testing"
	"time"
)

// benchmarkExpressions lists common expressions first, then ones whose
// matches are rare or need the day-of-month and day-of-week rules.
var benchmarkExpressions = []struct {
	name string
	expr string
}{
	{"daily", "0 9 * * *"},
	{"every5min", "*/5 * * * *"},
	{"weekdays", "30 8 * * 1-5"},
	{"monthly", "0 0 1 * *"},
	{"seconds", "*/10 * * * * *"},
	{"hourly", "@hourly"},
	{"every90s", "@every 90s"},
	{"lastFriday", "0 18 * * 5L"},
	{"nearestWeekday", "0 6 15W * *"},
	{"domOrDow", "0 0 13 * 5"},
	{"feb29", "0 0 29 2 *"},
	{"feb29OrMonday", "0 0 29 2 1"},
	{"feb29Sunday", "0 0 29 2 */7"},
	{"fifthFridayOddDay", "0 0 */2 * 5#5"},
	{"lastDayMinus30", "0 0 L-30 * *"},
}

// BenchmarkNext measures Next from 64 start instants spread over 2024 to
// 2026, in UTC and in America/New_York.
func BenchmarkNext(b *testing.B) {
	newYork := loadLocation(b, "America/New_York")

	starts := make([]time.Time, 64)
	for i := range starts {
		starts[i] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 263 * 3607 * time.Second)
	}

	for _, zone := range []*time.Location{time.UTC, newYork} {
		for _, bench := range benchmarkExpressions {
			s := MustCompile(bench.expr, Options{Location: zone})
			b.Run(zone.String()+"/"+bench.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					s.Next(starts[i%len(starts)])
				}
			})
		}
	}
}

// BenchmarkCompile measures Compile on a typical expression.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("*/15 9-17 * * MON-FRI", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// loadLocation loads a zone or stops the test.
func loadLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()

	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load zone %s: %v", name, err)
	}

	return loc
}
