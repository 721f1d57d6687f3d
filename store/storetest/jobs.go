package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var jobTests = []test{
	{"RoundTrip", testJobRoundTrip},
	{"OtherUser", testJobIsolation},
	{"CreateAllOrNone", testCreateJobsAtomic},
	{"CreateLargeBatch", testCreateLargeBatch},
	{"CreateLimit", testJobLimit},
	{"ListPaging", testListJobsPaging},
	{"ListEnabled", testListEnabledJobs},
	{"Update", testUpdateJob},
	{"SetRunTimes", testSetJobRunTimes},
	{"DeleteCascades", testDeleteJob},
	{"UsageCounters", testJobUsage},
}

func testJobRoundTrip(t *testing.T, f *fixture) {
	u := f.user()
	full := newJob(u.ID)
	full.Name = "nightly report"
	full.URL = "https://example.com/hooks/report?format=csv"
	full.Method = "POST"
	full.Schedule = "0 3 * * *"
	full.Timezone = "Europe/Paris"
	full.Headers = map[string]string{"Authorization": "Bearer abc", "Content-Type": "application/json"}
	full.Body = `{"report": "daily", "unicode": "é✓"}`
	full.TimeoutSeconds = 90
	full.RetryMaxAttempts = 4
	full.RetryInitialIntervalMs = 250
	full.RetryMaxIntervalMs = 8000
	full.Overlap = "skip"
	full.Misfire = "skip"
	full.CatchUpSeconds = 600
	full.JitterSeconds = 30
	full.NextRunAt = base.Add(18 * time.Hour).In(eastZone)
	full.LastRunAt = base.Add(-6 * time.Hour).In(westZone)
	full.UpdatedAt = base.Add(time.Second)

	bare := newJob(u.ID) // nil headers, zero times, disabled
	bare.Enabled = false
	bare.Headers = nil
	bare.NextRunAt, bare.LastRunAt, bare.CreatedAt, bare.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}

	emptyHeaders := newJob(u.ID)
	emptyHeaders.Headers = map[string]string{}
	jobs := []*store.Job{full, bare, emptyHeaders}
	wantAllFieldsSet(t, full)

	batch := []*store.Job{full.Clone(), bare.Clone(), emptyHeaders.Clone()}
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, batch, 0))
	// The store keeps its own copy of what it was given.
	batch[0].Headers["Authorization"] = "changed"
	batch[0].Name = "changed"

	for _, want := range jobs {
		got, err := f.s.GetJob(f.ctx, u.ID, want.ID)
		wantNoErr(t, "GetJob", err)
		sameRecord(t, "GetJob", got, want, normJob)

		got, err = f.s.GetJobByID(f.ctx, want.ID)
		wantNoErr(t, "GetJobByID", err)
		sameRecord(t, "GetJobByID", got, want, normJob)
	}

	list := f.listJobs(u.ID)
	sameIDs(t, "ListJobs", jobIDs(list), jobIDs(jobs))
	for i := range min(len(list), len(jobs)) {
		sameRecord(t, "ListJobs", list[i], jobs[i], normJob)
	}

	_, err := f.s.GetJob(f.ctx, u.ID, "job_unknown")
	wantErr(t, "GetJob of an unknown id", err, store.ErrNotFound)
	_, err = f.s.GetJobByID(f.ctx, "job_unknown")
	wantErr(t, "GetJobByID of an unknown id", err, store.ErrNotFound)
}

func testJobIsolation(t *testing.T, f *fixture) {
	owner, other := f.user(), f.user()
	j := f.job(owner.ID)

	_, err := f.s.GetJob(f.ctx, other.ID, j.ID)
	wantErr(t, "GetJob of another user's job", err, store.ErrNotFound)

	stolen := j.Clone()
	stolen.UserID = other.ID
	stolen.URL = "https://attacker.example/"
	err = f.s.UpdateJob(f.ctx, stolen)
	wantErr(t, "UpdateJob of another user's job", err, store.ErrNotFound)

	err = f.s.DeleteJob(f.ctx, other.ID, j.ID, base)
	wantErr(t, "DeleteJob of another user's job", err, store.ErrNotFound)

	sameRecord(t, "job after another user's update and delete", f.getJob(owner.ID, j.ID), j, normJob)
	if list := f.listJobs(other.ID); len(list) != 0 {
		t.Errorf("ListJobs of a user without jobs returned %v", jobIDs(list))
	}

	// The scheduler reads jobs of any user.
	got, err := f.s.GetJobByID(f.ctx, j.ID)
	wantNoErr(t, "GetJobByID", err)
	sameRecord(t, "GetJobByID", got, j, normJob)
}

