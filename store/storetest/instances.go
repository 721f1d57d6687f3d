package storetest

import (
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var instanceTests = []test{
	{"OrphanedRunsInterrupted", testInterruptOrphans},
	{"RemovedInstance", testRemoveInstance},
}

// tracker returns the store as a [store.InstanceTracker], or skips the
// test when it is not one.
func tracker(t *testing.T, f *fixture) store.InstanceTracker {
	tr, ok := f.s.(store.InstanceTracker)
	if !ok {
		t.Skipf("%T does not implement store.InstanceTracker", f.s)
	}
	return tr
}

// runningOn begins a running execution of j on the instance id.
func (f *fixture) runningOn(j *store.Job, instance string, at time.Time) *store.Execution {
	f.t.Helper()
	e := newExecution(j, at)
	e.Instance = instance
	wantNoErr(f.t, "BeginExecution", f.s.BeginExecution(f.ctx, e.Clone(), 0))
	return e
}

// wantStatus checks the stored status of e.
func (f *fixture) wantStatus(e *store.Execution, status string) *store.Execution {
	f.t.Helper()
	got, err := f.s.GetExecution(f.ctx, e.UserID, e.JobID, e.ID)
	wantNoErr(f.t, "GetExecution", err)
	if got.Status != status {
		f.t.Errorf("execution %s on instance %q has status %s, want %s", e.ID, e.Instance, got.Status, status)
	}
	return got
}

func testInterruptOrphans(t *testing.T, f *fixture) {
	tr := tracker(t, f)
	u := f.user()
	j := f.job(u.ID)
	alive, dead, unknown := newID("ins"), newID("ins"), newID("ins")
	wantNoErr(t, "RenewInstance", tr.RenewInstance(f.ctx, dead, base))
	wantNoErr(t, "RenewInstance", tr.RenewInstance(f.ctx, alive, base))
	wantNoErr(t, "RenewInstance", tr.RenewInstance(f.ctx, alive, base.Add(time.Minute)))

	onAlive := f.runningOn(j, alive, base)
	onDead := f.runningOn(j, dead, base)
	onUnknown := f.runningOn(j, unknown, base)
	// An execution with no instance predates leases; only the age rule
	// of InterruptExecutions applies to it.
	noInstance := f.runningOn(j, "", base)
	finishedOnDead := f.execution(j, base)

	now := base.Add(time.Minute + time.Second)
	n, err := tr.InterruptOrphans(f.ctx, base.Add(30*time.Second), now)
	wantNoErr(t, "InterruptOrphans", err)
	if n != 2 {
		t.Errorf("InterruptOrphans marked %d executions, want 2 (lapsed and unknown instance)", n)
	}
	for _, e := range []*store.Execution{onDead, onUnknown} {
		got := f.wantStatus(e, store.StatusInterrupted)
		if !got.FinishedAt.Equal(now) || got.Error == "" {
			t.Errorf("orphaned execution finished %v with error %q, want %v with a reason", got.FinishedAt, got.Error, now)
		}
	}
	f.wantStatus(onAlive, store.StatusRunning)
	f.wantStatus(noInstance, store.StatusRunning)
	f.wantStatus(finishedOnDead, store.StatusSuccess)

	// The lapsed lease is gone: the dead instance's next run is an orphan
	// as soon as it starts, while the live one keeps its lease.
	again := f.runningOn(j, dead, now)
	n, err = tr.InterruptOrphans(f.ctx, base.Add(30*time.Second), now)
	wantNoErr(t, "InterruptOrphans", err)
	if n != 1 {
		t.Errorf("second InterruptOrphans marked %d executions, want 1", n)
	}
	f.wantStatus(again, store.StatusInterrupted)
	f.wantStatus(onAlive, store.StatusRunning)

	// A run that finishes after being marked keeps its real outcome.
	done := finished(onDead)
	wantNoErr(t, "FinishExecution", f.s.FinishExecution(f.ctx, done, 0))
	got := f.wantStatus(onDead, store.StatusSuccess)
	if got.Instance != dead {
		t.Errorf("finished execution has instance %q, want %q", got.Instance, dead)
	}
}

func testRemoveInstance(t *testing.T, f *fixture) {
	tr := tracker(t, f)
	u := f.user()
	j := f.job(u.ID)
	id := newID("ins")
	wantNoErr(t, "RenewInstance", tr.RenewInstance(f.ctx, id, base))
	e := f.runningOn(j, id, base)

	n, err := tr.InterruptOrphans(f.ctx, base.Add(-time.Second), base)
	wantNoErr(t, "InterruptOrphans", err)
	if n != 0 {
		t.Errorf("InterruptOrphans marked %d executions of a live instance, want 0", n)
	}
	f.wantStatus(e, store.StatusRunning)

	wantNoErr(t, "RemoveInstance", tr.RemoveInstance(f.ctx, id))
	wantNoErr(t, "RemoveInstance of a removed instance", tr.RemoveInstance(f.ctx, id))
	n, err = tr.InterruptOrphans(f.ctx, base.Add(-time.Second), base)
	wantNoErr(t, "InterruptOrphans", err)
	if n != 1 {
		t.Errorf("InterruptOrphans after RemoveInstance marked %d executions, want 1", n)
	}
	f.wantStatus(e, store.StatusInterrupted)
}
