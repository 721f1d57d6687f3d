package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/store"
)

// JobInput is a create or partial-update request. Nil fields are absent.
// A non-nil pointer to a nil map clears the headers.
type JobInput struct {
	Name           *string
	URL            *string
	Method         *string
	Schedule       *string
	Timezone       *string
	Enabled        *bool
	Headers        *map[string]string
	Body           *string
	TimeoutSeconds *int
	Overlap        *string
	Misfire        *string
	CatchUpSeconds *int
	JitterSeconds  *int
	Retry          *RetryInput
}

// RetryInput is the retry policy of a job; nil fields keep their value.
type RetryInput struct {
	MaxAttempts       *int
	InitialIntervalMs *int
	MaxIntervalMs     *int
}

// Job policy values and defaults.
const (
	OverlapAllow   = "allow"
	OverlapSkip    = "skip"
	MisfireRunOnce = "runOnce"
	MisfireSkip    = "skip"

	DefaultTimeoutSeconds   = 30
	DefaultCatchUpSeconds   = 60
	DefaultRetryMaxAttempts = 3
	DefaultRetryInitialMs   = 1000
	DefaultRetryMaxMs       = 60000
	maxCatchUpSeconds       = 86400
	maxTimeoutSeconds       = 3600
	maxJitterSeconds        = 3600
	maxRetryAttempts        = 10
	maxRetryIntervalMs      = 3600000
	minRetryInitialMs       = 100
)

// apply copies the present fields of in onto j.
func (in *JobInput) apply(j *store.Job) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&j.Name, in.Name)
	set(&j.URL, in.URL)
	// Spaces around a schedule or zone name carry no meaning, so they are
	// dropped rather than stored.
	set(&j.Schedule, in.Schedule)
	set(&j.Timezone, in.Timezone)
	j.Schedule, j.Timezone = strings.TrimSpace(j.Schedule), strings.TrimSpace(j.Timezone)
	set(&j.Body, in.Body)
	if in.Method != nil {
		j.Method = strings.ToUpper(*in.Method)
	}
	if in.Enabled != nil {
		j.Enabled = *in.Enabled
	}
	if in.Headers != nil {
		j.Headers = *in.Headers
	}
	setInt := func(dst *int, src *int) {
		if src != nil {
			*dst = *src
		}
	}
	setInt(&j.TimeoutSeconds, in.TimeoutSeconds)
	set(&j.Overlap, in.Overlap)
	set(&j.Misfire, in.Misfire)
	setInt(&j.CatchUpSeconds, in.CatchUpSeconds)
	setInt(&j.JitterSeconds, in.JitterSeconds)
	if in.Retry != nil {
		setInt(&j.RetryMaxAttempts, in.Retry.MaxAttempts)
		setInt(&j.RetryInitialIntervalMs, in.Retry.InitialIntervalMs)
		setInt(&j.RetryMaxIntervalMs, in.Retry.MaxIntervalMs)
	}
}

// withDefaults fills the policy fields a request left out.
func withDefaults(j *store.Job) {
	defaults := []struct {
		field *int
		value int
	}{
		{&j.TimeoutSeconds, DefaultTimeoutSeconds},
		{&j.CatchUpSeconds, DefaultCatchUpSeconds},
		{&j.RetryMaxAttempts, DefaultRetryMaxAttempts},
		{&j.RetryInitialIntervalMs, DefaultRetryInitialMs},
		{&j.RetryMaxIntervalMs, DefaultRetryMaxMs},
	}
	for _, d := range defaults {
		if *d.field == 0 {
			*d.field = d.value
		}
	}
	if j.Overlap == "" {
		j.Overlap = OverlapAllow
	}
	if j.Misfire == "" {
		j.Misfire = MisfireRunOnce
	}
}

