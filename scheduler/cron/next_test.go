package cron

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "time/tzdata" // zones for hosts without a zone database
)

// mustParseTime parses an RFC 3339 time or stops the test.
func mustParseTime(tb testing.TB, text string) time.Time {
	tb.Helper()

	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		tb.Fatalf("parse time %q: %v", text, err)
	}

	return t
}

// collectNext returns n successive results of Next starting after t.
func collectNext(s *Schedule, t time.Time, n int) []time.Time {
	var result []time.Time
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		result = append(result, t)
	}

	return result
}

// formatTimes writes times as RFC 3339 for failure messages.
func formatTimes(times []time.Time) string {
	parts := make([]string, len(times))
	for i, t := range times {
		parts[i] = t.Format(time.RFC3339Nano)
	}

	return "[" + strings.Join(parts, " ") + "]"
}

func TestNextExpectedTimes(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		expr  string
		zone  string
		after string
		want  []string
	}{
		// Plain schedules in UTC.
		{"minute rounds up sub-second", "45 8,13 * * *", "UTC", "2016-08-25T08:44:59.5Z",
			[]string{"2016-08-25T08:45:00Z", "2016-08-25T13:45:00Z"}},
		{"strictly after a fire time", "45 8 * * *", "UTC", "2016-08-25T08:45:00Z",
			[]string{"2016-08-26T08:45:00Z"}},
		{"seconds field", "*/20 * * * * *", "UTC", "2020-01-01T00:00:00Z",
			[]string{"2020-01-01T00:00:20Z", "2020-01-01T00:00:40Z", "2020-01-01T00:01:00Z"}},
		{"year rollover", "0 0 1 1 *", "UTC", "2020-12-31T23:59:59Z",
			[]string{"2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z"}},
		{"step larger than range", "*/90 * * * *", "UTC", "2025-03-20T10:30:00Z",
			[]string{"2025-03-20T11:00:00Z", "2025-03-20T12:00:00Z"}},
		{"start with step", "0 1/2 * ? * *", "UTC", "2019-04-23T09:47:26Z",
			[]string{"2019-04-23T09:49:00Z", "2019-04-23T09:51:00Z"}},
		{"weekday names any case", "0 0 * * sat-Sun", "UTC", "2026-09-04T00:00:00Z",
			[]string{"2026-09-05T00:00:00Z", "2026-09-06T00:00:00Z", "2026-09-12T00:00:00Z"}},
		{"sunday as 7", "0 0 * * 7", "UTC", "2017-11-03T00:00:00Z",
			[]string{"2017-11-05T00:00:00Z", "2017-11-12T00:00:00Z"}},
		{"month names", "0 0 1 jan,JUL *", "UTC", "2020-02-01T00:00:00Z",
			[]string{"2020-07-01T00:00:00Z", "2021-01-01T00:00:00Z"}},
		{"descriptor weekly", "@weekly", "UTC", "2008-11-09T00:00:00Z",
			[]string{"2008-11-16T00:00:00Z", "2008-11-23T00:00:00Z"}},
		{"descriptor yearly", "@YEARLY", "UTC", "2008-11-09T00:00:00Z",
			[]string{"2009-01-01T00:00:00Z"}},

		// Day-of-month and day-of-week combinations.
		{"both days restricted is OR", "0 9 1-7,15-21 * 1", "UTC", "2021-12-13T00:00:00Z",
			[]string{"2021-12-13T09:00:00Z", "2021-12-15T09:00:00Z", "2021-12-16T09:00:00Z"}},
		{"star step day is AND", "0 0 */2 * 1", "UTC", "2024-12-31T23:59:00Z",
			[]string{"2025-01-13T00:00:00Z", "2025-01-27T00:00:00Z", "2025-02-03T00:00:00Z"}},
		{"question mark is unrestricted", "0 0 13 * ?", "UTC", "2024-01-01T00:00:00Z",
			[]string{"2024-01-13T00:00:00Z", "2024-02-13T00:00:00Z"}},
		{"impossible day with weekday OR", "0 0 30 2 1", "UTC", "2029-03-26T09:22:30Z",
			[]string{"2030-02-04T00:00:00Z", "2030-02-11T00:00:00Z"}},

		// Quartz extensions.
		{"last day", "30 9 L */3 *", "UTC", "2023-05-05T00:00:00Z",
			[]string{"2023-07-31T09:30:00Z", "2023-10-31T09:30:00Z", "2024-01-31T09:30:00Z"}},
		{"last day of february in leap year", "0 0 L 2 *", "UTC", "2024-01-01T00:00:00Z",
			[]string{"2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z"}},
		{"third last day", "0 0 L-2 * *", "UTC", "2023-02-01T00:00:00Z",
			[]string{"2023-02-26T00:00:00Z", "2023-03-29T00:00:00Z"}},
		{"last weekday", "0 0 LW * *", "UTC", "2023-09-01T00:00:00Z",
			[]string{"2023-09-29T00:00:00Z", "2023-10-31T00:00:00Z", "2023-11-30T00:00:00Z", "2023-12-29T00:00:00Z"}},
		{"nearest weekday to saturday", "0 0 15W * *", "UTC", "2023-07-01T00:00:00Z",
			[]string{"2023-07-14T00:00:00Z", "2023-08-15T00:00:00Z"}},
		{"nearest weekday to sunday", "0 0 15W * *", "UTC", "2023-10-01T00:00:00Z",
			[]string{"2023-10-16T00:00:00Z"}},
		{"first on saturday moves to monday", "0 0 1W * *", "UTC", "2023-06-15T00:00:00Z",
			[]string{"2023-07-03T00:00:00Z"}},
		{"last on sunday moves to friday", "0 0 30W * *", "UTC", "2023-04-01T00:00:00Z",
			[]string{"2023-04-28T00:00:00Z"}},
		{"31W skips short months", "0 0 31W * *", "UTC", "2023-04-01T00:00:00Z",
			[]string{"2023-05-31T00:00:00Z", "2023-07-31T00:00:00Z"}},
		{"last friday", "0 0 * * 5L", "UTC", "2024-07-11T00:00:00Z",
			[]string{"2024-07-26T00:00:00Z", "2024-08-30T00:00:00Z"}},
		{"third monday", "0 10 * * 1#3", "America/New_York", "2023-07-04T00:00:00-04:00",
			[]string{"2023-07-17T10:00:00-04:00", "2023-08-21T10:00:00-04:00"}},
		{"fifth friday", "0 0 * * FRI#5", "UTC", "2024-01-01T00:00:00Z",
			[]string{"2024-03-29T00:00:00Z", "2024-05-31T00:00:00Z"}},

		// Leap years across centuries.
		{"feb 29 skips 2100", "0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z",
			[]string{"2104-02-29T00:00:00Z"}},
		{"feb 29 in 2400", "0 0 29 2 *", "UTC", "2396-03-01T00:00:00Z",
			[]string{"2400-02-29T00:00:00Z"}},
		{"feb 29 on a sunday", "0 0 29 2 */7", "UTC", "2004-03-01T00:00:00Z",
			[]string{"2032-02-29T00:00:00Z", "2060-02-29T00:00:00Z", "2088-02-29T00:00:00Z", "2128-02-29T00:00:00Z"}},

		// Zones without daylight saving time and the CRON_TZ prefix.
		{"half-hour zone", "0 0 23 * * *", "Asia/Kolkata", "2016-12-27T00:00:00Z",
			[]string{"2016-12-27T23:00:00+05:30", "2016-12-28T23:00:00+05:30"}},
		{"CRON_TZ prefix", "CRON_TZ=Asia/Tokyo 0 9 * * *", "UTC", "2019-02-12T01:00:00Z",
			[]string{"2019-02-13T09:00:00+09:00", "2019-02-14T09:00:00+09:00"}},
		{"TZ prefix", "TZ=Asia/Tokyo 0 9 * * *", "America/New_York", "2019-02-12T01:00:00Z",
			[]string{"2019-02-13T09:00:00+09:00"}},

		// America/New_York: 2021-03-14 02:00 EST jumps to 03:00 EDT, and
		// 2021-11-07 02:00 EDT goes back to 01:00 EST.
		{"new york fixed job in gap", "30 2 * * *", "America/New_York", "2021-03-14T01:00:00-05:00",
			[]string{"2021-03-14T03:00:00-04:00", "2021-03-15T02:30:00-04:00"}},
		{"new york fixed list collapses in gap", "0,30 1,2 * * *", "America/New_York", "2021-03-14T00:00:00-05:00",
			[]string{"2021-03-14T01:00:00-05:00", "2021-03-14T01:30:00-05:00", "2021-03-14T03:00:00-04:00", "2021-03-15T01:00:00-04:00"}},
		{"new york wildcard job skips gap", "*/30 2 * * *", "America/New_York", "2021-03-14T00:00:00-05:00",
			[]string{"2021-03-15T02:00:00-04:00", "2021-03-15T02:30:00-04:00"}},
		{"new york fixed job first pass", "30 1 * * *", "America/New_York", "2021-11-07T00:00:00-04:00",
			[]string{"2021-11-07T01:30:00-04:00", "2021-11-08T01:30:00-05:00"}},
		{"new york fixed job after first pass", "30 1 * * *", "America/New_York", "2021-11-07T01:45:00-04:00",
			[]string{"2021-11-08T01:30:00-05:00"}},
		{"new york wildcard job both passes", "*/30 1 * * *", "America/New_York", "2021-11-07T00:00:00-04:00",
			[]string{"2021-11-07T01:00:00-04:00", "2021-11-07T01:30:00-04:00", "2021-11-07T01:00:00-05:00", "2021-11-07T01:30:00-05:00"}},
		{"new york wildcard job from second pass", "*/15 * * * *", "America/New_York", "2021-11-07T01:40:00-04:00",
			[]string{"2021-11-07T01:45:00-04:00", "2021-11-07T01:00:00-05:00", "2021-11-07T01:15:00-05:00"}},
		{"new york hour after fall back", "0 2 * * *", "America/New_York", "2021-11-07T00:00:00-04:00",
			[]string{"2021-11-07T02:00:00-05:00"}},

		// Europe/Berlin: 2021-03-28 02:00 CET jumps to 03:00 CEST, and
		// 2021-10-31 03:00 CEST goes back to 02:00 CET.
		{"berlin fixed job in gap with seconds", "0 10 2 * * *", "Europe/Berlin", "2021-03-28T01:09:00+01:00",
			[]string{"2021-03-28T03:00:00+02:00", "2021-03-29T02:10:00+02:00"}},
		{"berlin fixed job first pass", "30 2 * * *", "Europe/Berlin", "2021-10-31T00:00:00+02:00",
			[]string{"2021-10-31T02:30:00+02:00", "2021-11-01T02:30:00+01:00"}},
		{"berlin wildcard minutes both passes", "0 */20 2 * * *", "Europe/Berlin", "2021-10-31T01:59:00+02:00",
			[]string{"2021-10-31T02:00:00+02:00", "2021-10-31T02:20:00+02:00", "2021-10-31T02:40:00+02:00",
				"2021-10-31T02:00:00+01:00", "2021-10-31T02:20:00+01:00", "2021-10-31T02:40:00+01:00"}},
		{"berlin hourly both passes", "@hourly", "Europe/Berlin", "2024-10-27T01:30:00+02:00",
			[]string{"2024-10-27T02:00:00+02:00", "2024-10-27T02:00:00+01:00", "2024-10-27T03:00:00+01:00"}},
		{"berlin across leap year end", "0 12 * * *", "Europe/Berlin", "2024-12-30T13:00:00+01:00",
			[]string{"2024-12-31T12:00:00+01:00", "2025-01-01T12:00:00+01:00"}},
		{"new york across far leap year end", "0 0 1 12 0", "America/New_York", "2176-12-29T00:00:00-05:00",
			[]string{"2177-12-01T00:00:00-05:00"}},

		// Australia/Lord_Howe shifts by 30 minutes: 2021-04-04 02:00 +11
		// goes back to 01:30 +10:30, and 2021-10-03 02:00 +10:30 jumps to
		// 02:30 +11.
		{"lord howe fixed job in gap", "15 2 * * *", "Australia/Lord_Howe", "2021-10-03T00:00:00+10:30",
			[]string{"2021-10-03T02:30:00+11:00", "2021-10-04T02:15:00+11:00"}},
		{"lord howe fixed job first pass", "45 1 * * *", "Australia/Lord_Howe", "2021-04-04T00:00:00+11:00",
			[]string{"2021-04-04T01:45:00+11:00", "2021-04-05T01:45:00+10:30"}},
		{"lord howe wildcard job both passes", "*/15 1 * * *", "Australia/Lord_Howe", "2021-04-04T00:50:00+11:00",
			[]string{"2021-04-04T01:00:00+11:00", "2021-04-04T01:15:00+11:00", "2021-04-04T01:30:00+11:00",
				"2021-04-04T01:45:00+11:00", "2021-04-04T01:30:00+10:30", "2021-04-04T01:45:00+10:30"}},

		// Asia/Tehran changed its clocks at midnight until 2022.
		{"tehran midnight in gap", "0 0 * * *", "Asia/Tehran", "2021-03-21T12:00:00+03:30",
			[]string{"2021-03-22T01:00:00+04:30", "2021-03-23T00:00:00+04:30"}},
		{"tehran repeated hour first pass", "30 23 * * *", "Asia/Tehran", "2021-09-21T12:00:00+04:30",
			[]string{"2021-09-21T23:30:00+04:30", "2021-09-22T23:30:00+03:30"}},
		{"tehran repeated hour both passes", "*/30 23 * * *", "Asia/Tehran", "2021-09-21T22:45:00+04:30",
			[]string{"2021-09-21T23:00:00+04:30", "2021-09-21T23:30:00+04:30", "2021-09-21T23:00:00+03:30", "2021-09-21T23:30:00+03:30"}},

		// Pacific/Apia skipped 2011-12-30 entirely.
		{"apia fixed job on skipped day", "0 9 * * *", "Pacific/Apia", "2011-12-29T10:00:00-10:00",
			[]string{"2011-12-31T00:00:00+14:00", "2011-12-31T09:00:00+14:00"}},
		{"apia date of skipped day", "0 12 30 12 *", "Pacific/Apia", "2011-06-01T00:00:00-11:00",
			[]string{"2011-12-31T00:00:00+14:00", "2012-12-30T12:00:00+14:00"}},
		{"apia wildcard job across skipped day", "0 * * * *", "Pacific/Apia", "2011-12-29T22:30:00-10:00",
			[]string{"2011-12-29T23:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"}},
		{"apia wildcard job on skipped date", "0 */6 30 12 *", "Pacific/Apia", "2011-06-01T00:00:00-11:00",
			[]string{"2012-12-30T00:00:00+14:00"}},

		// America/Santiago jumped from 00:00 to 01:00 on 2021-09-05.
		{"santiago midnight in gap", "0 0 * * *", "America/Santiago", "2021-09-04T12:00:00-04:00",
			[]string{"2021-09-05T01:00:00-03:00", "2021-09-06T00:00:00-03:00"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s, err := Compile(tt.expr, Options{Location: loadLocation(t, tt.zone)})
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.expr, err)
			}

			got := collectNext(s, mustParseTime(t, tt.after), len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("Next chain of %q after %s = %s, want %v", tt.expr, tt.after, formatTimes(got), tt.want)
			}
			for i, want := range tt.want {
				if !got[i].Equal(mustParseTime(t, want)) {
					t.Errorf("Next chain of %q after %s [%d] = %s, want %s", tt.expr, tt.after, i,
						got[i].Format(time.RFC3339), want)
				}
			}
		})
	}
}

