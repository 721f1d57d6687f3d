package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// runSlot is one worker's record of the run its executor is running. Stop
// reads it to report a run that ignores cancellation, and the state decides
// whether the worker or Stop reports the run, so it is reported once.
type runSlot struct {
	state atomic.Uint32
	// run and started are written by the worker before state becomes
	// slotRunning, and read by Stop only after it moved state from
	// slotRunning to slotAbandoned.
	run     Run
	started time.Time
	// exited is set when the worker has left its loop for good.
	exited atomic.Bool
}

// Values of runSlot.state.
const (
	// slotIdle: the worker waits for a task.
	slotIdle uint32 = iota
	// slotBusy: the worker handles a task outside the executor, in a hook
	// or a skip report.
	slotBusy
	// slotRunning: the executor runs slot.run.
	slotRunning
	// slotAbandoned: Stop gave up waiting for slot.run and reported it.
	slotAbandoned
)

// stopState lets every Stop call wait for the one shutdown that the first
// call starts.
type stopState struct {
	// queueClosed is closed when the firing loop has ended and the worker
	// queue is closed, so no more runs are queued.
	queueClosed chan struct{}
	// giveUp is closed StopGrace after the runs in flight were cancelled.
	giveUp chan struct{}
	// done is closed when the shutdown has finished.
	done chan struct{}
	// interrupt runs the cancellation once, for the first Stop call whose
	// context ends.
	interrupt sync.Once
	// err is the result of every Stop call, and finished is set when
	// done closes, after which err no longer changes. Both are guarded by
	// the scheduler's mu.
	err      error
	finished bool
}

func (st *stopState) init() {
	st.queueClosed = make(chan struct{})
	st.giveUp = make(chan struct{})
	st.done = make(chan struct{})
}

// Stop stops firing, reports queued runs as skipped and waits for the runs
// in flight. Concurrent and later calls wait for the same shutdown and
// return the same result. It is nil when every run returned by itself, and
// otherwise the error of the first context that ended with runs in flight.
//
// When ctx is done first, Stop cancels the contexts of the runs in flight
// and waits up to [Config.StopGrace] more. Runs that return in that time
// are reported to AfterRun as interrupted before Stop returns. Runs that
// ignore cancellation are left running: Stop reports each of them to
// AfterRun as interrupted and returns ctx.Err(). When such a run returns
// later, its result is logged and dropped, so it is reported once. When
// no run is in flight, Stop returns nil even if ctx is already done.
//
// Hooks that are running when Stop gives up, such as an AfterRun that
// stores an outcome, are waited for up to [Config.HookGrace] more, so
// that every report reaches its hook before Stop returns unless a hook
// hangs.
//
// Stop before Start returns nil and keeps the scheduler from starting
// later, so a shutdown that races the start cannot leave it running.
func (s *Scheduler) Stop(ctx context.Context) error {
	if !s.initialized() {
		return errNotInitialized("cannot stop")
	}
	s.mu.Lock()
	if !s.started {
		s.stopping.Store(true)
		s.mu.Unlock()
		return nil
	}
	if !s.stopping.Load() {
		s.stopping.Store(true)
		close(s.stopRequested)
		go s.shutdown()
	}
	s.mu.Unlock()

	select {
	case <-s.stop.done:
	case <-ctx.Done():
		s.interrupt(ctx)
		<-s.stop.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop.err
}

// shutdown ends the firing loop and the workers, then closes
// s.stop.done. It gives up waiting for workers once s.stop.giveUp closes.
func (s *Scheduler) shutdown() {
	s.signal()
	<-s.loopDone
	close(s.queue)
	close(s.reports)
	close(s.stop.queueClosed)

	workersDone := make(chan struct{})
	go func() {
		s.workers.Wait()
		<-s.reportsDone
		close(workersDone)
	}()
	select {
	case <-workersDone:
	case <-s.stop.giveUp:
		s.leaveStuckRuns(workersDone)
	}
	s.cancelRun()
	s.logger.Info("scheduler stopped")
	s.mu.Lock()
	s.stop.finished = true
	s.mu.Unlock()
	close(s.stop.done)
}

// stuckPoll is how often leaveStuckRuns looks at the workers.
const stuckPoll = 5 * time.Millisecond

// leaveStuckRuns reports the runs that ignored cancellation and leaves
// them running. It waits for every other worker to exit, which includes
// hooks in progress and runs that return, and then reports the runs still
// queued as skipped. Hooks that take longer than HookGrace are left
// running too.
func (s *Scheduler) leaveStuckRuns(workersDone <-chan struct{}) {
	hookDeadline := time.NewTimer(s.cfg.HookGrace)
	defer hookDeadline.Stop()
	tick := time.NewTicker(stuckPoll)
	defer tick.Stop()
	for {
		// A worker that passed BeforeRun just before the runs were
		// cancelled may start its executor late, so each pass looks again.
		s.abandonRuns()
		if s.workersGoneOrStuck() && s.reportsDrained() {
			break
		}
		select {
		case <-workersDone:
		case <-tick.C:
		case <-hookDeadline.C:
			s.logger.Error("scheduler stopped with hooks still running", slog.Int("workers", s.busyWorkers()),
				slog.Duration("hook_grace", s.cfg.HookGrace))
			return
		}
	}

	// No worker takes tasks any more, so the rest of the queue is
	// reported here, and the reports for the runs left running finish.
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		for t := range s.queue {
			t.assignID()
			if t.skipStatus != "" {
				s.skip(t.run, t.skipStatus, t.skipReason)
				continue
			}
			s.skip(t.run, StatusSkipped, "scheduler stopped before the run started")
			t.done()
		}
		s.abandonReports.Wait()
	}()
	select {
	case <-reported:
	case <-hookDeadline.C:
		s.logger.Error("scheduler stopped with skip reports still running", slog.Duration("hook_grace", s.cfg.HookGrace))
	}
}

