package cron

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// MinInterval returns the shortest time between two consecutive fire times.
//
// For @every it returns the duration, exactly. For a cron expression in a
// zone without clock changes between 1970 and 2100, such as UTC, it returns
// the exact shortest gap over the 400-year Gregorian cycle: 10s for
// */10 * * * * * and 24h for 0 9 * * *.
//
// In a zone with clock changes in those years it returns a lower bound,
// computed as if a change could happen at any local time. For a fixed-time
// job that is the wall-clock gap minus the largest forward change, so
// 0 9 * * * in America/New_York gives 23h, the gap across the spring
// change. For a job whose time fields use * or a step it is the smallest
// gap that skipping or repeating local times can produce. That gap can be
// shorter than the wall-clock gap: */15 * * * * gives 15m, but
// 31,59 * * * * in a zone that goes back 30 minutes gives 2m. Clock changes
// before 1970 are not considered. The result is at least one second.
//
// The first call computes the value, which can take a millisecond, and
// later calls return it from memory. The zero or a nil Schedule, which
// never fires, returns zero.
func (s *Schedule) MinInterval() time.Duration {
	if s == nil || s.loc == nil {
		return 0
	}
	s.minInterval.once.Do(func() {
		s.minInterval.value = s.computeMinInterval()
	})

	return s.minInterval.value
}

// computeMinInterval computes the value that MinInterval returns.
func (s *Schedule) computeMinInterval() time.Duration {
	if s.every > 0 {
		return s.every
	}

	gap := s.wallClockGap()
	forward, backward := clockChanges(s.loc)

	bound := gap
	if s.fixedTime {
		// A fixed-time job fires once per local time, on the first pass or
		// at the end of a skipped stretch. So only a forward change can
		// bring two fire times closer, by at most the change.
		for _, shift := range forward {
			bound = min(bound, gap-shift)
		}
	} else if len(forward)+len(backward) > 0 {
		var matches timeOfDayBits
		s.forEachTimeOfDay(func(t int64) {
			matches[t/64] |= 1 << uint(t%64)
		})
		for _, shift := range forward {
			bound = min(bound, skipGap(&matches, shift))
		}
		for _, shift := range backward {
			bound = min(bound, repeatGap(&matches, shift))
		}
	}

	return time.Duration(max(bound, 1)) * time.Second
}

// wallClockGap returns, in seconds, the shortest gap between consecutive
// matching local times, ignoring time zones.
func (s *Schedule) wallClockGap() int64 {
	first, last, count := int64(-1), int64(0), 0
	gap := int64(math.MaxInt64)

	s.forEachTimeOfDay(func(t int64) {
		if count > 0 {
			gap = min(gap, t-last)
		} else {
			first = t
		}
		last = t
		count++
	})

	// Across days, the gap runs from the last time of one matching day to
	// the first time of the next.
	return min(gap, s.minDayGap()*secondsPerDay-(last-first))
}

// forEachTimeOfDay calls visit with each matching second of the day, in order.
func (s *Schedule) forEachTimeOfDay(visit func(int64)) {
	for hour := nextBit(s.hour, 0); hour >= 0; hour = nextBit(s.hour, hour+1) {
		for minute := nextBit(s.minute, 0); minute >= 0; minute = nextBit(s.minute, minute+1) {
			for second := nextBit(s.second, 0); second >= 0; second = nextBit(s.second, second+1) {
				visit(int64(hour*3600 + minute*60 + second))
			}
		}
	}
}

// minDayGap returns the smallest number of days between consecutive
// matching days, over one 400-year cycle and across its wrap.
func (s *Schedule) minDayGap() int64 {
	firstMatch, previous := int64(-1), int64(-1)
	gap := int64(daysPer400Years)

	for year := int64(2000); year < 2400; year++ {
		for month := 1; month <= 12; month++ {
			if s.months&(1<<uint(month)) == 0 {
				continue
			}

			first := daysFromCivil(year, month, 1)
			mask := s.days[daysIn(year, month)-28][weekday(first)]
			for ; mask != 0; mask &= mask - 1 {
				day := first + int64(bits.TrailingZeros32(mask)) - 1
				if previous >= 0 {
					gap = min(gap, day-previous)
				} else {
					firstMatch = day
				}
				previous = day
			}
			if gap == 1 {
				return 1
			}
		}
	}

	return min(gap, firstMatch+daysPer400Years-previous)
}

