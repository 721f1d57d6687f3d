package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var watchTests = []test{
	{"JobChanges", testWatchJobs},
}

// watchTimeout bounds the wait for one change report.
const watchTimeout = 10 * time.Second

// watcher collects the ids that WatchJobs reports.
type watcher struct {
	t       *testing.T
	changed chan string
}

// startWatcher runs WatchJobs until the test ends and returns once the
// feed is open. It skips the test when the store is not a
// [store.JobWatcher].
func startWatcher(t *testing.T, f *fixture) *watcher {
	w, ok := f.s.(store.JobWatcher)
	if !ok {
		t.Skipf("%T does not implement store.JobWatcher", f.s)
	}

	ctx, cancel := context.WithCancel(f.ctx)
	changed := make(chan string, 1000)
	opened := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.WatchJobs(ctx, func() { close(opened) }, func(id string) { changed <- id })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("WatchJobs after cancel: %v", err)
		}
	})

	select {
	case <-opened:
	case err := <-done:
		t.Fatalf("WatchJobs stopped before its feed opened: %v", err)
	case <-time.After(watchTimeout):
		t.Fatalf("WatchJobs did not open its feed within %s", watchTimeout)
	}
	return &watcher{t: t, changed: changed}
}

// next waits for the report of want and returns the ids reported before
// it.
func (w *watcher) next(want string) []string {
	w.t.Helper()
	var before []string
	timeout := time.After(watchTimeout)
	for {
		select {
		case id := <-w.changed:
			if id == want {
				return before
			}
			before = append(before, id)
		case <-timeout:
			w.t.Fatalf("WatchJobs did not report job %s within %s, after reporting %v", want, watchTimeout, before)
		}
	}
}

func testWatchJobs(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	fence := f.job(u.ID)
	w := startWatcher(t, f)

	// The first change after the feed opens is reported, and nothing
	// before it.
	j := newJob(u.ID)
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, []*store.Job{j}, 0))
	if before := w.next(j.ID); len(before) != 0 {
		t.Errorf("WatchJobs reported %v before the created job", before)
	}

	// Run times, executions and failed writes change no definition. The
	// update of the fence job shows that nothing was reported before it.
	wantNoErr(t, "SetJobRunTimes", f.s.SetJobRunTimes(f.ctx, j.ID, base, base.Add(time.Hour)))
	f.execution(j, base)
	stolen := j.Clone()
	stolen.UserID = other.ID
	wantErr(t, "UpdateJob of another user's job", f.s.UpdateJob(f.ctx, stolen), store.ErrNotFound)
	over := newJob(u.ID)
	wantErr(t, "CreateJobs over the limit", f.s.CreateJobs(f.ctx, []*store.Job{over}, 1), store.ErrLimitExceeded)
	wantNoErr(t, "UpdateJob of the fence job", f.s.UpdateJob(f.ctx, fence))
	if before := w.next(fence.ID); len(before) != 0 {
		t.Errorf("WatchJobs reported %v for changes of run times, executions and failed writes", before)
	}

	changed := j.Clone()
	changed.Schedule = "@daily"
	wantNoErr(t, "UpdateJob", f.s.UpdateJob(f.ctx, changed))
	w.next(j.ID)
	wantNoErr(t, "DeleteJob", f.s.DeleteJob(f.ctx, u.ID, j.ID, base))
	w.next(j.ID)

	batch := []*store.Job{newJob(u.ID), newJob(u.ID), newJob(u.ID)}
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, batch, 0))
	var got []string
	for _, b := range batch {
		got = append(got, w.next(b.ID)...)
		got = append(got, b.ID)
	}
	if !slices.Equal(got, jobIDs(batch)) {
		t.Errorf("WatchJobs reported %v for a batch, want %v", got, jobIDs(batch))
	}
}
