package wheel

import (
	"math"
	"math/bits"
	"time"
)

var (
	// minTime and maxTime bound the times whose Unix nanoseconds fit in an
	// int64. Time.UnixNano is undefined outside this range.
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// safeSeconds bounds the Unix seconds whose nanoseconds, plus any fraction
// of a second, fit in an int64 without a range check.
const safeSeconds = math.MaxInt64 / int64(time.Second)

// unixNano returns t in Unix nanoseconds, clamped to the int64 range.
func unixNano(t time.Time) int64 {
	// Comparing with minTime and maxTime costs more than the conversion, so
	// only times within a second of the range ends take that path.
	if sec := t.Unix(); sec >= -safeSeconds && sec < safeSeconds {
		return t.UnixNano()
	}

	if t.Before(minTime) {
		return math.MinInt64
	}

	if t.After(maxTime) {
		return math.MaxInt64
	}

	return t.UnixNano()
}

// floorDiv returns a / b rounded toward negative infinity for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}

	return q
}

// ceilTick returns the number of whole ticks from the origin to the first
// tick boundary at or after ns, or 0 when ns is at or before the origin.
func (w *Wheel[T]) ceilTick(ns int64) uint64 {
	if ns <= w.origin {
		return 0
	}

	// The difference can exceed math.MaxInt64, but it always fits in a
	// uint64 because ns > origin.
	elapsed := uint64(ns) - uint64(w.origin)
	tick := uint64(w.tick)
	t := elapsed / tick
	if elapsed%tick != 0 {
		t++
	}

	return t
}

// floorTick returns the number of whole ticks from the origin to the last
// tick boundary at or before ns, or 0 when ns is at or before the origin.
func (w *Wheel[T]) floorTick(ns int64) uint64 {
	if ns <= w.origin {
		return 0
	}

	return (uint64(ns) - uint64(w.origin)) / uint64(w.tick)
}

// tickTime returns the time of tick boundary t, clamped to the largest
// representable time. Clamping matters only for the tick that a deadline
// clamped to math.MaxInt64 rounds up to.
func (w *Wheel[T]) tickTime(t uint64) time.Time {
	hi, offset := bits.Mul64(t, uint64(w.tick))
	room := uint64(math.MaxInt64) - uint64(w.origin)
	if hi != 0 || offset > room {
		return maxTime
	}

	return time.Unix(0, int64(uint64(w.origin)+offset))
}

// levelsFor returns the number of levels needed to place every tick from 0 to
// the tick of the largest representable time, counted from origin.
func levelsFor(origin, tick int64) int {
	room := uint64(math.MaxInt64) - uint64(origin)
	maxTick := room / uint64(tick)
	if room%uint64(tick) != 0 {
		maxTick++
	}

	if maxTick == 0 {
		return 1
	}

	return (bits.Len64(maxTick)-1)/slotBits + 1
}
