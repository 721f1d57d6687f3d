package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/store"
)

// historyDefault is the number of executions kept per job when the plan
// sets none.
const historyDefault = 100

func (s *Service) userPlan(ctx context.Context, userID string) (metering.Plan, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return metering.Plan{}, fmt.Errorf("looking up user %s: %w", userID, err)
	}
	return s.Plan(u), nil
}

// finishedAt returns when a run ended. A result that carries no end time
// ends its duration after its start. An end time read from the clock, like
// the start times of the attempts, keeps the run's end after its last
// attempt's start even when the wall clock is slewed.
func finishedAt(res scheduler.Result) time.Time {
	if !res.FinishedAt.IsZero() {
		return res.FinishedAt
	}
	return res.StartedAt.Add(res.Duration)
}

func retention(plan metering.Plan) int { return HistoryRetention(plan) }

// HistoryRetention returns the number of executions kept per job under
// plan: its HistoryRetention, or 100 when that is 0.
func HistoryRetention(plan metering.Plan) int {
	if plan.HistoryRetention > 0 {
		return plan.HistoryRetention
	}
	return historyDefault
}

// MaxTimeoutSeconds returns the longest per-attempt timeout a job may
// have under plan: its MaxTimeoutSeconds, or 3600 when that is 0 or
// larger.
func MaxTimeoutSeconds(plan metering.Plan) int {
	if limit := plan.MaxTimeoutSeconds; limit > 0 && limit < maxTimeoutSeconds {
		return limit
	}
	return maxTimeoutSeconds
}

// beforeRun records the start of a scheduled run and enforces the
// monthly execution budget.

func (s *Service) beforeRun(ctx context.Context, run *scheduler.Run) error {
	u, err := s.store.GetUser(ctx, run.Owner)
	if err != nil {
		return fmt.Errorf("looking up user %s: %w", run.Owner, err)
	}
	plan := s.Plan(u)
	if err := checkSlotGap(plan, *run); err != nil {
		return err
	}
	// The signer takes the secrets from here, so nothing but the call
	// itself happens between claiming the slot and sending it.
	// NOTE: a process killed inside that window loses the slot: it stays
	// claimed and is later marked interrupted, never sent twice.
	s.runUsers.Store(run.ExecutionID, u)

	e := &store.Execution{
		ID: run.ExecutionID, JobID: run.JobID, UserID: run.Owner, Trigger: run.Trigger,
		ScheduledAt: run.ScheduledAt, StartedAt: s.Now(), Status: store.StatusRunning,
		Instance: s.instance,
	}
	err = s.store.BeginExecution(ctx, e, plan.MonthlyExecutions)
	if err != nil {
		s.runUsers.Delete(run.ExecutionID)
	}
	if errors.Is(err, store.ErrLimitExceeded) {
		return &LimitError{Plan: plan.Name, Limit: LimitMonthlyExecutions, Value: plan.MonthlyExecutions}
	}
	if errors.Is(err, store.ErrConflict) && run.Trigger == scheduler.TriggerSchedule {
		// Another process, or this one before a restart, took the slot.
		return fmt.Errorf("job %s slot %s: %w", run.JobID, run.ScheduledAt.UTC().Format(scheduler.TimeFormat),
			scheduler.ErrClaimed)
	}
	return err
}

// checkSlotGap rejects a scheduled run whose next slot comes sooner than
// the plan's shortest interval allows. Creation and updates already check
// the schedule, so this catches jobs kept from a plan with a shorter
// interval. Such slots are recorded as skipped with the limit as reason.
func checkSlotGap(plan metering.Plan, run scheduler.Run) error {
	minGap := plan.MinInterval()
	if minGap <= 0 || run.Trigger != scheduler.TriggerSchedule || run.NextAt.IsZero() {
		return nil
	}
	gap := run.NextAt.Sub(run.ScheduledAt)
	if gap >= minGap {
		return nil
	}
	return &LimitError{Plan: plan.Name, Limit: LimitMinInterval, Value: int64(plan.MinIntervalSeconds),
		Detail: fmt.Sprintf("the job's next slot is %s after this one; change its schedule or move the user to a plan with a shorter interval", gap),
		DetailJA: fmt.Sprintf("次の実行が %s 秒後に予定されています。スケジュールを変更するか、より短い間隔を許すプランに変更してください",
			strconv.FormatFloat(gap.Seconds(), 'f', -1, 64))}
}

