package wheel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// testClocks are the start times and ticks that the differential tests use.
// They cover starts between tick boundaries and before the Unix epoch, ticks
// that do not divide a second, and a clock that reaches the end of the
// representable range in most runs.
var testClocks = []struct {
	name  string
	start time.Time
	tick  time.Duration
}{
	{"millisecond", time.Unix(1_700_000_000, 123_456_789), time.Millisecond},
	{"nanosecond", time.Unix(1_700_000_000, 123_456_789), time.Nanosecond},
	{"7ns before epoch", time.Unix(-300_000_000, 5), 7 * time.Nanosecond},
	{"second at epoch", time.Unix(0, 0), time.Second},
	{"3ms across epoch", time.Unix(0, -1), 3 * time.Millisecond},
	{"hour a century before range end", time.Unix(0, math.MaxInt64).Add(-100 * 365 * 24 * time.Hour), time.Hour},
}

func TestWheelMatchesReference(t *testing.T) {
	t.Parallel()

	for clockIndex, clock := range testClocks {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("%s/seed%d", clock.name, seed), func(t *testing.T) {
				t.Parallel()

				src := randSource{rng: rand.New(rand.NewPCG(seed, uint64(clockIndex)))}
				newDriver(t, src, clock.start, clock.tick, 48).run(3000)
			})
		}
	}
}

// startTime is a start between two millisecond boundaries, so that tests
// notice when the wheel rounds deadlines from the start instead of from the
// Unix epoch. Tests that expect a deadline to fire exactly at a given time
// count from the boundary before it, aligned.
var (
	startTime = time.Unix(1_700_000_000, 500_000)
	aligned   = startTime.Truncate(time.Millisecond)
)

// recorder collects the entries that an Advance call fires.
type recorder struct {
	fired []*Entry[string]
}

func (r *recorder) fire(e *Entry[string]) {
	r.fired = append(r.fired, e)
}

func (r *recorder) values() []string {
	var values []string
	for _, e := range r.fired {
		values = append(values, e.Value)
	}

	return values
}

func TestZeroEntryUnscheduled(t *testing.T) {
	t.Parallel()

	var e Entry[int]
	if e.Scheduled() {
		t.Error("zero Entry is scheduled")
	}

	if !e.Deadline().IsZero() {
		t.Errorf("zero Entry Deadline() = %v, want zero", e.Deadline())
	}

	w := New[int](startTime, time.Millisecond)
	if w.Cancel(&e) {
		t.Error("Cancel of a zero Entry returned true")
	}
}

func TestNewRejectsNonPositiveTick(t *testing.T) {
	t.Parallel()

	for _, tick := range []time.Duration{0, -time.Millisecond} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with tick %v did not panic", tick)
				}
			}()

			New[int](startTime, tick)
		}()
	}
}

func TestNextWakeEmpty(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	if at, ok := w.NextWake(); ok {
		t.Errorf("NextWake() on a new wheel = %v, true", at)
	}

	e := &Entry[string]{}
	w.Schedule(e, startTime.Add(time.Hour))
	w.Cancel(e)
	if at, ok := w.NextWake(); ok {
		t.Errorf("NextWake() after Cancel = %v, true", at)
	}

	w.Schedule(e, aligned.Add(time.Second))
	w.Advance(aligned.Add(time.Second), func(*Entry[string]) {})
	if at, ok := w.NextWake(); ok {
		t.Errorf("NextWake() after firing every entry = %v, true", at)
	}

	if w.Len() != 0 {
		t.Errorf("Len() = %d, want 0", w.Len())
	}
}

func TestNextWakeOverdueIsNow(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	w.Schedule(&Entry[string]{}, startTime.Add(-time.Minute))

	at, ok := w.NextWake()
	if !ok || !at.Equal(startTime) {
		t.Errorf("NextWake() = %v, %v, want %v, true", at, ok, startTime)
	}
}

