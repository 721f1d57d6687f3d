package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/internal/wheel"
)

// Overlap decides what happens when a job's slot comes while its previous
// run is still in flight.
type Overlap uint8

const (
	// OverlapAllow starts the new run anyway. It is the default.
	OverlapAllow Overlap = iota
	// OverlapSkip records the slot as skipped.
	OverlapSkip
)

// Misfire decides what happens to a slot that passed more than the
// catch-up window ago, because the process was down, stalled or behind.
//
// Whatever the policy, when several slots of a job are due at once, only
// the latest can run and the earlier ones are recorded as missed. The
// policy then decides about the latest when it is later than the
// catch-up window.
type Misfire uint8

const (
	// MisfireRunOnce runs the latest due slot once, however late. It is
	// the default.
	MisfireRunOnce Misfire = iota
	// MisfireSkip records the latest due slot as missed when it is later
	// than the catch-up window, so nothing runs until the next slot.
	MisfireSkip
)

// Job is a schedule bound to an executor.
type Job struct {
	// ID identifies the job; adding a job with an existing ID replaces it.
	ID string
	// Owner is passed through to every [Run]; servers put the user id here.
	Owner string
	// Schedule computes the fire times. An @every schedule counts from the
	// Anchor it was compiled with, which is the Unix epoch by default. The
	// reference server anchors each job at its creation time.
	Schedule *cron.Schedule
	// Executor performs the work.
	Executor Executor
	// Timeout bounds one execution, retries included; 0 means no bound
	// other than the scheduler's stop deadline.
	Timeout time.Duration
	// Overlap is the policy for a slot that comes while a run is in
	// flight; the default is OverlapAllow.
	Overlap Overlap
	// Misfire is the policy for slots later than the catch-up window;
	// the default is MisfireRunOnce.
	Misfire Misfire
	// CatchUp is how late a slot may fire and still run as usual; 0 means
	// Config.CatchUpWindow.
	CatchUp time.Duration
	// Jitter is the maximum delay added to each slot. The delay is derived
	// from the job id and the slot, so it is the same on every instance
	// and every restart, and it stays below half the gap to the next slot.
	// Runs still report the nominal slot in ScheduledAt.
	Jitter time.Duration
	// After, when set, makes the job's first slot the first one strictly
	// after this instant instead of the first one after now. An instant in
	// the past resumes the schedule: slots between After and now are
	// treated as missed and follow the Misfire policy, and servers set it
	// to the last slot handled before a restart. An instant in the future
	// delays the start: no slot at or before it fires.
	After time.Time
}

// Config configures a [Scheduler]. The zero value is usable: every field
// left zero takes the default that its documentation names.
type Config struct {
	// Clock is the time source; the default is [SystemClock].
	Clock Clock
	// Logger receives start, stop and error events; the default is
	// slog.Default().
	Logger *slog.Logger
	// Workers is the number of runs executed at once. Zero or a negative
	// value selects the default, 256.
	Workers int
	// QueueSize bounds runs waiting for a worker; a slot that finds the
	// queue full is skipped and reported. Zero or a negative value selects
	// the default, 16384.
	QueueSize int
	// InitialCapacity sizes the job table for this many jobs up front, so
	// loading many jobs does not grow it step by step. It is a hint only,
	// and zero or a negative value sizes the table for no jobs.
	InitialCapacity int
	// CatchUpWindow is how late a slot may fire and still run as usual,
	// for jobs that set no CatchUp. Later slots follow the job's Misfire
	// policy. Zero or a negative value selects the default, one minute.
	CatchUpWindow time.Duration
	// StopGrace is how long Stop waits, once its context is done and it
	// has cancelled the runs in flight, for those runs to return. Runs
	// still running after it are left running and reported as
	// interrupted. It is wall-clock time, like Stop's context. Zero or a
	// negative value selects the default, one second.
	StopGrace time.Duration
	// HookGrace is how long Stop waits, after StopGrace, for hooks still
	// in progress, such as an AfterRun that stores an outcome. Hooks
	// still running after it are left running, and Stop returns. It is
	// wall-clock time. Zero or a negative value selects the default, ten
	// seconds.
	HookGrace time.Duration
	// Hooks observe runs.
	Hooks Hooks
}

