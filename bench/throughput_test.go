package bench

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// stepTimeout bounds the real time that one step of the fake clock may take
// before the benchmark gives up.
const stepTimeout = 30 * time.Second

// runCounter counts executed runs and signals when the count reaches a goal.
type runCounter struct {
	count   atomic.Int64
	goal    atomic.Int64
	reached chan struct{}
}

func newRunCounter() *runCounter {
	return &runCounter{reached: make(chan struct{}, 1)}
}

// executor returns a no-op executor that counts its runs.
func (c *runCounter) executor() scheduler.Executor {
	return scheduler.ExecutorFunc(func(context.Context, scheduler.Run) error {
		if c.count.Add(1) == c.goal.Load() {
			c.reached <- struct{}{}
		}
		return nil
	})
}

// await waits until count reaches goal, or stops the benchmark after
// stepTimeout. The goal must be stored before the runs that reach it start,
// so that exactly one run sends the signal.
func (c *runCounter) await(b *testing.B, goal int64) {
	b.Helper()

	select {
	case <-c.reached:
	case <-time.After(stepTimeout):
		b.Fatalf("%d runs after %v, want %d", c.count.Load(), stepTimeout, goal)
	}
}

// BenchmarkFireThroughput measures the whole firing path of ReCoron with a
// no-op executor: the wheel, the schedule's next slot, the run record, the
// queue and a worker. One op is one fire, and fires/s is the sustained
// rate. The fake clock of schedulertest moves in steps, so the rate does
// not depend on the wall clock.
//
//   - every-1s/1k and every-1s/10k: 1,000 or 10,000 jobs on @every 1s, and
//     the clock moves one second per step. Each step waits until the loop
//     sleeps again and every run of the step has executed.
//   - burst/100k: 100,000 jobs due at the same instant, fired by one step.
func BenchmarkFireThroughput(b *testing.B) {
	for _, jobs := range []int{1_000, 10_000} {
		b.Run("every-1s/"+countName(jobs), func(b *testing.B) {
			measureFires(b, jobs, time.Second)
		})
	}

	b.Run("burst/100k", func(b *testing.B) {
		measureFires(b, 100_000, time.Hour)
	})
}

// measureFires registers jobs on "@every period", all due at the same
// instants, and moves the fake clock by period until at least b.N runs have
// executed.
func measureFires(b *testing.B, jobs int, period time.Duration) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := schedulertest.NewClock(start)
	counter := newRunCounter()
	s := scheduler.New(scheduler.Config{Clock: clock, Logger: quietLogger, QueueSize: 2 * jobs})

	// The anchor puts the first slot one second after start.
	every, err := cron.Compile("@every "+period.String(), cron.Options{Anchor: start.Add(time.Second - period)})
	if err != nil {
		b.Fatal(err)
	}

	ids := cachedJobIDs(jobs)
	executor := counter.executor()
	for i := range jobs {
		addRecoronJob(b, s, scheduler.Job{ID: ids[i], Schedule: every, Executor: executor})
	}

	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer stopRecoron(b, s)

	steps := (b.N + jobs - 1) / jobs
	step := time.Second
	b.ReportAllocs()
	b.ResetTimer()

	begin := time.Now()
	for k := 1; k <= steps; k++ {
		if !clock.WaitForTimers(1, stepTimeout) {
			b.Fatalf("scheduler loop not asleep after %v", stepTimeout)
		}

		counter.goal.Store(int64(k * jobs))
		clock.Advance(step)
		counter.await(b, int64(k*jobs))
		step = period
	}
	elapsed := time.Since(begin)

	b.StopTimer()
	fires := float64(steps * jobs)
	b.ReportMetric(fires/elapsed.Seconds(), "fires/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/fires, "ns/fire")
}

// countName returns 1k for 1,000 and 10k for 10,000.
func countName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1_000 && n%1_000 == 0:
		return strconv.Itoa(n/1_000) + "k"
	}

	return strconv.Itoa(n)
}