func TestNextWakeInsideFireSeesUndelivered(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	due := aligned.Add(3 * time.Millisecond)
	w.Schedule(&Entry[string]{Value: "a"}, due)
	w.Schedule(&Entry[string]{Value: "b"}, due)

	var wakes []time.Time
	var oks []bool
	w.Advance(due, func(*Entry[string]) {
		at, ok := w.NextWake()
		wakes = append(wakes, at)
		oks = append(oks, ok)
	})

	if !oks[0] || !wakes[0].Equal(due) {
		t.Errorf("NextWake() in the first fire = %v, %v, want %v, true", wakes[0], oks[0], due)
	}

	if oks[1] {
		t.Errorf("NextWake() in the last fire = %v, true, want false", wakes[1])
	}
}

func TestTickBoundaryDeadlines(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	boundary := startTime.Truncate(time.Millisecond).Add(10 * time.Millisecond)
	onBoundary := &Entry[string]{Value: "on boundary"}
	afterBoundary := &Entry[string]{Value: "1ns after boundary"}
	w.Schedule(onBoundary, boundary)
	w.Schedule(afterBoundary, boundary.Add(time.Nanosecond))

	if at, _ := w.NextWake(); !at.Equal(boundary) {
		t.Errorf("NextWake() = %v, want %v", at, boundary)
	}

	var rec recorder
	if n := w.Advance(boundary.Add(-time.Nanosecond), rec.fire); n != 0 {
		t.Errorf("Advance to 1ns before the boundary fired %v", rec.values())
	}

	if n := w.Advance(boundary, rec.fire); n != 1 || rec.fired[0] != onBoundary {
		t.Errorf("Advance to the boundary fired %v, want [on boundary]", rec.values())
	}

	next := boundary.Add(time.Millisecond)
	if at, _ := w.NextWake(); !at.Equal(next) {
		t.Errorf("NextWake() = %v, want the next boundary %v", at, next)
	}

	if n := w.Advance(next.Add(-time.Nanosecond), rec.fire); n != 0 {
		t.Errorf("Advance to 1ns before the next boundary fired %v", rec.values())
	}

	if n := w.Advance(next, rec.fire); n != 1 || rec.fired[1] != afterBoundary {
		t.Errorf("Advance to the next boundary fired %v", rec.values())
	}
}

func TestDeadlineBeforeStartFiresFirst(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	entries := []*Entry[string]{
		{Value: "zero time"},
		{Value: "an hour before start"},
		{Value: "within the start's tick"},
		{Value: "at start"},
	}
	w.Schedule(entries[0], time.Time{})
	w.Schedule(entries[1], startTime.Add(-time.Hour))
	w.Schedule(entries[2], startTime.Add(-time.Microsecond))
	w.Schedule(entries[3], startTime)

	var rec recorder
	if n := w.Advance(startTime, rec.fire); n != len(entries) {
		t.Errorf("first Advance fired %v, want all %d entries", rec.values(), len(entries))
	}
}

func TestScheduleMovesEntry(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	e := &Entry[string]{Value: "moved"}
	w.Schedule(e, aligned.Add(5*time.Millisecond))
	w.Schedule(e, aligned.Add(50*time.Millisecond))

	if w.Len() != 1 {
		t.Errorf("Len() = %d after scheduling one entry twice, want 1", w.Len())
	}

	var rec recorder
	if n := w.Advance(aligned.Add(10*time.Millisecond), rec.fire); n != 0 {
		t.Errorf("Advance before the new deadline fired %v", rec.values())
	}

	if n := w.Advance(aligned.Add(50*time.Millisecond), rec.fire); n != 1 {
		t.Errorf("Advance to the new deadline fired %d entries, want 1", n)
	}
}