// maxSlotsPerFire bounds how many passed slots of one job are walked and
// reported one by one after a long stall. Slots beyond it are counted in
// one log line and skipped in one step.
const maxSlotsPerFire = 10000

// jitter returns the job's deterministic delay for slot, in whole
// milliseconds, the wheel's resolution: an FNV-1a hash of the job id and
// the slot, reduced modulo the jitter and capped below half the gap to the
// following slot.
func jitter(job *jobData, slot time.Time) time.Duration {
	limit := job.meta.jitter
	if limit <= 0 {
		return 0
	}
	if next := job.schedule.Next(slot); !next.IsZero() {
		limit = min(limit, next.Sub(slot)/2)
	}
	if limit <= 0 {
		return 0
	}
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(job.id); i++ {
		h = (h ^ uint64(job.id[i])) * prime
	}
	ns := uint64(slot.UnixNano())
	for i := 0; i < 8; i++ {
		h = (h ^ (ns >> (8 * i) & 0xff)) * prime
	}
	return time.Duration(h % uint64(limit)).Truncate(time.Millisecond)
}

// nextSlot returns the slot that r is scheduled for, or the zero Time.
// Firing unschedules r only while s.mu is held, so callers holding it see
// every job with a next slot as scheduled.
func nextSlot(r *jobRecord) time.Time {
	if !r.Scheduled() {
		return time.Time{}
	}
	return r.Deadline().UTC()
}

// task is a run for a worker, or a slot to report through OnSkip when
// skipStatus is set.
type task struct {
	run      Run
	executor Executor
	timeout  time.Duration
	// inflight counts the runs of the task's job that are queued or
	// running. It lives in the job's record.
	inflight    *inflightCounter
	overlapSkip bool
	skipStatus  string
	skipReason  string
}

// delayedTask is a slot held back by its job's jitter until at. The run is
// built when the delay ends, from the job as it is then, so removing the
// job in the meantime cancels it and replacing the job changes it.
type delayedTask struct {
	at         time.Time
	slot, next time.Time
	id         string
}

// Scheduler fires jobs at their schedule's times and hands each run to a
// bounded pool of workers. Create one with [New].
type Scheduler struct {
	cfg    Config
	clock  Clock
	logger *slog.Logger

	mu    sync.Mutex
	jobs  *jobTable
	metas metaPool
	// delayed holds runs waiting for their jitter, as a min-heap on at.
	delayed []delayedTask
	wheel   *wheel.Wheel[jobData]

	wake  chan struct{}
	queue chan task
	// reports carries skip reports that found the worker queue full to one
	// goroutine, so firing never waits for them. lost counts the reports
	// that found this queue full too.
	reports chan *task
	lost    atomic.Int64
	// stopping is set, with mu held, when Stop is first called on a
	// started scheduler. started is guarded by mu.
	stopping atomic.Bool
	started  bool
	loopDone chan struct{}
	// stopRequested is closed when Stop begins, for [StopRequested].
	stopRequested chan struct{}
	// reportsDone is closed when drainReports has handed every skip
	// report to OnSkip.
	reportsDone chan struct{}
	workers     sync.WaitGroup
	// abandonReports counts the AfterRun calls that Stop makes for runs
	// it leaves running.
	abandonReports sync.WaitGroup
	// slots holds each worker's run in flight, for Stop.
	slots []runSlot
	stop  stopState

	runCtx    context.Context
	cancelRun context.CancelFunc
	// hookCtx is runCtx without its cancellation, for hooks that store
	// outcomes after Stop cancelled the runs.
	hookCtx context.Context
}

