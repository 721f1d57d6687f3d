package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var executionTests = []test{
	{"RoundTrip", testExecutionRoundTrip},
	{"OtherUser", testExecutionIsolation},
	{"ListPaging", testListExecutionsPaging},
	{"BeginConflict", testBeginExecutionConflict},
	{"MonthlyBudget", testMonthlyBudget},
	{"FinishSetsLastRun", testFinishLastRun},
	{"FinishRetention", testRetention},
	{"FinishAfterDelete", testFinishAfterDelete},
	{"SlotClaimedOnce", testSlotClaimedOnce},
	{"Interrupt", testInterruptExecutions},
	{"ScheduledFinishSetsNextRun", testScheduledFinish},
}

// testScheduledFinish checks that a backend that stores scheduled outcomes
// with the job's run times moves nextRunAt only for the latest slot, even
// when runs finish out of order.
func testScheduledFinish(t *testing.T, f *fixture) {
	finisher, ok := f.s.(store.ScheduledRunFinisher)
	if !ok {
		t.Skipf("%T does not implement store.ScheduledRunFinisher", f.s)
	}
	u := f.user()
	j := f.job(u.ID)
	// The job is due at base, as a scheduler stores it before the slot.
	wantNoErr(t, "SetJobRunTimes", f.s.SetJobRunTimes(f.ctx, j.ID, time.Time{}, base))
	slot := func(at time.Time) *store.Execution {
		e := newExecution(j, at)
		e.Trigger = store.TriggerSchedule
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e.Clone(), 0))
		return e
	}
	first, second := slot(base), slot(base.Add(time.Minute))

	// A manual run that finishes in between moves lastRunAt but must not
	// keep the scheduled slot from moving nextRunAt.
	manual := newExecution(j, base.Add(30*time.Second))
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, manual.Clone(), 0))
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(manual), 0))
	wantNoErr(t, "FinishScheduledExecution", finisher.FinishScheduledExecution(f.ctx, finished(first), 0, base.Add(time.Minute)))
	got, err := f.s.GetJob(f.ctx, u.ID, j.ID)
	wantNoErr(t, "GetJob", err)
	if !got.NextRunAt.Equal(base.Add(time.Minute)) {
		t.Errorf("nextRunAt = %v after a slot finished behind a manual run, want %v", got.NextRunAt, base.Add(time.Minute))
	}

	wantNoErr(t, "FinishScheduledExecution", finisher.FinishScheduledExecution(f.ctx, finished(second), 0, base.Add(2*time.Minute)))
	wantNoErr(t, "FinishScheduledExecution", finisher.FinishScheduledExecution(f.ctx, finished(first), 0, base.Add(time.Minute)))

	got, err = f.s.GetJob(f.ctx, u.ID, j.ID)
	wantNoErr(t, "GetJob", err)
	if !got.LastRunAt.Equal(second.ScheduledAt) || !got.NextRunAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("after out-of-order finishes: lastRunAt %v, nextRunAt %v; want %v and %v from the later slot",
			got.LastRunAt, got.NextRunAt, second.ScheduledAt, base.Add(2*time.Minute))
	}
	stored, err := f.s.GetExecution(f.ctx, u.ID, j.ID, first.ID)
	wantNoErr(t, "GetExecution", err)
	if stored.Status != store.StatusSuccess {
		t.Errorf("first execution has status %s, want %s", stored.Status, store.StatusSuccess)
	}

	// No next run clears nextRunAt.
	third := slot(base.Add(2 * time.Minute))
	wantNoErr(t, "FinishScheduledExecution", finisher.FinishScheduledExecution(f.ctx, finished(third), 0, time.Time{}))
	got, err = f.s.GetJob(f.ctx, u.ID, j.ID)
	wantNoErr(t, "GetJob", err)
	if !got.NextRunAt.IsZero() {
		t.Errorf("nextRunAt = %v after a finish with no next run, want none", got.NextRunAt)
	}
}

