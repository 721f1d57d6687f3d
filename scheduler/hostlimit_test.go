package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestHostLimitsSweepRateLimitedHosts checks that hosts whose rate limiter
// was drawn on are dropped by a later sweep once the limiter refills, so
// the state does not grow with every host ever called.
func TestHostLimitsSweepRateLimitedHosts(t *testing.T) {
	t.Parallel()
	l := NewHostLimits(4, 1000)
	for i := range 3 {
		release, err := l.acquire(context.Background(), fmt.Sprintf("host-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	if n := l.Hosts(); n != 3 {
		t.Fatalf("Hosts = %d right after the calls, want 3 whose limiters are still refilling", n)
	}

	// The burst of 1000 refills within about a millisecond per token used.
	time.Sleep(50 * time.Millisecond)
	for range sweepEvery {
		release, err := l.acquire(context.Background(), "busy")
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		release()
	}
	if n := l.Hosts(); n > 1 {
		t.Errorf("Hosts = %d after a sweep, want at most the host still refilling", n)
	}
}