// New returns a scheduler that is not started yet. Fields of cfg that are
// zero or negative take their defaults; none is an error.
func New(cfg Config) *Scheduler {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 256
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 16384
	}
	if cfg.CatchUpWindow <= 0 {
		cfg.CatchUpWindow = time.Minute
	}
	if cfg.HookGrace <= 0 {
		cfg.HookGrace = 10 * time.Second
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = time.Second
	}
	return &Scheduler{
		cfg:     cfg,
		clock:   cfg.Clock,
		logger:  cfg.Logger,
		jobs:    newJobTable(max(cfg.InitialCapacity, 0)),
		metas:   make(metaPool),
		wheel:   wheel.New[jobData](cfg.Clock.Now(), time.Millisecond),
		wake:    make(chan struct{}, 1),
		reports: make(chan *task, reportQueueSize),
		queue:   make(chan task, cfg.QueueSize),
	}
}

// Add registers job, or replaces the job with the same ID, and returns the
// next slot it will handle, in UTC, or zero if it never fires again. With
// After set, that slot is the first one after After. It can be in the
// past, and is then the first missed slot, which the Misfire policy
// handles. Add returns an error wrapping [ErrInvalidJob] for an invalid
// job, and one wrapping [ErrStopped] once Stop has been called.
func (s *Scheduler) Add(job Job) (time.Time, error) {
	if !s.initialized() {
		return time.Time{}, errNotInitialized("cannot add job " + job.ID)
	}
	if err := checkJob(job); err != nil {
		return time.Time{}, err
	}
	if job.Schedule == nil {
		return time.Time{}, invalidJob("scheduler: job %s has a nil Schedule; make schedules with cron.Compile", job.ID)
	}
	if job.Schedule.Location() == nil {
		return time.Time{}, invalidJob("scheduler: job %s has a zero Schedule; make schedules with cron.Compile", job.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping.Load() {
		return time.Time{}, fmt.Errorf("scheduler: cannot add job %s: %w; create a new scheduler with New", job.ID, ErrStopped)
	}

	r, _ := s.jobs.getOrAdd(job.ID)
	old := r.Value.meta
	r.Value.schedule, r.Value.executor = job.Schedule, job.Executor
	r.Value.meta = s.metas.acquire(metaOf(job))
	s.metas.release(old)

	from := s.clock.Now()
	if !job.After.IsZero() {
		from = job.After
	}
	next := job.Schedule.Next(from)
	s.schedule(r, next)
	s.signal()
	if next.IsZero() {
		return next, nil
	}
	return next.UTC(), nil
}

// checkJob rejects a job without an id or an executor, policy values that
// no constant names, and negative durations, which would otherwise act as
// silent defaults. The schedule, which RunNow does not need, is checked
// by Add.
func checkJob(job Job) error {
	switch {
	case job.ID == "":
		return invalidJob("scheduler: job id is empty")
	case isNilExecutor(job.Executor):
		return invalidJob("scheduler: job %s has a nil Executor; set an ExecutorFunc, an *HTTPExecutor or another Executor", job.ID)
	case job.Overlap != OverlapAllow && job.Overlap != OverlapSkip:
		return invalidJob("scheduler: job %s has unknown Overlap %d; use OverlapAllow or OverlapSkip", job.ID, job.Overlap)
	case job.Misfire != MisfireRunOnce && job.Misfire != MisfireSkip:
		return invalidJob("scheduler: job %s has unknown Misfire %d; use MisfireRunOnce or MisfireSkip", job.ID, job.Misfire)
	case job.Timeout < 0, job.CatchUp < 0, job.Jitter < 0:
		return invalidJob("scheduler: job %s has a negative Timeout (%s), CatchUp (%s) or Jitter (%s); use 0 for the default",
			job.ID, job.Timeout, job.CatchUp, job.Jitter)
	}
	return nil
}

// isNilExecutor reports whether ex is nil or holds a nil ExecutorFunc or
// *HTTPExecutor, which would fail on every run.
func isNilExecutor(ex Executor) bool {
	switch ex := ex.(type) {
	case nil:
		return true
	case ExecutorFunc:
		return ex == nil
	case *HTTPExecutor:
		return ex == nil
	}
	return false
}

// Remove unregisters the job; runs in flight continue. It reports whether
// the job was registered.
func (s *Scheduler) Remove(id string) bool {
	if !s.initialized() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	r := s.jobs.remove(id)
	if r == nil {
		return false
	}
	s.wheel.Cancel(r)
	s.metas.release(r.Value.meta)
	s.signal()
	return true
}

// NextRun returns the job's next fire time; ok is false for an unknown job.
func (s *Scheduler) NextRun(id string) (next time.Time, ok bool) {
	if !s.initialized() {
		return time.Time{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	r := s.jobs.get(id)
	if r == nil {
		return time.Time{}, false
	}
	return nextSlot(r), true
}

// JobIDs returns the ids of the registered jobs, in no order.
func (s *Scheduler) JobIDs() []string {
	if !s.initialized() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, s.jobs.n)
	s.jobs.each(func(r *jobRecord) { ids = append(ids, r.Value.id) })
	return ids
}

// Len returns the number of registered jobs.
func (s *Scheduler) Len() int {
	if !s.initialized() {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs.n
}

func (s *Scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start launches the firing loop and the workers. They run until [Stop];
// ctx only carries values to executors. Start returns an error wrapping
// [ErrAlreadyStarted] when the scheduler runs already, and one wrapping
// [ErrStopped] after Stop.
func (s *Scheduler) Start(ctx context.Context) error {
	if !s.initialized() {
		return errNotInitialized("cannot start")
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.stopping.Load() {
		return fmt.Errorf("scheduler: cannot start: %w; a stopped scheduler cannot start again, so create a new one with New", ErrStopped)
	}
	if s.started {
		return fmt.Errorf("scheduler: cannot start: %w; call Start once per scheduler", ErrAlreadyStarted)
	}
	s.started = true
	// The run context carries the clock once for all runs, so executors
	// read the scheduler's time at no cost per run.
	s.stopRequested = make(chan struct{})
	runCtx := contextWithStop(ContextWithClock(context.WithoutCancel(ctx), s.clock), s.stopRequested)
	s.runCtx, s.cancelRun = context.WithCancel(runCtx)
	s.hookCtx = context.WithoutCancel(s.runCtx)
	s.loopDone = make(chan struct{})
	s.stop.init()
	s.slots = make([]runSlot, s.cfg.Workers)
	for i := range s.slots {
		s.workers.Add(1)
		go s.work(&s.slots[i])
	}
	s.reportsDone = make(chan struct{})
	go s.drainReports()
	go s.loop()
	s.logger.InfoContext(ctx, "scheduler started", slog.Int("jobs", s.jobs.n),
		slog.Int("workers", s.cfg.Workers))
	return nil
}

func (s *Scheduler) loop() {
	defer close(s.loopDone)
	for !s.stopping.Load() {
		wakeAt := s.fireDue()

		// The wait is measured from the clock as the timer is made, so a
		// clock that moved while the slots fired does not push it back.
		timer := s.clock.NewTimer(wakeAt.Sub(s.clock.Now()))
		select {
		case <-timer.C():
		case <-s.wake:
		}
		timer.Stop()
	}

	// Slots still held back by jitter are left unhandled, not reported:
	// another instance runs them, or the misfire policy handles them at
	// the next start.
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.delayed); n > 0 {
		s.logger.Info("scheduler stopped with jittered slots not started", slog.Int("slots", n))
	}
	s.delayed = nil
}

// idleWait bounds a sleep with nothing scheduled, so a stuck timer cannot
// stall the loop forever.
const idleWait = time.Minute

// fireDue fires every due slot and returns when to wake next.
func (s *Scheduler) fireDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.clock.Now()
	if now.Before(s.wheel.Now().Add(-backwardJumpTolerance)) {
		s.rebuildWheel(now)
	}
	// Each run is queued as soon as its slot is handled, so workers start
	// on the first runs of a large batch while the rest are still firing.
	s.wheel.Advance(now, func(r *jobRecord) { s.fire(r, now) })
	for len(s.delayed) > 0 && !s.delayed[0].at.After(now) {
		d := s.popDelayed()
		if r := s.jobs.get(d.id); r != nil {
			s.dispatch(s.jitteredTask(r, d, now))
		}
	}

	wakeAt := now.Add(idleWait)
	if t, ok := s.wheel.NextWake(); ok && t.Before(wakeAt) {
		wakeAt = t
	}
	if len(s.delayed) > 0 && s.delayed[0].at.Before(wakeAt) {
		wakeAt = s.delayed[0].at
	}
	return wakeAt
}

// backwardJumpTolerance is how far the clock may step back before the
// wheel is rebuilt; smaller steps only delay slots by that much.
const backwardJumpTolerance = time.Second

// rebuildWheel moves every entry to a new wheel starting at now, after the
// clock stepped backward. The old wheel's time would otherwise stay ahead
// and fire slots between now and that time early.
func (s *Scheduler) rebuildWheel(now time.Time) {
	s.logger.Warn("clock moved backward; rebuilding the timer wheel",
		slog.Time("wheel_time", s.wheel.Now()), slog.Time("now", now), slog.Int("jobs", s.jobs.n))
	old := s.wheel
	s.wheel = wheel.New[jobData](now, time.Millisecond)
	s.jobs.each(func(r *jobRecord) {
		if slot := nextSlot(r); old.Cancel(r) {
			s.wheel.Schedule(r, slot)
		}
	})
}

// schedule puts r in the wheel for slot t, or takes it out for a zero t.
func (s *Scheduler) schedule(r *jobRecord, t time.Time) {
	if t.IsZero() {
		s.wheel.Cancel(r)
		return
	}
	s.wheel.Schedule(r, t)
}

// fire handles a job whose entry came due, with s.mu held. It walks every
// slot up to now, collects the runs and missed slots its policies call
// for, and reschedules the job from the nominal time, so nothing drifts.
func (s *Scheduler) fire(r *jobRecord, now time.Time) {
	job := &r.Value
	meta := job.meta
	window := s.catchUpWindow(meta)

	// A job usually has one slot to handle, so a small buffer on the stack
	// spares an allocation per fire.
	var dueBuf [2]time.Time
	due := dueBuf[:0]
	slot := time.Unix(0, r.LastDeadline()).UTC()
	for ; !slot.IsZero() && !slot.After(now) && len(due) < maxSlotsPerFire; slot = job.schedule.Next(slot) {
		due = append(due, slot)
	}
	if len(due) == maxSlotsPerFire && !slot.IsZero() && !slot.After(now) {
		s.logger.Warn("scheduler skipped slots beyond the report cap", slog.String("job_id", job.id),
			slog.Int("reported", len(due)), slog.Time("first_unreported", slot), slog.Time("resumed_after", now))
		slot = job.schedule.Next(now)
	}
	s.schedule(r, slot)
	if len(due) == 0 {
		return
	}

	// Several slots are due at once only when the process was down or
	// behind. They coalesce: only the latest can run, and the earlier ones
	// are recorded as missed.
	latest := due[len(due)-1]
	for _, missed := range due[:len(due)-1] {
		s.dispatch(s.newTask(r, missed, slot, StatusMissed, coalescedReason))
	}
	at := latest.Add(jitter(job, latest))
	if now.Sub(at) > window && meta.misfire == MisfireSkip {
		s.dispatch(s.newTask(r, latest, slot, StatusMissed, "slot passed more than the catch-up window ago"))
		return
	}
	if at.After(now) {
		s.pushDelayed(delayedTask{at: at, slot: latest, next: slot, id: job.id})
		return
	}
	s.dispatch(s.newTask(r, latest, slot, "", ""))
}

// jitteredTask returns the task for a slot that waited for its jitter and
// is due at now. The slot is missed when a later slot of the job came due
// meanwhile, which coalesces the two, or when the process was behind and
// the job's misfire policy skips slots later than the catch-up window.
func (s *Scheduler) jitteredTask(r *jobRecord, d delayedTask, now time.Time) task {
	if next := nextSlot(r); next.After(d.next) {
		return s.newTask(r, d.slot, next, StatusMissed, coalescedReason)
	}
	meta := r.Value.meta
	if now.Sub(d.at) > s.catchUpWindow(meta) && meta.misfire == MisfireSkip {
		return s.newTask(r, d.slot, d.next, StatusMissed, "slot passed more than the catch-up window ago")
	}
	return s.newTask(r, d.slot, d.next, "", "")
}

// catchUpWindow returns how late a slot of a job with meta may start and
// still count as on time.
func (s *Scheduler) catchUpWindow(meta *jobMeta) time.Duration {
	if meta.catchUp > 0 {
		return meta.catchUp
	}
	return s.cfg.CatchUpWindow
}

// coalescedReason is the reason recorded for a slot that came due
// together with later slots of its job, of which only the latest runs.
const coalescedReason = "the scheduler was down or behind when this slot came due; only the latest due slot runs"

// newTask returns the task for one slot of job, a run unless skipStatus
// is set. It copies what the worker needs, so replacing or removing the
// job later does not change a run already fired. The worker assigns the
// execution id, which keeps id generation off the firing loop.
func (s *Scheduler) newTask(r *jobRecord, slot, next time.Time, skipStatus, skipReason string) task {
	job := &r.Value
	return task{
		run: Run{JobID: job.id, Owner: job.meta.owner, ScheduledAt: slot, NextAt: next,
			Trigger: TriggerSchedule},
		executor: job.executor, timeout: job.meta.timeout, overlapSkip: job.meta.overlap == OverlapSkip,
		inflight: &r.Counter, skipStatus: skipStatus, skipReason: skipReason,
	}
}

func (s *Scheduler) newRun(id, owner string, slot, next time.Time, trigger string) Run {
	return Run{JobID: id, Owner: owner, ExecutionID: newIDAt("exe", slot),
		ScheduledAt: slot, NextAt: next, Trigger: trigger}
}

// pushDelayed adds d to the heap of runs waiting for their jitter.
func (s *Scheduler) pushDelayed(d delayedTask) {
	s.delayed = append(s.delayed, d)
	for i := len(s.delayed) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.delayed[i].at.Before(s.delayed[parent].at) {
			break
		}
		s.delayed[i], s.delayed[parent] = s.delayed[parent], s.delayed[i]
		i = parent
	}
}

// popDelayed removes and returns the earliest run waiting for its jitter.
func (s *Scheduler) popDelayed() delayedTask {
	h := s.delayed
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = delayedTask{}
	h = h[:last]
	for i := 0; ; {
		least := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(h) && h[c].at.Before(h[least].at) {
				least = c
			}
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	s.delayed = h
	return top
}

// dispatch queues a task for the workers without blocking, so slow hooks
// or executors never delay firing. It runs with s.mu held.
func (s *Scheduler) dispatch(t task) {
	if t.skipStatus == "" {
		if s.cfg.Hooks.OnFire != nil {
			t.run.ExecutionID = newIDAt("exe", t.run.ScheduledAt)
			s.callOnFire(t.run)
		}
		if t.overlapSkip && t.inflight.Load() > 0 {
			t.skipStatus, t.skipReason = StatusSkipped, "previous run still in flight"
		} else {
			t.inflight.Add(1)
		}
	}
	select {
	case s.queue <- t:
	default:
		if t.skipStatus == "" {
			t.done()
			t.skipStatus, t.skipReason = StatusSkipped, queueFullReason
		}
		report := new(task)
		*report = t
		select {
		case s.reports <- report:
		default:
			// Both queues are full: count the slot and log every 1000th.
			if n := s.lost.Add(1); n%1000 == 1 {
				s.logger.Error("scheduler overloaded; slots dropped without a report",
					slog.String("job_id", t.run.JobID), slog.Int64("dropped", n))
			}
		}
	}
}

// assignID gives the task's run an execution id unless it has one.
func (t *task) assignID() {
	if t.run.ExecutionID == "" {
		t.run.ExecutionID = newIDAt("exe", t.run.ScheduledAt)
	}
}

// done ends the task's count in its job's runs in flight.
func (t *task) done() {
	if t.inflight != nil {
		t.inflight.Add(-1)
	}
}

// queueFullReason is the skip reason of a slot that found the worker queue
// full.
const queueFullReason = "worker queue full"

// reportQueueSize bounds skip reports waiting for drainReports.
const reportQueueSize = 1 << 16

// drainReports hands skip reports that found the worker queue full to
// OnSkip, one at a time.
func (s *Scheduler) drainReports() {
	defer close(s.reportsDone)
	for t := range s.reports {
		t.assignID()
		s.skip(t.run, t.skipStatus, t.skipReason)
	}
}

func (s *Scheduler) skip(run Run, status, reason string) {
	// A full queue means the scheduler is overloaded. Other skips follow
	// the job's own policies and reach OnSkip, so they log at debug level.
	level := slog.LevelDebug
	if reason == queueFullReason {
		level = slog.LevelWarn
	}
	if status == StatusSkipped {
		s.logger.Log(context.Background(), level, "scheduler skipped run", slog.String("job_id", run.JobID),
			slog.String("execution_id", run.ExecutionID), slog.String("reason", reason))
	}
	s.callOnSkip(s.hookCtx, run, status, reason)
}

// work runs tasks from the queue until Stop closes it. slot is the
// worker's own record of its run in flight.
func (s *Scheduler) work(slot *runSlot) {
	defer s.workers.Done()
	defer slot.exited.Store(true)
	for t := range s.queue {
		slot.state.Store(slotBusy)
		s.handle(t, slot)
		if slot.state.Load() == slotAbandoned {
			// Stop reported this worker's run and returned without it, so
			// the worker must not report anything more.
			return
		}
		slot.state.Store(slotIdle)
	}
}

// handle runs or reports one task from the queue.
func (s *Scheduler) handle(t task, slot *runSlot) {
	t.assignID()
	switch {
	case t.skipStatus != "":
		s.skip(t.run, t.skipStatus, t.skipReason)
	case s.stopping.Load():
		s.skip(t.run, StatusSkipped, "scheduler stopped before the run started")
		t.done()
	default:
		slot.run = t.run
		s.execute(s.runCtx, s.hookCtx, t.executor, t.timeout, slot, true)
		t.done()
	}
}

// execute runs slot.run. ctx is the run's context and hookCtx the context
// for hooks that store outcomes, which Stop does not cancel. slot.state
// must not be slotRunning yet.
func (s *Scheduler) execute(ctx, hookCtx context.Context, ex Executor, timeout time.Duration, slot *runSlot, scheduled bool) Result {
	// BeforeRun may change the run. It lives in the slot, so handing the
	// hook its address costs no allocation.
	run := &slot.run
	if s.cfg.Hooks.BeforeRun != nil {
		if err := s.callBeforeRun(ctx, run); err != nil {
			return s.veto(hookCtx, *run, err)
		}
	}
	if scheduled && ctx.Err() != nil {
		// Stop cancelled the runs while BeforeRun ran, so this one does
		// not start.
		res := Result{Status: StatusInterrupted, StartedAt: s.clock.Now(),
			Error: "the scheduler stopped before the run started"}
		res.FinishedAt = res.StartedAt
		s.callAfterRun(hookCtx, *run, res)
		return res
	}
	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	slot.started = s.clock.Now()
	slot.state.Store(slotRunning)
	res := safeExecute(runCtx, ex, *run, s.logger)
	finished := s.clock.Now()
	res.StartedAt, res.FinishedAt, res.Duration = slot.started, finished, finished.Sub(slot.started)
	if !slot.state.CompareAndSwap(slotRunning, slotBusy) {
		// Stop gave up waiting for this run and has reported it.
		s.logger.Warn("scheduler dropped the result of a run that returned after Stop reported it interrupted",
			slog.String("job_id", run.JobID), slog.String("execution_id", run.ExecutionID),
			slog.String("status", res.Status), slog.String("error", res.Error))
		return res
	}
	if scheduled && res.Status != StatusSuccess && ctx.Err() != nil && s.stopping.Load() {
		res.Status = StatusInterrupted
		res.Error = "the scheduler stopped before the run finished: " + res.Error
	}
	// Runs cancelled by Stop's deadline still get their outcome recorded.
	s.callAfterRun(hookCtx, *run, res)
	return res
}

// veto handles a run that BeforeRun rejected with err, and returns its
// result.
func (s *Scheduler) veto(hookCtx context.Context, run Run, err error) Result {
	res := Result{Status: StatusSkipped, Error: err.Error()}
	if errors.Is(err, ErrClaimed) {
		return res
	}
	// The hook's owner records the reason; a budget that runs out would
	// otherwise log a warning on every slot.
	s.logger.Debug("scheduler run vetoed", slog.String("job_id", run.JobID),
		slog.String("execution_id", run.ExecutionID), slog.Any("err", err))
	s.callOnSkip(hookCtx, run, StatusSkipped, err.Error())
	return res
}

// safeExecute turns an executor panic into a failed result, so one bad
// job cannot take the worker pool down.
func safeExecute(ctx context.Context, ex Executor, run Run, logger *slog.Logger) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			logger.Error("executor panicked", slog.String("job_id", run.JobID),
				slog.String("execution_id", run.ExecutionID), slog.Any("panic", p),
				slog.String("stack", string(buf)))
			res = Result{Status: StatusFailure, Error: fmt.Sprintf("executor panicked: %v", p)}
		}
	}()
	return ex.Execute(ctx, run)
}

// RunNow runs job once, now, outside its schedule, waits for it and
// returns the run, as BeforeRun left it, and its result. The job need not
// be registered, and its Schedule is not used. The run goes through
// BeforeRun and AfterRun like scheduled runs.
//
// RunNow makes a single attempt: the run's Trigger is "manual", and
// [HTTPExecutor] does not retry manual runs, whatever the job's
// RetryPolicy.
//
// The run does not take a worker and Stop neither waits for it nor
// cancels it; ctx bounds it. RunNow returns an error wrapping
// [ErrInvalidJob] for a job without an id or an executor, and one
// wrapping [ErrStopped] once Stop has been called. It works before Start.
func (s *Scheduler) RunNow(ctx context.Context, job Job) (Run, Result, error) {
	if !s.initialized() {
		return Run{}, Result{}, errNotInitialized("cannot run job " + job.ID)
	}
	if err := checkJob(job); err != nil {
		return Run{}, Result{}, err
	}
	var next time.Time
	s.mu.Lock()
	stopping := s.stopping.Load()
	if r := s.jobs.get(job.ID); r != nil {
		next = nextSlot(r)
	}
	s.mu.Unlock()
	if stopping {
		return Run{}, Result{}, fmt.Errorf("scheduler: cannot run job %s: %w; create a new scheduler with New", job.ID, ErrStopped)
	}

	slot := &runSlot{run: s.newRun(job.ID, job.Owner, s.clock.Now(), next, TriggerManual)}
	ctx = ContextWithClock(ctx, s.clock)
	res := s.execute(ctx, context.WithoutCancel(ctx), job.Executor, job.Timeout, slot, false)
	return slot.run, res, nil
}
