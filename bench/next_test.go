package bench

import (
	"testing"
	"time"

	"github.com/adhocore/gronx"
	robfig "github.com/robfig/cron/v3"

	"github.com/recoron/recoron/scheduler/cron"
)

// nextCase is a cron expression measured by BenchmarkNext.
type nextCase struct {
	group, name, expr string
	// recoronOnly marks syntax that robfig/cron v3.0.1 and gronx v1.20.4
	// reject or read differently.
	recoronOnly bool
	// from, when set, replaces the spread of start instants with one
	// instant that is far from the next match. Its date and clock time are
	// read in the zone of the benchmark, and its location is ignored.
	from time.Time
}

var nextCases = []nextCase{
	{group: "common", name: "every-minute", expr: "* * * * *"},
	{group: "common", name: "every-5-minutes", expr: "*/5 * * * *"},
	{group: "common", name: "weekdays-0900", expr: "0 9 * * 1-5"},
	{group: "common", name: "daily-0230", expr: "30 2 * * *"},
	{group: "common", name: "monthly", expr: "0 0 1 * *"},
	{group: "common", name: "every-6-hours", expr: "0 */6 * * *"},
	{group: "common", name: "office-quarter-hours", expr: "15,45 8-18 * * MON-FRI"},

	{group: "hard", name: "feb-29", expr: "0 0 29 2 *"},
	{group: "hard", name: "feb-29-or-monday", expr: "0 0 29 2 1"},
	{group: "hard", name: "day-31", expr: "0 0 31 * *"},
	{group: "hard", name: "last-day", expr: "0 0 L * *", recoronOnly: true},
	{group: "hard", name: "last-friday", expr: "0 12 * * 5L", recoronOnly: true},

	// Worst cases for ReCoron's search. Each starts at the beginning of the
	// longest gap between two matches from 2000 to 2800, found by walking
	// Next. The gap is 8 years for February 29 across 2100, which is not a
	// leap year, and 40 years for the other two.
	{group: "worst", name: "feb-29-across-2100", expr: "0 0 29 2 *", recoronOnly: true,
		from: time.Date(2096, 2, 29, 0, 0, 0, 0, time.UTC)},
	{group: "worst", name: "feb-29-a-sunday", expr: "0 0 29 2 */7", recoronOnly: true,
		from: time.Date(2088, 2, 29, 0, 0, 0, 0, time.UTC)},
	{group: "worst", name: "fifth-friday-of-feb", expr: "0 0 * 2 5#5", recoronOnly: true,
		from: time.Date(2188, 2, 29, 0, 0, 0, 0, time.UTC)},
}

// nextStarts are the instants that each Next call starts from, in turn:
// 64 instants spread over 2025 and 2026 at uneven offsets, so that they hit
// different minutes, hours, weekdays and months.
var nextStarts = func() []time.Time {
	starts := make([]time.Time, 64)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 11*24*time.Hour + 7*time.Hour + 13*time.Minute + 17*time.Second
	for i := range starts {
		starts[i] = base.Add(time.Duration(i) * step)
	}

	return starts
}()

// sink keeps the results of measured calls alive, so the compiler cannot
// drop the calls.
var sink time.Time

// BenchmarkNext measures the next-fire computation of a schedule parsed once:
// ReCoron's Schedule.Next, robfig/cron's Schedule.Next (seconds-optional
// parser) and gronx's NextTickAfter, which parses the expression on every
// call because gronx has no compiled form.
func BenchmarkNext(b *testing.B) {
	zones := []*time.Location{time.UTC, mustLoadLocation(b, "America/New_York")}

	for _, library := range []string{"recoron", "robfig", "gronx"} {
		for _, c := range nextCases {
			if c.recoronOnly && library != "recoron" {
				continue
			}

			for _, zone := range zones {
				starts := nextStarts
				if !c.from.IsZero() {
					f := c.from
					starts = []time.Time{time.Date(f.Year(), f.Month(), f.Day(), f.Hour(), f.Minute(), f.Second(), 0, zone)}
				}

				b.Run(library+"/"+c.group+"/"+c.name+"/"+zone.String(), func(b *testing.B) {
					next := nextFunc(b, library, c.expr, zone)
					checkNext(b, next, c.expr, zone, starts)

					b.ReportAllocs()
					i := 0
					for b.Loop() {
						sink = next(starts[i%len(starts)])
						i++
					}
				})
			}
		}
	}
}

// nextFunc returns the library's next-fire function for expr read in zone.
func nextFunc(b *testing.B, library, expr string, zone *time.Location) func(time.Time) time.Time {
	b.Helper()

	switch library {
	case "recoron":
		s, err := cron.Compile(expr, cron.Options{Location: zone})
		if err != nil {
			b.Fatalf("compile %q: %v", expr, err)
		}

		return s.Next
	case "robfig":
		s, err := robfigParser.Parse("CRON_TZ=" + zone.String() + " " + expr)
		if err != nil {
			b.Fatalf("robfig parse %q: %v", expr, err)
		}

		return s.Next
	case "gronx":
		if !gronx.IsValid(expr) {
			b.Fatalf("gronx rejects %q", expr)
		}

		return func(t time.Time) time.Time {
			next, err := gronx.NextTickAfter(expr, t.In(zone), false)
			if err != nil {
				return time.Time{}
			}

			return next
		}
	}

	b.Fatalf("unknown library %q", library)

	return nil
}

// checkNext skips a peer whose results differ from ReCoron's for any start,
// so that every reported number is for the same work. ReCoron's results are
// checked by the cron package's own tests.
func checkNext(b *testing.B, next func(time.Time) time.Time, expr string, zone *time.Location, starts []time.Time) {
	b.Helper()

	reference := cron.MustCompile(expr, cron.Options{Location: zone})
	for _, start := range starts {
		want := reference.Next(start)
		if got := next(start); !got.Equal(want) {
			b.Skipf("differs from ReCoron after %s: got %s, ReCoron %s", start.In(zone), got.In(zone), want)
		}
	}
}

// mustLoadLocation loads a zone from the time zone database or stops the
// benchmark.
func mustLoadLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()

	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load zone %s: %v", name, err)
	}

	return loc
}

// BenchmarkParse measures parsing one expression into a reusable schedule,
// which every job pays once when it is registered.
func BenchmarkParse(b *testing.B) {
	const expr = "15,45 8-18 * * MON-FRI"

	b.Run("recoron", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cron.Compile(expr, cron.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("robfig", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := robfigParser.Parse(expr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var _ robfig.Schedule = instantSchedule{}
