package cron

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// fuzzZones are the zones that FuzzCompileNext picks from.
var fuzzZones = []string{"UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "Europe/Berlin", "Pacific/Apia"}

var fuzzSentinels = []error{
	ErrSyntax, ErrOutOfRange, ErrZeroStep, ErrReversedRange, ErrNeverFires, ErrUnknownZone, ErrEveryTooShort,
}

// FuzzCompileNext compiles arbitrary text. Rejections must be *Error values
// with a known sentinel. For accepted expressions, Next must agree with the
// oracle over a window after the start and keep increasing beyond it.
func FuzzCompileNext(f *testing.F) {
	seeds := []string{
		"* * * * *", "*/10 * * * * *", "0 9 * * 1-5", "30 2 * * *", "0,30 1,2 * * *",
		"*/15 1 * * *", "0 0 29 2 *", "0 0 29 2 */7", "0 0 L * *", "0 0 LW * *", "0 0 L-3 * *",
		"0 0 15W * *", "0 0 1W * *", "0 0 * * 5L", "0 0 * * MON#2", "0 0 13 * 5", "0 0 */2 * 1",
		"0 0 * * SAT-SUN", "@hourly", "@daily", "@every 90s", "@every 1h0m0.5s",
		"CRON_TZ=Asia/Tehran 0 0 * * *", "TZ=Pacific/Apia 0 9 * * *", "5 22-5 * * *", "0 0 30 2 *",
		"*/0 * * * *", "0 0 ? * ?", "59 59 23 31 12 *", "0 0 1-31/40 * *",
		"cron_tz=Asia/Tokyo 0 9 * * *", "Tz=America/New_York @hourly", "CRON_TZ=asia/tokyo 0 9 * * *",
		"TIMEZONE=UTC 0 9 * * *",
	}
	for i, seed := range seeds {
		f.Add(seed, uint8(i), int64(i)*987_654_321)
	}

	f.Fuzz(func(t *testing.T, expr string, zoneChoice uint8, startChoice int64) {
		loc := loadLocation(t, fuzzZones[int(zoneChoice)%len(fuzzZones)])
		opts := Options{Location: loc, Anchor: time.Unix(1_600_000_000, 0)}

		s, err := Compile(expr, opts)
		if err != nil {
			checkCompileError(t, expr, err)
			return
		}

		o, err := newOracle(expr, opts)
		if err != nil {
			t.Fatalf("Compile accepts %q, oracle rejects it: %v", expr, err)
		}

		start := fuzzStart(o.loc, zoneChoice, startChoice)
		checkAgainstOracle(t, s, o, start)
	})
}

// checkCompileError checks the form of a Compile error.
func checkCompileError(t *testing.T, expr string, err error) {
	var cronErr *Error
	if !errors.As(err, &cronErr) {
		t.Fatalf("Compile(%q) error type %T, want *Error", expr, err)
	}
	if cronErr.Field == "" || cronErr.Reason == "" {
		t.Fatalf("Compile(%q) error %+v lacks a field or reason", expr, cronErr)
	}

	for _, sentinel := range fuzzSentinels {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("Compile(%q) error %v wraps no known sentinel", expr, err)
}

// fuzzStart maps the fuzzer's number to a start instant between 1900 and
// 2200. When the high bit of zoneChoice is set and a clock change follows
// within a year, it moves the start to up to two days before that change.
func fuzzStart(loc *time.Location, zoneChoice uint8, startChoice int64) time.Time {
	low := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	high := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := uint64(high - low)
	start := low + int64(uint64(startChoice)%span)
	nanos := int64(uint64(startChoice) % 1e9)

	if zoneChoice&0x80 != 0 {
		year := time.Unix(start, 0).UTC().Year()
		for _, change := range clockChangesForTest(loc, []int{year, year + 1}) {
			if change > start {
				start = change - 1 - int64(uint64(startChoice)%(2*secondsPerDay))
				break
			}
		}
	}

	return time.Unix(start, nanos)
}

// checkAgainstOracle compares Next with the oracle over a window after
// start, then checks that later results increase and are fire times.
func checkAgainstOracle(t *testing.T, s *Schedule, o *oracle, start time.Time) {
	window := int64(3 * secondsPerDay)
	if !o.wholeMinutes(start.Unix(), start.Unix()+window) {
		window = 2 * 3600
	}
	if o.every > 0 && (o.every%time.Second != 0 || o.anchor.Nanosecond() != 0) {
		checkIncreasing(t, s, start, nil)
		return
	}

	// Fire times in (start, start+window]: the oracle scans whole seconds,
	// and a sub-second start rounds up to the next one.
	from := start.Unix() + 1
	want := o.fires(from, start.Unix()+window)

	var got []int64
	next := s.Next(start)
	for !next.IsZero() && next.Unix() <= start.Unix()+window && len(got) <= len(want) {
		got = append(got, next.Unix())
		next = s.Next(next)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Next chain of %q in %s after %s:\n got %s\nwant %s", s, o.loc, start.Format(time.RFC3339Nano),
			formatInstants(got, o.loc), formatInstants(want, o.loc))
	}

	checkIncreasing(t, s, next, o)
}

// checkIncreasing follows Next from t and checks that results increase and,
// with an oracle, that each is a fire time.
func checkIncreasing(t *testing.T, s *Schedule, t0 time.Time, o *oracle) {
	previous := t0
	for range 20 {
		if previous.IsZero() {
			return
		}

		next := s.Next(previous)
		if next.IsZero() {
			return
		}
		if !next.After(previous) {
			t.Fatalf("Next(%q, %s) = %s, not after it", s, previous.Format(time.RFC3339Nano), next.Format(time.RFC3339Nano))
		}
		if o != nil && o.every == 0 && !o.isFire(next.Unix()) {
			t.Fatalf("Next(%q, %s) = %s, which is no fire time for the oracle", s, previous.Format(time.RFC3339Nano), next.Format(time.RFC3339))
		}
		previous = next
	}
}
