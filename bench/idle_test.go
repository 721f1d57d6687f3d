package bench

import (
	"context"
	"runtime/debug"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/recoron/recoron/scheduler"
)

// idleWindow is the wall time over which BenchmarkIdle measures CPU time.
const idleWindow = 3 * time.Second

// idleJobs is the number of registered jobs in BenchmarkIdle.
const idleJobs = 1_000_000

// BenchmarkIdle registers 1M jobs due 40 or more days ahead on the wall
// clock, starts the scheduler, and reports the CPU time that the whole
// process uses over 3 seconds of idling, as a percentage of one core
// (%core). The heap is collected and returned to the operating system
// before the window, so the runtime's own clean-up of the setup stays out
// of it. The empty case measures the process with nothing registered.
func BenchmarkIdle(b *testing.B) {
	contenders := []struct {
		name  string
		start func(b *testing.B) (stop func())
	}{
		{"empty", func(*testing.B) func() { return func() {} }},
		{"recoron/1M", startIdleRecoron},
		{"robfig/1M", startIdleRobfig},
		{"time.AfterFunc/1M", startIdleTimers},
	}

	for _, contender := range contenders {
		b.Run(contender.name, func(b *testing.B) {
			b.ReportAllocs()

			var cpu, wall time.Duration
			for range b.N {
				stop := contender.start(b)
				debug.FreeOSMemory()

				begin, beginCPU := time.Now(), processCPUTime(b)
				time.Sleep(idleWindow)
				cpu += processCPUTime(b) - beginCPU
				wall += time.Since(begin)

				stop()
			}

			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
		})
	}
}

// startIdleRecoron starts a ReCoron scheduler with idleJobs far-away jobs.
func startIdleRecoron(b *testing.B) func() {
	s := scheduler.New(scheduler.Config{Logger: quietLogger})
	ids := cachedJobIDs(idleJobs)
	far := compileAll(b, farExpressions(time.Now(), farScheduleCount))
	for i := range idleJobs {
		addRecoronJob(b, s, scheduler.Job{ID: ids[i], Schedule: far[i%len(far)], Executor: noop})
	}

	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}

	return func() { stopRecoron(b, s) }
}

// startIdleRobfig starts a robfig/cron Cron with idleJobs far-away entries
// and waits until Start has computed their first fire times.
func startIdleRobfig(b *testing.B) func() {
	c := robfig.New(robfig.WithParser(robfigParser), robfig.WithLocation(time.UTC))
	far := parseAllRobfig(b, farExpressions(time.Now(), farScheduleCount))
	for i := range idleJobs {
		c.Schedule(far[i%len(far)], robfig.FuncJob(doNothing))
	}

	c.Start()
	if entries := len(c.Entries()); entries != idleJobs {
		b.Fatalf("robfig/cron lists %d entries, want %d", entries, idleJobs)
	}

	return func() { <-c.Stop().Done() }
}

// startIdleTimers arms idleJobs far-away runtime timers.
func startIdleTimers(b *testing.B) func() {
	far := compileAll(b, farExpressions(time.Now(), farScheduleCount))
	timers := make([]*time.Timer, idleJobs)
	now := time.Now()
	for i := range timers {
		timers[i] = time.AfterFunc(far[i%len(far)].Next(now).Sub(now), doNothing)
	}

	return func() {
		for _, t := range timers {
			t.Stop()
		}
	}
}