func TestNextReturnsScheduleZone(t *testing.T) {
	t.Parallel()

	tokyo := loadLocation(t, "Asia/Tokyo")
	s := MustCompile("0 9 * * *", Options{Location: tokyo})

	got := s.Next(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if got.Location() != tokyo {
		t.Errorf("Next location = %v, want Asia/Tokyo", got.Location())
	}
	if s.Location() != tokyo {
		t.Errorf("Location() = %v, want Asia/Tokyo", s.Location())
	}
}

func TestNextEvery(t *testing.T) {
	t.Parallel()

	anchor := time.Date(2020, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		name   string
		expr   string
		anchor time.Time
		after  time.Time
		want   time.Time
	}{
		{"before anchor", "@every 1h", anchor, anchor.Add(-50 * time.Hour), anchor.Add(time.Hour)},
		{"at anchor", "@every 1h", anchor, anchor, anchor.Add(time.Hour)},
		{"at a fire time", "@every 90s", anchor, anchor.Add(180 * time.Second), anchor.Add(270 * time.Second)},
		{"just before a fire time", "@every 90s", anchor, anchor.Add(180*time.Second - 1), anchor.Add(180 * time.Second)},
		{"zero anchor is the epoch", "@every 7s", time.Time{}, time.Unix(100, 0), time.Unix(105, 0)},
		{"beyond 292 years", "@every 1s", anchor, anchor.AddDate(1000, 0, 0).Add(time.Second / 4), anchor.AddDate(1000, 0, 0).Add(time.Second)},
		{"odd period far away", "@every 1h0m0.000000001s", time.Time{}, time.Unix(0, 0).AddDate(500, 0, 0),
			everyByBigInt(time.Hour+1, time.Unix(0, 0), time.Unix(0, 0).AddDate(500, 0, 0))},
		{"odd anchor far away", "@every 1234567s", anchor, anchor.AddDate(2000, 0, 0),
			everyByBigInt(1234567*time.Second, anchor, anchor.AddDate(2000, 0, 0))},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := MustCompile(tt.expr, Options{Anchor: tt.anchor})
			if got := s.Next(tt.after); !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
		})
	}
}

