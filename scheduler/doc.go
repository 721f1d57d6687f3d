// Package scheduler fires jobs on cron schedules and hands each run to an
// executor on a bounded pool of workers.
//
// # Jobs and executors
//
// A [Job] binds a compiled schedule (see package cron) to an [Executor].
// Two executors come with the package: [ExecutorFunc] runs a Go function,
// and [HTTPExecutor] calls a URL with retries, timeouts, signing and the
// X-Recoron-* headers. Any type with an Execute method works.
//
//	sched := scheduler.New(scheduler.Config{})
//	every5m, err := cron.Compile("*/5 * * * *", cron.Options{Location: time.UTC})
//	if err != nil { ... }
//	_, err = sched.Add(scheduler.Job{ID: "cleanup", Schedule: every5m,
//		Executor: scheduler.ExecutorFunc(cleanup)})
//	err = sched.Start(ctx)
//	...
//	err = sched.Stop(ctx) // waits for runs in flight until ctx is done
//
// # Timing
//
// Every registered job has one entry in a hierarchical timing wheel with a
// 1 ms tick, so adding, replacing and removing a job cost O(1) and no job
// has its own goroutine or timer. A single loop sleeps until the wheel's
// next deadline. When a slot fires, the job is rescheduled from the slot's
// nominal time, never from the time it actually fired, so schedules do not
// drift. Runs report the nominal time in [Run.ScheduledAt].
//
// If the clock steps forward, or the process stalls, several slots of a
// job can come due at once. They coalesce: only the latest can run, and
// the others are reported as missed. When the latest is later than the
// catch-up window, [MisfireRunOnce] still runs it once and [MisfireSkip]
// reports it as missed too. If the clock steps
// backward by more than a second, the wheel is rebuilt so no slot fires
// early.
//
// # Policies
//
// Per job: [Overlap] (run or skip a slot while the previous run is in
// flight), [Misfire], a catch-up window, a deterministic jitter and a
// timeout. Slots that do not run reach [Hooks.OnSkip] with status
// "skipped" or "missed", with two exceptions that are logged instead.
// After a stall longer than 10,000 slots of one job, only the first
// 10,000 are reported one by one, and the log line names the first slot
// not reported. When both the worker queue and the queue of skip reports
// are full, slots are counted and logged. Slots held back by jitter when
// [Scheduler.Stop] runs are left to another instance or to the misfire
// policy at the next start.
//
// # Hooks
//
// [Hooks] observe fires (OnFire), veto or record runs (BeforeRun), see
// results (AfterRun) and skipped slots (OnSkip). Hooks other than OnFire
// run on the worker goroutines, so a slow hook delays only its own run.
// The documentation of [Hooks] gives the order of the calls for runs,
// skipped and missed slots. A panic in a hook, like one in an executor,
// is recovered and logged, and the scheduler keeps running.
//
// # Testing
//
// [Config.Clock] takes any [Clock]; package schedulertest has a fake clock
// whose time moves only when a test advances it.
package scheduler