func TestCancelInsideFire(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	due := startTime.Add(5 * time.Millisecond)
	sameTick := []*Entry[string]{{Value: "a"}, {Value: "b"}, {Value: "c"}}
	later := &Entry[string]{Value: "later"}
	for _, e := range sameTick {
		w.Schedule(e, due)
	}

	w.Schedule(later, due.Add(2*time.Millisecond))

	var fired []string
	fire := func(e *Entry[string]) {
		fired = append(fired, e.Value)
		if w.Cancel(e) {
			t.Errorf("Cancel of the firing entry %q returned true", e.Value)
		}

		for _, other := range append(sameTick, later) {
			if other != e && !w.Cancel(other) {
				t.Errorf("Cancel(%q) inside fire returned false", other.Value)
			}
		}
	}

	if n := w.Advance(due.Add(time.Second), fire); n != 1 {
		t.Errorf("Advance fired %v, want exactly one entry", fired)
	}

	if w.Len() != 0 {
		t.Errorf("Len() = %d after cancelling the rest, want 0", w.Len())
	}
}

func TestRescheduleInsideFire(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	e := &Entry[string]{Value: "job"}
	first := startTime.Add(time.Millisecond)
	w.Schedule(e, first)

	// The first delivery moves the entry forward within the same Advance, the
	// second moves it back to its first deadline, which must wait for the
	// next Advance.
	var deliveries []time.Time
	fire := func(e *Entry[string]) {
		deliveries = append(deliveries, w.Now())
		switch len(deliveries) {
		case 1:
			w.Schedule(e, first.Add(2*time.Millisecond))
		case 2:
			w.Schedule(e, first)
		case 3:
			w.Schedule(e, first.Add(time.Hour))
		}
	}

	now := startTime.Add(10 * time.Millisecond)
	if n := w.Advance(now, fire); n != 2 {
		t.Fatalf("first Advance fired %d times, want 2", n)
	}

	if !e.Scheduled() || !e.Deadline().Equal(first) {
		t.Errorf("entry rescheduled into the past: Scheduled() = %v, Deadline() = %v, want true, %v", e.Scheduled(), e.Deadline(), first)
	}

	if n := w.Advance(now, fire); n != 1 {
		t.Errorf("second Advance at the same time fired %d times, want 1", n)
	}

	if !e.Deadline().Equal(first.Add(time.Hour)) {
		t.Errorf("Deadline() = %v after the third delivery, want %v", e.Deadline(), first.Add(time.Hour))
	}
}

func TestRescheduleSameTickEntryInsideFire(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name      string
		offset    time.Duration
		wantFirst int
	}{
		{"to a later tick before now", time.Millisecond, 2},
		{"to the delivered tick", 0, 1},
	}
	for _, c := range cases {
		w := New[string](aligned, time.Millisecond)
		due := aligned.Add(3 * time.Millisecond)
		pair := []*Entry[string]{{Value: "a"}, {Value: "b"}}
		for _, e := range pair {
			w.Schedule(e, due)
		}

		var fired []string
		fire := func(e *Entry[string]) {
			fired = append(fired, e.Value)
			if len(fired) == 1 {
				other := pair[0]
				if e == pair[0] {
					other = pair[1]
				}

				w.Schedule(other, due.Add(c.offset))
			}
		}

		now := due.Add(5 * time.Millisecond)
		if n := w.Advance(now, fire); n != c.wantFirst {
			t.Errorf("%s: first Advance fired %v, want %d entries", c.name, fired, c.wantFirst)
		}

		if n := w.Advance(now, fire); n != 2-c.wantFirst {
			t.Errorf("%s: second Advance fired %d entries, want %d", c.name, n, 2-c.wantFirst)
		}
	}
}

func TestRescheduleToSameTickWaits(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	e := &Entry[string]{Value: "job"}
	due := startTime.Add(3 * time.Millisecond)
	w.Schedule(e, due)

	fire := func(e *Entry[string]) { w.Schedule(e, due) }
	if n := w.Advance(due.Add(time.Millisecond), fire); n != 1 {
		t.Errorf("Advance with a same-tick reschedule fired %d times, want 1", n)
	}

	if n := w.Advance(due.Add(time.Millisecond), fire); n != 1 {
		t.Errorf("next Advance fired %d times, want 1", n)
	}
}