// everyByBigInt returns the first instant anchor + k*period after t, for
// t at or after the anchor, with big integer arithmetic.
func everyByBigInt(period time.Duration, anchor, t time.Time) time.Time {
	nanos := func(x time.Time) *big.Int {
		n := new(big.Int).Mul(big.NewInt(x.Unix()), big.NewInt(1e9))
		return n.Add(n, big.NewInt(int64(x.Nanosecond())))
	}

	k := new(big.Int).Sub(nanos(t), nanos(anchor))
	k.Div(k, big.NewInt(int64(period)))
	k.Add(k, big.NewInt(1))

	at := k.Mul(k, big.NewInt(int64(period)))
	at.Add(at, nanos(anchor))
	sec, nano := new(big.Int).DivMod(at, big.NewInt(1e9), new(big.Int))

	return time.Unix(sec.Int64(), nano.Int64())
}

func TestNextEveryUsesScheduleZone(t *testing.T) {
	t.Parallel()

	s := MustCompile("CRON_TZ=Asia/Tokyo @every 1h", Options{})
	got := s.Next(time.Unix(0, 0))
	if name, _ := got.Zone(); name != "JST" {
		t.Errorf("Next zone = %s, want JST", name)
	}
}

func TestNextRangeLimits(t *testing.T) {
	t.Parallel()

	s := MustCompile("0 0 1 1 *", Options{})
	if got := s.Next(time.Unix(maxInstant, 0)); !got.IsZero() {
		t.Errorf("Next past the supported range = %s, want zero", got)
	}

	far := time.Date(1_000_000, 6, 1, 0, 0, 0, 0, time.UTC)
	want := time.Date(1_000_001, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := s.Next(far); !got.Equal(want) {
		t.Errorf("Next(%s) = %s, want %s", far, got, want)
	}

	past := time.Date(-5000, 6, 1, 0, 0, 0, 0, time.UTC)
	wantPast := time.Date(-4999, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := s.Next(past); !got.Equal(wantPast) {
		t.Errorf("Next(%s) = %s, want %s", past, got, wantPast)
	}
}

// TestNextAllocatesNothing is not parallel, because testing.AllocsPerRun
// panics in a parallel test.
func TestNextAllocatesNothing(t *testing.T) {
	newYork := loadLocation(t, "America/New_York")
	after := time.Date(2021, 3, 13, 12, 0, 0, 0, time.UTC)
	for _, expr := range []string{"0 9 * * *", "30 2 * * *", "*/15 * * * *", "0 0 29 2 */7", "@every 90s", "0 0 LW * *"} {
		s := MustCompile(expr, Options{Location: newYork})
		allocs := testing.AllocsPerRun(100, func() {
			s.Next(after)
		})
		if allocs != 0 {
			t.Errorf("Next of %q allocates %v times per call, want 0", expr, allocs)
		}
	}
}

// fixedOffsetZones have a single offset, so the day-walking oracle applies.
var fixedOffsetZones = []*time.Location{
	time.UTC,
	time.FixedZone("UTC+05:30", 5*3600+1800),
	time.FixedZone("UTC-09:30", -(9*3600 + 1800)),
	time.FixedZone("UTC+14", 14*3600),
}

// randomExpression returns a random expression in the full syntax. Some are
// invalid, and callers skip those.
func randomExpression(r *rand.Rand) string {
	fields := []string{
		randomField(r, 0, 59, nil),
		randomField(r, 0, 59, nil),
		randomField(r, 0, 23, nil),
		randomDayOfMonth(r),
		randomField(r, 1, 12, oracleMonthNames),
		randomDayOfWeek(r),
	}
	if r.IntN(2) == 0 {
		fields = fields[1:]
	}

	return strings.Join(fields, " ")
}

// randomField returns a list of one to three items for a plain field, with
// stars and steps frequent enough to make fire times common.
func randomField(r *rand.Rand, low, high int, names []string) string {
	if r.IntN(3) == 0 {
		return "*"
	}

	items := make([]string, 1+r.IntN(3))
	for i := range items {
		items[i] = randomItem(r, low, high, names)
	}

	return strings.Join(items, ",")
}

// randomItem returns one value, range or step item.
func randomItem(r *rand.Rand, low, high int, names []string) string {
	value := func() string {
		v := low + r.IntN(high-low+1)
		if names != nil && v-low < len(names) && r.IntN(3) == 0 {
			return names[v-low]
		}
		return strconv.Itoa(v)
	}

	switch r.IntN(6) {
	case 0:
		return "*/" + strconv.Itoa(1+r.IntN(high-low+2))
	case 1:
		a := low + r.IntN(high-low+1)
		b := a + r.IntN(high-a+1)
		return strconv.Itoa(a) + "-" + strconv.Itoa(b)
	case 2:
		a := low + r.IntN(high-low+1)
		b := a + r.IntN(high-a+1)
		return fmt.Sprintf("%d-%d/%d", a, b, 1+r.IntN(high-low+1))
	case 3:
		return value() + "/" + strconv.Itoa(1+r.IntN(high-low+1))
	default:
		return value()
	}
}

// randomDayOfMonth returns a day-of-month field, sometimes with L or W.
func randomDayOfMonth(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0:
		return "L"
	case 1:
		return "LW"
	case 2:
		return "L-" + strconv.Itoa(r.IntN(31))
	case 3:
		return strconv.Itoa(1+r.IntN(31)) + "W"
	case 4:
		return "?"
	default:
		return randomField(r, 1, 31, nil)
	}
}

// randomDayOfWeek returns a day-of-week field, sometimes with L or #.
func randomDayOfWeek(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0:
		return strconv.Itoa(r.IntN(8)) + "L"
	case 1:
		return oracleWeekdayNames[r.IntN(7)] + "#" + strconv.Itoa(1+r.IntN(5))
	case 2:
		return "?"
	case 3, 4, 5:
		return "*"
	default:
		return randomField(r, 0, 7, oracleWeekdayNames)
	}
}