func testSlotClaimedOnce(t *testing.T, f *fixture) {
	u := f.user()
	j, other := f.job(u.ID), f.job(u.ID)
	slot := func(job *store.Job, at time.Time) *store.Execution {
		e := newExecution(job, at)
		e.Trigger = store.TriggerSchedule
		return e
	}

	wantNoErr(t, "BeginExecution of a slot", f.s.BeginExecution(f.ctx, slot(j, base), 0))
	err := f.s.BeginExecution(f.ctx, slot(j, base), 0)
	wantErr(t, "BeginExecution of a claimed slot", err, store.ErrConflict)

	// A missed slot is claimed like a run, so it is recorded once.
	missed := slot(j, base.Add(time.Minute))
	missed.Status = store.StatusMissed
	wantNoErr(t, "BeginExecution of a missed slot", f.s.BeginExecution(f.ctx, missed, 0))
	err = f.s.BeginExecution(f.ctx, slot(j, base.Add(time.Minute)), 0)
	wantErr(t, "BeginExecution of a slot recorded as missed", err, store.ErrConflict)

	// Other jobs, other instants and manual runs are independent.
	wantNoErr(t, "BeginExecution of another job's slot", f.s.BeginExecution(f.ctx, slot(other, base), 0))
	wantNoErr(t, "BeginExecution of the next slot", f.s.BeginExecution(f.ctx, slot(j, base.Add(time.Second)), 0))
	wantNoErr(t, "BeginExecution of a manual run", f.s.BeginExecution(f.ctx, newExecution(j, base), 0))

	if n := f.usage(u.ID, base).Day.Executions; n != 4 {
		t.Errorf("Executions = %d, want 4: a conflicting claim must not count", n)
	}

	// Concurrent claims of one slot: exactly one wins.
	var mu sync.Mutex
	won, lost := 0, 0
	parallel(func(int) {
		err := f.s.BeginExecution(f.ctx, slot(j, base.Add(time.Hour)), 0)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrConflict):
			lost++
		default:
			t.Errorf("concurrent BeginExecution of one slot: %v", err)
		}
	})
	if won != 1 || lost == 0 {
		t.Errorf("concurrent claims of one slot: %d won and %d lost, want exactly 1 winner", won, lost)
	}
}

func testInterruptExecutions(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	old := newExecution(j, base)
	recent := newExecution(j, base.Add(time.Hour))
	done := f.execution(j, base.Add(-time.Hour))
	for _, e := range []*store.Execution{old, recent} {
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e.Clone(), 0))
	}

	now := base.Add(2 * time.Hour)
	n, err := f.s.InterruptExecutions(f.ctx, base.Add(time.Minute), now)
	wantNoErr(t, "InterruptExecutions", err)
	if n != 1 {
		t.Errorf("InterruptExecutions marked %d executions, want 1", n)
	}
	got, err := f.s.GetExecution(f.ctx, u.ID, j.ID, old.ID)
	wantNoErr(t, "GetExecution", err)
	if got.Status != store.StatusInterrupted || !got.FinishedAt.Equal(now) || got.Error == "" {
		t.Errorf("old running execution = %s finished %v error %q, want interrupted at %v with a reason",
			got.Status, got.FinishedAt, got.Error, now)
	}
	for _, e := range []*store.Execution{recent, done} {
		got, err := f.s.GetExecution(f.ctx, u.ID, j.ID, e.ID)
		wantNoErr(t, "GetExecution", err)
		if got.Status != e.Status {
			t.Errorf("execution started %v has status %s, want %s unchanged", e.StartedAt, got.Status, e.Status)
		}
	}
}