// validateJob checks every field of j against the limits of plan and
// returns its compiled schedule.
func (s *Service) validateJob(j *store.Job, plan metering.Plan) (*cron.Schedule, error) {
	v := &ValidationError{}
	rejectControl(v, map[string]string{"name": j.Name, "url": j.URL, "schedule": j.Schedule,
		"timezone": j.Timezone, "body": j.Body})
	for k := range j.Headers {
		rejectControl(v, map[string]string{"headers." + k: k})
	}
	if err := v.orNil(); err != nil {
		return nil, err
	}
	validName(v, j.Name)
	validURL(v, j.URL, s.cfg.AllowPrivateTargets)
	validMethod(v, j.Method)
	validHeaders(v, j.Headers)
	if len(j.Body) > maxBodyLen {
		v.add("body", fmt.Sprintf("body is %d bytes long; the maximum is %d", len(j.Body), maxBodyLen),
			fmt.Sprintf("body が %d バイトあります。%d バイト以内にしてください", len(j.Body), maxBodyLen))
	}
	if j.TimeoutSeconds < 1 || j.TimeoutSeconds > maxTimeoutSeconds {
		// The plan's maximum is the real upper bound when it is lower.
		upper, planNote, planNoteJA := MaxTimeoutSeconds(plan), "", ""
		if upper < maxTimeoutSeconds {
			planNote = fmt.Sprintf(", the maximum of the %s plan", plan.Name)
			planNoteJA = fmt.Sprintf(" (%s プランの上限)", plan.Name)
		}
		v.add("timeoutSeconds",
			fmt.Sprintf("timeoutSeconds %d is out of range; use 1 to %d%s", j.TimeoutSeconds, upper, planNote),
			fmt.Sprintf("timeoutSeconds %d は範囲外です。1〜%d%s を指定してください", j.TimeoutSeconds, upper, planNoteJA))
	}
	validPolicies(v, j)

	// An unknown zone does not stop the schedule's own check: it is
	// compiled in UTC then, so one response lists every invalid field.
	var (
		sched *cron.Schedule
		err   error
	)
	zone := j.Timezone
	if _, err := LoadLocation(zone); err != nil {
		v.add("timezone", err.Error(), zoneMessageJA(zone))
		zone = "UTC"
	}
	if j.Schedule == "" {
		v.add("schedule", "schedule is required, such as \"0 9 * * *\" or \"@hourly\"",
			"schedule が指定されていません。\"0 9 * * *\" や \"@hourly\" のように指定してください")
	} else if len(j.Schedule) > maxScheduleLen {
		v.add("schedule", fmt.Sprintf("schedule is %d bytes long; the maximum is %d", len(j.Schedule), maxScheduleLen),
			fmt.Sprintf("schedule が %d バイトあります。%d バイト以内にしてください", len(j.Schedule), maxScheduleLen))
	} else if sched, err = compileSchedule(j.Schedule, zone, j.CreatedAt); err != nil {
		v.add("schedule", err.Error(), scheduleMessageJA(j.Schedule, err))
	}
	if err := v.orNil(); err != nil {
		return nil, err
	}

	if err := zoneFromSchedule(j, sched); err != nil {
		return nil, err
	}
	if limit := plan.MaxTimeoutSeconds; limit > 0 && j.TimeoutSeconds > limit {
		return nil, &LimitError{Plan: plan.Name, Limit: LimitTimeout, Value: int64(limit)}
	}
	if minGap := plan.MinInterval(); minGap > 0 {
		if gap := shortestGap(sched, s.Now()); gap < minGap {
			return nil, &LimitError{Plan: plan.Name, Limit: LimitMinInterval, Value: int64(plan.MinIntervalSeconds),
				Detail: fmt.Sprintf("schedule %q runs as often as every %s", j.Schedule, gap),
				DetailJA: fmt.Sprintf("スケジュール %q は最短 %s 秒の間隔で実行されます",
					j.Schedule, strconv.FormatFloat(gap.Seconds(), 'f', -1, 64))}
		}
	}
	return sched, nil
}

