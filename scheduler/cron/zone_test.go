package cron

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// zoneNames returns the zones of the host database, or a fixed list of
// zones with unusual histories when the host has none.
func zoneNames(t *testing.T) []string {
	const root = "/usr/share/zoneinfo"
	if _, err := os.Stat(filepath.Join(root, "Europe/Berlin")); err != nil {
		return []string{
			"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tehran", "Pacific/Apia",
			"Pacific/Kwajalein", "America/Santiago", "Africa/Casablanca", "Europe/Moscow", "Antarctica/Troll",
		}
	}

	var names []string
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, root+"/")
		if entry.IsDir() {
			if name == "posix" || name == "right" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.ContainsAny(name, ".") || strings.ToLower(name[:1]) == name[:1] {
			return nil
		}
		if _, err := time.LoadLocation(name); err == nil {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list zones: %v", err)
	}

	return names
}

// TestZoneSpansAreLong checks the assumption behind the span walk of
// nextFire: every span next to a clock change lasts longer than
// jumpDistance, and every change is smaller than maxClockShift.
func TestZoneSpansAreLong(t *testing.T) {
	t.Parallel()

	from := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	to := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

	for _, name := range zoneNames(t) {
		loc := loadLocation(t, name)

		var spans []zoneSpan
		for span := spanAt(loc, from); span.start < to; span = spanAt(loc, span.end) {
			spans = append(spans, span)
			if span.end == maxInstant {
				break
			}
		}

		for i := 1; i+1 < len(spans); i++ {
			before, span, after := spans[i-1], spans[i], spans[i+1]
			if before.offset == span.offset && span.offset == after.offset {
				continue
			}
			if span.end-span.start <= jumpDistance {
				t.Errorf("%s: span %s to %s lasts %s, next to a clock change", name,
					time.Unix(span.start, 0).UTC(), time.Unix(span.end, 0).UTC(), time.Duration(span.end-span.start)*time.Second)
			}
			if shift := max(span.offset-before.offset, before.offset-span.offset); shift >= maxClockShift {
				t.Errorf("%s: clock change of %ds at %s", name, shift, time.Unix(span.start, 0).UTC())
			}
		}
	}
}

func TestSpanAtAtEndOfLeapYear(t *testing.T) {
	t.Parallel()

	berlin := loadLocation(t, "Europe/Berlin")
	for _, at := range []string{"2024-12-31T00:00:00Z", "2024-12-31T12:00:00Z", "2024-12-31T23:59:59Z", "2040-12-31T06:00:00Z"} {
		u := mustParseTime(t, at).Unix()
		span := spanAt(berlin, u)
		if span.start > u || span.end <= u {
			t.Errorf("spanAt(%s) = [%d, %d), does not contain %d", at, span.start, span.end, u)
		}
		if span.offset != 3600 {
			t.Errorf("spanAt(%s) offset = %d, want 3600", at, span.offset)
		}
	}
}

func TestSpanAtUnboundedZones(t *testing.T) {
	t.Parallel()

	for _, loc := range []*time.Location{time.UTC, time.FixedZone("X", -3600)} {
		span := spanAt(loc, 0)
		if span.start != minInstant || span.end != maxInstant {
			t.Errorf("spanAt(%s) = [%d, %d), want unbounded", loc, span.start, span.end)
		}
	}
}

// TestGapSlotFromLastSecondBefore checks that a fixed-time job whose local
// time falls in a spring-forward gap fires at the first instant after the
// gap. It starts the search in the last second before the jump, where the
// next instant is the jump itself.
func TestGapSlotFromLastSecondBefore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, expr string
		jump       time.Time // the first instant after the gap, in UTC
	}{
		{"America/New_York", "30 2 * * *", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"America/New_York", "0 30 2 * * *", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", "0 2 * * *", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{"Australia/Lord_Howe", "15 2 * * *", time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC)},
		{"Pacific/Apia", "0 9 * * *", time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Compile(tc.expr, Options{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		for _, before := range []time.Duration{time.Second, 2 * time.Second, time.Minute} {
			from := tc.jump.Add(-before)
			if got := s.Next(from); !got.Equal(tc.jump) {
				t.Errorf("%s in %s: Next(%v) = %v, want %v", tc.expr, tc.zone, from, got.UTC(), tc.jump)
			}
		}
		// From the jump itself, the slot has passed.
		if got := s.Next(tc.jump); !got.After(tc.jump.Add(time.Hour)) {
			t.Errorf("%s in %s: Next(%v) = %v, want a later day", tc.expr, tc.zone, tc.jump, got.UTC())
		}
	}
}
