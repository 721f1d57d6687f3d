package wheel

import (
	"math"
	"math/bits"
	"time"
)

// Advance moves the clock to now, calls fire for each entry that became due
// and returns the number of calls.
//
// Advance first delivers the overdue entries, which were scheduled at or
// before the clock's time before this call started. It then delivers, tick by
// tick in increasing order, every entry whose deadline rounded up to a tick
// boundary is at or before now. Entries of the same tick are delivered in no
// particular order. Each entry is unscheduled before fire is called, so fire
// may Schedule or Cancel it and any other entry. A deadline set inside fire
// fires in this call only if its tick is after the tick being delivered and
// its rounded deadline is at or before now. An earlier deadline fires on the
// next call, see Schedule.
//
// The clock never moves backward. If now is before Now, Advance keeps the
// clock and every deadline unchanged and delivers only the overdue entries.
// A forward jump skips empty slots through the occupancy bitmaps, so its cost
// depends on the number of non-empty slots passed, not on their length.
//
// Advance panics if it is called from inside fire. If fire panics, the panic
// propagates, and the entries that were due but not yet delivered stay
// scheduled and fire on the next call.
func (w *Wheel[T]) Advance(now time.Time, fire func(*Entry[T])) int {
	if w.advancing {
		panic("wheel: Advance called from inside a fire callback, which must return first")
	}

	if ns := unixNano(now); ns > w.nowNs {
		w.now, w.nowNs = now, ns
	}

	target := w.targetTick()
	w.advancing = true
	defer w.finishAdvance()

	// Swap the overdue lists first, so that entries that fire reschedules
	// into the past wait for the next call. The two lists are at an even
	// index and the index after it, so flipping the low bit selects the
	// other list.
	overdue := w.overdue
	w.overdue ^= 1
	fired := w.deliver(overdue, fire)

	for {
		tick, level, ok := w.nextEvent()
		if !ok || tick > target {
			break
		}

		w.current = tick
		if level > 0 {
			w.cascade(level)
		}

		fired += w.deliver(int32(tick&slotMask), fire)
	}

	w.current = target

	return fired
}

// nextEvent returns the first tick after current at which a slot either
// fires or cascades, and that slot's level. ok is false when no slot is
// occupied.
//
// Every occupied slot lies after current's slot on its level. A slot on
// level L after current's slot begins inside current's level-(L+1) slot, so
// it comes before every slot on a higher level that lies after current.
// Therefore the lowest level with an occupied slot has the earliest event.
func (w *Wheel[T]) nextEvent() (tick uint64, level int, ok bool) {
	for level = 0; level < w.levels; level++ {
		shift := uint(level * slotBits)
		currentSlot := (w.current >> shift) & slotMask
		later := w.occupied[level] &^ (1<<(currentSlot+1) - 1)
		if later == 0 {
			continue
		}

		// Go defines shifts of 64 or more bits as 0, which is the base for
		// the top level.
		blockShift := shift + slotBits
		base := w.current >> blockShift << blockShift
		slot := uint64(bits.TrailingZeros64(later))

		return base | slot<<shift, level, true
	}

	return 0, 0, false
}

// cascade moves the entries of the slot on level that starts at current down
// to lower levels. The entries due at current land in the level-0 slot of
// current.
func (w *Wheel[T]) cascade(level int) {
	slot := int32(w.current>>(level*slotBits)) & slotMask
	b := int32(level*slotsPerLevel) + slot

	for e := w.buckets[b]; e != nil; e = w.buckets[b] {
		w.unlink(e)
		w.place(e, w.ceilTick(e.deadline))
	}
}

// deliver unschedules and fires the entries of bucket b until it is empty and
// returns their number. No entry scheduled during fire lands in b, because an
// overdue entry goes to the other overdue list and a later deadline goes to a
// slot after current.
func (w *Wheel[T]) deliver(b int32, fire func(*Entry[T])) int {
	w.delivered = b

	n := 0
	for e := w.buckets[b]; e != nil; e = w.buckets[b] {
		w.unlink(e)
		w.count--
		fire(e)
		n++
	}

	w.delivered = -1

	return n
}

// finishAdvance ends an Advance call. When fire panicked, it moves the
// undelivered entries of the interrupted list to the overdue list, because
// a slot at current would otherwise be skipped by nextEvent.
func (w *Wheel[T]) finishAdvance() {
	if b := w.delivered; b >= 0 {
		for e := w.buckets[b]; e != nil; e = w.buckets[b] {
			w.unlink(e)
			w.push(w.overdue, e)
		}

		w.delivered = -1
	}

	w.advancing = false
}

// targetTick returns the last tick that Advance delivers at the clock's time.
// At the largest representable time it is the tick that a deadline clamped to
// that time rounds up to, because the clock can never pass that deadline.
func (w *Wheel[T]) targetTick() uint64 {
	if w.nowNs == math.MaxInt64 {
		return w.ceilTick(w.nowNs)
	}

	return w.floorTick(w.nowNs)
}