func TestNextMatchesOracleInFixedZones(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewPCG(1, 2))
	low := time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	high := time.Date(2450, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

	checked := 0
	for checked < 300 {
		expr := randomExpression(r)
		zone := fixedOffsetZones[r.IntN(len(fixedOffsetZones))]
		s, err := Compile(expr, Options{Location: zone})
		if err != nil {
			continue
		}
		checked++

		o, err := newOracle(expr, Options{Location: zone})
		if err != nil {
			t.Fatalf("oracle rejects %q: %v", expr, err)
		}

		after := time.Unix(low+r.Int64N(high-low), r.Int64N(1e9))
		for range 5 {
			want, ok := o.nextByDays(after, 60*366)
			got := s.Next(after)
			if !ok {
				if !got.IsZero() && got.Sub(after) < 60*365*24*time.Hour {
					t.Errorf("Next(%q, %s, %s) = %s, oracle finds none within 60 years", expr, zone, after, got)
				}
				break
			}
			if !got.Equal(want) {
				t.Errorf("Next(%q, %s, %s) = %s, want %s", expr, zone, after, got, want)
				break
			}
			after = got
		}
	}
}

// TestNextMatchesScanInFixedZones compares Next with the oracle's scan of
// every second, or every minute for five fields, over a window after a
// random start.
func TestNextMatchesScanInFixedZones(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewPCG(11, 12))
	low := time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	high := time.Date(2450, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

	for checked := 0; checked < 300; {
		expr := randomExpression(r)
		zone := fixedOffsetZones[r.IntN(len(fixedOffsetZones))]
		if _, err := Compile(expr, Options{Location: zone}); err != nil {
			continue
		}
		checked++

		from := low + r.Int64N(high-low)
		if strings.Count(expr, " ") == 5 {
			compareWithOracle(t, expr, zone, from, from+6*3600)
		} else {
			compareWithOracle(t, expr, zone, from, from+20*secondsPerDay)
		}
	}
}

