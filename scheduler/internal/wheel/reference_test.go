package wheel

import (
	"container/heap"
	"math"
	"time"
)

// reference is a binary-heap implementation of the Wheel contract that the
// differential tests and the fuzzer compare the wheel against. It counts
// ticks from the Unix epoch as signed numbers, independently of the wheel's
// origin-relative arithmetic.
type reference struct {
	tick      int64
	nowNs     int64
	current   int64 // tick of nowNs, or the tick being delivered during advance
	advancing bool
	advances  int // number of advance calls started so far
	entries   []refEntry
	queue     refQueue
}

type refEntry struct {
	scheduled bool
	ns        int64

	// overdueSince is the number of the advance call during or after which
	// the entry became overdue, or -1 when it waits in the queue instead.
	overdueSince int
	item         refItem
}

type refItem struct {
	id    int
	tick  int64
	index int
}

// refQueue is a min-heap of items ordered by tick, then id.
type refQueue []*refItem

func (q refQueue) Len() int { return len(q) }

func (q refQueue) Less(i, j int) bool {
	if q[i].tick != q[j].tick {
		return q[i].tick < q[j].tick
	}

	return q[i].id < q[j].id
}

func (q refQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *refQueue) Push(x any) {
	item := x.(*refItem)
	item.index = len(*q)
	*q = append(*q, item)
}

func (q *refQueue) Pop() any {
	old := *q
	item := old[len(old)-1]
	*q = old[:len(old)-1]
	item.index = -1

	return item
}

func newReference(start time.Time, tick time.Duration, ids int) *reference {
	r := &reference{
		tick:    int64(tick),
		nowNs:   refUnixNano(start),
		entries: make([]refEntry, ids),
	}
	r.current = refFloorTick(r.nowNs, r.tick)

	for id := range r.entries {
		r.entries[id].item = refItem{id: id, index: -1}
		r.entries[id].overdueSince = -1
	}

	return r
}

// refUnixNano returns t in Unix nanoseconds, saturated at the int64 range.
func refUnixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}

	return t.UnixNano()
}

// refCeilTick returns the index of the first tick boundary at or after ns,
// counted from the Unix epoch.
func refCeilTick(ns, tick int64) int64 {
	q := ns / tick
	if ns%tick != 0 && ns > 0 {
		q++
	}

	return q
}

// refFloorTick returns the index of the last tick boundary at or before ns.
func refFloorTick(ns, tick int64) int64 {
	q := ns / tick
	if ns%tick != 0 && ns < 0 {
		q--
	}

	return q
}

// refTargetTick returns the last tick that an Advance to nowNs delivers. At
// the largest representable time it is the tick that a deadline clamped to
// that time rounds up to, so that such a deadline can still fire.
func refTargetTick(nowNs, tick int64) int64 {
	if nowNs == math.MaxInt64 {
		return refCeilTick(nowNs, tick)
	}

	return refFloorTick(nowNs, tick)
}

// refTickTime returns the time of boundary index t, saturated at the largest
// representable time.
func refTickTime(t, tick int64) time.Time {
	if t > 0 && t > math.MaxInt64/tick {
		return time.Unix(0, math.MaxInt64)
	}

	return time.Unix(0, t*tick)
}

func (r *reference) schedule(id int, at time.Time) {
	e := &r.entries[id]
	r.unschedule(id)

	e.scheduled = true
	e.ns = refUnixNano(at)
	e.item.tick = refCeilTick(e.ns, r.tick)

	overdue := e.ns <= r.nowNs
	if r.advancing {
		overdue = e.item.tick <= r.current
	}

	if overdue {
		e.overdueSince = r.advances
		return
	}

	heap.Push(&r.queue, &e.item)
}

func (r *reference) cancel(id int) bool {
	was := r.entries[id].scheduled
	r.unschedule(id)

	return was
}

func (r *reference) unschedule(id int) {
	e := &r.entries[id]
	if e.item.index >= 0 {
		heap.Remove(&r.queue, e.item.index)
	}

	e.scheduled = false
	e.overdueSince = -1
}

func (r *reference) advance(now time.Time, fire func(id int)) int {
	r.advances++
	if ns := refUnixNano(now); ns > r.nowNs {
		r.nowNs = ns
	}

	target := refTargetTick(r.nowNs, r.tick)
	r.advancing = true

	fired := 0
	for _, id := range r.overdueIDs() {
		e := &r.entries[id]
		if !e.scheduled || e.overdueSince < 0 || e.overdueSince >= r.advances {
			continue
		}

		r.unschedule(id)
		fire(id)
		fired++
	}

	for len(r.queue) > 0 && r.queue[0].tick <= target {
		item := heap.Pop(&r.queue).(*refItem)
		r.current = item.tick
		r.unschedule(item.id)
		fire(item.id)
		fired++
	}

	r.current = target
	r.advancing = false

	return fired
}

// overdueIDs returns the entries that were overdue before the running
// advance started.
func (r *reference) overdueIDs() []int {
	var ids []int
	for id, e := range r.entries {
		if e.scheduled && e.overdueSince >= 0 && e.overdueSince < r.advances {
			ids = append(ids, id)
		}
	}

	return ids
}

func (r *reference) nextWake() (time.Time, bool) {
	for _, e := range r.entries {
		if e.scheduled && e.overdueSince >= 0 {
			return time.Unix(0, r.nowNs), true
		}
	}

	if len(r.queue) == 0 {
		return time.Time{}, false
	}

	return refTickTime(r.queue[0].tick, r.tick), true
}

func (r *reference) scheduled(id int) bool {
	return r.entries[id].scheduled
}

func (r *reference) deadline(id int) time.Time {
	if !r.entries[id].scheduled {
		return time.Time{}
	}

	return time.Unix(0, r.entries[id].ns)
}

func (r *reference) length() int {
	n := 0
	for _, e := range r.entries {
		if e.scheduled {
			n++
		}
	}

	return n
}

func (r *reference) now() time.Time {
	return time.Unix(0, r.nowNs)
}
