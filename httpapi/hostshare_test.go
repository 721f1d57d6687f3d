package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
)

// TestHangingHostOfOneUserSparesOthers checks that one user's calls held
// open by a host leave other users' calls to the same host free, past
// the 64 calls per user and host that may be in flight at once.
func TestHangingHostOfOneUserSparesOthers(t *testing.T) {
	t.Parallel()
	h := setup(t)
	release := make(chan struct{})
	var holding atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hang" {
			return
		}
		holding.Add(1)
		defer holding.Add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}))
	t.Cleanup(target.Close)

	hanging := str(t, h.createJob(t, h.token, map[string]any{"url": target.URL + "/hang", "schedule": "0 0 1 1 *"}), "id")
	const hangingCalls = 70
	var calls sync.WaitGroup
	t.Cleanup(func() {
		close(release)
		calls.Wait()
	})
	for range hangingCalls {
		calls.Add(1)
		go func() {
			defer calls.Done()
			h.call(t, "POST", "/jobs/"+hanging+"/execute", h.token, nil)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for holding.Load() < 64 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls reached the hanging host within 10s", holding.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	_, other := h.newUser(t, "other", metering.PlanFree)
	quick := str(t, h.createJob(t, other, map[string]any{"url": target.URL + "/quick", "schedule": "0 0 1 1 *"}), "id")
	done := make(chan *response, 1)
	go func() { done <- h.call(t, "POST", "/jobs/"+quick+"/execute", other, nil) }()
	select {
	case res := <-done:
		wantStatus(t, res, http.StatusOK)
	case <-time.After(5 * time.Second):
		t.Fatal("another user's call to the same host did not finish within 5s while the first user's calls hang")
	}
}