// zoneFromSchedule makes a job's timezone agree with a CRON_TZ= or TZ=
// prefix in its schedule, as [ScheduleZone] describes.
func zoneFromSchedule(j *store.Job, sched *cron.Schedule) error {
	zone, err := ScheduleZone(j.Timezone, sched)
	if err != nil {
		return err
	}
	j.Timezone = zone
	return nil
}

// ScheduleZone returns the zone that sched runs in, given the timezone
// that a job or a schedule preview requests. sched must have been compiled
// with timezone as its location, so the two differ only when a CRON_TZ= or
// TZ= prefix chose another zone. The prefix's zone replaces a timezone of
// UTC, the default. Any other timezone that differs from the prefix is a
// *ValidationError on the field "timezone".
func ScheduleZone(timezone string, sched *cron.Schedule) (string, error) {
	zone := sched.Location().String()
	if timezone == zone || timezone == "UTC" {
		return zone, nil
	}
	return "", &ValidationError{Fields: []FieldError{{Field: "timezone",
		Message: fmt.Sprintf("timezone %s conflicts with the schedule's prefix for %s; drop the prefix or set timezone to %s",
			timezone, zone, zone),
		MessageJA: fmt.Sprintf("timezone %s はスケジュールの接頭辞が示すタイムゾーン %s と一致しません。接頭辞を削除するか、timezone を %s にしてください",
			timezone, zone, zone)}}}
}

// gapSample is how many upcoming fire times shortestGap inspects: enough
// to cover several years of a daily job, including its clock changes.
const gapSample = 1500

// shortestGap returns the shortest gap between the schedule's next fire
// times after now. Unlike a bound over all history, it does not punish a
// zone for a clock change decades ago.
func shortestGap(sched *cron.Schedule, now time.Time) time.Duration {
	shortest := time.Duration(1<<63 - 1)
	prev := sched.Next(now)
	for i := 0; i < gapSample && !prev.IsZero(); i++ {
		next := sched.Next(prev)
		if next.IsZero() {
			break
		}
		shortest = min(shortest, next.Sub(prev))
		prev = next
	}
	return shortest
}

func (s *Service) newJob(userID string, in JobInput, now time.Time) *store.Job {
	j := &store.Job{
		ID:        scheduler.NewID("job"),
		UserID:    userID,
		Timezone:  "UTC",
		Enabled:   true,
		CreatedAt: now,
		UpdatedAt: now,
	}
	// Defaults go first, so a value the request sets, even 0, is
	// validated as sent.
	withDefaults(j)
	in.apply(j)
	return j
}

// CreateJobs validates and creates jobs for the caller, all or none. In a
// batch, field names in errors are prefixed with the item index.
func (s *Service) CreateJobs(ctx context.Context, p *Principal, inputs []JobInput, batch bool) ([]*store.Job, error) {
	plan := s.Plan(p.User)
	now := s.Now()
	if batch && len(inputs) == 0 {
		return nil, &ValidationError{Fields: []FieldError{{Field: "jobs",
			Message:   "batch is empty; send an array of 1 or more jobs",
			MessageJA: "ジョブの配列が空です。1 件以上のジョブを配列で送ってください"}}}
	}
	if len(inputs) > MaxBatch {
		return nil, &ValidationError{Fields: []FieldError{{Field: "jobs",
			Message:   fmt.Sprintf("batch has %d jobs; the maximum is %d", len(inputs), MaxBatch),
			MessageJA: fmt.Sprintf("ジョブが %d 件あります。一度に作成できるのは %d 件までなので、配列を分けて送ってください", len(inputs), MaxBatch)}}}
	}

	jobs := make([]*store.Job, len(inputs))
	scheds := make([]*cron.Schedule, len(inputs))
	all := &ValidationError{}
	for i, in := range inputs {
		j := s.newJob(p.User.ID, in, now)
		sched, err := s.validateJob(j, plan)
		var verr *ValidationError
		switch {
		case errors.As(err, &verr) && batch:
			all.Fields = append(all.Fields, verr.Prefixed(fmt.Sprintf("[%d]", i))...)
		case err != nil:
			return nil, err
		}
		if j.Enabled && sched != nil {
			j.NextRunAt = sched.Next(now)
		}
		jobs[i], scheds[i] = j, sched
	}
	if err := all.orNil(); err != nil {
		return nil, err
	}

	err := s.store.CreateJobs(ctx, jobs, plan.MaxJobs)
	if errors.Is(err, store.ErrLimitExceeded) {
		return nil, &LimitError{Plan: plan.Name, Limit: LimitJobs, Value: int64(plan.MaxJobs)}
	}
	if err != nil {
		return nil, fmt.Errorf("creating jobs: %w", err)
	}
	for i, j := range jobs {
		s.sync(ctx, j, scheds[i])
	}
	return jobs, nil
}

