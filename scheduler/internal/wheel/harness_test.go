package wheel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// impl is the surface that the differential driver exercises. The Wheel under
// test and the reference both implement it, with entries named by small
// integer ids.
type impl interface {
	schedule(id int, at time.Time)
	cancel(id int) bool
	advance(now time.Time, fire func(id int)) int
	scheduled(id int) bool
	deadline(id int) time.Time
	length() int
	nextWake() (time.Time, bool)
	now() time.Time
}

// wheelImpl adapts a Wheel with one preallocated Entry per id to impl.
type wheelImpl struct {
	w       *Wheel[int]
	entries []Entry[int]
}

func newWheelImpl(start time.Time, tick time.Duration, ids int) *wheelImpl {
	wi := &wheelImpl{w: New[int](start, tick), entries: make([]Entry[int], ids)}
	for id := range wi.entries {
		wi.entries[id].Value = id
	}

	return wi
}

func (wi *wheelImpl) schedule(id int, at time.Time) { wi.w.Schedule(&wi.entries[id], at) }
func (wi *wheelImpl) cancel(id int) bool            { return wi.w.Cancel(&wi.entries[id]) }
func (wi *wheelImpl) scheduled(id int) bool         { return wi.entries[id].Scheduled() }
func (wi *wheelImpl) deadline(id int) time.Time     { return wi.entries[id].Deadline() }
func (wi *wheelImpl) length() int                   { return wi.w.Len() }
func (wi *wheelImpl) nextWake() (time.Time, bool)   { return wi.w.NextWake() }
func (wi *wheelImpl) now() time.Time                { return wi.w.Now() }

func (wi *wheelImpl) advance(now time.Time, fire func(id int)) int {
	return wi.w.Advance(now, func(e *Entry[int]) { fire(e.Value) })
}

// Group kinds order the deliveries of one Advance call: first the overdue
// entries, then one group per tick. groupNext marks entries that wait for
// the next call and never matches a delivered group.
const (
	groupOverdue = iota
	groupTick
	groupNext
)

// groupKey names the group in which an entry is delivered.
type groupKey struct {
	kind int
	tick int64
}

func (k groupKey) less(o groupKey) bool {
	if k.kind != o.kind {
		return k.kind < o.kind
	}

	return k.tick < o.tick
}

type fireRecord struct {
	id  int
	key groupKey
}

type fireStamp struct {
	advances int
	key      groupKey
}

// runner drives one impl and tracks what the Wheel contract expects of it, so
// that each call is checked on its own and the two runs can be compared.
//
// Fire callbacks act on the fired entry and on its partner (id^1) through
// choices that depend only on the seed, the Advance call, the id and how many
// times the id fired in that call. The partner is touched only when it is
// not delivered in the same group. Both rules make the outcome independent
// of the order within a group, which the contract leaves open.
type runner struct {
	tb   testing.TB
	name string
	impl impl
	tick int64
	seed uint64

	scheduled    []bool
	ns           []int64
	overdueSince []int // number of the Advance call during or after which the entry became overdue, or -1
	lastFire     []fireStamp
	fireAdvance  []int // number of the Advance call that last fired the entry
	fireCount    []int // deliveries of the entry in that call

	advances  int
	advancing bool
	nowNs     int64
	startTick int64 // tick of nowNs when the running Advance started
	current   int64 // tick being delivered
	target    int64
	group     groupKey
	log       []fireRecord
}

func newRunner(tb testing.TB, name string, implementation impl, start time.Time, tick time.Duration, ids int, seed uint64) *runner {
	r := &runner{
		tb:           tb,
		name:         name,
		impl:         implementation,
		tick:         int64(tick),
		seed:         seed,
		scheduled:    make([]bool, ids),
		ns:           make([]int64, ids),
		overdueSince: make([]int, ids),
		lastFire:     make([]fireStamp, ids),
		fireAdvance:  make([]int, ids),
		fireCount:    make([]int, ids),
		nowNs:        refUnixNano(start),
	}

	for id := range ids {
		r.overdueSince[id] = -1
		r.lastFire[id].advances = -1
	}

	return r
}