// cleanText makes s storable in any backend: valid UTF-8 without NUL.
func cleanText(s string) string {
	// Most text is clean already, and the HTTP executor cleans its
	// excerpt, so check before copying.
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func (s *Service) executionFrom(run scheduler.Run, res scheduler.Result) *store.Execution {
	e := &store.Execution{
		ID: run.ExecutionID, JobID: run.JobID, UserID: run.Owner, Trigger: run.Trigger,
		ScheduledAt: run.ScheduledAt, StartedAt: res.StartedAt,
		FinishedAt: finishedAt(res), Status: res.Status,
		StatusCode: res.StatusCode, DurationMs: res.Duration.Milliseconds(), Error: cleanText(res.Error),
		ResponseExcerpt: cleanText(res.ResponseExcerpt), Instance: s.instance,
	}
	for _, a := range res.Attempts {
		e.Attempts = append(e.Attempts, store.Attempt{Number: a.Number, StartedAt: a.StartedAt,
			DurationMs: a.Duration.Milliseconds(), StatusCode: a.StatusCode, Error: cleanText(a.Error)})
	}
	return e
}

// afterRun stores the outcome of a scheduled run and the job's run times.
func (s *Service) afterRun(ctx context.Context, run scheduler.Run, res scheduler.Result) {
	logAttrs := []any{slog.String("job_id", run.JobID), slog.String("execution_id", run.ExecutionID)}
	// The user read before the run gives the plan, which saves a read per
	// run. A run that BeforeRun did not see reads it again.
	var plan metering.Plan
	var err error
	if u, ok := s.runUsers.LoadAndDelete(run.ExecutionID); ok {
		plan = s.Plan(u.(*store.User))
	} else {
		plan, err = s.userPlan(ctx, run.Owner)
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "execution not recorded", append(logAttrs, slog.Any("err", err))...)
		return
	}
	e := s.executionFrom(run, res)
	if finisher, ok := s.store.(store.ScheduledRunFinisher); ok && run.Trigger == scheduler.TriggerSchedule {
		// One write stores the outcome and the job's run times.
		if err := finisher.FinishScheduledExecution(ctx, e, retention(plan), run.NextAt); err != nil {
			s.logger.ErrorContext(ctx, "execution not recorded", append(logAttrs, slog.Any("err", err))...)
		}
	} else if err := s.store.FinishExecution(ctx, e, retention(plan)); err != nil {
		s.logger.ErrorContext(ctx, "execution not recorded", append(logAttrs, slog.Any("err", err))...)
	} else if run.Trigger == scheduler.TriggerSchedule {
		if err := s.store.SetJobRunTimes(ctx, run.JobID, run.ScheduledAt, run.NextAt); err != nil {
			s.logger.ErrorContext(ctx, "job run times not stored", append(logAttrs, slog.Any("err", err))...)
		}
	}
	if res.Status != scheduler.StatusSuccess {
		s.logger.InfoContext(ctx, "job run failed", append(logAttrs, slog.String("status", res.Status),
			slog.Int("status_code", res.StatusCode), slog.String("error", res.Error))...)
	}
}

// onSkip records a slot that did not run.
func (s *Service) onSkip(ctx context.Context, run scheduler.Run, status, reason string) {
	now := s.Now()
	e := &store.Execution{
		ID: run.ExecutionID, JobID: run.JobID, UserID: run.Owner, Trigger: run.Trigger,
		ScheduledAt: run.ScheduledAt, StartedAt: now, FinishedAt: now, Status: status, Error: reason,
		Instance: s.instance,
	}
	plan, err := s.userPlan(ctx, run.Owner)
	if err == nil {
		err = s.store.BeginExecution(ctx, e, 0)
		if errors.Is(err, store.ErrConflict) {
			return // another process recorded or ran this slot
		}
	}
	if err == nil {
		// The slot counts as handled, so the stored next run moves past
		// it and a restart does not walk it again.
		finisher, ok := s.store.(store.ScheduledRunFinisher)
		if ok && run.Trigger == scheduler.TriggerSchedule {
			err = finisher.FinishScheduledExecution(ctx, e, retention(plan), run.NextAt)
		} else {
			err = s.store.FinishExecution(ctx, e, retention(plan))
		}
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "skipped slot not recorded", slog.String("job_id", run.JobID),
			slog.String("execution_id", run.ExecutionID), slog.Any("err", err))
	}
}