func testExecutionRoundTrip(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)

	started := newExecution(j, base.In(eastZone))
	started.Trigger = store.TriggerManual
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, started.Clone(), 0))
	got, err := f.s.GetExecution(f.ctx, u.ID, j.ID, started.ID)
	wantNoErr(t, "GetExecution", err)
	sameRecord(t, "begun execution", got, started, normExecution)

	done := started.Clone()
	done.Status = store.StatusFailure
	done.StatusCode = 503
	done.FinishedAt = base.Add(2500 * time.Millisecond)
	done.DurationMs = 2500
	done.Error = "upstream unavailable: 503"
	done.ResponseExcerpt = "<html>Service Unavailable ✗</html>"
	done.Instance = newID("ins")
	done.Attempts = []store.Attempt{
		{Number: 1, StartedAt: base.In(westZone), DurationMs: 1000, StatusCode: 503, Error: "status 503"},
		{Number: 2, StartedAt: base.Add(1500 * time.Millisecond), DurationMs: 1000, StatusCode: 503},
		{Number: 3}, // an attempt that never started
	}
	wantAllFieldsSet(t, done)
	wantAllFieldsSet(t, &done.Attempts[0])
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, done.Clone(), 0))
	got, err = f.s.GetExecution(f.ctx, u.ID, j.ID, done.ID)
	wantNoErr(t, "GetExecution", err)
	sameRecord(t, "finished execution", got, done, normExecution)

	// Nil and empty attempts stay apart.
	for _, attempts := range [][]store.Attempt{nil, {}} {
		e := newExecution(j, base.Add(time.Minute))
		e.Status = store.StatusSkipped
		e.Attempts = attempts
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e.Clone(), 0))
		wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, e.Clone(), 0))
		got, err := f.s.GetExecution(f.ctx, u.ID, j.ID, e.ID)
		wantNoErr(t, "GetExecution", err)
		sameRecord(t, fmt.Sprintf("execution with attempts %#v", attempts), got, e, normExecution)
	}

	// FinishExecution stores an execution that was never begun.
	unbegun := finished(newExecution(j, base.Add(2*time.Minute)))
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, unbegun.Clone(), 0))
	got, err = f.s.GetExecution(f.ctx, u.ID, j.ID, unbegun.ID)
	wantNoErr(t, "GetExecution", err)
	sameRecord(t, "execution finished without a begin", got, unbegun, normExecution)

	_, err = f.s.GetExecution(f.ctx, u.ID, j.ID, "exe_unknown")
	wantErr(t, "GetExecution of an unknown id", err, store.ErrNotFound)
}

func testExecutionIsolation(t *testing.T, f *fixture) {
	owner, other := f.user(), f.user()
	j, sibling := f.job(owner.ID), f.job(owner.ID)
	e := f.execution(j, base)

	_, err := f.s.GetExecution(f.ctx, other.ID, j.ID, e.ID)
	wantErr(t, "GetExecution by another user", err, store.ErrNotFound)
	_, err = f.s.GetExecution(f.ctx, owner.ID, sibling.ID, e.ID)
	wantErr(t, "GetExecution under another job", err, store.ErrNotFound)
	_, err = f.s.ListExecutions(f.ctx, other.ID, j.ID, store.Page{})
	wantErr(t, "ListExecutions of another user's job", err, store.ErrNotFound)
	_, err = f.s.ListExecutions(f.ctx, owner.ID, "job_unknown", store.Page{})
	wantErr(t, "ListExecutions of an unknown job", err, store.ErrNotFound)

	sameIDs(t, "executions of a job without runs", executionIDs(f.listExecutions(owner.ID, sibling.ID)), nil)
}