func TestNextMatchesOracleAroundClockChanges(t *testing.T) {
	t.Parallel()

	zones := []string{
		"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tehran",
		"Pacific/Apia", "America/Santiago", "America/Sao_Paulo", "Europe/Dublin",
		"Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Australia/Sydney",
	}
	minuteExpressions := []string{
		"0 2 * * *", "30 2 * * *", "*/30 * * * *", "0 * * * *", "15,45 1-3 * * *",
		"*/20 2 * * *", "0 0 * * *", "30 23 * * *", "59 23 * * *", "0 3 * * *",
		"*/7 1,2,3 * * *", "0,30 1,2 * * *", "45 1 * * *", "15 2 * * *",
		"1-5 2 * * *", "0 0 L * *", "0 */2 * * *", "0 1-4 * * 0", "5 0,1,2,3 * * 6,0",
	}
	secondExpressions := []string{"0 30 2 * * *", "*/20 59 1 * * *", "30 0 2 * * *", "*/15 * 2 * * *", "59 59 1 * * *"}

	for _, zoneName := range zones {
		t.Run(zoneName, func(t *testing.T) {
			t.Parallel()

			loc := loadLocation(t, zoneName)
			// Go reports odd zone bounds on December 31 of leap years after
			// a zone's last listed transition, so check those days too.
			changes := clockChangesForTest(loc, []int{1995, 2011, 2021, 2031})
			for _, year := range []int{2024, 2176} {
				changes = append(changes, time.Date(year, 12, 31, 12, 0, 0, 0, time.UTC).Unix())
			}
			for _, change := range changes {
				for _, expr := range minuteExpressions {
					compareWithOracle(t, expr, loc, change-26*3600, change+26*3600)
				}
				for _, expr := range secondExpressions {
					compareWithOracle(t, expr, loc, change-2*3600, change+2*3600)
				}
			}
		})
	}
}