func TestBackwardAdvanceKeepsClock(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	future := &Entry[string]{Value: "future"}
	w.Schedule(future, aligned.Add(10*time.Millisecond))

	var rec recorder
	clock := startTime.Add(5 * time.Millisecond)
	w.Advance(clock, rec.fire)
	if n := w.Advance(startTime.Add(-time.Hour), rec.fire); n != 0 {
		t.Errorf("backward Advance fired %v", rec.values())
	}

	if !w.Now().Equal(clock) {
		t.Errorf("Now() = %v after a backward Advance, want %v", w.Now(), clock)
	}

	if !future.Scheduled() || !future.Deadline().Equal(aligned.Add(10*time.Millisecond)) {
		t.Errorf("backward Advance changed the entry: Scheduled() = %v, Deadline() = %v", future.Scheduled(), future.Deadline())
	}

	overdue := &Entry[string]{Value: "overdue"}
	w.Schedule(overdue, aligned.Add(2*time.Millisecond))
	if n := w.Advance(startTime.Add(-time.Hour), rec.fire); n != 1 || rec.fired[0] != overdue {
		t.Errorf("backward Advance fired %v, want only the overdue entry", rec.values())
	}

	if n := w.Advance(aligned.Add(10*time.Millisecond), rec.fire); n != 1 || rec.fired[1] != future {
		t.Errorf("Advance to the deadline fired %v", rec.values())
	}
}

func TestFarFutureDeadlines(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	deadlines := []time.Time{
		startTime.Add(365 * 24 * time.Hour),
		startTime.Add(10 * 365 * 24 * time.Hour),
		startTime.Add(200 * 365 * 24 * time.Hour),
		time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, at := range deadlines {
		w.Schedule(&Entry[string]{Value: fmt.Sprint(i)}, at)
	}

	clamped := time.Unix(0, math.MaxInt64)
	var fired []string
	wakes := 0
	for w.Len() > 0 && wakes < 100 {
		at, _ := w.NextWake()
		wakes++
		w.Advance(at, func(e *Entry[string]) {
			fired = append(fired, e.Value)
			if got := w.Now(); got.Before(deadlines[len(fired)-1]) && got.Before(clamped) {
				t.Errorf("entry %s fired at %v, before its deadline", e.Value, got)
			}
		})
	}

	if strings.Join(fired, ",") != "0,1,2,3" {
		t.Errorf("fired %v, want 0,1,2,3 in order", fired)
	}

	// Each of the four entries may need one wake-up per level for the
	// cascades and one to fire.
	if maxWakes := len(deadlines) * (w.levels + 1); wakes > maxWakes {
		t.Errorf("NextWake loop took %d wake-ups, want at most %d", wakes, maxWakes)
	}
}

func TestClampedDeadlineFires(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Hour)
	e := &Entry[string]{Value: "year 3000"}
	w.Schedule(e, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))

	if want := time.Unix(0, math.MaxInt64); !e.Deadline().Equal(want) {
		t.Errorf("Deadline() = %v, want the clamped %v", e.Deadline(), want)
	}

	var rec recorder
	if n := w.Advance(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), rec.fire); n != 1 {
		t.Errorf("Advance to the clamped deadline fired %d entries, want 1", n)
	}
}

func TestBigJumpFiresInOrder(t *testing.T) {
	t.Parallel()

	w := New[int](startTime, time.Millisecond)
	rng := rand.New(rand.NewPCG(1, 2))
	entries := make([]Entry[int], 10_000)
	for i := range entries {
		offset := time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))
		w.Schedule(&entries[i], startTime.Add(offset))
	}

	var last int64
	fired := 0
	n := w.Advance(startTime.Add(31*24*time.Hour), func(e *Entry[int]) {
		tick := refCeilTick(e.deadline, int64(time.Millisecond))
		if tick < last {
			t.Errorf("entry due at tick %d fired after tick %d", tick, last)
		}

		last = tick
		fired++
	})

	if n != len(entries) || fired != len(entries) {
		t.Errorf("Advance returned %d and fired %d entries, want %d", n, fired, len(entries))
	}
}