func testListExecutionsPaging(t *testing.T, f *fixture) {
	u := f.user()
	j, other := f.job(u.ID), f.job(u.ID)
	var oldestFirst []string
	for i := range 5 {
		oldestFirst = append(oldestFirst, f.execution(j, base.Add(time.Duration(i)*time.Minute)).ID)
		f.execution(other, base) // interleaved ids of another job
	}
	want := []string{oldestFirst[4], oldestFirst[3], oldestFirst[2], oldestFirst[1], oldestFirst[0]}

	pages := []struct {
		page store.Page
		want []string
	}{
		{store.Page{}, want},
		{store.Page{Limit: 2}, want[:2]},
		{store.Page{Limit: 2, After: want[1]}, want[2:4]},
		{store.Page{Limit: 2, After: want[3]}, want[4:]},
		{store.Page{Limit: 2, After: want[4]}, nil},
		{store.Page{After: want[0]}, want[1:]},
		{store.Page{Limit: 10}, want},
	}
	for _, p := range pages {
		got, err := f.s.ListExecutions(f.ctx, u.ID, j.ID, p.page)
		wantNoErr(t, "ListExecutions", err)
		sameIDs(t, fmt.Sprintf("ListExecutions with page %+v", p.page), executionIDs(got), p.want)
	}
}

func testBeginExecutionConflict(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	e := newExecution(j, base)
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e.Clone(), 0))

	dup := e.Clone()
	dup.Trigger = store.TriggerManual
	err := f.s.BeginExecution(f.ctx, dup, 0)
	wantErr(t, "BeginExecution with a taken id", err, store.ErrConflict)

	got, err := f.s.GetExecution(f.ctx, u.ID, j.ID, e.ID)
	wantNoErr(t, "GetExecution", err)
	sameRecord(t, "execution after a conflicting begin", got, e, normExecution)
	if n := f.usage(u.ID, base).Day.Executions; n != 1 {
		t.Errorf("Executions after a conflicting begin = %d, want 1", n)
	}
}

func testMonthlyBudget(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	j, otherJob := f.job(u.ID), f.job(other.ID)
	march := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)
	april := march.AddDate(0, 1, 0)

	// Three executions on different March days, the last one a microsecond
	// before April in UTC although it is April in its own zone.
	starts := []time.Time{march, march.AddDate(0, 0, 10), april.Add(-time.Microsecond).In(eastZone)}
	for _, at := range starts {
		wantNoErr(t, "BeginExecution under the budget", f.s.BeginExecution(f.ctx, newExecution(j, at), 3))
	}

	over := newExecution(j, march.AddDate(0, 0, 20))
	err := f.s.BeginExecution(f.ctx, over, 3)
	wantErr(t, "BeginExecution over the monthly budget", err, store.ErrLimitExceeded)
	_, err = f.s.GetExecution(f.ctx, u.ID, j.ID, over.ID)
	wantErr(t, "GetExecution of an execution over the budget", err, store.ErrNotFound)

	// Skipped and missed slots are recorded whatever the budget and do not
	// count.
	for _, status := range []string{store.StatusSkipped, store.StatusMissed} {
		e := newExecution(j, march.AddDate(0, 0, 20))
		e.Status = status
		wantNoErr(t, "BeginExecution of a "+status+" slot", f.s.BeginExecution(f.ctx, e, 3))
	}

	// The budget is per user and per month, and zero or less means none.
	wantNoErr(t, "BeginExecution of another user", f.s.BeginExecution(f.ctx, newExecution(otherJob, march), 3))
	wantNoErr(t, "BeginExecution in the next month", f.s.BeginExecution(f.ctx, newExecution(j, april), 3))
	wantNoErr(t, "BeginExecution with budget 0", f.s.BeginExecution(f.ctx, newExecution(j, march), 0))
	wantNoErr(t, "BeginExecution with budget -1", f.s.BeginExecution(f.ctx, newExecution(j, march), -1))

	wantExecutions := []struct {
		at         time.Time
		day, month int64
	}{
		{march, 3, 5},
		{march.AddDate(0, 0, 10), 1, 5},
		{march.AddDate(0, 0, 20), 0, 5},
		{march.AddDate(0, 0, 30), 1, 5},
		{april, 1, 1},
	}
	for _, w := range wantExecutions {
		got := f.usage(u.ID, w.at)
		if got.Day.Executions != w.day || got.Month.Executions != w.month {
			t.Errorf("executions on %s: day %d and month %d, want %d and %d",
				w.at.Format(time.DateOnly), got.Day.Executions, got.Month.Executions, w.day, w.month)
		}
	}
	if n := f.usage(other.ID, march).Month.Executions; n != 1 {
		t.Errorf("executions of the other user in March = %d, want 1", n)
	}
	if n := len(f.listExecutions(u.ID, j.ID)); n != 8 {
		t.Errorf("ListExecutions returned %d executions, want 8", n)
	}
}

