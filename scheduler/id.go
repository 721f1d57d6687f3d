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
)

// NewID returns a new identifier made of prefix, an underscore and a ULID.
// One monotonic source serves the whole process, so ids made later sort
// after ids made earlier, even within one millisecond.
func NewID(prefix string) string {
	var text [64]byte
	n := copy(text[:], prefix)
	text[n] = '_'
	n++

	ms := ulid.Timestamp(time.Now())
	idMu.Lock()
	if err := idBuf.SetTime(ms); err != nil {
		panic(err) // the clock is past the year 10889
	}
	if err := idEntropy.MonotonicRead(ms, idBuf[6:]); err != nil {
		panic(err) // the entropy source failed or 2^80 ids were made in one millisecond
	}
	id := idBuf
	idMu.Unlock()

	if n+ulid.EncodedSize > len(text) {
		return prefix + "_" + id.String()
	}
	_ = id.MarshalTextTo(text[n : n+ulid.EncodedSize])
	return string(text[:n+ulid.EncodedSize])
}
