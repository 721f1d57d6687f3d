package service

import (
	"context"
	"errors"
	"github.com/recoron/recoron/scheduler"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
)

// newPrincipal returns a started service on a new in-memory store and the
// principal of a new user on plan.
func newPrincipal(t *testing.T, plan string) (*Service, *Principal) {
	t.Helper()
	ctx := context.Background()
	svc := newMemService(t)
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(ctx) })
	_, _, token, err := svc.CreateUser(ctx, "tester", plan, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return svc, p
}

// bootstrapped returns a stopped service made from cfg, with a discarding
// logger and an hourly meter flush unless cfg sets them, and the principal
// of its first user.
func bootstrapped(t *testing.T, cfg Config) (*Service, *Principal) {
	t.Helper()
	ctx := context.Background()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MeterFlushInterval == 0 {
		cfg.MeterFlushInterval = time.Hour
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, err := svc.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return svc, p
}

// jobInput returns a valid job request with the given schedule.
func jobInput(schedule string) JobInput {
	name, url, method := "report", "https://example.com/hook", "GET"
	return JobInput{Name: &name, URL: &url, Method: &method, Schedule: &schedule}
}

// fieldErrors returns the field errors of err by field name, or fails.
func fieldErrors(t *testing.T, err error) map[string]FieldError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a ValidationError", err)
	}
	byField := map[string]FieldError{}
	for _, f := range ve.Fields {
		byField[f.Field] = f
	}
	return byField
}

func TestCreateJobReportsScheduleWithBadZone(t *testing.T) {
	t.Parallel()
	svc, p := newPrincipal(t, metering.PlanUnlimited)
	in := jobInput("61 * * * *")
	zone := "Mars/Olympus"
	in.Timezone = &zone
	_, err := svc.CreateJobs(context.Background(), p, []JobInput{in}, false)
	fields := fieldErrors(t, err)
	if _, ok := fields["timezone"]; !ok {
		t.Errorf("errors %v name no timezone", fields)
	}
	if f, ok := fields["schedule"]; !ok || !strings.Contains(f.Message, "61") {
		t.Errorf("errors %v do not report the minute 61 of the schedule", fields)
	}
}

func TestCreateJobTrimsSchedule(t *testing.T) {
	t.Parallel()
	svc, p := newPrincipal(t, metering.PlanUnlimited)
	in := jobInput("  0 9 * * *\t")
	zone := " Asia/Tokyo "
	in.Timezone = &zone
	jobs, err := svc.CreateJobs(context.Background(), p, []JobInput{in}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := jobs[0].Schedule; got != "0 9 * * *" {
		t.Errorf("stored schedule = %q, want %q", got, "0 9 * * *")
	}
	if got := jobs[0].Timezone; got != "Asia/Tokyo" {
		t.Errorf("stored timezone = %q, want %q", got, "Asia/Tokyo")
	}
}

func TestTimeoutRangeNamesPlanMaximum(t *testing.T) {
	t.Parallel()
	for name, plan := range metering.DefaultPlans() {
		upper, want := 3600, "use 1 to 3600"
		if limit := plan.MaxTimeoutSeconds; limit > 0 && limit < upper {
			upper = limit
			want = "use 1 to " + strconv.Itoa(limit) + ", the maximum of the " + name + " plan"
		}
		svc, p := newPrincipal(t, name)
		in := jobInput("0 9 * * *")
		zero := 0
		in.TimeoutSeconds = &zero
		_, err := svc.CreateJobs(context.Background(), p, []JobInput{in}, false)
		f := fieldErrors(t, err)["timeoutSeconds"]
		if !strings.Contains(f.Message, want) {
			t.Errorf("%s plan: timeoutSeconds message %q does not contain %q", name, f.Message, want)
		}
		if !strings.Contains(f.MessageJA, "1〜"+strconv.Itoa(upper)) {
			t.Errorf("%s plan: Japanese message %q does not state the range 1 to %d", name, f.MessageJA, upper)
		}
	}
}

func TestUpdateWithoutChangeKeepsUpdatedAt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, p := newPrincipal(t, metering.PlanUnlimited)
	jobs, err := svc.CreateJobs(ctx, p, []JobInput{jobInput("0 9 * * *")}, false)
	if err != nil {
		t.Fatal(err)
	}
	created := jobs[0]

	same := "0 9 * * *"
	for _, in := range []JobInput{{}, {Schedule: &same}} {
		got, err := svc.UpdateJob(ctx, p, created.ID, in)
		if err != nil {
			t.Fatalf("UpdateJob(%+v): %v", in, err)
		}
		if !got.UpdatedAt.Equal(created.UpdatedAt) || !got.NextRunAt.Equal(created.NextRunAt) {
			t.Errorf("UpdateJob(%+v) moved updatedAt %v to %v or nextRunAt %v to %v", in,
				created.UpdatedAt, got.UpdatedAt, created.NextRunAt, got.NextRunAt)
		}
	}

	hourly := "0 * * * *"
	got, err := svc.UpdateJob(ctx, p, created.ID, JobInput{Schedule: &hourly})
	if err != nil {
		t.Fatal(err)
	}
	if got.UpdatedAt.Before(created.UpdatedAt) || got.Schedule != hourly {
		t.Errorf("a real change gave schedule %q and updatedAt %v, want %q and no earlier than %v",
			got.Schedule, got.UpdatedAt, hourly, created.UpdatedAt)
	}
}

func TestFinishedAtPrefersClockReading(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, time.December, 4, 22, 38, 0, 0, time.UTC)
	end := start.Add(4*time.Second + 452*time.Millisecond)
	// The duration was measured on a clock that ran slower than the wall
	// clock, so start plus duration comes before the end read.
	res := scheduler.Result{StartedAt: start, FinishedAt: end, Duration: 4431 * time.Millisecond}
	if got := finishedAt(res); !got.Equal(end) {
		t.Errorf("finishedAt with an end time = %v, want %v", got, end)
	}
	res.FinishedAt = time.Time{}
	if got, want := finishedAt(res), start.Add(4431*time.Millisecond); !got.Equal(want) {
		t.Errorf("finishedAt without an end time = %v, want %v", got, want)
	}
}
