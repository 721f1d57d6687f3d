// Package service is the ReCoron application layer: it validates requests,
// enforces plan limits, keeps the scheduler in step with the store and
// records every execution. Transports such as httpapi call it.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/store"
)

// Config configures a [Service].
type Config struct {
	// Store holds all data. Required.
	Store store.Store
	// Plans are the available plans; the default is metering.DefaultPlans.
	Plans metering.Plans
	// Clock is the time source of the scheduler and the service; the
	// default is the wall clock.
	Clock scheduler.Clock
	// Logger receives service events; the default is slog.Default().
	Logger *slog.Logger
	// AllowPrivateTargets lets jobs call loopback and private addresses.
	// The default (false) rejects them at validation and at connect time.
	AllowPrivateTargets bool
	// HTTPClient makes job calls; the default is
	// scheduler.NewHTTPClient with the guard set by AllowPrivateTargets and
	// up to Workers connections per host.
	HTTPClient *http.Client
	// Workers is the number of concurrent runs; the default is 1024.
	Workers int
	// MeterFlushInterval is how often API-call counts are written; the
	// default is 5s.
	MeterFlushInterval time.Duration
	// SharedStore reports that other processes use the same store. A
	// service alone marks every execution left running as interrupted when
	// it starts. A shared one cannot, because those runs may belong to a
	// live process. Instead, when the store is a [store.InstanceTracker],
	// each process renews a lease. The others mark the runs of a process
	// whose lease lapsed as interrupted, within InstanceLease plus a third
	// of it. Runs recorded without a process id are marked once they are
	// older than StaleRunAfter. Only a shared service watches for job
	// changes.
	SharedStore bool
	// InstanceLease is how long a process sharing the store may go
	// without renewing its lease before its runs in flight count as
	// interrupted. It is renewed every third of this. The default is 15s.
	InstanceLease time.Duration
	// StaleRunAfter is the age after which a running execution recorded
	// without a process id counts as interrupted in a shared store. The
	// default is two hours, above the longest run that the timeout and
	// retry limits allow.
	StaleRunAfter time.Duration
	// MaxCallsPerHost bounds the calls in flight from one user to one
	// host; the default is 64.
	MaxCallsPerHost int
	// MaxWaitingPerHost bounds the calls from one user to one host that
	// wait for a free place; the default is a quarter of Workers. Calls
	// beyond that fail at once and are retried by the job's retry policy.
	// Waiting calls hold workers, so this bounds the workers that one
	// user's hanging host can take.
	MaxWaitingPerHost int
	// MaxCallRatePerHost bounds job calls started per second to one host;
	// the default 0 means no bound.
	MaxCallRatePerHost float64
}

// Service ties the store, the scheduler and the meter together.
type Service struct {
	cfg    Config
	store  store.Store
	plans  metering.Plans
	clock  scheduler.Clock
	logger *slog.Logger
	client *http.Client
	hosts  *scheduler.HostLimits
	sched  *scheduler.Scheduler
	meter  *metering.Meter

	// instance identifies this process in the executions it records and
	// in its lease on a shared store.
	instance string

	// versions maps each scheduled job's id to the UpdatedAt, in Unix
	// microseconds, of the definition registered, on a shared store, so that the periodic
	// resync finds changes whose notification was lost.
	versions sync.Map

	// runUsers maps the execution id of each scheduled run in flight to
	// its owner, read once before the run.
	runUsers sync.Map

	// stopBackground ends the job watch and the stale-run sweep.
	stopBackground context.CancelFunc
	background     sync.WaitGroup
	// stopLease ends the lease renewal. Stop calls it only after the
	// scheduler has stopped, because the other processes mark the runs of
	// a lapsed lease interrupted.
	stopLease    context.CancelFunc
	leaseRenewal sync.WaitGroup
}

// New returns a stopped service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("service: config has no store")
	}
	cfg.setDefaults()
	for _, name := range []string{metering.PlanFree, metering.PlanUnlimited} {
		if _, ok := cfg.Plans[name]; !ok {
			return nil, fmt.Errorf("service: plans have no plan %q; add one with that name", name)
		}
	}

	s := &Service{
		cfg:    cfg,
		store:  cfg.Store,
		plans:  cfg.Plans,
		clock:  cfg.Clock,
		logger: cfg.Logger,
		client: cfg.HTTPClient,
		hosts: scheduler.NewHostLimits(cfg.MaxCallsPerHost, cfg.MaxCallRatePerHost).
			SetMaxWaiting(cfg.MaxWaitingPerHost),
		// The id changes at every start of the process, so a restarted
		// process never adopts the runs of its previous life.
		instance: scheduler.NewID("ins"),
	}
	s.sched = scheduler.New(scheduler.Config{
		Clock:   cfg.Clock,
		Logger:  cfg.Logger,
		Workers: cfg.Workers,
		Hooks: scheduler.Hooks{
			BeforeRun: s.beforeRun,
			AfterRun:  s.afterRun,
			OnSkip:    s.onSkip,
		},
	})
	s.meter = metering.New(metering.Config{
		Store:         cfg.Store,
		FlushInterval: cfg.MeterFlushInterval,
		Now:           cfg.Clock.Now,
		Logger:        cfg.Logger,
	})
	return s, nil
}

