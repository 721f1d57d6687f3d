package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestJobTableMatchesMap applies random puts and removes to a jobTable and
// to a Go map and compares them after every step, across several resizes
// and with many records displaced from their home slot.
func TestJobTableMatchesMap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	table := newJobTable(0)
	want := map[string]*jobRecord{}
	ids := make([]string, 3000)
	for i := range ids {
		ids[i] = fmt.Sprintf("job-%d", i)
	}

	for step := range 40000 {
		id := ids[rng.IntN(len(ids))]
		if rng.IntN(3) == 0 {
			got := table.remove(id)
			if got != want[id] {
				t.Fatalf("step %d: remove(%s) = %p, want %p", step, id, got, want[id])
			}
			delete(want, id)
		} else {
			r, found := table.getOrAdd(id)
			if found != (want[id] != nil) || (found && r != want[id]) || r.Value.id != id {
				t.Fatalf("step %d: getOrAdd(%s) = %p (%s), %v; want %p", step, id, r, r.Value.id, found, want[id])
			}
			want[id] = r
		}
		if table.n != len(want) {
			t.Fatalf("step %d: table holds %d records, want %d", step, table.n, len(want))
		}
		// Checking every id after each step would be quadratic; check a
		// few at random and all of them now and then.
		check := ids[:8]
		if step%5000 == 0 {
			check = ids
		}
		for _, id := range check {
			if got := table.get(id); got != want[id] {
				t.Fatalf("step %d: get(%s) = %p, want %p", step, id, got, want[id])
			}
		}
	}

	seen := 0
	table.each(func(r *jobRecord) {
		if want[r.Value.id] != r {
			t.Errorf("each visited %s, which is not in the map", r.Value.id)
		}
		seen++
	})
	if seen != len(want) {
		t.Errorf("each visited %d records, want %d", seen, len(want))
	}
}

// TestJobRecordSize guards the layout that keeps a job within one 80-byte
// allocation on 64-bit platforms.
func TestJobRecordSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout is checked on 64-bit platforms")
	}
	if got := unsafe.Sizeof(jobRecord{}); got > 80 {
		t.Errorf("a job record takes %d bytes, want at most 80", got)
	}
}

func TestMetaPoolSharesAndReleases(t *testing.T) {
	t.Parallel()
	pool := metaPool{}
	a := pool.acquire(jobMeta{owner: "u1"})
	b := pool.acquire(jobMeta{owner: "u1"})
	c := pool.acquire(jobMeta{owner: "u2"})
	if a != b || a == c {
		t.Fatalf("equal values share %v, different values share %v; want true and false", a == b, a == c)
	}
	pool.release(a)
	if len(pool) != 2 {
		t.Fatalf("pool holds %d values after one of two uses was released, want 2", len(pool))
	}
	pool.release(b)
	pool.release(c)
	if len(pool) != 0 {
		t.Errorf("pool holds %d values after every use was released, want 0", len(pool))
	}
}
