package cron

import (
	"math/bits"
	"time"
)

const nanosPerSecond = 1e9

// nextEvery returns the first instant anchor + k*every, k >= 1, after t.
// It works in 128-bit nanoseconds, because the distance from the anchor can
// exceed the 292 years that a time.Duration can represent.
func (s *Schedule) nextEvery(t time.Time) time.Time {
	anchorSec, anchorNano := s.anchor.Unix(), int64(s.anchor.Nanosecond())
	period := uint64(s.every)

	k := uint64(1)
	if !t.Before(s.anchor) {
		sec := t.Unix()
		if sec > maxInstant {
			return time.Time{}
		}

		// Both instants lie in [minInstant, maxInstant], so the seconds
		// difference fits in 62 bits and its nanoseconds in 92.
		diffSec, diffNano := sec-anchorSec, int64(t.Nanosecond())-anchorNano
		if diffNano < 0 {
			diffSec, diffNano = diffSec-1, diffNano+nanosPerSecond
		}

		hi, lo := bits.Mul64(uint64(diffSec), nanosPerSecond)
		lo, carry := bits.Add64(lo, uint64(diffNano), 0)
		quotient, _ := bits.Div64(hi+carry, lo, period)
		k = quotient + 1
	}

	hi, lo := bits.Mul64(k, period)
	offsetSec, offsetNano := bits.Div64(hi, lo, nanosPerSecond)

	sec := anchorSec + int64(offsetSec)
	nano := anchorNano + int64(offsetNano)
	if nano >= nanosPerSecond {
		sec, nano = sec+1, nano-nanosPerSecond
	}
	if sec > maxInstant {
		return time.Time{}
	}

	return time.Unix(sec, nano).In(s.loc)
}