// setDefaults fills in the documented default of every unset field.
func (cfg *Config) setDefaults() {
	if cfg.Plans == nil {
		cfg.Plans = metering.DefaultPlans()
	}
	if cfg.Clock == nil {
		cfg.Clock = scheduler.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxCallsPerHost <= 0 {
		cfg.MaxCallsPerHost = 64
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1024
	}
	if cfg.HTTPClient == nil {
		// The host limits bound calls per user and host. A connection cap
		// per host in the client would be shared by all users, so one
		// user's hanging endpoint could hold the connections that other
		// users need, and the worker count bounds connections instead.
		cfg.HTTPClient = scheduler.NewHTTPClient(scheduler.HTTPClientConfig{
			AllowPrivateTargets: cfg.AllowPrivateTargets,
			MaxConnsPerHost:     cfg.Workers,
		})
	}
	if cfg.MaxWaitingPerHost <= 0 {
		cfg.MaxWaitingPerHost = cfg.Workers / 4
	}
	if cfg.StaleRunAfter <= 0 {
		cfg.StaleRunAfter = 2 * time.Hour
	}
	if cfg.InstanceLease <= 0 {
		cfg.InstanceLease = 15 * time.Second
	}
}

// Store returns the service's store.
func (s *Service) Store() store.Store { return s.store }

// Meter returns the service's meter.
func (s *Service) Meter() *metering.Meter { return s.meter }

// Scheduler returns the service's scheduler.
func (s *Service) Scheduler() *scheduler.Scheduler { return s.sched }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.clock.Now() }

// Plan returns the plan of a user, falling back to free for an unknown
// plan name so a bad plans file cannot lift every limit.
func (s *Service) Plan(u *store.User) metering.Plan {
	if p, ok := s.plans[u.Plan]; ok {
		return p
	}
	s.logger.Warn("user has unknown plan; applying free plan", slog.String("user_id", u.ID),
		slog.String("plan", u.Plan))
	return s.plans[metering.PlanFree]
}

// Start registers every enabled job with the scheduler and starts it and
// the meter.
func (s *Service) Start(ctx context.Context) error {
	if !s.cfg.SharedStore {
		now := s.Now()
		n, err := s.store.InterruptExecutions(ctx, now, now)
		if err != nil {
			return fmt.Errorf("marking interrupted executions: %w", err)
		}
		if n > 0 {
			s.logger.WarnContext(ctx, "runs in flight at the last stop marked interrupted", slog.Int("count", n))
		}
	}

	tracker, leased := s.store.(store.InstanceTracker)
	leased = leased && s.cfg.SharedStore
	if leased {
		if err := tracker.RenewInstance(ctx, s.instance, s.Now()); err != nil {
			return fmt.Errorf("taking the instance lease: %w", err)
		}
	}

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBackground = cancel
	stopEarly := func() {
		cancel()
		s.background.Wait()
		s.stopBackground = nil
	}

	// Only a shared store has changes that did not come through this
	// service; alone, the feed and the periodic reload would be wasted
	// work. The feed opens before the jobs are read, so a change committed
	// by another process in between is not lost.
	var feed *jobFeed
	if w, ok := s.store.(store.JobWatcher); ok && s.cfg.SharedStore {
		var opened bool
		feed, opened = s.openJobFeed(bg, w)
		if !opened {
			s.logger.WarnContext(ctx, "job change feed not open yet, so jobs changed elsewhere load when it opens",
				slog.String("instance_id", s.instance))
		}
	}

	jobs, err := s.store.ListEnabledJobs(ctx)
	if err != nil {
		stopEarly()
		return fmt.Errorf("loading jobs: %w", err)
	}
	for _, j := range jobs {
		if _, err := s.resume(j); err != nil {
			s.logger.ErrorContext(ctx, "job not scheduled", slog.String("job_id", j.ID),
				slog.Any("err", err))
		}
	}
	if err := s.sched.Start(ctx); err != nil {
		stopEarly()
		return err
	}
	s.meter.Start(ctx)

	if s.cfg.SharedStore {
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			s.sweepStaleRuns(bg)
		}()
	}
	if leased {
		leaseCtx, stopLease := context.WithCancel(context.WithoutCancel(ctx))
		s.stopLease = stopLease
		s.leaseRenewal.Add(1)
		go func() {
			defer s.leaseRenewal.Done()
			s.keepLease(leaseCtx, tracker)
		}()
	}
	if feed != nil {
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			s.followJobs(bg, feed)
		}()
	}
	s.logger.InfoContext(ctx, "service started", slog.Int("jobs", len(jobs)),
		slog.String("instance_id", s.instance))
	return nil
}

// Stop stops firing, waits for runs in flight until ctx is done, and
// flushes the meter. On a shared store it keeps renewing the instance
// lease until the runs have finished and their outcomes are stored, and
// releases the lease last.
func (s *Service) Stop(ctx context.Context) error {
	if s.stopBackground != nil {
		s.stopBackground()
		s.background.Wait()
	}
	schedErr := s.sched.Stop(ctx)
	meterErr := s.meter.Stop(context.WithoutCancel(ctx))
	if meterErr != nil {
		s.logger.ErrorContext(ctx, "final metering flush failed", slog.Any("err", meterErr))
	}
	if s.stopLease != nil {
		s.stopLease()
		s.leaseRenewal.Wait()
	}
	if tracker, ok := s.store.(store.InstanceTracker); ok && s.cfg.SharedStore {
		// A run whose outcome could not be stored loses its lease here, so
		// the other processes mark it interrupted at their next renewal.
		if err := tracker.RemoveInstance(context.WithoutCancel(ctx), s.instance); err != nil {
			s.logger.ErrorContext(ctx, "instance lease not released; it lapses by itself",
				slog.String("instance_id", s.instance), slog.Any("err", err))
		}
	}
	s.logger.InfoContext(ctx, "service stopped", slog.String("instance_id", s.instance))
	if schedErr != nil {
		return schedErr
	}
	return meterErr
}
