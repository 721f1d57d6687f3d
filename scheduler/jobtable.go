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
// nominal slot, because jitter delays the run, not the entry.
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
// Only jobs with OverlapSkip have one.
type inflightCounter = atomic.Int32

// jobTable maps job ids to records with open addressing and linear
// probing. It stores one pointer per slot and keeps at most four fifths of
// the slots full, so it costs about 10 to 15 bytes per job, an estimate
// from its slot size. It is guarded by the scheduler's mutex.
type jobTable struct {
	seed  maphash.Seed
	slots []*jobRecord
	n     int
}

func newJobTable(capacity int) *jobTable {
	t := &jobTable{seed: maphash.MakeSeed()}
	t.resize(max(16, capacity+capacity/4+1))
	return t
}

// home returns the first slot to probe for id, mapping the hash onto the
// table by multiplication, so the table size need not be a power of two.
func (t *jobTable) home(id string) int {
	hi, _ := bits.Mul64(maphash.String(t.seed, id), uint64(len(t.slots)))
	return int(hi)
}

func (t *jobTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// get returns the record of id, or nil.
func (t *jobTable) get(id string) *jobRecord {
	for i := t.home(id); ; i = t.next(i) {
		r := t.slots[i]
		if r == nil || r.Value.id == id {
			return r
		}
	}
}

// put adds r, whose id must not be in the table.
func (t *jobTable) put(r *jobRecord) {
	if (t.n+1)*5 > len(t.slots)*4 {
		t.resize(len(t.slots) * 3 / 2)
	}
	t.insert(r)
	t.n++
}

func (t *jobTable) insert(r *jobRecord) {
	i := t.home(r.Value.id)
	for t.slots[i] != nil {
		i = t.next(i)
	}
	t.slots[i] = r
}

func (t *jobTable) resize(size int) {
	old := t.slots
	t.slots = make([]*jobRecord, size)
	for _, r := range old {
		if r != nil {
			t.insert(r)
		}
	}
}

// remove deletes the record of id and returns it, or nil. It shifts the
// records after it back, so lookups never need tombstones.
func (t *jobTable) remove(id string) *jobRecord {
	i := t.home(id)
	for ; t.slots[i] == nil || t.slots[i].Value.id != id; i = t.next(i) {
		if t.slots[i] == nil {
			return nil
		}
	}
	r := t.slots[i]
	t.slots[i] = nil
	t.n--
	// A record at j may move into the hole at i unless its home slot lies
	// cyclically in (i, j], where a lookup would start after the hole.
	for j := t.next(i); t.slots[j] != nil; j = t.next(j) {
		k := t.home(t.slots[j].Value.id)
		if (i < j && (k <= i || k > j)) || (i > j && k <= i && k > j) {
			t.slots[i], t.slots[j] = t.slots[j], nil
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
