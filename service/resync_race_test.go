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

// listHookStore runs afterList once, right after ListEnabledJobs reads.
type listHookStore struct {
	*memstore.Store
	afterList func()
}

func (s *listHookStore) ListEnabledJobs(ctx context.Context) ([]*store.Job, error) {
	jobs, err := s.Store.ListEnabledJobs(ctx)
	if f := s.afterList; f != nil {
		s.afterList = nil
		f()
	}
	return jobs, err
}

// TestResyncKeepsNewerLocalUpdate checks that a resync which read a job
// before a local update does not register the older definition again.
func TestResyncKeepsNewerLocalUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	st := &listHookStore{Store: memstore.New()}
	u := &store.User{ID: "usr_1", Plan: metering.PlanUnlimited, CreatedAt: start}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	job := &store.Job{ID: "job_1", UserID: "usr_1", Name: "j", URL: "https://example.com/", Method: "GET",
		Schedule: "0 0 * * *", Timezone: "UTC", Enabled: true, CreatedAt: start, UpdatedAt: start,
		TimeoutSeconds: 30, RetryMaxAttempts: 1, RetryInitialIntervalMs: 1000, RetryMaxIntervalMs: 60000,
		Overlap: OverlapAllow, Misfire: MisfireRunOnce, CatchUpSeconds: 60}
	if err := st.CreateJobs(ctx, []*store.Job{job}, 0); err != nil {
		t.Fatal(err)
	}
	clock := schedulertest.NewClock(start)
	svc, err := New(Config{Store: st, Clock: clock, SharedStore: true,
		Logger: slog.New(slog.DiscardHandler), MeterFlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Stop(ctx)

	clock.Advance(time.Second)
	hourly := "0 * * * *"
	st.afterList = func() {
		if _, err := svc.UpdateJob(ctx, &Principal{User: u}, "job_1", JobInput{Schedule: &hourly}); err != nil {
			t.Error(err)
		}
	}
	svc.resync(ctx)

	want := start.Add(time.Hour)
	if next, _ := svc.Scheduler().NextRun("job_1"); !next.Equal(want) {
		t.Errorf("after resync the job runs next at %v, want %v from the newer hourly schedule", next, want)
	}
}
