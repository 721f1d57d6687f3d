package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// httpWorkers is the worker count of the HTTP benchmarks. It matches the
// default per-host connection limit of scheduler.NewHTTPClient, so every
// worker can hold a kept-alive connection to the sink.
const httpWorkers = 64

// newSink starts a loopback HTTP server that responds to every request
// with 200 and a short body. The server keeps connections alive.
func newSink(tb testing.TB) *httptest.Server {
	tb.Helper()

	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	tb.Cleanup(server.Close)

	return server
}

// newHTTPClient returns the client that servers pass to HTTPExecutor, with
// the target guard off so that it may call loopback addresses.
func newHTTPClient(tb testing.TB) *http.Client {
	tb.Helper()

	client := scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true})
	tb.Cleanup(client.CloseIdleConnections)

	return client
}

// BenchmarkHTTP measures calls through scheduler.HTTPExecutor against a
// loopback sink, with 64 calls in flight. One op is one call.
//
//   - executor: 64 goroutines call Execute directly.
//   - scheduler: 2,000 jobs on @every 1s run on a scheduler with 64
//     workers, and the fake clock moves one second per step, after all calls
//     of the previous step have returned.
func BenchmarkHTTP(b *testing.B) {
	b.Run("executor", func(b *testing.B) {
		sink := newSink(b)
		executor := &scheduler.HTTPExecutor{Client: newHTTPClient(b), Method: http.MethodPost, URL: sink.URL + "/hook",
			Body: `{"event":"tick"}`, Header: map[string]string{"Content-Type": "application/json"}}
		run := scheduler.Run{JobID: "job-1", ExecutionID: "exe-1", ScheduledAt: time.Now(),
			Trigger: scheduler.TriggerSchedule}

		var next, failed atomic.Int64
		var wg sync.WaitGroup
		b.ReportAllocs()
		b.ResetTimer()

		begin := time.Now()
		for range httpWorkers {
			wg.Go(func() {
				for next.Add(1) <= int64(b.N) {
					if res := executor.Execute(context.Background(), run); res.Status != scheduler.StatusSuccess {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(begin)

		b.StopTimer()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d calls failed", failed.Load(), b.N)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	})

	b.Run("scheduler", func(b *testing.B) {
		const jobs = 2_000

		sink := newSink(b)
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := schedulertest.NewClock(start)
		counter := newRunCounter()
		var failed atomic.Int64
		s := scheduler.New(scheduler.Config{Clock: clock, Logger: quietLogger, Workers: httpWorkers,
			Hooks: scheduler.Hooks{AfterRun: func(_ context.Context, _ scheduler.Run, res scheduler.Result) {
				if res.Status != scheduler.StatusSuccess {
					failed.Add(1)
				}
				if counter.count.Add(1) == counter.goal.Load() {
					counter.reached <- struct{}{}
				}
			}}})

		every := cron.MustCompile("@every 1s", cron.Options{Anchor: start})
		client := newHTTPClient(b)
		ids := cachedJobIDs(jobs)
		for i := range jobs {
			executor := &scheduler.HTTPExecutor{Client: client, Method: http.MethodPost,
				URL: fmt.Sprintf("%s/hook/%d", sink.URL, i), Body: `{"event":"tick"}`}
			addRecoronJob(b, s, scheduler.Job{ID: ids[i], Schedule: every, Executor: executor})
		}

		if err := s.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer stopRecoron(b, s)

		steps := (b.N + jobs - 1) / jobs
		b.ReportAllocs()
		b.ResetTimer()

		begin := time.Now()
		for k := 1; k <= steps; k++ {
			if !clock.WaitForTimers(1, stepTimeout) {
				b.Fatalf("scheduler loop not asleep after %v", stepTimeout)
			}

			counter.goal.Store(int64(k * jobs))
			clock.Advance(time.Second)
			counter.await(b, int64(k*jobs))
		}
		elapsed := time.Since(begin)

		b.StopTimer()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d calls failed", failed.Load(), steps*jobs)
		}
		b.ReportMetric(float64(steps*jobs)/elapsed.Seconds(), "calls/s")
	})
}

// hangingHostRun is the setup of one BenchmarkHangingHost case.
type hangingHostRun struct {
	// hangingJobs call a host whose handler blocks until the run ends.
	hangingJobs int
	// limits, when set, bounds the calls in flight to each host.
	limits *scheduler.HostLimits
}

// Sizes of BenchmarkHangingHost. The healthy jobs spread over several
// sinks, because a host limit applies to each host alone.
const (
	healthySinks       = 16
	healthyJobsPerSink = 16
	hangingHostLimit   = 16
	hangingRunSeconds  = 3
)

// BenchmarkHangingHost measures how late the executors of healthy HTTP jobs
// start while another host never responds. 256 healthy jobs on 16 loopback
// sinks and, in the hanging cases, 64 jobs on a hanging host fire every
// second for 4 seconds of wall time, on a scheduler with 64 workers. The
// first second opens the connections and is not measured.
//
//   - baseline: no hanging jobs.
//   - hanging-host/limited: scheduler.NewHostLimits(16, 0) shared by all
//     executors, so the hanging host holds at most 32 workers (16 in
//     flight, 16 waiting) and the calls over the limit fail at once.
//   - hanging-host/unlimited: no host limits, so the hanging calls take
//     every worker within the first second.
//
// It reports the p50 and p99 lateness from each healthy slot to its
// executor's start (BeforeRun), and the healthy calls that did not succeed
// before the run ended, in "failed". The handler of the hanging host
// returns when a case ends, so the case stops by itself.
func BenchmarkHangingHost(b *testing.B) {
	cases := []struct {
		name string
		run  hangingHostRun
	}{
		{"baseline", hangingHostRun{}},
		{"hanging-host/limited", hangingHostRun{hangingJobs: 64, limits: scheduler.NewHostLimits(hangingHostLimit, 0)}},
		{"hanging-host/unlimited", hangingHostRun{hangingJobs: 64}},
	}

	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()

			var lateness []time.Duration
			var failed int
			for range b.N {
				samples, failures := measureHangingHost(b, c.run)
				lateness = append(lateness, samples...)
				failed += failures
			}

			slices.Sort(lateness)
			b.ReportMetric(milliseconds(percentile(lateness, 0.50)), "p50-ms")
			b.ReportMetric(milliseconds(percentile(lateness, 0.99)), "p99-ms")
			b.ReportMetric(float64(failed), "failed")
		})
	}
}

// measureHangingHost runs one case of BenchmarkHangingHost on the wall
// clock and returns the lateness samples of the healthy runs that started
// and the count of healthy slots that fired but did not end in success.
func measureHangingHost(b *testing.B, setup hangingHostRun) ([]time.Duration, int) {
	release := make(chan struct{})
	releaseHanging := sync.OnceFunc(func() { close(release) })
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	// Close waits for handlers in flight, so the deferred release runs first.
	defer hanging.Close()
	defer releaseHanging()

	// The first slot opens the connections to the sinks, so its runs are
	// left out of the lateness samples. It is set before Start.
	var firstSlot time.Time
	var mu sync.Mutex
	var lateness []time.Duration
	var fired, succeeded atomic.Int64
	s := scheduler.New(scheduler.Config{Logger: quietLogger, Workers: httpWorkers, Hooks: scheduler.Hooks{
		OnFire: func(run scheduler.Run) {
			if run.Owner == "healthy" {
				fired.Add(1)
			}
		},
		BeforeRun: func(_ context.Context, run *scheduler.Run) error {
			if run.Owner == "healthy" && run.ScheduledAt.After(firstSlot) {
				late := time.Since(run.ScheduledAt)
				mu.Lock()
				lateness = append(lateness, late)
				mu.Unlock()
			}
			return nil
		},
		AfterRun: func(_ context.Context, run scheduler.Run, res scheduler.Result) {
			if run.Owner == "healthy" && res.Status == scheduler.StatusSuccess {
				succeeded.Add(1)
			}
		},
	}})

	everySecond := cron.MustCompile("* * * * * *", cron.Options{Location: time.UTC})
	client := newHTTPClient(b)
	for sink := range healthySinks {
		server := newSink(b)
		for j := range healthyJobsPerSink {
			executor := &scheduler.HTTPExecutor{Client: client, Method: http.MethodGet, URL: server.URL + "/ping",
				Hosts: setup.limits}
			addRecoronJob(b, s, scheduler.Job{ID: fmt.Sprintf("healthy-%d-%d", sink, j), Owner: "healthy",
				Schedule: everySecond, Executor: executor})
		}
	}

	for j := range setup.hangingJobs {
		executor := &scheduler.HTTPExecutor{Client: client, Method: http.MethodGet, URL: hanging.URL + "/hang",
			Hosts: setup.limits, Timeout: time.Minute}
		addRecoronJob(b, s, scheduler.Job{ID: fmt.Sprintf("hanging-%d", j), Owner: "hanging",
			Schedule: everySecond, Executor: executor})
	}

	firstSlot, _ = s.NextRun("healthy-0-0")
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}

	// Release the hanging calls half a second after the last slot and give
	// the workers 300ms to start the healthy runs still queued, so their
	// lateness is measured too, before Stop skips what remains.
	time.Sleep(time.Until(firstSlot.Add(hangingRunSeconds*time.Second + 500*time.Millisecond)))
	releaseHanging()
	time.Sleep(300 * time.Millisecond)
	stopRecoron(b, s)

	mu.Lock()
	defer mu.Unlock()

	return slices.Clone(lateness), int(fired.Load() - succeeded.Load())
}
