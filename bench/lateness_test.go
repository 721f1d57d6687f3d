package bench

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/recoron/recoron/scheduler"
)

// latenessTimeout bounds the wait for the due jobs after their instant.
const latenessTimeout = 10 * time.Second

// latenessResult contains the sorted lateness samples of one iteration.
type latenessResult struct {
	// started is measured when the job's own code starts: the executor for
	// ReCoron, the job goroutine for robfig/cron, the timer function for
	// time.AfterFunc.
	started []time.Duration
	// fired is measured by ReCoron's OnFire hook, when the scheduler hands
	// the run to its queue. It is empty for the others.
	fired []time.Duration
}

// BenchmarkLateness registers 10k, 100k and 1M jobs on the wall clock and
// makes 10k of them due at the same whole second, 1 to 2 s ahead (more for
// robfig/cron, see robfigLateness). The other jobs are due 40 or more days
// ahead. It reports how late the due jobs started: p50-ms and p99-ms at the
// start of the job's code, and for ReCoron also fire-p50-ms and
// fire-p99-ms at OnFire.
// Each contender's heap is collected once before the due second, so a
// collection of the setup's garbage does not land in it. A missing start
// counts in the "missed" metric. Each iteration builds its own registry, so
// ns/op is the whole iteration, setup and waiting included, and means
// little.
func BenchmarkLateness(b *testing.B) {
	contenders := []struct {
		name string
		run  func(b *testing.B, n int) latenessResult
	}{
		{"recoron", recoronLateness},
		{"robfig", robfigLateness},
		{"time.AfterFunc", timerLateness},
	}

	for _, size := range jobCounts {
		for _, contender := range contenders {
			b.Run(contender.name+"/"+size.name, func(b *testing.B) {
				b.ReportAllocs()

				var started, fired []time.Duration
				for range b.N {
					result := contender.run(b, size.count)
					started = append(started, result.started...)
					fired = append(fired, result.fired...)
				}

				slices.Sort(started)
				slices.Sort(fired)
				b.ReportMetric(milliseconds(percentile(started, 0.50)), "p50-ms")
				b.ReportMetric(milliseconds(percentile(started, 0.99)), "p99-ms")
				b.ReportMetric(float64(b.N*dueAtOnce-len(started)), "missed")
				if len(fired) > 0 {
					b.ReportMetric(milliseconds(percentile(fired, 0.50)), "fire-p50-ms")
					b.ReportMetric(milliseconds(percentile(fired, 0.99)), "fire-p99-ms")
				}
			})
		}
	}
}

// recoronLateness runs one iteration of BenchmarkLateness for ReCoron with
// its default worker pool.
func recoronLateness(b *testing.B, n int) latenessResult {
	fired := newLatencyRecorder(dueAtOnce)
	started := newLatencyRecorder(dueAtOnce)
	record := scheduler.ExecutorFunc(func(_ context.Context, run scheduler.Run) error {
		started.record(time.Since(run.ScheduledAt))
		return nil
	})

	s := scheduler.New(scheduler.Config{Logger: quietLogger, Hooks: scheduler.Hooks{
		OnFire: func(run scheduler.Run) { fired.record(time.Since(run.ScheduledAt)) },
	}})

	ids := cachedJobIDs(n)
	far := compileAll(b, farExpressions(time.Now(), farScheduleCount))
	for i := range n - dueAtOnce {
		addRecoronJob(b, s, scheduler.Job{ID: ids[i], Schedule: far[i%len(far)], Executor: noop})
	}

	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer stopRecoron(b, s)

	runtime.GC()
	target := nextWholeSecond(time.Now(), time.Second)
	due := compileAll(b, []string{secondExpression(target)})[0]
	for i := n - dueAtOnce; i < n; i++ {
		addRecoronJob(b, s, scheduler.Job{ID: ids[i], Schedule: due, Executor: record})
	}

	result := latenessResult{started: started.wait(time.Until(target) + latenessTimeout)}
	result.fired = fired.wait(0)

	return result
}

