package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/service"
)

// wantLimit checks a 403 plan_limit_exceeded response and its details.
func wantLimit(t *testing.T, res *response, limit string, value float64) {
	t.Helper()
	wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")
	if !strings.Contains(res.message, "上限") {
		t.Errorf("message %q does not contain 上限", res.message)
	}
	details := detailsObject(t, res)
	if details["limit"] != limit || details["value"] != value {
		t.Errorf("details are %v, want limit %s with value %v", details, limit, value)
	}
}

func TestJobLimitFreePlan(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")
	for i := range 5 {
		h.createJob(t, token, map[string]any{"name": fmt.Sprintf("job %d", i), "schedule": "*/5 * * * *"})
	}

	res := h.call(t, "POST", "/jobs", token, h.jobInput(map[string]any{"name": "sixth", "schedule": "*/5 * * * *"}))
	wantLimit(t, res, "jobs", 5)
	batch := h.call(t, "POST", "/jobs/batch", token, []any{h.jobInput(nil)})
	wantLimit(t, batch, "jobs", 5)
	if n := h.countJobs(t, token); n != 5 {
		t.Errorf("GET /jobs lists %d jobs after the rejected sixth, want 5", n)
	}
}

func TestBatchOverJobLimitCreatesNothing(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")
	items := make([]any, 6)
	for i := range items {
		items[i] = h.jobInput(map[string]any{"name": fmt.Sprintf("job %d", i)})
	}
	wantLimit(t, h.call(t, "POST", "/jobs/batch", token, items), "jobs", 5)
	if n := h.countJobs(t, token); n != 0 {
		t.Errorf("GET /jobs lists %d jobs after a rejected batch of 6, want 0", n)
	}
}

func TestMinIntervalFreePlan(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")

	for _, schedule := range []string{"*/10 * * * * *", "*/30 * * * * *", "@every 30s", "0,30 * * * * *"} {
		t.Run(schedule, func(t *testing.T) {
			res := h.call(t, "POST", "/jobs", token, h.jobInput(map[string]any{"schedule": schedule}))
			wantLimit(t, res, "minIntervalSeconds", 60)
		})
	}
	// Once a minute is exactly the free plan's minimum.
	job := h.createJob(t, token, map[string]any{"schedule": "* * * * *"})
	id := str(t, job, "id")

	before := h.call(t, "GET", "/jobs/"+id, token, nil)
	wantStatus(t, before, http.StatusOK)
	res := h.call(t, "PATCH", "/jobs/"+id, token, map[string]any{"schedule": "*/10 * * * * *"})
	wantLimit(t, res, "minIntervalSeconds", 60)
	after := h.call(t, "GET", "/jobs/"+id, token, nil)
	wantStatus(t, after, http.StatusOK)
	if string(after.data) != string(before.data) {
		t.Errorf("job changed after a rejected PATCH:\nbefore %s\nafter  %s", before.data, after.data)
	}
	if n := h.countJobs(t, token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs, want only the once-a-minute job", n)
	}
}

func TestTimeoutLimitFreePlan(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")
	res := h.call(t, "POST", "/jobs", token, h.jobInput(map[string]any{"timeoutSeconds": 31}))
	wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")
	if !strings.Contains(res.message, "上限") {
		t.Errorf("timeout limit message %q does not contain 上限", res.message)
	}
	job := h.createJob(t, token, map[string]any{"timeoutSeconds": 30})
	if job["timeoutSeconds"] != float64(30) {
		t.Errorf("timeoutSeconds is %v, want 30", job["timeoutSeconds"])
	}
}

func TestMonthlyExecutionLimit(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "budget user", planBudget)
	// A yearly schedule keeps the job from firing when the clock moves.
	id := str(t, h.createJob(t, token, map[string]any{"schedule": "0 0 1 1 *"}), "id")

	for range 2 {
		wantStatus(t, h.call(t, "POST", "/jobs/"+id+"/execute", token, nil), http.StatusOK)
		h.sink.next(t)
	}
	res := h.call(t, "POST", "/jobs/"+id+"/execute", token, nil)
	wantLimit(t, res, "monthlyExecutions", 2)
	if n := h.sink.pending(); n != 0 {
		t.Errorf("execute over the budget reached the target %d times, want 0", n)
	}
	list := h.call(t, "GET", "/jobs/"+id+"/executions", token, nil)
	wantStatus(t, list, http.StatusOK)
	if n := len(list.list(t)); n != 2 {
		t.Errorf("GET executions lists %d after the rejected execute, want 2", n)
	}

	h.setClock(t, time.Date(2025, 12, 1, 0, 0, 1, 0, time.UTC))
	wantStatus(t, h.call(t, "POST", "/jobs/"+id+"/execute", token, nil), http.StatusOK)
	h.sink.next(t)
}