func (r *runner) schedule(id int, at time.Time) {
	ns := refUnixNano(at)
	overdue := ns <= r.nowNs
	if r.advancing {
		overdue = refCeilTick(ns, r.tick) <= r.current
	}

	r.scheduled[id] = true
	r.ns[id] = ns
	r.overdueSince[id] = -1
	if overdue {
		r.overdueSince[id] = r.advances
	}

	r.impl.schedule(id, at)
}

func (r *runner) cancel(id int) {
	want := r.scheduled[id]
	got := r.impl.cancel(id)
	if got != want {
		r.tb.Fatalf("%s: Cancel(%d) = %v, want %v", r.name, id, got, want)
	}

	r.scheduled[id] = false
	r.overdueSince[id] = -1
}

// keyOf returns the group in which the scheduled entry id is delivered.
func (r *runner) keyOf(id int) groupKey {
	switch {
	case r.overdueSince[id] < 0:
		return groupKey{kind: groupTick, tick: refCeilTick(r.ns[id], r.tick)}
	case r.overdueSince[id] < r.advances:
		return groupKey{kind: groupOverdue}
	default:
		return groupKey{kind: groupNext}
	}
}

func (r *runner) advance(now time.Time) []fireRecord {
	r.advances++
	r.startTick = refTargetTick(r.nowNs, r.tick)
	if ns := refUnixNano(now); ns > r.nowNs {
		r.nowNs = ns
	}

	r.current = r.startTick
	r.target = refTargetTick(r.nowNs, r.tick)
	r.log = nil
	r.advancing = true
	n := r.impl.advance(now, r.onFire)
	r.advancing = false
	r.current = r.target

	if n != len(r.log) {
		r.tb.Fatalf("%s: Advance returned %d, but fire ran %d times", r.name, n, len(r.log))
	}

	r.checkNothingDue()

	return r.log
}

// checkNothingDue fails when an entry that the finished Advance should have
// delivered is still scheduled.
func (r *runner) checkNothingDue() {
	for id, scheduled := range r.scheduled {
		if !scheduled {
			continue
		}

		key := r.keyOf(id)
		if key.kind == groupOverdue {
			r.tb.Fatalf("%s: overdue entry %d not fired by Advance", r.name, id)
		}

		if key.kind == groupTick && key.tick <= r.target {
			r.tb.Fatalf("%s: entry %d due at tick %d not fired by Advance to tick %d", r.name, id, key.tick, r.target)
		}
	}
}

func (r *runner) onFire(id int) {
	if !r.scheduled[id] {
		r.tb.Fatalf("%s: fired entry %d, which is not scheduled", r.name, id)
	}

	if r.impl.scheduled(id) {
		r.tb.Fatalf("%s: entry %d is still scheduled inside fire", r.name, id)
	}

	key := r.keyOf(id)
	r.checkFireKey(id, key)

	r.group = key
	r.current = r.startTick
	if key.kind == groupTick {
		r.current = key.tick
	}

	r.scheduled[id] = false
	r.overdueSince[id] = -1
	r.lastFire[id] = fireStamp{advances: r.advances, key: key}
	if r.fireAdvance[id] != r.advances {
		r.fireAdvance[id] = r.advances
		r.fireCount[id] = 0
	}

	nth := r.fireCount[id]
	r.fireCount[id]++
	r.log = append(r.log, fireRecord{id: id, key: key})
	r.act(id, nth)
}

// checkFireKey fails when entry id is delivered early, out of order or in
// the wrong Advance call.
func (r *runner) checkFireKey(id int, key groupKey) {
	switch key.kind {
	case groupNext:
		r.tb.Fatalf("%s: entry %d fired in the Advance that made it overdue", r.name, id)
	case groupTick:
		if key.tick > r.target {
			r.tb.Fatalf("%s: entry %d due at tick %d fired early by Advance to tick %d", r.name, id, key.tick, r.target)
		}

		if key.tick <= r.startTick {
			r.tb.Fatalf("%s: entry %d due at tick %d was not overdue but the clock was at tick %d", r.name, id, key.tick, r.startTick)
		}
	}

	if len(r.log) > 0 && key.less(r.group) {
		r.tb.Fatalf("%s: entry %d of group %+v fired after group %+v", r.name, id, key, r.group)
	}
}

