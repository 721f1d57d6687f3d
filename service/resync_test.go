package service

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
)

// seedDailyJob stores user usr_1 on the unlimited plan and its job job_1,
// which runs daily at midnight UTC, both created at start.
func seedDailyJob(t *testing.T, st store.Store, start time.Time) *store.Job {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateUser(ctx, &store.User{ID: "usr_1", Plan: metering.PlanUnlimited, CreatedAt: start}); err != nil {
		t.Fatal(err)
	}
	job := &store.Job{ID: "job_1", UserID: "usr_1", Name: "j", URL: "https://example.com/", Method: "GET",
		Schedule: "0 0 * * *", Timezone: "UTC", Enabled: true, CreatedAt: start, UpdatedAt: start}
	if err := st.CreateJobs(ctx, []*store.Job{job}, 0); err != nil {
		t.Fatal(err)
	}
	return job
}

// TestResyncPicksUpMissedChange checks that the periodic resync of a
// shared store registers a job whose definition changed without a change
// notification reaching this process.
func TestResyncPicksUpMissedChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	st := memstore.New()
	job := seedDailyJob(t, st, start)

	svc, err := New(Config{Store: st, Clock: schedulertest.NewClock(start), SharedStore: true,
		Logger: slog.New(slog.DiscardHandler), MeterFlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Stop(ctx)

	changed := job.Clone()
	changed.Schedule = "0 * * * *"
	changed.UpdatedAt = start.Add(time.Minute)
	if err := st.UpdateJob(ctx, changed); err != nil {
		t.Fatal(err)
	}
	svc.resync(ctx)

	want := start.Add(time.Hour)
	if next, _ := svc.Scheduler().NextRun("job_1"); !next.Equal(want) {
		t.Errorf("after resync the job's next run is %v, want %v from the changed schedule", next, want)
	}
}

// TestResyncKeepsUnchangedJob checks that a job registered with a time of
// finer precision than the store keeps is not registered again.
func TestResyncKeepsUnchangedJob(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, time.March, 1, 12, 0, 0, 123456789, time.UTC)
	st := memstore.New()
	svc, err := New(Config{Store: st, Clock: schedulertest.NewClock(start), SharedStore: true,
		Logger: slog.New(slog.DiscardHandler), MeterFlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	job := &store.Job{ID: "job_1", UserID: "usr_1", Schedule: "0 0 * * *", Timezone: "UTC", Enabled: true,
		CreatedAt: start, UpdatedAt: start}
	if _, err := svc.register(job); err != nil {
		t.Fatal(err)
	}
	stored := job.Clone()
	stored.UpdatedAt = start.Truncate(time.Microsecond)
	registered, _ := svc.versions.Load("job_1")
	if registered.(int64) != stored.UpdatedAt.UnixMicro() {
		t.Errorf("registered version %v differs from the stored time %v", registered, stored.UpdatedAt)
	}
}
