// Package store defines the persistence interface of ReCoron and the records
// it keeps: users, API keys, jobs, executions and usage counters.
//
// Backends live in subpackages. Every method takes a context first and is
// safe for concurrent use. Methods that must check a limit and write (job and
// key creation, execution budgets) do both atomically, so concurrent callers
// can never push a user past a limit.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by every backend. Wrap-aware callers use
// errors.Is.
var (
	// ErrNotFound reports that the record does not exist or belongs to
	// another user.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict reports a duplicate id or unique key.
	ErrConflict = errors.New("store: conflict")
	// ErrLimitExceeded reports that a write would exceed the limit passed
	// by the caller; nothing was written.
	ErrLimitExceeded = errors.New("store: limit exceeded")
)

// Store is the persistence interface shared by all backends.
type Store interface {
	// CreateUser inserts u.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns the user with the given id.
	GetUser(ctx context.Context, id string) (*User, error)
	// ListUsers returns every user, oldest first.
	ListUsers(ctx context.Context) ([]*User, error)
	// UpdateUser replaces the stored user with the same id.
	UpdateUser(ctx context.Context, u *User) error
	// CountUsers returns the number of users.
	CountUsers(ctx context.Context) (int, error)

	// CreateAPIKey inserts k unless the user already holds max keys
	// (max <= 0 means no limit), and counts the creation in the user's
	// daily activity for k.CreatedAt.
	CreateAPIKey(ctx context.Context, k *APIKey, max int) error
	// GetAPIKey returns the user's key with the given id.
	GetAPIKey(ctx context.Context, userID, id string) (*APIKey, error)
	// GetAPIKeyByHash returns the key whose token hashes to hash.
	GetAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys returns the user's keys, oldest first.
	ListAPIKeys(ctx context.Context, userID string) ([]*APIKey, error)
	// DeleteAPIKey removes the user's key and counts the deletion in the
	// daily activity for now. When check is not nil, DeleteAPIKey calls it
	// in the same transaction, after finding the key, with the user's
	// other keys, oldest first. When check returns an error, nothing is
	// deleted and DeleteAPIKey returns that error unwrapped. Deletes of
	// one user's keys run one after another, so each check receives the keys
	// that earlier deletes left. The backend holds a write lock while check
	// runs, so check must be quick and must not call the store.
	DeleteAPIKey(ctx context.Context, userID, id string, now time.Time, check func(remaining []*APIKey) error) error
	// TouchAPIKeys sets lastUsedAt of each key id to the given time when it
	// is later than the stored one. Unknown ids are ignored.
	TouchAPIKeys(ctx context.Context, used map[string]time.Time) error

	// CreateJobs inserts all jobs of one user or none. It fails with
	// ErrLimitExceeded when the user would hold more than max jobs
	// (max <= 0 means no limit), and counts the creations in the daily
	// activity for the first job's CreatedAt.
	CreateJobs(ctx context.Context, jobs []*Job, max int) error
	// GetJob returns the user's job with the given id.
	GetJob(ctx context.Context, userID, id string) (*Job, error)
	// GetJobByID returns a job of any user; the scheduler uses it.
	GetJobByID(ctx context.Context, id string) (*Job, error)
	// ListJobs returns the user's jobs, oldest first.
	ListJobs(ctx context.Context, userID string, page Page) ([]*Job, error)
	// ListEnabledJobs returns every enabled job of every user.
	ListEnabledJobs(ctx context.Context) ([]*Job, error)
	// UpdateJob replaces the stored job with the same id and user.
	UpdateJob(ctx context.Context, j *Job) error
	// SetJobRunTimes sets lastRunAt and nextRunAt of a job without touching
	// its other fields. A missing job is not an error.
	SetJobRunTimes(ctx context.Context, id string, lastRunAt, nextRunAt time.Time) error
	// DeleteJob removes the user's job with its executions and counts the
	// deletion in the daily activity for now.
	DeleteJob(ctx context.Context, userID, id string, now time.Time) error

	// BeginExecution inserts e and, unless its status is skipped or
	// missed, adds one to the user's execution count for the day of
	// e.StartedAt. It fails with ErrLimitExceeded, writing nothing, when
	// the user's executions in that calendar month (UTC) already reach
	// monthlyMax (monthlyMax <= 0 means no limit). It fails with
	// ErrConflict when the id exists or when e is triggered by the
	// schedule and the job already has an execution for e.ScheduledAt, so
	// each slot is claimed once however many processes fire it.
	BeginExecution(ctx context.Context, e *Execution, monthlyMax int64) error
	// InterruptExecutions marks every execution still running that
	// started before startedBefore as interrupted, finished at now, and
	// returns how many it marked.
	InterruptExecutions(ctx context.Context, startedBefore, now time.Time) (int, error)
	// FinishExecution stores the final state of e, sets the job's
	// lastRunAt to e.ScheduledAt when e ran (not skipped or missed) and
	// is later than the stored one, and deletes the job's oldest executions
	// beyond keep (keep <= 0 keeps all).
	FinishExecution(ctx context.Context, e *Execution, keep int) error
	// GetExecution returns one execution of the user's job.
	GetExecution(ctx context.Context, userID, jobID, id string) (*Execution, error)
	// ListExecutions returns the user's job executions in descending id
	// order. The scheduler's execution ids sort by nominal fire time, so
	// this lists the latest slot first.
	ListExecutions(ctx context.Context, userID, jobID string, page Page) ([]*Execution, error)

	// AddAPICalls adds counts of authenticated requests per user to the
	// given UTC day.
	AddAPICalls(ctx context.Context, day time.Time, calls map[string]int64) error
	// GetUsage returns the user's counters for the UTC day containing
	// day and for its month.
	GetUsage(ctx context.Context, userID string, day time.Time) (*Usage, error)
	// SetMonthPaid marks the user's month as paid or unpaid.
	SetMonthPaid(ctx context.Context, userID string, year int, month time.Month, paid bool) error

	// Close releases the backend's resources.
	Close() error
}