func testFinishLastRun(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)

	late := newExecution(j, base.Add(time.Hour))
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, late, 0))
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(late), 0))
	want := j.Clone()
	want.LastRunAt = late.ScheduledAt
	sameRecord(t, "job after FinishExecution", f.getJob(u.ID, j.ID), want, normJob)

	// An execution scheduled earlier that finishes later leaves lastRunAt
	// at the latest scheduled time.
	early := newExecution(j, base)
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, early, 0))
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(early), 0))
	sameRecord(t, "job after finishing an earlier slot", f.getJob(u.ID, j.ID), want, normJob)

	// Skipped and missed slots did not run, so they leave lastRunAt alone.
	for _, status := range []string{store.StatusSkipped, store.StatusMissed} {
		e := newExecution(j, base.Add(2*time.Hour))
		e.Status = status
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e, 0))
		wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, e, 0))
		sameRecord(t, "job after a "+status+" slot", f.getJob(u.ID, j.ID), want, normJob)
	}
}

func testRetention(t *testing.T, f *fixture) {
	u := f.user()
	j, other := f.job(u.ID), f.job(u.ID)
	otherRun := f.execution(other, base)

	var all []string
	for i := range 5 {
		e := newExecution(j, base.Add(time.Duration(i)*time.Minute))
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e, 0))
		wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(e), 3))
		all = append(all, e.ID)
	}
	sameIDs(t, "executions kept with keep 3", executionIDs(f.listExecutions(u.ID, j.ID)),
		[]string{all[4], all[3], all[2]})

	// Keep zero or less keeps everything.
	for _, keep := range []int{0, -1} {
		e := newExecution(j, base.Add(time.Hour))
		wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e, 0))
		wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(e), keep))
		all = append(all, e.ID)
	}
	sameIDs(t, "executions kept with keep 0", executionIDs(f.listExecutions(u.ID, j.ID)),
		[]string{all[6], all[5], all[4], all[3], all[2]})

	// Retention counts running executions too, and touches one job only.
	running := newExecution(j, base.Add(2*time.Hour))
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, running, 0))
	last := newExecution(j, base.Add(3*time.Hour))
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, last, 0))
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, finished(last), 2))
	sameIDs(t, "executions kept with keep 2", executionIDs(f.listExecutions(u.ID, j.ID)),
		[]string{last.ID, running.ID})
	sameIDs(t, "executions of the other job", executionIDs(f.listExecutions(u.ID, other.ID)),
		[]string{otherRun.ID})
}

func testFinishAfterDelete(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	e := newExecution(j, base)
	wantNoErr(t, "BeginExecution", f.s.BeginExecution(f.ctx, e, 0))
	wantNoErr(t, "DeleteJob", f.s.DeleteJob(f.ctx, u.ID, j.ID, base))

	// A run that ends after its job was deleted is dropped without error.
	wantNoErr(t, "FinishExecution of a deleted job", f.s.FinishExecution(f.ctx, finished(e), 10))
	_, err := f.s.GetExecution(f.ctx, u.ID, j.ID, e.ID)
	wantErr(t, "GetExecution of a deleted job", err, store.ErrNotFound)
	_, err = f.s.GetJobByID(f.ctx, j.ID)
	wantErr(t, "GetJobByID of a deleted job", err, store.ErrNotFound)
}