func testCreateJobsAtomic(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	existing := f.job(u.ID)

	fresh := newJob(u.ID)
	err := f.s.CreateJobs(f.ctx, []*store.Job{fresh, existing.Clone()}, 0)
	wantErr(t, "CreateJobs with a taken id", err, store.ErrConflict)

	twice := newJob(u.ID)
	err = f.s.CreateJobs(f.ctx, []*store.Job{twice, twice.Clone()}, 0)
	wantErr(t, "CreateJobs with an id twice in the batch", err, store.ErrConflict)

	// Ids are unique across users.
	err = f.s.CreateJobs(f.ctx, []*store.Job{newJob(other.ID), {ID: existing.ID, UserID: other.ID}}, 0)
	wantErr(t, "CreateJobs with an id taken by another user", err, store.ErrConflict)

	mixed := []*store.Job{newJob(u.ID), newJob(other.ID)}
	if err := f.s.CreateJobs(f.ctx, mixed, 0); err == nil {
		t.Errorf("CreateJobs with jobs of two users succeeded")
	}

	sameIDs(t, "ListJobs after failed batches", jobIDs(f.listJobs(u.ID)), []string{existing.ID})
	sameIDs(t, "ListJobs of the other user after failed batches", jobIDs(f.listJobs(other.ID)), nil)
	for _, j := range []*store.Job{fresh, twice, mixed[0], mixed[1]} {
		_, err := f.s.GetJobByID(f.ctx, j.ID)
		wantErr(t, "GetJobByID of a job from a failed batch", err, store.ErrNotFound)
	}

	day := f.usage(u.ID, base).Day
	if day.JobsCreated != 1 || day.PeakJobs != 1 {
		t.Errorf("after failed batches JobsCreated = %d and PeakJobs = %d, want 1 and 1", day.JobsCreated, day.PeakJobs)
	}

	wantNoErr(t, "CreateJobs with no jobs", f.s.CreateJobs(f.ctx, nil, 1))
}

func testCreateLargeBatch(t *testing.T, f *fixture) {
	u := f.user()
	existing := f.job(u.ID)

	// A conflict in the last of 250 jobs undoes the 249 before it.
	failing := make([]*store.Job, 250)
	for i := range failing {
		failing[i] = newJob(u.ID)
	}
	failing[len(failing)-1].ID = existing.ID
	err := f.s.CreateJobs(f.ctx, failing, 0)
	wantErr(t, "CreateJobs of 250 jobs ending with a taken id", err, store.ErrConflict)
	sameIDs(t, "ListJobs after a failed large batch", jobIDs(f.listJobs(u.ID)), []string{existing.ID})

	batch := make([]*store.Job, 250)
	want := []string{existing.ID}
	for i := range batch {
		batch[i] = newJob(u.ID)
		batch[i].Name = fmt.Sprintf("job %d", i)
		want = append(want, batch[i].ID)
	}
	wantNoErr(t, "CreateJobs of 250 jobs", f.s.CreateJobs(f.ctx, batch, 251))
	list := f.listJobs(u.ID)
	sameIDs(t, "ListJobs after a large batch", jobIDs(list), want)
	for i := 1; i < len(list) && i <= len(batch); i++ {
		sameRecord(t, "job of a large batch", list[i], batch[i-1], normJob)
	}
	if day := f.usage(u.ID, base).Day; day.JobsCreated != 251 || day.PeakJobs != 251 {
		t.Errorf("JobsCreated = %d and PeakJobs = %d, want 251 and 251", day.JobsCreated, day.PeakJobs)
	}
}

func testJobLimit(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()

	wantNoErr(t, "CreateJobs of 2 with limit 3", f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID), newJob(u.ID)}, 3))

	over := []*store.Job{newJob(u.ID), newJob(u.ID)}
	err := f.s.CreateJobs(f.ctx, over, 3)
	wantErr(t, "CreateJobs of 2 more with limit 3", err, store.ErrLimitExceeded)
	if n := len(f.listJobs(u.ID)); n != 2 {
		t.Errorf("after a batch over the limit the user has %d jobs, want 2", n)
	}
	for _, j := range over {
		_, err := f.s.GetJobByID(f.ctx, j.ID)
		wantErr(t, "GetJobByID of a job over the limit", err, store.ErrNotFound)
	}

	wantNoErr(t, "CreateJobs reaching the limit", f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, 3))
	err = f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, 3)
	wantErr(t, "CreateJobs at the limit", err, store.ErrLimitExceeded)

	// The limit counts jobs per user, and zero or less means no limit.
	wantNoErr(t, "CreateJobs of another user", f.s.CreateJobs(f.ctx, []*store.Job{newJob(other.ID), newJob(other.ID)}, 3))
	wantNoErr(t, "CreateJobs with limit 0", f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, 0))
	wantNoErr(t, "CreateJobs with limit -1", f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, -1))
	if n := len(f.listJobs(u.ID)); n != 5 {
		t.Errorf("the user has %d jobs, want 5", n)
	}

	// Deleting a job frees a place under the limit.
	wantNoErr(t, "DeleteJob", f.s.DeleteJob(f.ctx, u.ID, f.listJobs(u.ID)[0].ID, base))
	wantNoErr(t, "CreateJobs after a delete", f.s.CreateJobs(f.ctx, []*store.Job{newJob(u.ID)}, 5))
}