// sync registers an enabled job with the scheduler or removes a disabled
// one, and sets j.NextRunAt to the scheduler's next fire time.
func (s *Service) sync(ctx context.Context, j *store.Job, sched *cron.Schedule) {
	if !j.Enabled {
		s.unschedule(j.ID)
		j.NextRunAt = time.Time{}
		return
	}
	next, err := s.sched.Add(s.schedulerJob(j, sched))
	s.track(j, err)
	if err != nil {
		s.logger.ErrorContext(ctx, "job not scheduled", slog.String("job_id", j.ID), slog.Any("err", err))
		return
	}
	j.NextRunAt = next
}

// resume registers a job loaded at start. Slots from its stored next run
// up to now passed while no process ran it, so the scheduler walks them
// under the job's misfire policy. Slots that did run are already claimed
// in the store, so they do not run again.
func (s *Service) resume(j *store.Job) (time.Time, error) {
	sj, err := s.compiledJob(j)
	if err != nil {
		return time.Time{}, err
	}
	if !j.NextRunAt.IsZero() && j.NextRunAt.Before(s.Now()) {
		sj.After = j.NextRunAt.Add(-time.Nanosecond)
	}
	next, err := s.sched.Add(sj)
	s.track(j, err)
	return next, err
}

// register compiles j and adds it to the scheduler.
func (s *Service) register(j *store.Job) (time.Time, error) {
	sj, err := s.compiledJob(j)
	if err != nil {
		return time.Time{}, err
	}
	next, err := s.sched.Add(sj)
	s.track(j, err)
	return next, err
}

// track records the definition of j as registered after an Add that
// returned err, on a shared store.
func (s *Service) track(j *store.Job, err error) {
	if s.cfg.SharedStore && err == nil {
		// Stores keep microseconds, so compare at that precision.
		s.versions.Store(j.ID, j.UpdatedAt.UnixMicro())
	}
}

// unschedule removes a job from the scheduler.
func (s *Service) unschedule(id string) {
	s.sched.Remove(id)
	s.versions.Delete(id)
}

// compiledJob fills in the defaults of a stored job and returns it as a
// scheduler job.
func (s *Service) compiledJob(j *store.Job) (scheduler.Job, error) {
	withDefaults(j)
	sched, err := compileSchedule(j.Schedule, j.Timezone, j.CreatedAt)
	if err != nil {
		return scheduler.Job{}, err
	}
	return s.schedulerJob(j, sched), nil
}

func (s *Service) schedulerJob(j *store.Job, sched *cron.Schedule) scheduler.Job {
	sj := scheduler.Job{
		ID: j.ID, Owner: j.UserID, Schedule: sched, Executor: s.executor(j),
		CatchUp: time.Duration(j.CatchUpSeconds) * time.Second,
		Jitter:  time.Duration(j.JitterSeconds) * time.Second,
	}
	if j.Overlap == OverlapSkip {
		sj.Overlap = scheduler.OverlapSkip
	}
	if j.Misfire == MisfireSkip {
		sj.Misfire = scheduler.MisfireSkip
	}
	return sj
}