// JobWatcher is implemented by backends that several processes share. It
// lets each process learn about jobs that another process created,
// changed or deleted.
type JobWatcher interface {
	// WatchJobs calls fn with the id of each job whose definition changed
	// in any process, until ctx is done or the feed fails. Changes to a
	// job's run times alone are not reported. Once the feed is open it
	// calls ready, if ready is not nil. Every change committed after ready
	// is called is then reported. Changes committed earlier may be missed,
	// so a caller reads the jobs it needs after ready.
	WatchJobs(ctx context.Context, ready func(), fn func(jobID string)) error
}

// ScheduledRunFinisher is implemented by backends that store the outcome
// of a scheduled run and the job's run times in one write.
type ScheduledRunFinisher interface {
	// FinishScheduledExecution does what FinishExecution does, and also
	// sets the job's nextRunAt to next (zero for none) unless the stored
	// nextRunAt is already past e.ScheduledAt, because a later slot
	// finished first or the job was rescheduled.
	FinishScheduledExecution(ctx context.Context, e *Execution, keep int, next time.Time) error
}

// InstanceTracker is implemented by backends that several processes share.
// Each process holds a lease under its own id and renews it while it runs.
// When a lease lapses, the executions that its process left running are
// marked interrupted by the processes still alive. Leases are compared with
// the callers' clocks, so clocks that disagree by a few seconds change only
// when such runs are marked, never which process runs a slot.
type InstanceTracker interface {
	// RenewInstance creates or extends the lease of the process id as of
	// now.
	RenewInstance(ctx context.Context, id string, now time.Time) error
	// RemoveInstance drops the lease of the process id, when it stops.
	RemoveInstance(ctx context.Context, id string) error
	// InterruptOrphans marks as interrupted, finished at now, every
	// running execution whose Instance is set and holds no lease renewed
	// at or after lapsedBefore, then drops the lapsed leases. It returns
	// how many executions it marked.
	InterruptOrphans(ctx context.Context, lapsedBefore, now time.Time) (int, error)
}

// Page selects a slice of a list. The zero Page selects everything.
type Page struct {
	// Limit is the maximum number of records; 0 means no limit.
	Limit int
	// After is an exclusive cursor: the id of the last record of the
	// previous page. Ids sort by creation time.
	After string
}
