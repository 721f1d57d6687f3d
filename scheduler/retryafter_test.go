package scheduler

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", -1},
		{"0", 0},
		{"120", 2 * time.Minute},
		{"-5", -1},
		{"soon", -1},
		{"99999999999999999", maxRetryAfter},
		{"Mon, 01 Jan 1990 00:00:00 GMT", 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfter},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzParseRetryAfter checks that no header value panics or yields a
// negative wait other than the -1 for "absent or invalid", and that no
// wait exceeds maxRetryAfter.
func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"", "0", "120", "-1", "1e9", "9223372036854775807", "Wed, 21 Oct 2015 07:28:00 GMT"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := parseRetryAfter(v)
		if got != -1 && (got < 0 || got > maxRetryAfter) {
			t.Errorf("parseRetryAfter(%q) = %v, want -1 or a wait from 0 to %v", v, got, maxRetryAfter)
		}
	})
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	t.Parallel()
	e := &HTTPExecutor{Retry: RetryPolicy{InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second}}
	b := e.backoff()
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.NextBackOff(); got != w*time.Millisecond {
			t.Errorf("interval %d = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
}

func TestFullJitterSpansInterval(t *testing.T) {
	t.Parallel()
	const interval = time.Second
	low, high := false, false
	for range 1000 {
		d := fullJitter(interval)
		if d < 0 || d > interval {
			t.Fatalf("fullJitter(%v) = %v, want a wait from 0 to %v", interval, d, interval)
		}
		low = low || d < interval/4
		high = high || d > 3*interval/4
	}
	if !low || !high {
		t.Errorf("1000 waits drawn from 0 to %v: some below a quarter %v, some above three quarters %v; want both",
			interval, low, high)
	}
	if d := fullJitter(0); d != 0 {
		t.Errorf("fullJitter(0) = %v, want 0", d)
	}
}
