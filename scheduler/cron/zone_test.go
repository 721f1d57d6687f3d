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