func testListJobsPaging(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	var want []string
	for range 5 {
		want = append(want, f.job(u.ID).ID)
		f.job(other.ID) // interleaved ids of another user
	}

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
		{store.Page{Limit: -1}, want},
	}
	for _, p := range pages {
		got, err := f.s.ListJobs(f.ctx, u.ID, p.page)
		wantNoErr(t, "ListJobs", err)
		sameIDs(t, fmt.Sprintf("ListJobs with page %+v", p.page), jobIDs(got), p.want)
	}
}

func testListEnabledJobs(t *testing.T, f *fixture) {
	a, b := f.user(), f.user()
	a1 := f.job(a.ID)
	disabled := newJob(a.ID)
	disabled.Enabled = false
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, []*store.Job{disabled}, 0))
	b1 := f.job(b.ID)

	list, err := f.s.ListEnabledJobs(f.ctx)
	wantNoErr(t, "ListEnabledJobs", err)
	sameIDs(t, "ListEnabledJobs", jobIDs(list), []string{a1.ID, b1.ID})
	if len(list) == 2 {
		sameRecord(t, "ListEnabledJobs", list[0], a1, normJob)
	}

	off := a1.Clone()
	off.Enabled = false
	wantNoErr(t, "UpdateJob", f.s.UpdateJob(f.ctx, off))
	list, err = f.s.ListEnabledJobs(f.ctx)
	wantNoErr(t, "ListEnabledJobs", err)
	sameIDs(t, "ListEnabledJobs after disabling a job", jobIDs(list), []string{b1.ID})
}

func testUpdateJob(t *testing.T, f *fixture) {
	u := f.user()
	j := newJob(u.ID)
	j.Headers = map[string]string{"X-Old": "1"}
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, []*store.Job{j}, 0))
	untouched := f.job(u.ID)

	changed := &store.Job{
		ID: j.ID, UserID: u.ID, Name: "renamed", URL: "https://example.org/new", Method: "PUT",
		Schedule: "@hourly", Timezone: "America/New_York", Enabled: false,
		Headers: map[string]string{"X-New": "2", "X-Other": ""}, Body: "payload", TimeoutSeconds: 5,
		RetryMaxAttempts: 2, RetryInitialIntervalMs: 100, RetryMaxIntervalMs: 1000,
		Overlap: "allow", Misfire: "runOnce", CatchUpSeconds: 60, JitterSeconds: 5,
		NextRunAt: time.Time{}, LastRunAt: base.Add(-time.Minute), CreatedAt: base, UpdatedAt: base.Add(time.Hour),
	}
	wantNoErr(t, "UpdateJob", f.s.UpdateJob(f.ctx, changed.Clone()))
	sameRecord(t, "updated job", f.getJob(u.ID, j.ID), changed, normJob)

	changed.Headers = nil
	wantNoErr(t, "UpdateJob to nil headers", f.s.UpdateJob(f.ctx, changed.Clone()))
	sameRecord(t, "job updated to nil headers", f.getJob(u.ID, j.ID), changed, normJob)

	sameRecord(t, "job not updated", f.getJob(u.ID, untouched.ID), untouched, normJob)

	err := f.s.UpdateJob(f.ctx, newJob(u.ID))
	wantErr(t, "UpdateJob of an unknown id", err, store.ErrNotFound)
	if n := len(f.listJobs(u.ID)); n != 2 {
		t.Errorf("after updating an unknown job the user has %d jobs, want 2", n)
	}
}

func testSetJobRunTimes(t *testing.T, f *fixture) {
	u := f.user()
	j := f.job(u.ID)
	last, next := base.Add(time.Minute).In(westZone), base.Add(6*time.Minute)

	wantNoErr(t, "SetJobRunTimes", f.s.SetJobRunTimes(f.ctx, j.ID, last, next))
	want := j.Clone()
	want.LastRunAt, want.NextRunAt = last, next
	sameRecord(t, "job after SetJobRunTimes", f.getJob(u.ID, j.ID), want, normJob)

	// The zero time clears nextRunAt, as for a job that never fires again.
	wantNoErr(t, "SetJobRunTimes", f.s.SetJobRunTimes(f.ctx, j.ID, last, time.Time{}))
	want.NextRunAt = time.Time{}
	sameRecord(t, "job after SetJobRunTimes with a zero next run", f.getJob(u.ID, j.ID), want, normJob)

	wantNoErr(t, "SetJobRunTimes of an unknown job", f.s.SetJobRunTimes(f.ctx, "job_unknown", last, next))
}

