package wheel

import (
	"fmt"
	"math/bits"
	"time"
)

const (
	slotBits      = 6
	slotsPerLevel = 1 << slotBits
	slotMask      = slotsPerLevel - 1
)

// Wheel is a hierarchical timing wheel of Entry nodes. Create one with New.
// See the package documentation for its structure and guarantees.
type Wheel[T any] struct {
	tick   int64 // tick length in nanoseconds
	origin int64 // Unix nanoseconds of tick 0, the start rounded down to a tick boundary

	// current is the clock's tick, counted from origin. Every entry in a slot
	// has a deadline tick after current, except while Advance delivers the
	// level-0 slot of current itself.
	current uint64

	now   time.Time // latest time passed to New or Advance
	nowNs int64     // now in Unix nanoseconds

	levels int

	// occupied has one bitmap per level, with bit s set when slot s is not
	// empty.
	occupied []uint64

	// buckets contains the head of each slot list, level by level, followed
	// by two overdue lists. Advance delivers one overdue list while Schedule
	// appends to the other, so entries rescheduled into the past during
	// Advance wait for the next call.
	buckets []*Entry[T]

	overdue   int32 // index in buckets of the overdue list that receives entries
	delivered int32 // index in buckets of the list Advance is delivering, or -1
	count     int
	advancing bool
}

// New returns an empty wheel whose clock starts at start and advances in
// steps of tick. New panics if tick is not positive.
func New[T any](start time.Time, tick time.Duration) *Wheel[T] {
	if tick <= 0 {
		panic(fmt.Sprintf("wheel: invalid tick %v, must be positive", tick))
	}

	startNs := unixNano(start)
	origin := floorDiv(startNs, int64(tick)) * int64(tick)
	levels := levelsFor(origin, int64(tick))
	slots := int32(levels * slotsPerLevel)

	return &Wheel[T]{
		tick:      int64(tick),
		origin:    origin,
		now:       start,
		nowNs:     startNs,
		levels:    levels,
		occupied:  make([]uint64, levels),
		buckets:   make([]*Entry[T], slots+2),
		overdue:   slots,
		delivered: -1,
	}
}

// Len returns the number of scheduled entries.
func (w *Wheel[T]) Len() int {
	return w.count
}

// Now returns the wheel's clock, which is the latest time passed to New or
// Advance. Inside a fire callback it already returns the time passed to the
// running Advance.
func (w *Wheel[T]) Now() time.Time {
	return w.now
}

// Schedule sets the deadline of e to at, moving e if it is already scheduled.
//
// Outside Advance, a deadline at or before Now is overdue and fires on the
// next Advance. Inside a fire callback, a deadline whose tick is at or before
// the tick being delivered is overdue and fires on the next Advance. This rule
// keeps an entry that reschedules itself into the past from firing forever in
// one call. A later deadline up to the time passed to the running Advance
// fires in the same call.
func (w *Wheel[T]) Schedule(e *Entry[T], at time.Time) {
	if e.Scheduled() {
		w.unlink(e)
	} else {
		w.count++
	}

	e.deadline = unixNano(at)
	tick := w.ceilTick(e.deadline)
	if w.isOverdue(e.deadline, tick) {
		w.push(w.overdue, e)
		return
	}

	w.place(e, tick)
}

// Cancel unschedules e and reports whether it was scheduled.
func (w *Wheel[T]) Cancel(e *Entry[T]) bool {
	if !e.Scheduled() {
		return false
	}

	w.unlink(e)
	w.count--

	return true
}

// NextWake returns the time at which Advance next has work to do, and false
// if the wheel is empty.
//
// When overdue entries are waiting, the result is Now. When the earliest
// entry is due within the current 64-tick block, the result is exactly its
// deadline rounded up to a tick boundary. Otherwise it is the first tick of
// the next higher-level slot that must cascade, which is never later than the
// earliest rounded deadline. Calling Advance at that time and then NextWake
// again converges on the earliest deadline in at most one step per level.
// NextWake costs O(levels).
func (w *Wheel[T]) NextWake() (time.Time, bool) {
	if w.buckets[w.overdue] != nil {
		return w.now, true
	}

	// Inside a fire callback, entries still waiting in the list being
	// delivered are due now.
	if w.delivered >= 0 && w.buckets[w.delivered] != nil {
		return w.now, true
	}

	tick, _, ok := w.nextEvent()
	if !ok {
		return time.Time{}, false
	}

	return w.tickTime(tick), true
}

// isOverdue reports whether a deadline of ns, at tick, must go to the overdue
// list instead of a slot.
func (w *Wheel[T]) isOverdue(ns int64, tick uint64) bool {
	if w.advancing {
		return tick <= w.current
	}

	return ns <= w.nowNs
}

// place links e into the slot for deadline tick, which must not be before
// current. Only cascading places a tick equal to current, into the level-0
// slot of current, right before Advance delivers that slot.
func (w *Wheel[T]) place(e *Entry[T], tick uint64) {
	level := 0
	if diff := tick ^ w.current; diff != 0 {
		level = (bits.Len64(diff) - 1) / slotBits
	}

	slot := int(tick>>(level*slotBits)) & slotMask
	w.occupied[level] |= 1 << slot
	w.push(int32(level*slotsPerLevel+slot), e)
}

// push links e at the head of bucket b.
func (w *Wheel[T]) push(b int32, e *Entry[T]) {
	head := w.buckets[b]
	e.prev = nil
	e.next = head
	if head != nil {
		head.prev = e
	}

	w.buckets[b] = e
	e.bucket = b + 1
}

// unlink removes e from its bucket and clears the slot's occupancy bit when
// the slot becomes empty. It leaves count unchanged.
func (w *Wheel[T]) unlink(e *Entry[T]) {
	b := e.bucket - 1
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		w.buckets[b] = e.next
	}

	if e.next != nil {
		e.next.prev = e.prev
	}

	e.next, e.prev, e.bucket = nil, nil, 0
	if w.buckets[b] == nil && b < w.slotCount() {
		w.occupied[b/slotsPerLevel] &^= 1 << (b % slotsPerLevel)
	}
}

// slotCount returns the number of slot lists, which is also the index of the
// first overdue list in buckets.
func (w *Wheel[T]) slotCount() int32 {
	return int32(w.levels * slotsPerLevel)
}
