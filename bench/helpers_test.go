// Package bench compares ReCoron with robfig/cron, gronx and the Go
// runtime's timers. It contains only benchmarks, and README.md lists the
// command, the machine and the results of a run.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
)

// jobCounts are the numbers of registered jobs in the scale and lateness
// benchmarks.
var jobCounts = []struct {
	name  string
	count int
}{
	{"10k", 10_000},
	{"100k", 100_000},
	{"1M", 1_000_000},
}

// dueAtOnce is the number of jobs due in the same second in the lateness
// benchmarks.
const dueAtOnce = 10_000

// quietLogger drops the scheduler's start and stop messages, which would
// otherwise be printed between benchmark results.
var quietLogger = slog.New(slog.DiscardHandler)

// noop is an executor that does nothing.
var noop = scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error { return nil })

// robfigParser accepts five fields, or six with a leading seconds field,
// and descriptors, like ReCoron's Compile.
var robfigParser = robfig.NewParser(robfig.SecondOptional | robfig.Minute | robfig.Hour |
	robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// jobIDs returns n distinct job ids. They are built before a measurement
// starts, because they are the caller's data, not the scheduler's.
func jobIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "job-" + strconv.Itoa(i)
	}

	return ids
}

var (
	idCacheMu sync.Mutex
	idCache   = map[int][]string{}
)

// cachedJobIDs returns jobIDs(n), built once per n for the whole run.
func cachedJobIDs(n int) []string {
	idCacheMu.Lock()
	defer idCacheMu.Unlock()

	if ids, ok := idCache[n]; ok {
		return ids
	}

	ids := jobIDs(n)
	idCache[n] = ids

	return ids
}

// farExpressions returns count six-field cron expressions, each matching one
// UTC second once a year, between 40 and about 49 days after now. Jobs on
// them stay registered without firing while a benchmark runs.
func farExpressions(now time.Time, count int) []string {
	exprs := make([]string, count)
	for k := range exprs {
		t := now.UTC().Add(40*24*time.Hour + time.Duration(k)*(3*time.Hour+7*time.Minute+11*time.Second))
		exprs[k] = secondExpression(t)
	}

	return exprs
}

// secondExpression returns a six-field cron expression that matches t's UTC
// second once a year.
func secondExpression(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d %d %d %d %d *", t.Second(), t.Minute(), t.Hour(), t.Day(), int(t.Month()))
}

// farScheduleCount is the number of distinct far-away schedules that the
// registered jobs share, so that they spread over several wheel slots.
const farScheduleCount = 64

// compileAll compiles every expression in UTC or stops the benchmark.
func compileAll(tb testing.TB, exprs []string) []*cron.Schedule {
	tb.Helper()

	schedules := make([]*cron.Schedule, len(exprs))
	for i, expr := range exprs {
		s, err := cron.Compile(expr, cron.Options{Location: time.UTC})
		if err != nil {
			tb.Fatalf("compile %q: %v", expr, err)
		}
		schedules[i] = s
	}

	return schedules
}

// parseAllRobfig parses every expression with robfig/cron in UTC or stops
// the benchmark.
func parseAllRobfig(tb testing.TB, exprs []string) []robfig.Schedule {
	tb.Helper()

	schedules := make([]robfig.Schedule, len(exprs))
	for i, expr := range exprs {
		s, err := robfigParser.Parse("CRON_TZ=UTC " + expr)
		if err != nil {
			tb.Fatalf("robfig parse %q: %v", expr, err)
		}
		schedules[i] = s
	}

	return schedules
}

// instantSchedule is a robfig/cron schedule that fires once, at a fixed
// instant.
type instantSchedule struct{ at time.Time }

// Next returns the instant if t is before it and the zero time otherwise,
// which robfig/cron treats as "never again".
func (s instantSchedule) Next(t time.Time) time.Time {
	if t.Before(s.at) {
		return s.at
	}

	return time.Time{}
}

// latencyRecorder collects durations from many goroutines into a slice
// sized in advance, so recording does not allocate.
type latencyRecorder struct {
	mu      sync.Mutex
	samples []time.Duration
	done    chan struct{}
	want    int
}

// newLatencyRecorder returns a recorder whose done channel closes once want
// samples have been recorded.
func newLatencyRecorder(want int) *latencyRecorder {
	return &latencyRecorder{samples: make([]time.Duration, 0, want), done: make(chan struct{}), want: want}
}

// record stores one sample and closes done when the count reaches want.
func (r *latencyRecorder) record(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.samples = append(r.samples, d)
	if len(r.samples) == r.want {
		close(r.done)
	}
}

// wait blocks until want samples were recorded or timeout passed, and
// returns a sorted copy of the samples.
func (r *latencyRecorder) wait(timeout time.Duration) []time.Duration {
	select {
	case <-r.done:
	case <-time.After(timeout):
	}

	r.mu.Lock()
	defer r.mu.Unlock()

	sorted := slices.Clone(r.samples)
	slices.Sort(sorted)

	return sorted
}

// percentile returns the q-quantile (0 <= q <= 1) of sorted samples by the
// nearest-rank method, or 0 for no samples.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}

	rank := int(q*float64(len(sorted))+0.5) - 1

	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// milliseconds converts d to fractional milliseconds for ReportMetric.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// liveHeap returns the bytes of live heap objects, after a garbage
// collection, and the count of heap allocations so far.
func liveHeap() (bytes, mallocs uint64) {
	runtime.GC()

	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)

	return stats.HeapAlloc, stats.Mallocs
}

// nextWholeSecond returns the start of the second that begins at least
// lead after now.
func nextWholeSecond(now time.Time, lead time.Duration) time.Time {
	return now.Add(lead).Truncate(time.Second).Add(time.Second)
}

// processCPUTime returns the user and system CPU time that the process has
// used so far, over all its threads. On a shared machine it varies less
// than wall time, because time spent waiting for a core is not counted.
func processCPUTime(tb testing.TB) time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}

	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
