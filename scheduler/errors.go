package scheduler

import (
	"errors"
	"fmt"
)

// Errors returned by [Scheduler] methods, wrapped with the operation and
// the job involved. Test for them with [errors.Is].
var (
	// ErrInvalidJob reports a Job that Add or RunNow rejects: an empty ID,
	// a missing schedule or executor, or an unknown or negative policy.
	ErrInvalidJob = errors.New("invalid job")
	// ErrStopped reports a call on a scheduler that Stop has stopped. A
	// stopped scheduler cannot start again, so create a new one.
	ErrStopped = errors.New("scheduler stopped")
	// ErrAlreadyStarted reports a second call to Start.
	ErrAlreadyStarted = errors.New("scheduler already started")
	// ErrNotInitialized reports a call on a Scheduler that New did not
	// create, such as the zero value.
	ErrNotInitialized = errors.New("scheduler not initialized")
)

// invalidJobError keeps the message of a rejected job as it is, and still
// matches ErrInvalidJob.
type invalidJobError struct{ msg string }

func (e *invalidJobError) Error() string { return e.msg }
func (e *invalidJobError) Unwrap() error { return ErrInvalidJob }

// invalidJob returns an error wrapping ErrInvalidJob with the message
// built from format and args.
func invalidJob(format string, args ...any) error {
	return &invalidJobError{msg: fmt.Sprintf(format, args...)}
}

// errNotInitialized returns the error for a call named op on a Scheduler
// that New did not create.
func errNotInitialized(op string) error {
	return fmt.Errorf("scheduler: %s: %w; create the Scheduler with New", op, ErrNotInitialized)
}

// initialized reports whether New created s. New always sets the job
// table, and nothing clears it.
func (s *Scheduler) initialized() bool {
	return s != nil && s.jobs != nil
}