func TestNextWakeConverges(t *testing.T) {
	t.Parallel()

	w := New[int](startTime, time.Millisecond)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		offset := time.Duration(rng.Int64N(int64(400 * 24 * time.Hour)))
		w.Schedule(&Entry[int]{}, startTime.Add(offset))
	}

	// Every wake-up either fires or cascades one slot, and an entry cascades
	// at most once per level.
	wakes, fired := 0, 0
	for w.Len() > 0 {
		at, ok := w.NextWake()
		if !ok {
			t.Fatal("NextWake() = false with scheduled entries")
		}

		if !at.After(w.Now()) {
			t.Fatalf("NextWake() = %v, not after Now() = %v", at, w.Now())
		}

		wakes++
		fired += w.Advance(at, func(*Entry[int]) {})
	}

	if fired != 100 || wakes > 100*w.levels {
		t.Errorf("fired %d entries in %d wake-ups, want 100 in at most %d", fired, wakes, 100*w.levels)
	}
}

func TestAdvanceInsideFirePanics(t *testing.T) {
	t.Parallel()

	w := New[string](startTime, time.Millisecond)
	w.Schedule(&Entry[string]{}, startTime)

	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "inside a fire callback") {
			t.Errorf("recover() = %q, want a message about the fire callback", msg)
		}
	}()

	w.Advance(startTime, func(*Entry[string]) {
		w.Advance(startTime.Add(time.Second), func(*Entry[string]) {})
	})
	t.Error("nested Advance did not panic")
}

func TestFirePanicKeepsEntries(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name string
		due  time.Time
	}{
		{"slot", aligned.Add(5 * time.Millisecond)},
		{"overdue list", aligned.Add(-time.Second)},
	}
	for _, c := range cases {
		w := New[string](aligned, time.Millisecond)
		for _, name := range []string{"a", "b", "c"} {
			w.Schedule(&Entry[string]{Value: name}, c.due)
		}

		now := aligned.Add(6 * time.Millisecond)
		w.Schedule(&Entry[string]{Value: "later"}, now)
		func() {
			defer func() { _ = recover() }()

			w.Advance(now, func(*Entry[string]) { panic("fire failed") })
		}()

		if w.Len() != 3 {
			t.Errorf("%s: Len() = %d after a panic in the first fire, want 3", c.name, w.Len())
		}

		var rec recorder
		if n := w.Advance(now, rec.fire); n != 3 {
			t.Errorf("%s: Advance after the panic fired %v, want the 3 remaining entries", c.name, rec.values())
		}

		if at, ok := w.NextWake(); ok {
			t.Errorf("%s: NextWake() = %v, true after firing everything", c.name, at)
		}
	}
}

func TestLevelsCoverRange(t *testing.T) {
	t.Parallel()

	cases := []struct {
		start time.Time
		tick  time.Duration
		want  int
	}{
		{startTime, time.Millisecond, 8},
		{startTime, time.Nanosecond, 11},
		{time.Unix(0, math.MinInt64), time.Nanosecond, 11},
		{startTime, time.Hour, 4},
	}
	for _, c := range cases {
		w := New[int](c.start, c.tick)
		if w.levels != c.want {
			t.Errorf("New(%v, %v) has %d levels, want %d", c.start, c.tick, w.levels, c.want)
		}
	}
}

func TestUnixNanoClampsRange(t *testing.T) {
	t.Parallel()

	cases := []struct {
		in   time.Time
		want int64
	}{
		{time.Time{}, math.MinInt64},
		{time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{time.Unix(0, math.MinInt64), math.MinInt64},
		{time.Unix(0, math.MinInt64+1), math.MinInt64 + 1},
		{time.Unix(-safeSeconds, 0), -safeSeconds * int64(time.Second)},
		{time.Unix(safeSeconds, 0), safeSeconds * int64(time.Second)},
		{time.Unix(0, math.MaxInt64-1), math.MaxInt64 - 1},
		{time.Unix(0, math.MaxInt64), math.MaxInt64},
		{time.Unix(0, math.MaxInt64).Add(time.Nanosecond), math.MaxInt64},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
	}
	for _, c := range cases {
		if got := unixNano(c.in); got != c.want {
			t.Errorf("unixNano(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}
