package cron

import "time"

// zoneSpan is a stretch of time with one UTC offset.
type zoneSpan struct {
	start, end int64 // instants [start, end), with minInstant or maxInstant for an unbounded side
	offset     int64 // seconds east of UTC
}

const (
	// maxClockShift exceeds the largest clock change in the time zone
	// database, the 24 hours that Pacific/Apia skipped in 2011.
	maxClockShift = 2 * secondsPerDay

	// jumpDistance is how far past a span a candidate must lie before the
	// search jumps to it instead of walking span by span. Every span next
	// to a clock change in the time zone database lasts more than three
	// days, which TestZoneSpansAreLong checks.
	jumpDistance = 3 * secondsPerDay

	// maxSpanSteps bounds the spans that one search visits.
	maxSpanSteps = 1000
)

// spanAt returns the span of loc that contains instant u.
func spanAt(loc *time.Location, u int64) zoneSpan {
	if loc == time.UTC {
		return zoneSpan{start: minInstant, end: maxInstant}
	}

	t := time.Unix(u, 0).In(loc)
	_, offset := t.Zone()
	startTime, endTime := t.ZoneBounds()

	span := zoneSpan{start: minInstant, end: maxInstant, offset: int64(offset)}
	if !startTime.IsZero() {
		span.start = min(startTime.Unix(), u)
	}
	if !endTime.IsZero() {
		span.end = endTime.Unix()
	}

	// Past the last transition that a zone file lists, Go 1.26 ends a span
	// at the start of its year plus 365 days. In a leap year that is
	// December 31 00:00 UTC, so on that day the reported end is not after u.
	// The offset is still right, and the time zone database has no clock
	// change on that day.
	if span.end <= u {
		span.end = u - floorMod(u, secondsPerDay) + secondsPerDay
	}

	return span
}

// nextFire returns the first fire instant at or after u, applying the
// daylight saving time rules that the package documentation describes.
//
// The search walks the spans of the zone. Inside a span, local time is
// instant plus a constant offset, so nextLocal finds candidates. At a span
// end the clock either jumps forward, skipping local times, or back,
// repeating them.
func (s *Schedule) nextFire(u int64) (int64, bool) {
	span := spanAt(s.loc, u)
	previousOffset := s.previousOffset(span, u)

	if s.fixedTime && u == span.start && previousOffset < span.offset {
		// The clock jumped forward at u itself. A fixed-time job whose
		// local time fell in the gap fires at u, the first instant after
		// it, as it would when the search starts before the jump.
		if local, ok := s.nextLocal(u + previousOffset); ok && local < u+span.offset {
			return u, true
		}
	}

	for step := 0; step < maxSpanSteps; step++ {
		lo := u + span.offset
		if s.fixedTime && previousOffset > span.offset {
			// The clock went back at span.start. A fixed-time job already
			// fired at the first pass of the repeated local times.
			lo = max(lo, span.start+previousOffset)
		}

		local, ok := s.nextLocal(lo)
		if !ok {
			return 0, false
		}
		if span.end == maxInstant || local < span.end+span.offset {
			return local - span.offset, true
		}

		next := spanAt(s.loc, span.end)
		if s.fixedTime && local < span.end+next.offset {
			// The clock jumps forward over local, so a fixed-time job fires
			// at the first instant after the gap.
			return span.end, true
		}

		if step > 0 && local-(span.end+span.offset) > jumpDistance {
			// No instant before local - maxClockShift shows local or a later
			// local time. The spans in between cannot repeat local times
			// before lo either, so none of them can fire.
			u = local - maxClockShift
			span = spanAt(s.loc, u)
			previousOffset = s.previousOffset(span, u)
			continue
		}

		// The span that spanAt reports for the last day of a leap year can
		// start before span.end, so continue from span.end.
		u = span.end
		next.start = u
		previousOffset = span.offset
		span = next
	}

	// NOTE: only a zone whose clock changes come within days of each other
	// can exhaust the steps, and the time zone database has none.
	return 0, false
}

// previousOffset returns the offset before span when u is close enough to
// the span start for a clock change there to matter, and span.offset
// otherwise.
func (s *Schedule) previousOffset(span zoneSpan, u int64) int64 {
	if span.start == minInstant || u-span.start >= maxClockShift {
		return span.offset
	}

	return spanAt(s.loc, span.start-1).offset
}
