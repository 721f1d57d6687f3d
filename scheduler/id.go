package scheduler

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
	// idBuf is the ULID being made, guarded by idMu. A package variable
	// keeps the entropy reader from moving a local one to the heap.
	idBuf ulid.ULID
	// idLastMs is the millisecond of the last id, guarded by idMu.
	idLastMs uint64
)

// NewID returns a new identifier made of prefix, an underscore and a ULID.
// One monotonic source serves the whole process, so ids made later sort
// after ids made earlier, even within one millisecond.
func NewID(prefix string) string {
	idMu.Lock()
	// The time is read under the lock and never goes below the last id's,
	// even when the wall clock steps back, so ids made later never carry
	// an earlier millisecond.
	ms := max(ulid.Timestamp(time.Now()), idLastMs)
	idLastMs = ms
	id := nextULID(ms)
	idMu.Unlock()
	return formatID(prefix, id)
}

// newIDAt returns a new identifier like [NewID] whose ULID carries the
// millisecond of at instead of the current time. The scheduler gives each
// run such an id for its nominal time, so the runs of a job sort by the
// slots they ran for, whatever order they were recorded in.
func newIDAt(prefix string, at time.Time) string {
	idMu.Lock()
	id := nextULID(ulid.Timestamp(at))
	idMu.Unlock()
	return formatID(prefix, id)
}

// nextULID returns a ULID with time ms from the monotonic source. It runs
// with idMu held.
func nextULID(ms uint64) ulid.ULID {
	if err := idBuf.SetTime(ms); err != nil {
		panic(err) // the time is past the year 10889
	}
	if err := idEntropy.MonotonicRead(ms, idBuf[6:]); err != nil {
		panic(err) // the entropy source failed or 2^80 ids were made in one millisecond
	}
	return idBuf
}

// formatID returns prefix, an underscore and id in its text form.
func formatID(prefix string, id ulid.ULID) string {
	var text [64]byte
	n := len(prefix) + 1
	if n+ulid.EncodedSize > len(text) {
		return prefix + "_" + id.String()
	}
	copy(text[:], prefix)
	text[n-1] = '_'
	_ = id.MarshalTextTo(text[n : n+ulid.EncodedSize])
	return string(text[:n+ulid.EncodedSize])
}