// addRecoronJob adds job or stops the benchmark.
func addRecoronJob(b *testing.B, s *scheduler.Scheduler, job scheduler.Job) {
	if _, err := s.Add(job); err != nil {
		b.Fatal(err)
	}
}

// stopRecoron stops s within ten seconds or stops the benchmark.
func stopRecoron(b *testing.B, s *scheduler.Scheduler) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := s.Stop(ctx); err != nil {
		b.Fatalf("stopping the scheduler failed: %v", err)
	}
}

// robfigLateness runs one iteration of BenchmarkLateness for robfig/cron.
//
// A started robfig/cron Cron sorts all its entries after every added entry,
// so the due entries are added before Start. Start computes every entry's
// first fire time and then arms its timer from the instant that pass began,
// so the first wake-up comes late by the length of the pass. A warm-up
// entry takes that late wake-up a quarter of the lead after Start, and the
// timer for the due second is then armed from a fresh reading, as in a
// long-running process. The lead grows with the entry count to cover the
// pass.
func robfigLateness(b *testing.B, n int) latenessResult {
	started := newLatencyRecorder(dueAtOnce)

	now := time.Now()
	lead := 2*time.Second + time.Duration(n)*8*time.Microsecond
	target := nextWholeSecond(now, lead)
	warmAt := now.Add(lead / 4)

	c := robfig.New(robfig.WithParser(robfigParser), robfig.WithLocation(time.UTC))
	far := parseAllRobfig(b, farExpressions(now, farScheduleCount))
	for i := range n - dueAtOnce {
		c.Schedule(far[i%len(far)], robfig.FuncJob(doNothing))
	}

	due := instantSchedule{at: target}
	for range dueAtOnce {
		c.Schedule(due, robfig.FuncJob(func() { started.record(time.Since(target)) }))
	}

	warmed := make(chan time.Time, 1)
	c.Schedule(instantSchedule{at: warmAt}, robfig.FuncJob(func() { warmed <- time.Now() }))

	c.Start()
	defer func() { <-c.Stop().Done() }()

	// Entries returns once Start's first pass is over, because the running
	// Cron serves it from the same goroutine.
	if entries := len(c.Entries()); entries != n+1 {
		b.Fatalf("robfig/cron lists %d entries, want %d", entries, n+1)
	}

	runtime.GC()

	var warmedAt time.Time
	select {
	case warmedAt = <-warmed:
	case <-time.After(time.Until(target)):
	}

	result := latenessResult{started: started.wait(time.Until(target) + latenessTimeout)}
	if warmedAt.IsZero() || warmedAt.After(target.Add(-300*time.Millisecond)) {
		b.Skipf("robfig/cron ran the warm-up entry at %v, less than 300ms before the due second %v, "+
			"so the due second would measure its start-up; the machine is too slow for the lead of %v",
			warmedAt, target, lead)
	}

	return result
}

// timerLateness runs one iteration of BenchmarkLateness with one runtime
// timer per job, a floor that has no scheduler.
func timerLateness(b *testing.B, n int) latenessResult {
	started := newLatencyRecorder(dueAtOnce)

	timers := make([]*time.Timer, 0, n)
	defer func() {
		for _, t := range timers {
			t.Stop()
		}
	}()

	far := compileAll(b, farExpressions(time.Now(), farScheduleCount))
	now := time.Now()
	for i := range n - dueAtOnce {
		timers = append(timers, time.AfterFunc(far[i%len(far)].Next(now).Sub(now), doNothing))
	}

	runtime.GC()
	target := nextWholeSecond(time.Now(), time.Second)
	for range dueAtOnce {
		timers = append(timers, time.AfterFunc(time.Until(target), func() { started.record(time.Since(target)) }))
	}

	return latenessResult{started: started.wait(time.Until(target) + latenessTimeout)}
}