// reportsDrained reports whether drainReports has handed every skip
// report to OnSkip.
func (s *Scheduler) reportsDrained() bool {
	select {
	case <-s.reportsDone:
		return true
	default:
		return false
	}
}

// workersGoneOrStuck reports whether every worker has exited or is stuck
// in a run that Stop reported.
func (s *Scheduler) workersGoneOrStuck() bool {
	for i := range s.slots {
		slot := &s.slots[i]
		if !slot.exited.Load() && slot.state.Load() != slotAbandoned {
			return false
		}
	}
	return true
}

// interrupt handles the end of a Stop call's context before the shutdown
// finished. It cancels the runs in flight and makes the shutdown give up
// StopGrace later. When no run is in flight, it only waits up to
// StopGrace for the workers to exit.
func (s *Scheduler) interrupt(ctx context.Context) {
	s.stop.interrupt.Do(func() {
		<-s.stop.queueClosed
		if s.idle() {
			// NOTE: a worker that has just taken the last task from the
			// queue still counts as idle here. If the shutdown does not
			// finish within the grace, its run is cancelled below.
			grace := time.NewTimer(s.cfg.StopGrace)
			defer grace.Stop()
			select {
			case <-s.stop.done:
				return
			case <-grace.C:
			}
		}
		err := ctx.Err()
		s.mu.Lock()
		if s.stop.finished {
			// Every run returned by itself, and callers may already have
			// returned nil.
			s.mu.Unlock()
			return
		}
		s.stop.err = err
		s.mu.Unlock()
		s.logger.WarnContext(ctx, "scheduler stop deadline passed; cancelling runs in flight",
			slog.Int("runs", s.busyWorkers()), slog.Duration("grace", s.cfg.StopGrace), slog.Any("err", err))
		s.cancelRun()
		time.AfterFunc(s.cfg.StopGrace, func() { close(s.stop.giveUp) })
	})
}

// idle reports whether no run is queued and every worker waits for a task.
func (s *Scheduler) idle() bool {
	return len(s.queue) == 0 && s.busyWorkers() == 0
}

// busyWorkers returns the number of workers handling a task.
func (s *Scheduler) busyWorkers() int {
	n := 0
	for i := range s.slots {
		if s.slots[i].state.Load() != slotIdle {
			n++
		}
	}
	return n
}

// abandonRuns reports every run whose executor has not returned since its
// cancellation as interrupted, and leaves it running. The reports run
// concurrently, so one slow AfterRun does not hold back the others, and
// s.abandonReports counts them.
func (s *Scheduler) abandonRuns() {
	now := s.clock.Now()
	for i := range s.slots {
		slot := &s.slots[i]
		if !slot.state.CompareAndSwap(slotRunning, slotAbandoned) {
			continue
		}
		run, started := slot.run, slot.started
		s.logger.Warn("scheduler left running a run that ignored cancellation",
			slog.String("job_id", run.JobID), slog.String("execution_id", run.ExecutionID),
			slog.Duration("grace", s.cfg.StopGrace))
		res := Result{Status: StatusInterrupted, StartedAt: started, FinishedAt: now, Duration: now.Sub(started),
			Error: fmt.Sprintf("the scheduler stopped before the run finished, and the run was left running "+
				"because it did not return within %s of being cancelled", s.cfg.StopGrace)}
		s.abandonReports.Go(func() { s.callAfterRun(s.hookCtx, run, res) })
	}
}
