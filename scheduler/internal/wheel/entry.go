package wheel

import (
	"sync/atomic"
	"time"
)

// Entry is an intrusive list node that carries one job through a Wheel.
//
// The caller embeds or allocates one Entry per job and reuses it for every
// schedule, so the wheel never allocates per entry. The zero value is an
// unscheduled entry. An Entry belongs to at most one Wheel at a time, and it
// must not be copied while it is scheduled because the wheel links to its
// address. Besides Value, an Entry takes four machine words (32 bytes on
// 64-bit platforms), Counter included.
type Entry[T any] struct {
	// Value is the caller's payload. The wheel never reads or writes it.
	Value T

	next, prev *Entry[T]

	// deadline is the requested time in Unix nanoseconds, clamped to the int64
	// range. Its tick is recomputed when the entry cascades, so the entry does
	// not need a second field for it.
	deadline int64

	// bucket is one more than the index of the list in Wheel.buckets that
	// contains the entry, and 0 when the entry is not scheduled.
	bucket int32

	// Counter is a number for the caller that the wheel never reads or
	// writes. It fills the padding after bucket, so it costs no space.
	Counter atomic.Int32
}

// Scheduled reports whether e is waiting in a wheel. An entry is unscheduled
// before its fire callback runs and after Cancel.
func (e *Entry[T]) Scheduled() bool {
	return e.bucket != 0
}

// LastDeadline returns the time that e was last scheduled for, whether or
// not it is still scheduled, as Unix nanoseconds clamped to the int64
// range. It is 0 for an entry that was never scheduled. Inside its fire
// callback it is the deadline that came due.
func (e *Entry[T]) LastDeadline() int64 {
	return e.deadline
}

// Deadline returns the time that e was last scheduled for, or the zero Time
// if e is not scheduled. The result is the requested time clamped to the
// range of Unix nanoseconds, in the local time zone and without a monotonic
// clock reading.
func (e *Entry[T]) Deadline() time.Time {
	if !e.Scheduled() {
		return time.Time{}
	}

	return time.Unix(0, e.deadline)
}
