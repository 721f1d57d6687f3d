package scheduler

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/internal/wheel"
)

// jobRecord is everything the scheduler keeps for one job: the wheel entry
// itself carries the job's data, so a job costs one allocation of 80 bytes
// plus its slot in the job table. The entry's deadline is the job's next
// nominal slot, because jitter delays the run, not the entry. The entry's
// Counter counts the job's runs in flight.
type jobRecord = wheel.Entry[jobData]

// jobData is the per-job part of a record. Fields that many jobs share
// with the same values live in jobMeta.
type jobData struct {
	id       string
	schedule *cron.Schedule
	executor Executor
	meta     *jobMeta
}

// jobMeta holds a job's owner and policies. Jobs with equal values share
// one jobMeta, counted in metaRef.
type jobMeta struct {
	owner                    string
	timeout, catchUp, jitter time.Duration
	overlap                  Overlap
	misfire                  Misfire
}

func metaOf(job Job) jobMeta {
	return jobMeta{owner: job.Owner, timeout: job.Timeout, catchUp: job.CatchUp, jitter: job.Jitter,
		overlap: job.Overlap, misfire: job.Misfire}
}

// metaRef is an interned jobMeta and the number of records using it.
type metaRef struct {
	jobMeta
	refs int
}

// metaPool interns jobMeta values. It is guarded by the scheduler's mutex.
type metaPool map[jobMeta]*metaRef

// acquire returns the shared copy of m.
func (p metaPool) acquire(m jobMeta) *jobMeta {
	ref, ok := p[m]
	if !ok {
		ref = &metaRef{jobMeta: m}
		p[m] = ref
	}
	ref.refs++
	return &ref.jobMeta
}

// release drops one use of m, which acquire returned.
func (p metaPool) release(m *jobMeta) {
	if m == nil {
		return
	}
	ref := p[*m]
	if ref.refs--; ref.refs == 0 {
		delete(p, *m)
	}
}

// inflightCounter counts the runs of one job that are queued or running.
// It is the Counter of the job's record, so a replaced job keeps counting
// the runs its earlier definition started.
type inflightCounter = atomic.Int32

// jobTable maps job ids to records with open addressing and linear
// probing. Each slot holds a record pointer and a one-byte tag from the
// id's hash, so a probe reads the dereferenced id only when the tags match.
// At most four fifths of the slots are full, so the table costs about 11
// to 17 bytes per job, an estimate from its slot size. It is guarded by the
// scheduler's mutex.
type jobTable struct {
	seed  maphash.Seed
	slots []*jobRecord
	// tags holds, per slot, 0 when the slot is empty and otherwise the
	// low seven bits of the id's hash with the high bit set.
	tags []uint8
	n    int
}

func newJobTable(capacity int) *jobTable {
	t := &jobTable{seed: maphash.MakeSeed()}
	t.resize(max(16, capacity+capacity/4+1))
	return t
}

func (t *jobTable) hash(id string) uint64 {
	return maphash.String(t.seed, id)
}

func tagOf(h uint64) uint8 {
	return uint8(h) | 0x80
}

// home returns the first slot to probe for hash h, mapping the hash onto
// the table by multiplication, so the table size need not be a power of
// two.
func (t *jobTable) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

func (t *jobTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// find returns the slot of id, or the empty slot where it would go and
// false.
func (t *jobTable) find(id string, h uint64) (int, bool) {
	tag := tagOf(h)
	for i := t.home(h); ; i = t.next(i) {
		switch t.tags[i] {
		case 0:
			return i, false
		case tag:
			if t.slots[i].Value.id == id {
				return i, true
			}
		}
	}
}

// get returns the record of id, or nil.
func (t *jobTable) get(id string) *jobRecord {
	if i, ok := t.find(id, t.hash(id)); ok {
		return t.slots[i]
	}
	return nil
}

// getOrAdd returns the record of id and true, or adds a new record for id
// and returns it and false.
func (t *jobTable) getOrAdd(id string) (*jobRecord, bool) {
	h := t.hash(id)
	i, ok := t.find(id, h)
	if ok {
		return t.slots[i], true
	}
	if (t.n+1)*5 > len(t.slots)*4 {
		t.resize(len(t.slots) * 3 / 2)
		i, _ = t.find(id, h)
	}
	r := &jobRecord{}
	r.Value.id = id
	t.slots[i], t.tags[i] = r, tagOf(h)
	t.n++
	return r, false
}

func (t *jobTable) resize(size int) {
	old := t.slots
	t.slots = make([]*jobRecord, size)
	t.tags = make([]uint8, size)
	for _, r := range old {
		if r != nil {
			h := t.hash(r.Value.id)
			i, _ := t.find(r.Value.id, h)
			t.slots[i], t.tags[i] = r, tagOf(h)
		}
	}
}

// remove deletes the record of id and returns it, or nil. It shifts the
// records after it back, so lookups never need tombstones.
func (t *jobTable) remove(id string) *jobRecord {
	i, ok := t.find(id, t.hash(id))
	if !ok {
		return nil
	}
	r := t.slots[i]
	t.slots[i], t.tags[i] = nil, 0
	t.n--
	// A record at j may move into the hole at i unless its home slot lies
	// cyclically in (i, j], where a lookup would start after the hole.
	for j := t.next(i); t.tags[j] != 0; j = t.next(j) {
		k := t.home(t.hash(t.slots[j].Value.id))
		if (i < j && (k <= i || k > j)) || (i > j && k <= i && k > j) {
			t.slots[i], t.tags[i] = t.slots[j], t.tags[j]
			t.slots[j], t.tags[j] = nil, 0
			i = j
		}
	}
	return r
}

// each calls fn for every record, in no order. fn must not change the
// table.
func (t *jobTable) each(fn func(*jobRecord)) {
	for _, r := range t.slots {
		if r != nil {
			fn(r)
		}
	}
}
