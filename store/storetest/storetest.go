// Package storetest is a conformance suite for [store.Store] backends.
//
// A backend's test calls [Run] with a function that returns a new, empty
// store. Every subtest gets its own store and runs in parallel with the
// others, so the backend must allow several stores to be open at once.
//
// The suite checks the contracts documented on [store.Store]: round trips
// of every field, ordering and paging, isolation between users, conflicts,
// limits that hold under concurrent callers, and usage counters. A store
// that implements [store.JobWatcher] must also report job changes, and one
// that implements [store.InstanceTracker] must keep its leases. Times
// in the suite have microsecond precision, the finest that every backend
// keeps.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/recoron/recoron/store"
)

// test is one subtest of the suite.
type test struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// groups lists the subtests by topic. Run runs every group and every
// subtest in parallel.
var groups = []struct {
	name  string
	tests []test
}{
	{"Users", userTests},
	{"APIKeys", keyTests},
	{"Jobs", jobTests},
	{"Executions", executionTests},
	{"Usage", usageTests},
	{"Concurrency", concurrencyTests},
	{"Watch", watchTests},
	{"Instances", instanceTests},
}

// Run runs the conformance suite against the stores that newStore returns.
// newStore must return a new, empty store each time it is called. Run
// closes each store when its subtest ends; newStore may register further
// cleanup with t.Cleanup, which runs after the store is closed.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, newFixture(t, newStore))
				})
			}
		})
	}
}

// base is the reference time of the suite. It has microsecond precision
// and lies in March, away from month boundaries unless a test moves it.
var base = time.Date(2025, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// zones are locations used to check that backends keep instants, not
// wall clocks.
var (
	eastZone = time.FixedZone("UTC+05:30", 5*3600+1800)
	westZone = time.FixedZone("UTC-08:00", -8*3600)
)

// fixture is the store of one subtest, with helpers that build records.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   store.Store
}