func (s *Service) executor(j *store.Job) *scheduler.HTTPExecutor {
	timeout := j.TimeoutSeconds
	if timeout <= 0 {
		timeout = DefaultTimeoutSeconds
	}
	return &scheduler.HTTPExecutor{
		Client:  s.client,
		Method:  j.Method,
		URL:     j.URL,
		Header:  j.Headers,
		Body:    j.Body,
		Timeout: time.Duration(timeout) * time.Second,
		Signer:  signer{s},
		Hosts:   s.hosts,
		Retry: scheduler.RetryPolicy{
			MaxAttempts:     j.RetryMaxAttempts,
			InitialInterval: time.Duration(j.RetryInitialIntervalMs) * time.Millisecond,
			MaxInterval:     time.Duration(j.RetryMaxIntervalMs) * time.Millisecond,
		},
	}
}

// live fills in the scheduler's view of when j runs next.
func (s *Service) live(j *store.Job) *store.Job {
	j.NextRunAt = time.Time{}
	if j.Enabled {
		if next, ok := s.sched.NextRun(j.ID); ok {
			j.NextRunAt = next
		}
	}
	return j
}

// GetJob returns one of the caller's jobs.
func (s *Service) GetJob(ctx context.Context, p *Principal, id string) (*store.Job, error) {
	j, err := s.store.GetJob(ctx, p.User.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.live(j), nil
}

// ListJobs returns the caller's jobs, oldest first.
func (s *Service) ListJobs(ctx context.Context, p *Principal, page store.Page) ([]*store.Job, error) {
	jobs, err := s.store.ListJobs(ctx, p.User.ID, page)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		s.live(j)
	}
	return jobs, nil
}

// UpdateJob applies a partial update to one of the caller's jobs.
func (s *Service) UpdateJob(ctx context.Context, p *Principal, id string, in JobInput) (*store.Job, error) {
	j, err := s.GetJob(ctx, p, id)
	if err != nil {
		return nil, err
	}
	before := j.Clone()
	in.apply(j)
	if reflect.DeepEqual(before, j) {
		// An update that changes nothing writes nothing, so updatedAt
		// keeps the time of the last real change.
		return j, nil
	}
	if in.onlyDisables() {
		// Pausing a job is always allowed, even one that a plan change
		// or a server setting has made invalid.
		return s.disableJob(ctx, j)
	}
	sched, err := s.validateJob(j, s.Plan(p.User))
	if err != nil {
		return nil, err
	}
	j.UpdatedAt = s.Now()
	if j.Enabled {
		j.NextRunAt = sched.Next(j.UpdatedAt)
	} else {
		j.NextRunAt = time.Time{}
	}
	if err := s.store.UpdateJob(ctx, j); errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("updating job %s: %w", id, err)
	}
	s.sync(ctx, j, sched)
	return j, nil
}

// onlyDisables reports whether the update sets enabled to false and
// nothing else.
func (in *JobInput) onlyDisables() bool {
	rest := *in
	rest.Enabled = nil
	return in.Enabled != nil && !*in.Enabled && rest == JobInput{}
}

func (s *Service) disableJob(ctx context.Context, j *store.Job) (*store.Job, error) {
	j.Enabled = false
	j.NextRunAt = time.Time{}
	j.UpdatedAt = s.Now()
	if err := s.store.UpdateJob(ctx, j); errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("updating job %s: %w", j.ID, err)
	}
	s.unschedule(j.ID)
	return j, nil
}

// DeleteJob deletes one of the caller's jobs and its history.
func (s *Service) DeleteJob(ctx context.Context, p *Principal, id string) error {
	err := s.store.DeleteJob(ctx, p.User.ID, id, s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("deleting job %s: %w", id, err)
	}
	s.unschedule(id)
	return nil
}