// act performs the fire-time actions chosen for the nth delivery of id in the
// running Advance. Limiting reschedules to the first three deliveries bounds
// how often two partners can reschedule each other within one call.
func (r *runner) act(id, nth int) {
	h := mix(r.seed ^ mix(uint64(r.advances)) ^ mix(uint64(id)<<20|uint64(nth)))
	choice := h % 8
	h >>= 3
	if nth >= 3 && choice >= 2 {
		return
	}

	switch choice {
	case 2, 3, 4:
		r.schedule(id, r.insideTime(h))
	case 5:
		if r.partnerFree(id ^ 1) {
			r.cancel(id ^ 1)
		}
	case 6:
		if r.partnerFree(id ^ 1) {
			r.schedule(id^1, r.insideTime(h))
		}
	case 7:
		r.schedule(id, r.insideTime(h))
		r.cancel(id)
		r.cancel(id)
	}
}

// partnerFree reports whether the entry p is outside the group being
// delivered, counting an entry of that group that already fired.
func (r *runner) partnerFree(p int) bool {
	if p >= len(r.scheduled) {
		return false
	}

	if r.scheduled[p] && r.keyOf(p) == r.group {
		return false
	}

	return r.lastFire[p] != fireStamp{advances: r.advances, key: r.group}
}

// insideTime picks a deadline for a fire callback, relative to the tick being
// delivered.
func (r *runner) insideTime(h uint64) time.Time {
	base := refTickTime(r.current, r.tick).UnixNano()
	horizon := r.nowNs - base + 2*r.tick
	if horizon < 0 {
		horizon = math.MaxInt64
	}

	return pickTime(h, base, r.tick, horizon)
}

// pickTime decodes h into a deadline near base: in the past, on a tick
// boundary, just after base, up to horizon ahead, on a higher wheel level,
// years ahead or at the edges of the representable range. The classes are
// weighted so that the clock of a long run mostly stays inside the range.
func pickTime(h uint64, base, tick, horizon int64) time.Time {
	class := h % 16
	v := h >> 4
	b := time.Unix(0, base)

	switch class {
	case 0, 1:
		return b.Add(-time.Duration(v % uint64(3*tick+1)))
	case 2:
		return b
	case 3, 4:
		return refTickTime(refFloorTick(base, tick)+1, tick)
	case 5, 6:
		return b.Add(time.Duration(1 + v%uint64(3*tick)))
	case 7, 8:
		return b.Add(time.Duration(v % uint64(horizon)))
	case 9, 10, 11:
		return b.Add(time.Duration((v >> 2) % uint64(levelSpan(tick, int(v%4)+1))))
	case 12:
		return refTickTime(refFloorTick(base, tick)+int64(v%200), tick)
	case 13:
		return b.Add(time.Duration(v % uint64(30*365*24*time.Hour)))
	case 14:
		return b.Add(-time.Duration(v % uint64(50*365*24*time.Hour)))
	default:
		return edgeTimes[v%uint64(len(edgeTimes))]
	}
}

// levelSpan returns the length in nanoseconds of a slot on the given level,
// capped at 2^62.
func levelSpan(tick int64, level int) int64 {
	span := tick
	for range level {
		if span > math.MaxInt64/128 {
			return 1 << 62
		}

		span *= slotsPerLevel
	}

	return span
}

var edgeTimes = []time.Time{
	{},
	time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Unix(0, math.MaxInt64),
	time.Unix(0, math.MaxInt64-1),
	time.Unix(0, math.MinInt64),
	time.Unix(0, 0),
	time.Unix(0, -1),
	time.Unix(0, 1),
}

// stepTime decodes h into the time passed to the next Advance: backward, not
// at all, within a tick, a few ticks, the span of each wheel level, days or
// up to a year ahead.
func stepTime(h uint64, nowNs, tick int64) time.Time {
	class := h % 16
	v := h >> 4
	now := time.Unix(0, nowNs)

	switch class {
	case 0:
		return now.Add(-time.Duration(v % uint64(5*tick+int64(24*time.Hour))))
	case 1:
		return now
	case 2, 3:
		return now.Add(time.Duration(v % uint64(tick)))
	case 4:
		return now.Add(time.Duration(tick))
	case 5, 6:
		return now.Add(time.Duration(v % uint64(4*tick)))
	case 7, 8, 9, 10, 11, 12:
		level := int(class-7)%4 + 1
		span := min(levelSpan(tick, level), int64(365*24*time.Hour))
		return now.Add(time.Duration(v % uint64(span)))
	case 13, 14:
		return now.Add(time.Duration(v % uint64(48*time.Hour)))
	default:
		return now.Add(time.Duration(v % uint64(365*24*time.Hour)))
	}
}