// ExecuteJob runs one of the caller's jobs now with a single attempt and
// returns the recorded execution. It counts as one execution.
func (s *Service) ExecuteJob(ctx context.Context, p *Principal, id string) (*store.Execution, error) {
	j, err := s.GetJob(ctx, p, id)
	if err != nil {
		return nil, err
	}
	plan := s.Plan(p.User)
	now := s.Now()
	run := scheduler.Run{JobID: j.ID, Owner: j.UserID, ExecutionID: scheduler.NewID("exe"),
		ScheduledAt: now, NextAt: j.NextRunAt, Trigger: scheduler.TriggerManual}
	start := &store.Execution{ID: run.ExecutionID, JobID: j.ID, UserID: j.UserID,
		Trigger: run.Trigger, ScheduledAt: now, StartedAt: now, Status: store.StatusRunning,
		Instance: s.instance}
	err = s.store.BeginExecution(ctx, start, plan.MonthlyExecutions)
	if errors.Is(err, store.ErrLimitExceeded) {
		return nil, &LimitError{Plan: plan.Name, Limit: LimitMonthlyExecutions, Value: plan.MonthlyExecutions}
	}
	if err != nil {
		return nil, fmt.Errorf("recording execution of job %s: %w", id, err)
	}

	// The executor reads the service's clock from the context, as it does
	// for scheduled runs, so both kinds of run carry times of one clock.
	res := s.executor(j).Execute(scheduler.ContextWithClock(ctx, s.clock), run)
	e := s.executionFrom(run, res)
	// The caller may have gone away; the record must still be written.
	if err := s.store.FinishExecution(context.WithoutCancel(ctx), e, retention(plan)); err != nil {
		return nil, fmt.Errorf("recording execution of job %s: %w", id, err)
	}
	return e, nil
}

// ListExecutions returns executions of one of the caller's jobs, newest
// first.
func (s *Service) ListExecutions(ctx context.Context, p *Principal, jobID string, page store.Page) ([]*store.Execution, error) {
	list, err := s.store.ListExecutions(ctx, p.User.ID, jobID, page)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return list, err
}

// GetExecution returns one execution of one of the caller's jobs.
func (s *Service) GetExecution(ctx context.Context, p *Principal, jobID, id string) (*store.Execution, error) {
	e, err := s.store.GetExecution(ctx, p.User.ID, jobID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return e, err
}

// UsageReport is the caller's usage with live counts.
type UsageReport struct {
	Jobs, APIKeys int
	Usage         store.Usage
	Plan          metering.Plan
	BilledAmount  float64
}

// Usage returns the caller's usage for the current UTC day and month,
// including API calls not yet flushed.
func (s *Service) Usage(ctx context.Context, p *Principal) (*UsageReport, error) {
	now := s.Now()
	u, err := s.store.GetUsage(ctx, p.User.ID, now)
	if err != nil {
		return nil, fmt.Errorf("reading usage: %w", err)
	}
	jobs, err := s.store.ListJobs(ctx, p.User.ID, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("counting jobs: %w", err)
	}
	keys, err := s.store.ListAPIKeys(ctx, p.User.ID)
	if err != nil {
		return nil, fmt.Errorf("counting api keys: %w", err)
	}
	daily, monthly := s.meter.PendingAPICalls(p.User.ID, now)
	u.Day.APICalls += daily
	u.Month.APICalls += monthly
	u.Day.PeakJobs = max(u.Day.PeakJobs, int64(len(jobs)))
	u.Day.PeakAPIKeys = max(u.Day.PeakAPIKeys, int64(len(keys)))
	plan := s.Plan(p.User)
	return &UsageReport{Jobs: len(jobs), APIKeys: len(keys), Usage: *u, Plan: plan,
		BilledAmount: plan.Bill(u.Month.Executions)}, nil
}

// DailyAPICalls returns the caller's API calls so far today, flushed or
// not.
func (s *Service) DailyAPICalls(ctx context.Context, userID string, now time.Time) (int64, error) {
	u, err := s.store.GetUsage(ctx, userID, now)
	if err != nil {
		return 0, err
	}
	daily, _ := s.meter.PendingAPICalls(userID, now)
	return u.Day.APICalls + daily, nil
}