// clockChangesForTest returns the instants in the given years at which the
// UTC offset of loc changes.
func clockChangesForTest(loc *time.Location, years []int) []int64 {
	var changes []int64
	for _, year := range years {
		t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
		for t.Before(end) {
			_, offset := t.In(loc).Zone()
			_, next := t.In(loc).ZoneBounds()
			if next.IsZero() {
				break
			}
			if !next.After(t) {
				next = t.Add(24 * time.Hour)
			}
			if _, nextOffset := next.In(loc).Zone(); nextOffset != offset && next.Before(end) {
				changes = append(changes, next.Unix())
			}
			t = next
		}
	}

	return changes
}

// compareWithOracle checks the chain of Next over [from, to] against the
// oracle, and Next from a few start times inside the window.
func compareWithOracle(t *testing.T, expr string, loc *time.Location, from, to int64) {
	t.Helper()

	s, err := Compile(expr, Options{Location: loc})
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	o, err := newOracle(expr, Options{Location: loc})
	if err != nil {
		t.Fatalf("oracle rejects %q: %v", expr, err)
	}

	want := o.fires(from, to)
	var got []int64
	for next := s.Next(time.Unix(from-1, 0)); !next.IsZero() && next.Unix() <= to; next = s.Next(next) {
		got = append(got, next.Unix())
	}

	if !slices.Equal(got, want) {
		t.Errorf("Next chain of %q in %s over %s..%s:\n got %s\nwant %s", expr, loc,
			time.Unix(from, 0).In(loc).Format(time.RFC3339), time.Unix(to, 0).In(loc).Format(time.RFC3339),
			formatInstants(got, loc), formatInstants(want, loc))
	}
}