// timeOfDayBits has bit t set when second t of the day matches.
type timeOfDayBits [secondsPerDay / 64]uint64

// In the gap functions below, every day counts as matching. That adds fire
// times, which can only shorten gaps, so the bounds stay safe.

// skipGap returns a lower bound, in seconds, on the gap between two fire
// times of a wildcard job across a forward jump of shift seconds. Call the
// local time where the clock jumps a.
//
// The job fires at its last match w1 before a and next at its first match
// w2 at or after a + shift, (a - w1) + (w2 - a - shift) apart. Moving a
// keeps that sum constant until a passes a match, so the smallest gap
// occurs with a just after a match w1 and equals the distance from
// w1 + shift to the next match after it.
func skipGap(matches *timeOfDayBits, shift int64) int64 {
	gap := int64(math.MaxInt64)
	forEachBit(matches, func(w int64) {
		after := w + shift
		gap = min(gap, nextMatch(matches, after+1)-after)
	})

	return gap
}

// repeatGap returns a lower bound, in seconds, on the gap between two fire
// times of a wildcard job when the clock goes back by shift seconds.
//
// The job fires at its last match w1 before the change and then at its
// first match w2 of the repeated local times, shift - (w1 - w2) apart. The
// gap is smallest when the repeated stretch starts at w2, so the bound is
// the smallest distance from w + shift down to the match before it, over
// every matching time of day w.
func repeatGap(matches *timeOfDayBits, shift int64) int64 {
	gap := shift
	forEachBit(matches, func(w int64) {
		end := w + shift
		gap = min(gap, end-previousMatch(matches, end))
	})

	return gap
}

// forEachBit calls visit with each matching second of the day, in order.
func forEachBit(matches *timeOfDayBits, visit func(int64)) {
	for word, bitsLeft := range matches {
		for ; bitsLeft != 0; bitsLeft &= bitsLeft - 1 {
			visit(int64(word)*64 + int64(bits.TrailingZeros64(bitsLeft)))
		}
	}
}

// nextMatch returns the earliest match at or after from, where the matches
// repeat every day and are not empty.
func nextMatch(matches *timeOfDayBits, from int64) int64 {
	day := floorDiv(from, secondsPerDay)
	second := from - day*secondsPerDay

	for {
		word := second / 64
		masked := matches[word] >> uint(second%64) << uint(second%64)
		for masked == 0 && word+1 < int64(len(matches)) {
			word++
			masked = matches[word]
		}
		if masked != 0 {
			return day*secondsPerDay + word*64 + int64(bits.TrailingZeros64(masked))
		}

		day, second = day+1, 0
	}
}

// previousMatch returns the latest match before end, where the matches
// repeat every day and are not empty.
func previousMatch(matches *timeOfDayBits, end int64) int64 {
	day := floorDiv(end-1, secondsPerDay)
	second := end - 1 - day*secondsPerDay

	for {
		word := second / 64
		masked := matches[word] & (^uint64(0) >> uint(63-second%64))
		for masked == 0 && word > 0 {
			word--
			masked = matches[word]
		}
		if masked != 0 {
			return day*secondsPerDay + word*64 + int64(63-bits.LeadingZeros64(masked))
		}

		day, second = day-1, secondsPerDay-1
	}
}

// clockChanges returns the distinct forward and backward clock changes of
// loc between 1970 and 2100, in seconds.
func clockChanges(loc *time.Location) (forward, backward []int64) {
	from := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	to := time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

	span := spanAt(loc, from)
	for span.end < to {
		next := spanAt(loc, span.end)
		shift := next.offset - span.offset
		switch {
		case shift > 0 && !slices.Contains(forward, shift):
			forward = append(forward, shift)
		case shift < 0 && !slices.Contains(backward, -shift):
			backward = append(backward, -shift)
		}
		span = next
	}

	return forward, backward
}