func TestScheduledRunOverBudgetSkipped(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "budget user", planBudget)
	manual := str(t, h.createJob(t, token, map[string]any{"schedule": "0 0 1 1 *"}), "id")
	for range 2 {
		wantStatus(t, h.call(t, "POST", "/jobs/"+manual+"/execute", token, nil), http.StatusOK)
		h.sink.next(t)
	}
	every := str(t, h.createJob(t, token, map[string]any{"schedule": "* * * * * *"}), "id")
	h.advance(t, time.Second)
	h.wantSkippedByLimit(t, token, every, "monthlyExecutions")
}

// wantSkippedByLimit waits until job id has exactly one run and checks
// that it was skipped for the plan limit named limit without calling the
// target.
func (h *harness) wantSkippedByLimit(t *testing.T, token, id, limit string) {
	t.Helper()
	var executions []map[string]any
	poll(t, "the skipped run to be recorded", func() bool {
		res := h.call(t, "GET", "/jobs/"+id+"/executions", token, nil)
		wantStatus(t, res, http.StatusOK)
		executions = res.list(t)
		return len(executions) == 1
	})
	if executions[0]["status"] != "skipped" {
		t.Errorf("run over the %s limit has status %v, want skipped", limit, executions[0]["status"])
	}
	if msg, _ := executions[0]["error"].(string); !strings.Contains(msg, limit) {
		t.Errorf("skipped run error is %#v, want the %s limit", executions[0]["error"], limit)
	}
	if n := h.sink.pending(); n != 0 {
		t.Errorf("run over the %s limit reached the target %d times, want 0", limit, n)
	}
}

func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "rate limited", planRateLimited)
	p, err := h.svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	// Made through the service so no request spends the first key's budget.
	_, otherToken, err := h.svc.CreateKey(context.Background(), p, service.KeyInput{Name: "other", Scopes: []string{"read:jobs"}})
	if err != nil {
		t.Fatal(err)
	}

	// With 2 requests a minute, the bucket holds 2 and refills one every 30s.
	for i, want := range []struct{ remaining, reset string }{{"1", "30"}, {"0", "60"}} {
		res := h.call(t, "GET", "/jobs", token, nil)
		wantStatus(t, res, http.StatusOK)
		headers := map[string]string{"RateLimit-Limit": "2", "RateLimit-Remaining": want.remaining, "RateLimit-Reset": want.reset}
		for name, value := range headers {
			if got := res.header.Get(name); got != value {
				t.Errorf("request %d: %s is %q, want %q", i+1, name, got, value)
			}
		}
	}

	limited := h.call(t, "GET", "/jobs", token, nil)
	wantError(t, limited, http.StatusTooManyRequests, "rate_limited")
	if got := limited.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After is %q, want 30", got)
	}
	if !strings.Contains(limited.message, "上限") {
		t.Errorf("message %q does not contain 上限", limited.message)
	}
	details := detailsObject(t, limited)
	if details["limit"] != "requestsPerMinute" || details["retryAfterSeconds"] != float64(30) {
		t.Errorf("details are %v, want limit requestsPerMinute and retryAfterSeconds 30", details)
	}
	t.Run("429 has RateLimit headers", func(t *testing.T) {
		// The empty bucket is full again a minute later.
		for name, value := range map[string]string{"RateLimit-Limit": "2", "RateLimit-Remaining": "0", "RateLimit-Reset": "60"} {
			if got := limited.header.Get(name); got != value {
				t.Errorf("429 response %s is %q, want %q", name, got, value)
			}
		}
	})

	// Each key has its own bucket.
	wantStatus(t, h.call(t, "GET", "/jobs", otherToken, nil), http.StatusOK)

	h.advance(t, 30*time.Second)
	wantStatus(t, h.call(t, "GET", "/jobs", token, nil), http.StatusOK)
	wantError(t, h.call(t, "GET", "/jobs", token, nil), http.StatusTooManyRequests, "rate_limited")
}

