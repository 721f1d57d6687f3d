package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/recoron/recoron/store"
)

// resyncInterval is how often a service shared with other processes
// reloads every enabled job, in case a change notification was lost.
const resyncInterval = time.Minute

// feedOpenTimeout bounds how long Start waits for the job change feed to
// open before it loads the jobs anyway.
const feedOpenTimeout = 5 * time.Second

// jobFeed carries the job changes that other processes sharing the store
// report.
type jobFeed struct {
	// changed receives the id of each changed job.
	changed chan string
	// gap receives a signal each time changes may have been missed: when
	// the feed opens or reopens, and when changed is full.
	gap chan struct{}
}

// openJobFeed starts watching w for job changes until ctx is done and
// waits, up to feedOpenTimeout, for the feed to open. Changes committed
// once it returns true reach the feed. If it returns false, the feed
// reports a gap when it opens.
func (s *Service) openJobFeed(ctx context.Context, w store.JobWatcher) (*jobFeed, bool) {
	f := &jobFeed{changed: make(chan string, 1024), gap: make(chan struct{}, 1)}
	signalGap := func() {
		select {
		case f.gap <- struct{}{}:
		default:
		}
	}

	s.background.Add(1)
	go func() {
		defer s.background.Done()
		for ctx.Err() == nil {
			err := w.WatchJobs(ctx, signalGap, func(id string) {
				select {
				case f.changed <- id:
				default:
					s.logger.WarnContext(ctx, "job change queue full, so every job is reloaded",
						slog.String("job_id", id), slog.String("instance_id", s.instance))
					signalGap()
				}
			})
			if ctx.Err() != nil {
				return
			}
			s.logger.WarnContext(ctx, "job change feed failed; retrying", slog.String("instance_id", s.instance),
				slog.Any("err", err))
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}
	}()

	timer := time.NewTimer(feedOpenTimeout)
	defer timer.Stop()
	select {
	case <-f.gap:
		return f, true
	case <-timer.C:
	case <-ctx.Done():
	}
	return f, false
}

// followJobs keeps the scheduler in step with the jobs that other
// processes change, until ctx is done. It reloads one job per reported
// change, and every job after a gap in the feed and every resyncInterval.
func (s *Service) followJobs(ctx context.Context, f *jobFeed) {
	resync := time.NewTicker(resyncInterval)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-f.changed:
			s.reload(ctx, id)
		case <-f.gap:
			s.resync(ctx)
		case <-resync.C:
			s.resync(ctx)
		}
	}
}

// reload registers the current version of one job, or removes it.
func (s *Service) reload(ctx context.Context, id string) {
	j, err := s.store.GetJobByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !j.Enabled) {
		s.unschedule(id)
		return
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "job reload failed", slog.String("job_id", id), slog.Any("err", err))
		return
	}
	if _, err := s.register(j); err != nil {
		s.logger.ErrorContext(ctx, "job not scheduled", slog.String("job_id", id), slog.Any("err", err))
	}
}

// resync registers every enabled job that is missing or changed since it
// was registered, and removes jobs that are gone or paused.
func (s *Service) resync(ctx context.Context) {
	jobs, err := s.store.ListEnabledJobs(ctx)
	if err != nil {
		s.logger.ErrorContext(ctx, "job resync failed", slog.Any("err", err))
		return
	}
	keep := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		keep[j.ID] = true
		next, scheduled := s.sched.NextRun(j.ID)
		registered, known := s.versions.Load(j.ID)
		// Only a newer stored definition replaces the registered one: an
		// update made here after the list was read is newer still.
		if scheduled && !next.IsZero() && known && registered.(int64) >= j.UpdatedAt.UnixMicro() {
			continue
		}
		if _, err := s.register(j); err != nil {
			s.logger.ErrorContext(ctx, "job not scheduled", slog.String("job_id", j.ID), slog.Any("err", err))
		}
	}
	for _, id := range s.sched.JobIDs() {
		if !keep[id] {
			s.unschedule(id)
		}
	}
}

// sweepStaleRuns marks executions that have run for longer than
// StaleRunAfter as interrupted, every minute until ctx is done.
func (s *Service) sweepStaleRuns(ctx context.Context) {
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		now := s.Now()
		n, err := s.store.InterruptExecutions(ctx, now.Add(-s.cfg.StaleRunAfter), now)
		switch {
		case err != nil && ctx.Err() == nil:
			s.logger.ErrorContext(ctx, "marking stale runs failed", slog.Any("err", err))
		case n > 0:
			s.logger.WarnContext(ctx, "stale runs marked interrupted", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// keepLease renews this process's lease every third of InstanceLease and
// marks the runs of processes whose lease lapsed as interrupted, until ctx
// is done.
func (s *Service) keepLease(ctx context.Context, tracker store.InstanceTracker) {
	lease := s.cfg.InstanceLease
	ticker := time.NewTicker(lease / 3)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		now := s.Now()
		if err := tracker.RenewInstance(ctx, s.instance, now); err != nil {
			if ctx.Err() == nil {
				s.logger.ErrorContext(ctx, "instance lease not renewed; retrying", slog.String("instance_id", s.instance),
					slog.Any("err", err))
			}
			continue
		}
		n, err := tracker.InterruptOrphans(ctx, now.Add(-lease), now)
		switch {
		case err != nil && ctx.Err() == nil:
			s.logger.ErrorContext(ctx, "marking runs of stopped instances failed", slog.String("instance_id", s.instance),
				slog.Any("err", err))
		case n > 0:
			s.logger.WarnContext(ctx, "runs of a stopped instance marked interrupted", slog.Int("count", n),
				slog.String("instance_id", s.instance))
		}
	}
}