// mix is the SplitMix64 finalizer, used to derive fire-time choices that do
// not depend on delivery order.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb

	return x ^ (x >> 31)
}

// source supplies the operations of a differential run.
type source interface {
	// next returns the next value of n bytes.
	next(n int) uint64
	exhausted() bool
}

type randSource struct{ rng *rand.Rand }

func (s randSource) next(n int) uint64 {
	if n >= 8 {
		return s.rng.Uint64()
	}

	return s.rng.Uint64() & (1<<(8*n) - 1)
}

func (s randSource) exhausted() bool { return false }

// byteSource decodes fuzz input, padding with zero bytes at the end.
type byteSource struct{ data []byte }

func (s *byteSource) next(n int) uint64 {
	var v uint64
	for i := range n {
		if len(s.data) == 0 {
			break
		}

		v |= uint64(s.data[0]) << (8 * i)
		s.data = s.data[1:]
	}

	return v
}

func (s *byteSource) exhausted() bool { return len(s.data) == 0 }

// driver applies the same operations to the wheel and to the reference and
// compares every result.
type driver struct {
	tb      testing.TB
	src     source
	tick    int64
	startNs int64
	ids     int
	wi      *wheelImpl
	ref     *reference
	wheel   *runner
	model   *runner
}

func newDriver(tb testing.TB, src source, start time.Time, tick time.Duration, ids int) *driver {
	seed := src.next(8)
	d := &driver{
		tb:      tb,
		src:     src,
		tick:    int64(tick),
		startNs: refUnixNano(start),
		ids:     ids,
		wi:      newWheelImpl(start, tick, ids),
		ref:     newReference(start, tick, ids),
	}
	d.wheel = newRunner(tb, "wheel", d.wi, start, tick, ids, seed)
	d.model = newRunner(tb, "reference", d.ref, start, tick, ids, seed)

	return d
}

// run applies up to steps operations, or fewer when the source is exhausted.
func (d *driver) run(steps int) {
	for range steps {
		if d.src.exhausted() {
			return
		}

		d.step()
		d.checkState()
	}
}

func (d *driver) step() {
	switch d.src.next(1) % 16 {
	case 0, 1, 2, 3, 4, 5, 6:
		id := int(d.src.next(1)) % d.ids
		at := pickTime(d.src.next(8), d.wheel.nowNs, d.tick, 64*d.tick)
		d.wheel.schedule(id, at)
		d.model.schedule(id, at)
	case 7, 8:
		id := int(d.src.next(1)) % d.ids
		d.wheel.cancel(id)
		d.model.cancel(id)
	case 9, 10, 11, 12:
		d.advance(stepTime(d.src.next(8), d.wheel.nowNs, d.tick))
	case 13:
		if at, ok := d.wi.nextWake(); ok {
			d.advance(at)
		}
	default:
		d.checkNextWake()
	}
}

func (d *driver) advance(now time.Time) {
	got := d.wheel.advance(now)
	want := d.model.advance(now)
	compareFires(d.tb, now, got, want)
}

// compareFires fails unless got and want deliver the same groups in the same
// order, with the same entries in each group.
func compareFires(tb testing.TB, now time.Time, got, want []fireRecord) {
	tb.Helper()

	gotGroups := groupFires(got)
	wantGroups := groupFires(want)
	if len(gotGroups) != len(wantGroups) {
		tb.Fatalf("Advance(%v): wheel fired %d groups %v, reference %d groups %v", now, len(gotGroups), got, len(wantGroups), want)
	}

	for i := range gotGroups {
		if gotGroups[i].key != wantGroups[i].key || !slices.Equal(gotGroups[i].ids, wantGroups[i].ids) {
			tb.Fatalf("Advance(%v): group %d is %+v in the wheel, %+v in the reference", now, i, gotGroups[i], wantGroups[i])
		}
	}
}