func TestDailyAPIQuota(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "quota user", planDailyQuota)
	_, second := h.createKey(t, token, "second", "read:jobs")
	// The key creation above was the first of 3 calls a day.
	for range 2 {
		wantStatus(t, h.call(t, "GET", "/jobs", token, nil), http.StatusOK)
	}

	res := h.call(t, "GET", "/jobs", token, nil)
	wantError(t, res, http.StatusTooManyRequests, "rate_limited")
	// 09:30 UTC is 14.5 hours before the quota resets at midnight UTC.
	if got := res.header.Get("Retry-After"); got != "52200" {
		t.Errorf("Retry-After is %q, want 52200 seconds to midnight UTC", got)
	}
	if !strings.Contains(res.message, "上限") {
		t.Errorf("message %q does not contain 上限", res.message)
	}
	if details := detailsObject(t, res); details["limit"] != "dailyApiCalls" || details["value"] != float64(3) {
		t.Errorf("details are %v, want limit dailyApiCalls with value 3", details)
	}
	// The RateLimit headers describe the quota that refused the request.
	for name, value := range map[string]string{"RateLimit-Limit": "3", "RateLimit-Remaining": "0", "RateLimit-Reset": "52200"} {
		if got := res.header.Get(name); got != value {
			t.Errorf("daily quota 429 %s is %q, want %q", name, got, value)
		}
	}
	// The quota is the user's, whatever the key.
	wantError(t, h.call(t, "GET", "/jobs", second, nil), http.StatusTooManyRequests, "rate_limited")

	h.setClock(t, time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC))
	wantStatus(t, h.call(t, "GET", "/jobs", second, nil), http.StatusOK)
}

func TestTargetGuardRejectsPrivate(t *testing.T) {
	t.Parallel()
	h := setupWith(t, options{guard: true})
	urls := []string{
		"http://127.0.0.1/",
		"http://127.0.0.1:8080/hook",
		"http://localhost/",
		"http://LOCALHOST./",
		"http://api.localhost/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]/",
		"http://[::ffff:127.0.0.1]/",
		"http://10.1.2.3/",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://0.0.0.0/",
		"http://[fd00::1]/",
		"http://[fe80::1]/",
	}
	for _, target := range urls {
		t.Run(target, func(t *testing.T) {
			res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{"url": target, "schedule": "0 0 1 1 *"}))
			fe := wantInvalid(t, res, "url")
			if !strings.Contains(fe.Message, "not publicly routable") {
				t.Errorf("url message %q does not say the address is not publicly routable", fe.Message)
			}
		})
	}
	if n := h.countJobs(t, h.token); n != 0 {
		t.Errorf("GET /jobs lists %d jobs after rejected targets, want 0", n)
	}

	// A public name passes validation. The job never runs in this test.
	public := h.createJob(t, h.token, map[string]any{"url": "https://hooks.example.com/recoron", "schedule": "0 0 1 1 *"})
	id := str(t, public, "id")
	wantInvalid(t, h.call(t, "PATCH", "/jobs/"+id, h.token, map[string]any{"url": "http://169.254.169.254/"}), "url")
	got := h.call(t, "GET", "/jobs/"+id, h.token, nil)
	wantStatus(t, got, http.StatusOK)
	if got.object(t)["url"] != "https://hooks.example.com/recoron" {
		t.Errorf("url after the rejected PATCH is %v, want the public URL", got.object(t)["url"])
	}

	batch := h.call(t, "POST", "/jobs/batch", h.token, []any{
		h.jobInput(map[string]any{"url": "https://hooks.example.com/a", "schedule": "0 0 1 1 *"}),
		h.jobInput(map[string]any{"url": "http://10.0.0.1/", "schedule": "0 0 1 1 *"}),
	})
	wantInvalid(t, batch, "[1].url")
	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after the rejected batch, want 1", n)
	}
}

// TestDowngradedIntervalSkipped checks that a job created under a plan
// with no interval limit stops running, with each slot recorded, once its
// user moves to a plan whose shortest interval is longer.
func TestDowngradedIntervalSkipped(t *testing.T) {
	t.Parallel()
	h := setup(t)
	userID, token := h.newUser(t, "downgraded user", "unlimited")
	id := str(t, h.createJob(t, token, map[string]any{"schedule": "* * * * * *"}), "id")
	if _, err := h.svc.SetPlan(context.Background(), userID, "free"); err != nil {
		t.Fatal(err)
	}
	h.advance(t, time.Second)
	h.wantSkippedByLimit(t, token, id, "minIntervalSeconds")
}
