package service

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/storetest"
)

// TestStopKeepsLeaseForRunsInFlight stops one of two services sharing a
// store while a run of it is in flight, and checks that the other service
// does not mark that run interrupted while the stop waits for it.
func TestStopKeepsLeaseForRunsInFlight(t *testing.T) {
	const (
		lease = 600 * time.Millisecond
		// hold is how long the sink keeps each call open: several leases,
		// so a lease left to lapse during the stop is seen by the peer.
		hold = 3 * time.Second
	)
	dsn, schema := storetest.PostgresSchema(t)
	ctx := context.Background()

	called := make(chan struct{})
	var calledOnce sync.Once
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calledOnce.Do(func() { close(called) })
		select {
		case <-time.After(hold):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()

	cfg := Config{InstanceLease: lease, AllowPrivateTargets: true}
	a := startShared(t, dsn, schema, cfg)
	token, err := a.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}

	// The schedule names one second, two to three seconds from now, so the
	// job runs once during the test. B starts after that run began, and with
	// misfire "skip" it does not claim the slot itself.
	at := time.Now().UTC().Truncate(time.Second).Add(3 * time.Second)
	schedule := fmt.Sprintf("%d %d %d %d %d *", at.Second(), at.Minute(), at.Hour(), at.Day(), int(at.Month()))
	name, url, method, zone, misfire, attempts := "held", sink.URL, "POST", "UTC", MisfireSkip, 1
	jobs, err := a.CreateJobs(ctx, p, []JobInput{{Name: &name, URL: &url, Method: &method, Schedule: &schedule,
		Timezone: &zone, Misfire: &misfire, Retry: &RetryInput{MaxAttempts: &attempts}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	jobID := jobs[0].ID

	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatalf("job %s with schedule %q did not call the sink within 10s", jobID, schedule)
	}
	b := startShared(t, dsn, schema, cfg)

	list, err := b.Store().ListExecutions(ctx, p.User.ID, jobID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != store.StatusRunning {
		t.Fatalf("executions of job %s before the stop: got %d, want 1 running", jobID, len(list))
	}
	execID := list[0].ID

	stopCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	stopped := make(chan error, 1)
	began := time.Now()
	go func() { stopped <- a.Stop(stopCtx) }()

	// Poll until the stop returns, so the stop never runs concurrently
	// with the one in the test's cleanup.
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	var interruptedAfter time.Duration
	for waiting := true; waiting; {
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("A.Stop: %v", err)
			}
			waiting = false
		case <-poll.C:
			e, err := b.Store().GetExecution(ctx, p.User.ID, jobID, execID)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status == store.StatusInterrupted && interruptedAfter == 0 {
				interruptedAfter = time.Since(began)
			}
		}
	}
	took := time.Since(began)
	if interruptedAfter > 0 {
		t.Errorf("execution %s marked interrupted %s into the stop of its instance, which waited for it",
			execID, interruptedAfter.Round(time.Millisecond))
	}
	if took < 2*lease {
		t.Fatalf("A.Stop returned after %s, too soon for the peer to see a lapsed lease of %s", took, lease)
	}

	e, err := b.Store().GetExecution(ctx, p.User.ID, jobID, execID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != store.StatusSuccess {
		t.Errorf("execution %s after the stop has status %q, want %q (error %q)", execID, e.Status,
			store.StatusSuccess, e.Error)
	}
	if e.Instance != a.instance {
		t.Errorf("execution %s ran on instance %q, want the stopped instance %q", execID, e.Instance, a.instance)
	}
}
