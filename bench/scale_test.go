package bench

import (
	"container/heap"
	"context"
	"runtime"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// registry is one contender in BenchmarkScale: add registers job i, and
// close releases everything that the adds created.
type registry interface {
	add(i int)
	close()
}

// scaleContenders build empty registries. The ids and schedules are built
// before the measurement and shared, because they are the caller's data.
// Contenders that parse the expression for every job stop at 100k jobs,
// because their cost per job does not depend on the count and a million
// parses take many seconds.
var scaleContenders = []struct {
	name    string
	new     func(tb testing.TB, env *scaleEnv) registry
	maxJobs int
}{
	{"recoron", newRecoronRegistry(false, false), 1_000_000},
	{"recoron-running", newRecoronRegistry(true, false), 1_000_000},
	{"recoron-compile-each", newRecoronRegistry(false, true), 100_000},
	{"robfig-schedule", newRobfigRegistry(false), 1_000_000},
	{"robfig-addfunc", newRobfigRegistry(true), 100_000},
	{"heap", newHeapRegistry, 1_000_000},
	{"time.AfterFunc", newTimerRegistry, 1_000_000},
}

// scaleEnv is the input shared by the contenders of one size.
type scaleEnv struct {
	now     time.Time
	ids     []string
	exprs   []string
	recoron []*cron.Schedule
	robfig  []robfig.Schedule
}

// BenchmarkScale registers 10k, 100k and 1M jobs. Per job, it reports the
// time to add it in wall time (ns/job) and in process CPU time
// (cpu-ns/job), the live heap that the registry keeps for it (B/job) and
// its heap allocations (allocs/job). It also reports the live heap of the
// empty registry (fixed-B). Jobs cycle through 64 yearly schedules 40 or more
// days ahead, so nothing fires. ReCoron runs on the fake clock of
// schedulertest, so adds never wait on the wall clock.
//
// Variants: recoron adds to a stopped scheduler, recoron-running to a
// started one, recoron-compile-each compiles the expression for every job.
// robfig-schedule passes a parsed schedule to a stopped Cron, and
// robfig-addfunc parses the expression for every job. heap pushes (Unix
// nanoseconds, job index) pairs onto a container/heap, and time.AfterFunc
// arms one runtime timer per job. Both floors take the fire time from
// ReCoron's Schedule.Next and have no job table, no executor and no
// firing loop.
func BenchmarkScale(b *testing.B) {
	now := time.Now().UTC().Truncate(time.Second)
	exprs := farExpressions(now, farScheduleCount)
	env := &scaleEnv{now: now, exprs: exprs, recoron: compileAll(b, exprs), robfig: parseAllRobfig(b, exprs)}

	for _, size := range jobCounts {
		env.ids = cachedJobIDs(size.count)
		for _, contender := range scaleContenders {
			if size.count > contender.maxJobs {
				continue
			}

			b.Run(contender.name+"/"+size.name, func(b *testing.B) {
				b.ReportAllocs()
				measureScale(b, env, contender.new)
			})
		}
	}
}

// measureScale times the adds of len(env.ids) jobs per iteration and reports
// the per-job metrics averaged over the iterations. The heap is measured in
// the first iteration only, because each measurement needs three garbage
// collections of a heap that reaches hundreds of megabytes. The heap that
// an empty registry takes is reported apart, as fixed-B, and left out of
// B/job.
func measureScale(b *testing.B, env *scaleEnv, newRegistry func(testing.TB, *scaleEnv) registry) {
	n := len(env.ids)

	var added, addedCPU time.Duration
	var baseBytes, emptyBytes, fullBytes, emptyMallocs, fullMallocs uint64
	for iteration := range b.N {
		b.StopTimer()
		if iteration == 0 {
			baseBytes, _ = liveHeap()
		} else {
			runtime.GC()
		}

		r := newRegistry(b, env)
		if iteration == 0 {
			emptyBytes, emptyMallocs = liveHeap()
		}
		b.StartTimer()

		start, startCPU := time.Now(), processCPUTime(b)
		for i := range n {
			r.add(i)
		}
		added += time.Since(start)
		addedCPU += processCPUTime(b) - startCPU

		b.StopTimer()
		if iteration == 0 {
			fullBytes, fullMallocs = liveHeap()
		}
		r.close()
		b.StartTimer()
	}

	jobs := float64(n) * float64(b.N)
	b.ReportMetric(float64(added.Nanoseconds())/jobs, "ns/job")
	b.ReportMetric(float64(addedCPU.Nanoseconds())/jobs, "cpu-ns/job")
	b.ReportMetric(float64(fullBytes-min(emptyBytes, fullBytes))/float64(n), "B/job")
	b.ReportMetric(float64(fullMallocs-emptyMallocs)/float64(n), "allocs/job")
	b.ReportMetric(float64(emptyBytes-min(baseBytes, emptyBytes)), "fixed-B")
}

// recoronRegistry adds jobs to a ReCoron scheduler.
type recoronRegistry struct {
	tb      testing.TB
	env     *scaleEnv
	sched   *scheduler.Scheduler
	running bool
	compile bool
}

func newRecoronRegistry(running, compile bool) func(testing.TB, *scaleEnv) registry {
	return func(tb testing.TB, env *scaleEnv) registry {
		clock := schedulertest.NewClock(env.now)
		r := &recoronRegistry{tb: tb, env: env, running: running, compile: compile,
			sched: scheduler.New(scheduler.Config{Clock: clock, Logger: quietLogger})}
		if running {
			if err := r.sched.Start(context.Background()); err != nil {
				tb.Fatal(err)
			}
		}

		return r
	}
}

func (r *recoronRegistry) add(i int) {
	k := i % farScheduleCount
	schedule := r.env.recoron[k]
	if r.compile {
		var err error
		if schedule, err = cron.Compile(r.env.exprs[k], cron.Options{Location: time.UTC}); err != nil {
			r.tb.Fatal(err)
		}
	}

	if _, err := r.sched.Add(scheduler.Job{ID: r.env.ids[i], Schedule: schedule, Executor: noop}); err != nil {
		r.tb.Fatal(err)
	}
}

func (r *recoronRegistry) close() {
	if r.running {
		if err := r.sched.Stop(context.Background()); err != nil {
			r.tb.Fatal(err)
		}
	}
}

// robfigRegistry adds entries to a stopped robfig/cron Cron. A stopped
// Cron only appends the entry and computes its first fire time in Start.
type robfigRegistry struct {
	tb    testing.TB
	env   *scaleEnv
	c     *robfig.Cron
	parse bool
}

func newRobfigRegistry(parse bool) func(testing.TB, *scaleEnv) registry {
	return func(tb testing.TB, env *scaleEnv) registry {
		return &robfigRegistry{tb: tb, env: env, parse: parse,
			c: robfig.New(robfig.WithParser(robfigParser), robfig.WithLocation(time.UTC))}
	}
}

// doNothing is the job of the robfig/cron entries and the timer function
// of the time.AfterFunc floors that never fire.
func doNothing() {}

func (r *robfigRegistry) add(i int) {
	k := i % farScheduleCount
	if r.parse {
		if _, err := r.c.AddFunc(r.env.exprs[k], doNothing); err != nil {
			r.tb.Fatal(err)
		}

		return
	}

	r.c.Schedule(r.env.robfig[k], robfig.FuncJob(doNothing))
}

func (r *robfigRegistry) close() {}

// deadline is one element of the plain heap: a fire time in Unix
// nanoseconds and the index of its job.
type deadline struct {
	at  int64
	job int
}

// deadlineHeap is a min-heap of deadlines for container/heap.
type deadlineHeap []deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(deadline)) }

func (h *deadlineHeap) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]

	return last
}

// heapRegistry pushes each job's next fire time, computed by ReCoron's
// Schedule.Next, onto a deadlineHeap.
type heapRegistry struct {
	env *scaleEnv
	h   deadlineHeap
}

func newHeapRegistry(_ testing.TB, env *scaleEnv) registry {
	return &heapRegistry{env: env}
}

func (r *heapRegistry) add(i int) {
	next := r.env.recoron[i%farScheduleCount].Next(r.env.now)
	heap.Push(&r.h, deadline{at: next.UnixNano(), job: i})
}

func (r *heapRegistry) close() {}

// timerRegistry arms one runtime timer per job at its next fire time,
// computed by ReCoron's Schedule.Next.
type timerRegistry struct {
	env    *scaleEnv
	timers []*time.Timer
}

func newTimerRegistry(_ testing.TB, env *scaleEnv) registry {
	return &timerRegistry{env: env}
}

func (r *timerRegistry) add(i int) {
	next := r.env.recoron[i%farScheduleCount].Next(r.env.now)
	r.timers = append(r.timers, time.AfterFunc(next.Sub(r.env.now), doNothing))
}

func (r *timerRegistry) close() {
	for _, t := range r.timers {
		t.Stop()
	}
}