type fireGroup struct {
	key groupKey
	ids []int
}

// groupFires splits records into runs of equal keys, with sorted ids.
func groupFires(records []fireRecord) []fireGroup {
	var groups []fireGroup
	for _, rec := range records {
		if len(groups) == 0 || groups[len(groups)-1].key != rec.key {
			groups = append(groups, fireGroup{key: rec.key})
		}

		last := &groups[len(groups)-1]
		last.ids = append(last.ids, rec.id)
	}

	for _, g := range groups {
		slices.Sort(g.ids)
	}

	return groups
}

// checkState compares every entry, Len and Now of both implementations with
// the expected state.
func (d *driver) checkState() {
	for _, r := range []*runner{d.wheel, d.model} {
		count := 0
		for id, scheduled := range r.scheduled {
			d.checkEntry(r, id, scheduled)
			if scheduled {
				count++
			}
		}

		if got := r.impl.length(); got != count {
			d.tb.Fatalf("%s: Len() = %d, want %d", r.name, got, count)
		}

		if got := refUnixNano(r.impl.now()); got != r.nowNs {
			d.tb.Fatalf("%s: Now() = %d ns, want %d ns", r.name, got, r.nowNs)
		}
	}
}

func (d *driver) checkEntry(r *runner, id int, scheduled bool) {
	if got := r.impl.scheduled(id); got != scheduled {
		d.tb.Fatalf("%s: entry %d Scheduled() = %v, want %v", r.name, id, got, scheduled)
	}

	want := time.Time{}
	if scheduled {
		want = time.Unix(0, r.ns[id])
	}

	if got := r.impl.deadline(id); !got.Equal(want) {
		d.tb.Fatalf("%s: entry %d Deadline() = %v, want %v", r.name, id, got, want)
	}
}

// checkNextWake compares the wheel's NextWake with the exact earliest
// deadline of the reference.
func (d *driver) checkNextWake() {
	got, gotOK := d.wi.nextWake()
	want, wantOK := d.ref.nextWake()
	if gotOK != wantOK {
		d.tb.Fatalf("NextWake() ok = %v, reference %v", gotOK, wantOK)
	}

	if !gotOK {
		return
	}

	gotNs, wantNs, nowNs := refUnixNano(got), refUnixNano(want), d.wheel.nowNs
	if d.hasOverdue() {
		if gotNs != nowNs || wantNs != nowNs {
			d.tb.Fatalf("NextWake() = %d ns, reference %d ns with overdue entries, want Now() = %d ns", gotNs, wantNs, nowNs)
		}

		return
	}

	if gotNs > wantNs {
		d.tb.Fatalf("NextWake() = %d ns, after the earliest deadline boundary %d ns", gotNs, wantNs)
	}

	if gotNs <= nowNs && gotNs != math.MaxInt64 {
		d.tb.Fatalf("NextWake() = %d ns, not after Now() = %d ns", gotNs, nowNs)
	}

	if gotNs%d.tick != 0 && gotNs != math.MaxInt64 {
		d.tb.Fatalf("NextWake() = %d ns, not on a boundary of tick %d ns", gotNs, d.tick)
	}

	d.checkNextWakeExact(gotNs, wantNs)
}

// checkNextWakeExact fails unless NextWake is exact when the earliest entry
// is due within the wheel's current 64-tick block.
func (d *driver) checkNextWakeExact(gotNs, wantNs int64) {
	originTick := refFloorTick(d.startNs, d.tick)
	curBlock := (d.ref.current - originTick) / slotsPerLevel
	earliestBlock := (d.ref.queue[0].tick - originTick) / slotsPerLevel
	if curBlock == earliestBlock && gotNs != wantNs {
		d.tb.Fatalf("NextWake() = %d ns, want exactly %d ns for an entry in the current block", gotNs, wantNs)
	}
}

func (d *driver) hasOverdue() bool {
	for id, scheduled := range d.model.scheduled {
		if scheduled && d.model.overdueSince[id] >= 0 {
			return true
		}
	}

	return false
}
