package service

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/store/memstore"
)

// flakyFeedStore is a memory store with a job change feed that opens,
// reports nothing and fails on request, as a dropped database connection
// would.
type flakyFeedStore struct {
	*memstore.Store
	// opens receives a value each time the feed opens.
	opens chan struct{}
	// fail ends the open feed with an error.
	fail chan struct{}
}

func (s *flakyFeedStore) WatchJobs(ctx context.Context, ready func(), fn func(jobID string)) error {
	ready()
	s.opens <- struct{}{}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.fail:
		return errors.New("connection reset")
	}
}

// TestFeedReopenReloadsJobs checks that when the job change feed fails
// and opens again, the service reloads every job, because changes made
// while the feed was down were never reported.
func TestFeedReopenReloadsJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	st := &flakyFeedStore{Store: memstore.New(), opens: make(chan struct{}, 4), fail: make(chan struct{})}
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
	<-st.opens

	// The schedule changes while the feed is down, so no report of it
	// ever arrives.
	st.fail <- struct{}{}
	changed := job.Clone()
	changed.Schedule = "0 * * * *"
	changed.UpdatedAt = start.Add(time.Minute)
	if err := st.UpdateJob(ctx, changed); err != nil {
		t.Fatal(err)
	}

	select {
	case <-st.opens:
	case <-time.After(10 * time.Second):
		t.Fatal("the job change feed did not open again within 10s")
	}
	want := start.Add(time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		next, _ := svc.Scheduler().NextRun("job_1")
		if next.Equal(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the feed reopened the job's next run is %v, want %v from the changed schedule", next, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