func testDeleteJob(t *testing.T, f *fixture) {
	u := f.user()
	doomed, kept := f.job(u.ID), f.job(u.ID)
	var doomedRuns []*store.Execution
	for i := range 3 {
		doomedRuns = append(doomedRuns, f.execution(doomed, base.Add(time.Duration(i)*time.Minute)))
	}
	keptRun := f.execution(kept, base)
	now := base.AddDate(0, 0, 2)

	wantNoErr(t, "DeleteJob", f.s.DeleteJob(f.ctx, u.ID, doomed.ID, now))

	_, err := f.s.GetJob(f.ctx, u.ID, doomed.ID)
	wantErr(t, "GetJob of a deleted job", err, store.ErrNotFound)
	for _, e := range doomedRuns {
		_, err := f.s.GetExecution(f.ctx, u.ID, doomed.ID, e.ID)
		wantErr(t, "GetExecution of a deleted job", err, store.ErrNotFound)
	}
	_, err = f.s.ListExecutions(f.ctx, u.ID, doomed.ID, store.Page{})
	wantErr(t, "ListExecutions of a deleted job", err, store.ErrNotFound)
	err = f.s.DeleteJob(f.ctx, u.ID, doomed.ID, now)
	wantErr(t, "DeleteJob of a deleted job", err, store.ErrNotFound)

	sameIDs(t, "executions of the other job", executionIDs(f.listExecutions(u.ID, kept.ID)), []string{keptRun.ID})
	sameIDs(t, "ListJobs after a delete", jobIDs(f.listJobs(u.ID)), []string{kept.ID})

	// A new job with the same id starts without executions.
	again := newJob(u.ID)
	again.ID = doomed.ID
	wantNoErr(t, "CreateJobs with the id of a deleted job", f.s.CreateJobs(f.ctx, []*store.Job{again}, 0))
	sameIDs(t, "executions of a recreated job", executionIDs(f.listExecutions(u.ID, doomed.ID)), nil)
	for _, e := range doomedRuns {
		_, err := f.s.GetExecution(f.ctx, u.ID, doomed.ID, e.ID)
		wantErr(t, "GetExecution of a deleted job after recreating it", err, store.ErrNotFound)
	}

	if got := f.usage(u.ID, now).Day.JobsDeleted; got != 1 {
		t.Errorf("JobsDeleted on the day of the delete = %d, want 1", got)
	}
	if got := f.usage(u.ID, base).Day.JobsDeleted; got != 0 {
		t.Errorf("JobsDeleted on the day of the creation = %d, want 0", got)
	}
}

func testJobUsage(t *testing.T, f *fixture) {
	u := f.user()
	first := []*store.Job{newJob(u.ID), newJob(u.ID)}
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, first, 0))
	third := f.job(u.ID)
	for _, j := range []*store.Job{first[0], third} {
		wantNoErr(t, "DeleteJob", f.s.DeleteJob(f.ctx, u.ID, j.ID, base))
	}
	f.job(u.ID)

	day := f.usage(u.ID, base).Day
	want := store.DailyUsage{Date: store.Day(base), JobsCreated: 4, JobsDeleted: 2, PeakJobs: 3}
	if day != want {
		t.Errorf("usage of the day:\n got %+v\nwant %+v", day, want)
	}

	// A batch counts on the day of its first job's creation.
	later := []*store.Job{newJob(u.ID), newJob(u.ID)}
	later[0].CreatedAt = base.AddDate(0, 0, 1)
	later[1].CreatedAt = base.AddDate(0, 0, 2)
	wantNoErr(t, "CreateJobs", f.s.CreateJobs(f.ctx, later, 0))
	day = f.usage(u.ID, later[0].CreatedAt).Day
	want = store.DailyUsage{Date: store.Day(later[0].CreatedAt), JobsCreated: 2, PeakJobs: 4}
	if day != want {
		t.Errorf("usage of the next day:\n got %+v\nwant %+v", day, want)
	}
	if got := f.usage(u.ID, later[1].CreatedAt).Day.JobsCreated; got != 0 {
		t.Errorf("JobsCreated on the day of the second job of a batch = %d, want 0", got)
	}
}
