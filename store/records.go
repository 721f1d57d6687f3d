package store

import (
	"slices"
	"time"
)

// User owns API keys and jobs. All data is isolated per user.
type User struct {
	ID        string
	Name      string
	Plan      string
	CreatedAt time.Time
	// SigningSecret signs every call made for the user's jobs.
	SigningSecret string
	// PreviousSecret also signs calls until PreviousExpiresAt, so
	// receivers can switch to a rotated secret without dropping calls.
	PreviousSecret    string
	PreviousExpiresAt time.Time
}

// APIKey is a bearer credential. The token itself is never stored, only
// its SHA-256 hash in hex.
type APIKey struct {
	ID     string
	UserID string
	Name   string
	Scopes []string
	// Prefix is the first characters of the token, to recognise it.
	Prefix     string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first use
	ExpiresAt  time.Time // zero means it never expires
}

// Clone returns a deep copy of k.
func (k *APIKey) Clone() *APIKey {
	c := *k
	c.Scopes = slices.Clone(k.Scopes)
	return &c
}

// Job is a scheduled HTTP call.
type Job struct {
	ID       string
	UserID   string
	Name     string
	URL      string
	Method   string
	Schedule string
	Timezone string
	Enabled  bool
	Headers  map[string]string
	Body     string

	// TimeoutSeconds bounds one attempt; 0 means the server default.
	TimeoutSeconds int
	// Retry policy; zero values mean the server defaults.
	RetryMaxAttempts       int
	RetryInitialIntervalMs int
	RetryMaxIntervalMs     int
	// Overlap is "allow" or "skip"; empty means "allow".
	Overlap string
	// Misfire is "runOnce" or "skip"; empty means "runOnce".
	Misfire string
	// CatchUpSeconds is how late a missed slot may still run; 0 means the
	// server default.
	CatchUpSeconds int
	// JitterSeconds is the maximum deterministic delay added to each slot.
	JitterSeconds int

	NextRunAt time.Time // zero when the job is disabled or never fires again
	LastRunAt time.Time // zero until the first run
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Clone returns a deep copy of j.
func (j *Job) Clone() *Job {
	c := *j
	if j.Headers != nil {
		c.Headers = make(map[string]string, len(j.Headers))
		for k, v := range j.Headers {
			c.Headers[k] = v
		}
	}
	return &c
}

// Execution statuses.
const (
	StatusRunning     = "running"
	StatusSuccess     = "success"
	StatusFailure     = "failure"
	StatusTimeout     = "timeout"
	StatusSkipped     = "skipped"
	StatusMissed      = "missed"
	StatusInterrupted = "interrupted"
)

// Execution triggers.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// Execution is one run of a job, with all its attempts.
type Execution struct {
	ID              string
	JobID           string
	UserID          string
	Trigger         string
	ScheduledAt     time.Time
	StartedAt       time.Time
	FinishedAt      time.Time
	Status          string
	StatusCode      int
	DurationMs      int64
	Error           string
	ResponseExcerpt string
	Attempts        []Attempt
	// Instance identifies the process that ran the execution; it is empty
	// when unknown.
	Instance string
}

// Counted reports whether the execution counts towards usage.
func (e *Execution) Counted() bool {
	return e.Status != StatusSkipped && e.Status != StatusMissed
}

// Clone returns a deep copy of e.
func (e *Execution) Clone() *Execution {
	c := *e
	c.Attempts = slices.Clone(e.Attempts)
	return &c
}

// Attempt is one HTTP call or function invocation within an execution.
type Attempt struct {
	Number     int
	StartedAt  time.Time
	DurationMs int64
	StatusCode int
	Error      string
}

// Usage holds a user's counters for one UTC day and its month.
type Usage struct {
	Day   DailyUsage
	Month MonthlyUsage
}

// DailyUsage holds counters for one UTC day.
type DailyUsage struct {
	Date           time.Time // midnight UTC
	Executions     int64
	APICalls       int64
	PeakJobs       int64
	PeakAPIKeys    int64
	JobsCreated    int64
	JobsDeleted    int64
	APIKeysCreated int64
	APIKeysDeleted int64
}

// MonthlyUsage holds counters for one UTC calendar month.
type MonthlyUsage struct {
	Year       int
	Month      time.Month
	Executions int64
	APICalls   int64
	Paid       bool
}

// Day returns midnight UTC of the day containing t.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