// formatInstants writes Unix seconds as RFC 3339 times in loc.
func formatInstants(instants []int64, loc *time.Location) string {
	times := make([]time.Time, len(instants))
	for i, u := range instants {
		times[i] = time.Unix(u, 0).In(loc)
	}

	return formatTimes(times)
}

func TestNextRandomExpressionsAroundClockChanges(t *testing.T) {
	t.Parallel()

	zones := []*time.Location{
		loadLocation(t, "America/New_York"),
		loadLocation(t, "Australia/Lord_Howe"),
		loadLocation(t, "Asia/Tehran"),
		loadLocation(t, "Europe/Berlin"),
	}
	r := rand.New(rand.NewPCG(7, 8))

	for checked := 0; checked < 150; {
		expr := randomExpression(r)
		loc := zones[r.IntN(len(zones))]
		if _, err := Compile(expr, Options{Location: loc}); err != nil {
			continue
		}
		checked++

		changes := clockChangesForTest(loc, []int{2005 + r.IntN(17)})
		if len(changes) == 0 {
			continue
		}
		change := changes[r.IntN(len(changes))]
		if strings.Count(expr, " ") == 5 {
			compareWithOracle(t, expr, loc, change-3*3600, change+3*3600)
		} else {
			compareWithOracle(t, expr, loc, change-3*secondsPerDay, change+3*secondsPerDay)
		}
	}
}