func newFixture(t *testing.T, newStore func(t *testing.T) store.Store) *fixture {
	s := newStore(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &fixture{t: t, ctx: t.Context(), s: s}
}

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// newID returns an id with the given prefix in the form of production ids:
// a ULID from one monotonic source, so ids sort by creation even when
// parallel tests make them in the same millisecond.
func newID(prefix string) string {
	idMu.Lock()
	defer idMu.Unlock()
	return prefix + "_" + ulid.MustNew(ulid.Timestamp(time.Now()), idEntropy).String()
}

// hashOf returns a unique SHA-256 hex digest for a key id, standing in for
// the hash of the key's token.
func hashOf(id string) string {
	sum := sha256.Sum256([]byte("token of " + id))
	return hex.EncodeToString(sum[:])
}

// user creates a user and returns it.
func (f *fixture) user() *store.User {
	f.t.Helper()
	u := &store.User{ID: newID("usr"), Name: "user", Plan: "free", CreatedAt: base, SigningSecret: "whsec_test"}
	if err := f.s.CreateUser(f.ctx, u); err != nil {
		f.t.Fatalf("CreateUser(%s): %v", u.ID, err)
	}
	return u
}

// newKey returns an unsaved key of userID created at base.
func newKey(userID string) *store.APIKey {
	id := newID("key")
	hash := hashOf(id)
	return &store.APIKey{
		ID: id, UserID: userID, Name: "key", Scopes: []string{"jobs:read"},
		Prefix: hash[:8], Hash: hash, CreatedAt: base,
	}
}

// key creates a key of userID and returns it.
func (f *fixture) key(userID string) *store.APIKey {
	f.t.Helper()
	k := newKey(userID)
	if err := f.s.CreateAPIKey(f.ctx, k, 0); err != nil {
		f.t.Fatalf("CreateAPIKey(%s): %v", k.ID, err)
	}
	return k
}

// newJob returns an unsaved, enabled job of userID created at base.
func newJob(userID string) *store.Job {
	return &store.Job{
		ID: newID("job"), UserID: userID, Name: "ping", URL: "https://example.com/ping",
		Method: "GET", Schedule: "*/5 * * * *", Timezone: "UTC", Enabled: true,
		NextRunAt: base.Add(5 * time.Minute), CreatedAt: base, UpdatedAt: base,
	}
}

// job creates a job of userID and returns it.
func (f *fixture) job(userID string) *store.Job {
	f.t.Helper()
	j := newJob(userID)
	if err := f.s.CreateJobs(f.ctx, []*store.Job{j}, 0); err != nil {
		f.t.Fatalf("CreateJobs(%s): %v", j.ID, err)
	}
	return j
}

// newExecution returns an unsaved running execution of j started at. It
// is a manual run, so tests may start several at one instant; slot claims
// have their own tests.
func newExecution(j *store.Job, at time.Time) *store.Execution {
	return &store.Execution{
		ID: newID("exe"), JobID: j.ID, UserID: j.UserID, Trigger: store.TriggerManual,
		ScheduledAt: at, StartedAt: at, Status: store.StatusRunning,
	}
}

// finished returns a copy of e in the success state.
func finished(e *store.Execution) *store.Execution {
	c := e.Clone()
	c.Status = store.StatusSuccess
	c.StatusCode = 200
	c.DurationMs = 42
	c.FinishedAt = e.StartedAt.Add(42 * time.Millisecond)
	c.Attempts = []store.Attempt{{Number: 1, StartedAt: e.StartedAt, DurationMs: 42, StatusCode: 200}}
	return c
}

// execution begins and finishes an execution of j started at, keeping
// every execution of the job, and returns it.
func (f *fixture) execution(j *store.Job, at time.Time) *store.Execution {
	f.t.Helper()
	e := newExecution(j, at)
	if err := f.s.BeginExecution(f.ctx, e, 0); err != nil {
		f.t.Fatalf("BeginExecution(%s): %v", e.ID, err)
	}
	done := finished(e)
	if err := f.s.FinishExecution(f.ctx, done, 0); err != nil {
		f.t.Fatalf("FinishExecution(%s): %v", e.ID, err)
	}
	return done
}

// usage returns the user's usage for the day of at.
func (f *fixture) usage(userID string, at time.Time) *store.Usage {
	f.t.Helper()
	u, err := f.s.GetUsage(f.ctx, userID, at)
	if err != nil {
		f.t.Fatalf("GetUsage(%s, %s): %v", userID, at, err)
	}
	return u
}

// getJob returns the user's job, failing the test when it is missing.
func (f *fixture) getJob(userID, id string) *store.Job {
	f.t.Helper()
	j, err := f.s.GetJob(f.ctx, userID, id)
	if err != nil {
		f.t.Fatalf("GetJob(%s): %v", id, err)
	}
	return j
}

// listJobs returns every job of the user.
func (f *fixture) listJobs(userID string) []*store.Job {
	f.t.Helper()
	jobs, err := f.s.ListJobs(f.ctx, userID, store.Page{})
	if err != nil {
		f.t.Fatalf("ListJobs(%s): %v", userID, err)
	}
	return jobs
}

// listExecutions returns every execution of the user's job, newest first.
func (f *fixture) listExecutions(userID, jobID string) []*store.Execution {
	f.t.Helper()
	list, err := f.s.ListExecutions(f.ctx, userID, jobID, store.Page{})
	if err != nil {
		f.t.Fatalf("ListExecutions(%s): %v", jobID, err)
	}
	return list
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantNoErr fails the test at once when err is not nil.
func wantNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// utc returns t in UTC without a monotonic clock reading, the form in
// which records are compared.
func utc(t time.Time) time.Time { return t.UTC().Round(0) }

func normUser(u *store.User) store.User {
	c := *u
	c.CreatedAt, c.PreviousExpiresAt = utc(c.CreatedAt), utc(c.PreviousExpiresAt)
	return c
}

func normKey(k *store.APIKey) store.APIKey {
	c := *k.Clone()
	c.CreatedAt, c.LastUsedAt, c.ExpiresAt = utc(c.CreatedAt), utc(c.LastUsedAt), utc(c.ExpiresAt)
	return c
}

func normJob(j *store.Job) store.Job {
	c := *j.Clone()
	c.NextRunAt, c.LastRunAt = utc(c.NextRunAt), utc(c.LastRunAt)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return c
}

func normExecution(e *store.Execution) store.Execution {
	c := *e.Clone()
	c.ScheduledAt, c.StartedAt, c.FinishedAt = utc(c.ScheduledAt), utc(c.StartedAt), utc(c.FinishedAt)
	for i := range c.Attempts {
		c.Attempts[i].StartedAt = utc(c.Attempts[i].StartedAt)
	}
	return c
}

// sameRecord fails the test when got and want differ after normalize. It
// distinguishes nil from empty maps and slices.
func sameRecord[T any, N any](t *testing.T, what string, got, want *T, normalize func(*T) N) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
		}
		return
	}
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

// wantAllFieldsSet fails the test when a field of the struct that record
// points to has its zero value. Round-trip tests call it on their fullest
// record, so a field added to a record type fails them until the test, and
// with it every backend, covers the field.
func wantAllFieldsSet(t *testing.T, record any) {
	t.Helper()
	v := reflect.ValueOf(record).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("field %s of the %s in the round-trip test is zero; set it so the test covers it",
				v.Type().Field(i).Name, v.Type().Name())
		}
	}
}

// ids returns the ids of records in order.
func ids[T any](records []*T, id func(*T) string) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = id(r)
	}
	return out
}

func jobIDs(jobs []*store.Job) []string { return ids(jobs, func(j *store.Job) string { return j.ID }) }

func executionIDs(list []*store.Execution) []string {
	return ids(list, func(e *store.Execution) string { return e.ID })
}

// sameIDs fails the test when got and want differ, treating nil and empty
// lists as equal.
func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got ids %v, want %v", what, got, want)
	}
}
