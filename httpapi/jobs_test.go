package httpapi_test

import (
	"context"
	"fmt"
	"github.com/recoron/recoron/service"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
)

// userID returns the id of the user owning token.
func (h *harness) userID(t *testing.T, token string) string {
	t.Helper()
	p, err := h.svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p.User.ID
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("loading zone %s: %v", name, err)
	}
	return loc
}

func TestCreateJobReturnsJob(t *testing.T) {
	t.Parallel()
	h := setup(t)
	res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{
		"method":  "put",
		"headers": map[string]string{"X-Custom": "alpha"},
		"body":    `{"report":"daily"}`,
	}))
	wantStatus(t, res, http.StatusCreated)
	if res.message != "success" {
		t.Errorf("message is %q, want success", res.message)
	}
	job := res.object(t)
	checkJobShape(t, "created job", job)

	want := map[string]any{
		"name":      "nightly report",
		"url":       h.sink.url("/hook"),
		"method":    "PUT",
		"schedule":  "0 9 * * *",
		"timezone":  "UTC",
		"enabled":   true,
		"body":      `{"report":"daily"}`,
		"createdAt": apiTime(start),
		"updatedAt": apiTime(start),
		"userId":    h.userID(t, h.token),
		// 09:30 UTC has passed, so the next 09:00 is tomorrow's.
		"nextRunAt": apiTime(time.Date(2025, 11, 5, 9, 0, 0, 0, time.UTC)),
	}
	for field, v := range want {
		if job[field] != v {
			t.Errorf("created job %s is %#v, want %#v", field, job[field], v)
		}
	}
	headers, _ := job["headers"].(map[string]any)
	if headers["X-Custom"] != "alpha" {
		t.Errorf("created job headers are %#v, want X-Custom: alpha", job["headers"])
	}
	if !strings.HasPrefix(str(t, job, "id"), "job_") {
		t.Errorf("job id %q does not start with job_", job["id"])
	}

	got := h.call(t, "GET", "/jobs/"+str(t, job, "id"), h.token, nil)
	wantStatus(t, got, http.StatusOK)
	fetched := got.object(t)
	checkJobShape(t, "fetched job", fetched)
	for field, v := range want {
		if fetched[field] != v {
			t.Errorf("fetched job %s is %#v, want %#v", field, fetched[field], v)
		}
	}

	list := h.call(t, "GET", "/jobs", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	jobs := list.list(t)
	if len(jobs) != 1 {
		t.Fatalf("GET /jobs lists %d jobs, want 1", len(jobs))
	}
	checkJobShape(t, "listed job", jobs[0])
	if jobs[0]["id"] != job["id"] {
		t.Errorf("GET /jobs lists job %v, want %v", jobs[0]["id"], job["id"])
	}
}

func TestCreateJobDisabled(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{"enabled": false})
	if job["enabled"] != false {
		t.Errorf("enabled is %#v, want false", job["enabled"])
	}
	if v, ok := job["nextRunAt"]; !ok || v != nil {
		t.Errorf("nextRunAt of a disabled job is %#v (present %v), want null", v, ok)
	}
}

// The job view lists every job field, null or empty when unset, like
// nextRunAt.
func TestJobListsEmptyFields(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, nil)
	fetched := h.call(t, "GET", "/jobs/"+str(t, job, "id"), h.token, nil)
	wantStatus(t, fetched, http.StatusOK)
	obj := fetched.object(t)

	for _, field := range []string{"lastRunAt", "headers", "body"} {
		t.Run(field, func(t *testing.T) {
			if _, ok := obj[field]; !ok {
				t.Errorf("job that never ran and has no headers or body omits %q; want the key present (null or empty)", field)
			}
		})
	}
}

func TestListJobsPages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var ids []string
	for i := range 3 {
		job := h.createJob(t, h.token, map[string]any{"name": fmt.Sprintf("job %d", i)})
		ids = append(ids, str(t, job, "id"))
	}

	first := h.call(t, "GET", "/jobs?limit=2", h.token, nil)
	wantStatus(t, first, http.StatusOK)
	page := first.list(t)
	if len(page) != 2 {
		t.Fatalf("limit=2 returned %d jobs, want 2", len(page))
	}
	if page[0]["id"] != ids[0] || page[1]["id"] != ids[1] {
		t.Errorf("first page is %v, %v; want the two oldest %v, %v", page[0]["id"], page[1]["id"], ids[0], ids[1])
	}

	second := h.call(t, "GET", "/jobs?limit=2&after="+ids[1], h.token, nil)
	wantStatus(t, second, http.StatusOK)
	page = second.list(t)
	if len(page) != 1 || page[0]["id"] != ids[2] {
		t.Errorf("page after %s is %v, want only %s", ids[1], page, ids[2])
	}

	for _, limit := range []string{"0", "1001", "two"} {
		t.Run("limit="+limit, func(t *testing.T) {
			res := h.call(t, "GET", "/jobs?limit="+limit, h.token, nil)
			wantInvalid(t, res, "limit")
		})
	}
}

func TestCreateJobRejectsInvalid(t *testing.T) {
	t.Parallel()
	h := setup(t)
	sinkURL := h.sink.url("/hook")

	tooManyHeaders := map[string]string{}
	for i := range 51 {
		tooManyHeaders[fmt.Sprintf("X-Header-%02d", i)] = "v"
	}
	engineMessage := func(expr string) string {
		_, err := cron.Compile(expr, cron.Options{Location: time.UTC, Anchor: start})
		if err == nil {
			t.Fatalf("cron.Compile(%q) accepted the expression", expr)
		}
		return err.Error()
	}

	tests := []struct {
		name  string
		body  any // a raw string, or overrides of a valid job
		field string
		// message, when set, must equal the field's message.
		message string
		// contains, when set, must appear in the field's message.
		contains string
	}{
		{name: "empty body", body: "", field: "request"},
		{name: "blank body", body: "  \n", field: "request"},
		{name: "malformed JSON", body: `{"name": "a",`, field: "request"},
		{name: "unquoted key", body: `{name: "a"}`, field: "request"},
		{name: "trailing data", body: `{"name": "a"} {}`, field: "request"},
		{name: "array body", body: `[]`, field: "request"},
		{name: "unknown field", body: map[string]any{"colour": "red"}, field: "colour", contains: "colour"},
		{name: "name wrong type", body: map[string]any{"name": 5}, field: "name"},
		{name: "enabled wrong type", body: map[string]any{"enabled": "yes"}, field: "enabled"},
		{name: "headers wrong type", body: map[string]any{"headers": []string{"X-A"}}, field: "headers"},
		{name: "timeout wrong type", body: map[string]any{"timeoutSeconds": "10"}, field: "timeoutSeconds"},
		{name: "null name", body: `{"name": null, "url": "` + sinkURL + `", "method": "GET", "schedule": "0 9 * * *"}`, field: "name"},
		{name: "missing name", body: map[string]any{"name": nil}, field: "name"},
		{name: "blank name", body: map[string]any{"name": "   "}, field: "name"},
		{name: "long name", body: map[string]any{"name": strings.Repeat("n", 201)}, field: "name"},
		{name: "missing url", body: map[string]any{"url": nil}, field: "url"},
		{name: "ftp url", body: map[string]any{"url": "ftp://127.0.0.1/file"}, field: "url", contains: "ftp"},
		{name: "relative url", body: map[string]any{"url": "/hook"}, field: "url"},
		{name: "url without host", body: map[string]any{"url": "http:///hook"}, field: "url"},
		{name: "url with credentials", body: map[string]any{"url": "http://user:secret@127.0.0.1/hook"}, field: "url", contains: "credentials"},
		{name: "long url", body: map[string]any{"url": sinkURL + "?q=" + strings.Repeat("a", 2048)}, field: "url"},
		{name: "unknown method", body: map[string]any{"method": "FETCH"}, field: "method", contains: "FETCH"},
		{name: "missing method", body: map[string]any{"method": nil}, field: "method"},
		{name: "missing schedule", body: map[string]any{"schedule": nil}, field: "schedule"},
		{name: "minute out of range", body: map[string]any{"schedule": "61 * * * *"}, field: "schedule", message: engineMessage("61 * * * *")},
		{name: "schedule not cron", body: map[string]any{"schedule": "every day"}, field: "schedule", message: engineMessage("every day")},
		{name: "reversed range", body: map[string]any{"schedule": "0 22-5 * * *"}, field: "schedule", message: engineMessage("0 22-5 * * *")},
		{name: "unknown timezone", body: map[string]any{"timezone": "Mars/Olympus"}, field: "timezone", contains: "Mars/Olympus"},
		{name: "local timezone", body: map[string]any{"timezone": "Local"}, field: "timezone"},
		{name: "too many headers", body: map[string]any{"headers": tooManyHeaders}, field: "headers", contains: "51"},
		{name: "host header", body: map[string]any{"headers": map[string]string{"Host": "example.com"}}, field: "headers.Host"},
		{name: "lowercase host header", body: map[string]any{"headers": map[string]string{"host": "example.com"}}, field: "headers.host"},
		{name: "user agent header", body: map[string]any{"headers": map[string]string{"User-Agent": "x"}}, field: "headers.User-Agent"},
		{name: "recoron header", body: map[string]any{"headers": map[string]string{"X-Recoron-Job-Id": "x"}}, field: "headers.X-Recoron-Job-Id"},
		{name: "header name with space", body: map[string]any{"headers": map[string]string{"Bad Name": "x"}}, field: "headers.Bad Name"},
		{name: "header value with newline", body: map[string]any{"headers": map[string]string{"X-Note": "a\r\nX-Evil: 1"}}, field: "headers.X-Note"},
		{name: "job body too long", body: map[string]any{"body": strings.Repeat("b", 64<<10+1)}, field: "body", contains: "65537"},
		{name: "negative timeout", body: map[string]any{"timeoutSeconds": -1}, field: "timeoutSeconds"},
		{name: "timeout over maximum", body: map[string]any{"timeoutSeconds": 3601}, field: "timeoutSeconds"},
		{name: "timeout zero", body: map[string]any{"timeoutSeconds": 0}, field: "timeoutSeconds"},
		{name: "catch-up zero", body: map[string]any{"catchUpSeconds": 0}, field: "catchUpSeconds"},
		{name: "zone conflicts with prefix", body: map[string]any{"schedule": "CRON_TZ=Asia/Tokyo 0 9 * * *",
			"timezone": "America/New_York"}, field: "timezone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if overrides, ok := body.(map[string]any); ok {
				body = h.jobInput(overrides)
			}
			res := h.call(t, "POST", "/jobs", h.token, body)
			fe := wantInvalid(t, res, tc.field)
			if tc.message != "" && fe.Message != tc.message {
				t.Errorf("%s message is %q, want the schedule engine's %q", tc.field, fe.Message, tc.message)
			}
			if tc.contains != "" && !strings.Contains(fe.Message, tc.contains) {
				t.Errorf("%s message %q does not mention %q", tc.field, fe.Message, tc.contains)
			}
			if !strings.Contains(res.message, "入力内容に誤りがあります") {
				t.Errorf("message %q is not the Japanese validation message", res.message)
			}
		})
	}

	if n := h.countJobs(t, h.token); n != 0 {
		t.Errorf("GET /jobs lists %d jobs after only invalid requests, want 0", n)
	}
}

func TestCreateJobListsEveryField(t *testing.T) {
	t.Parallel()
	h := setup(t)
	res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{
		"url":      "ftp://127.0.0.1/",
		"method":   "FETCH",
		"timezone": "Nowhere/City",
		"name":     nil,
	}))
	wantError(t, res, http.StatusBadRequest, "validation_failed")
	named := map[string]bool{}
	for _, f := range fieldErrors(t, res) {
		named[f.Field] = true
	}
	for _, field := range []string{"name", "url", "method", "timezone"} {
		if !named[field] {
			t.Errorf("details %s do not name %q; every invalid field must be listed", res.details, field)
		}
	}
}

func TestCreateJobBodyTooLarge(t *testing.T) {
	t.Parallel()

	t.Run("configured limit", func(t *testing.T) {
		t.Parallel()
		h := setupWith(t, options{maxBodyBytes: 1024})
		res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{"body": strings.Repeat("x", 2000)}))
		wantError(t, res, http.StatusRequestEntityTooLarge, "payload_too_large")
		if !strings.Contains(res.message, "1024") {
			t.Errorf("message %q does not state the 1024-byte limit", res.message)
		}
		if n := h.countJobs(t, h.token); n != 0 {
			t.Errorf("GET /jobs lists %d jobs after a rejected body, want 0", n)
		}
	})

	t.Run("default limit", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		// A job body of 1 MiB makes the request just over the 1 MiB default.
		res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{"body": strings.Repeat("x", 1<<20)}))
		wantError(t, res, http.StatusRequestEntityTooLarge, "payload_too_large")
	})

	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		h := setupWith(t, options{maxBodyBytes: 1024})
		items := []any{h.jobInput(map[string]any{"body": strings.Repeat("x", 2000)})}
		res := h.call(t, "POST", "/jobs/batch", h.token, items)
		wantError(t, res, http.StatusRequestEntityTooLarge, "payload_too_large")
	})
}

func TestBatchCreateJobs(t *testing.T) {
	t.Parallel()
	h := setup(t)
	items := []any{
		h.jobInput(map[string]any{"name": "first"}),
		h.jobInput(map[string]any{"name": "second", "enabled": false}),
		h.jobInput(map[string]any{"name": "third", "timezone": "Asia/Tokyo"}),
	}

	res := h.call(t, "POST", "/jobs/batch", h.token, items)
	wantStatus(t, res, http.StatusCreated)
	data := res.object(t)
	if num(t, data, "count") != 3 {
		t.Errorf("count is %v, want 3", data["count"])
	}
	jobs, ok := data["jobs"].([]any)
	if !ok || len(jobs) != 3 {
		t.Fatalf("jobs is %#v, want an array of 3", data["jobs"])
	}
	for i, name := range []string{"first", "second", "third"} {
		job, ok := jobs[i].(map[string]any)
		if !ok {
			t.Fatalf("jobs[%d] is %#v, want an object", i, jobs[i])
		}
		checkJobShape(t, fmt.Sprintf("jobs[%d]", i), job)
		if job["name"] != name {
			t.Errorf("jobs[%d].name is %v, want %s", i, job["name"], name)
		}
	}

	second := jobs[1].(map[string]any)
	if second["nextRunAt"] != nil {
		t.Errorf("disabled batch job has nextRunAt %v, want null", second["nextRunAt"])
	}
	third := jobs[2].(map[string]any)
	tokyoNine := time.Date(2025, 11, 5, 9, 0, 0, 0, mustZone(t, "Asia/Tokyo"))
	if third["nextRunAt"] != apiTime(tokyoNine) {
		t.Errorf("Asia/Tokyo batch job has nextRunAt %v, want %s", third["nextRunAt"], apiTime(tokyoNine))
	}
	if n := h.countJobs(t, h.token); n != 3 {
		t.Errorf("GET /jobs lists %d jobs after a batch of 3, want 3", n)
	}
}

func TestBatchCreateAllOrNothing(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.createJob(t, h.token, map[string]any{"name": "existing"})

	tests := []struct {
		name  string
		body  any
		field string
	}{
		{name: "bad url in item", body: []any{
			h.jobInput(nil),
			h.jobInput(map[string]any{"url": "ftp://127.0.0.1/"}),
			h.jobInput(nil),
		}, field: "[1].url"},
		{name: "bad schedule in last item", body: []any{
			h.jobInput(nil),
			h.jobInput(map[string]any{"schedule": "99 * * * *"}),
		}, field: "[1].schedule"},
		{name: "null field in item", body: `[{"name": "a", "url": "` + h.sink.url("/") + `", "method": "GET", "schedule": null}]`, field: "[0].schedule"},
		{name: "empty array", body: `[]`, field: "request"},
		{name: "object instead of array", body: h.jobInput(nil), field: "request"},
		{name: "item not an object", body: `[1]`, field: "[0]"},
		{name: "malformed JSON", body: `[{"name": `, field: "request"},
		{name: "empty body", body: "", field: "request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, "POST", "/jobs/batch", h.token, tc.body)
			wantInvalid(t, res, tc.field)
			if n := h.countJobs(t, h.token); n != 1 {
				t.Errorf("GET /jobs lists %d jobs after a rejected batch, want the 1 created before", n)
			}
		})
	}
}

// Decoding errors inside a batch item name the item like validation
// errors do.
func TestBatchDecodeErrorNamesIndex(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tests := []struct {
		name  string
		item  map[string]any
		field string
	}{
		{name: "wrong type", item: map[string]any{"name": 7}, field: "[1].name"},
		{name: "unknown field", item: map[string]any{"colour": "red"}, field: "[1].colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, "POST", "/jobs/batch", h.token, []any{h.jobInput(nil), h.jobInput(tc.item)})
			wantInvalid(t, res, tc.field)
		})
	}
	if n := h.countJobs(t, h.token); n != 0 {
		t.Errorf("GET /jobs lists %d jobs after rejected batches, want 0", n)
	}
}

func TestUpdateJobFields(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{"headers": map[string]string{"X-Old": "1"}, "body": "old"})
	id := str(t, job, "id")
	h.advance(t, 10*time.Second)

	res := h.call(t, "PATCH", "/jobs/"+id, h.token, map[string]any{
		"name":    "renamed",
		"method":  "delete",
		"headers": map[string]string{"X-New": "2"},
	})
	wantStatus(t, res, http.StatusOK)
	updated := res.object(t)
	checkJobShape(t, "updated job", updated)
	checks := map[string]any{
		"name":      "renamed",
		"method":    "DELETE",
		"body":      "old",
		"schedule":  "0 9 * * *",
		"createdAt": apiTime(start),
		"updatedAt": apiTime(start.Add(10 * time.Second)),
	}
	for field, want := range checks {
		if updated[field] != want {
			t.Errorf("after PATCH %s is %#v, want %#v", field, updated[field], want)
		}
	}
	headers, _ := updated["headers"].(map[string]any)
	if len(headers) != 1 || headers["X-New"] != "2" {
		t.Errorf("after PATCH headers are %#v, want only X-New: 2", updated["headers"])
	}

	cleared := h.call(t, "PATCH", "/jobs/"+id, h.token, `{"headers": null, "body": null}`)
	wantStatus(t, cleared, http.StatusOK)
	got := h.call(t, "GET", "/jobs/"+id, h.token, nil)
	wantStatus(t, got, http.StatusOK)
	after := got.object(t)
	if left, ok := after["headers"].(map[string]any); ok && len(left) > 0 {
		t.Errorf("headers after PATCH null are %#v, want none", left)
	}
	if b, ok := after["body"].(string); ok && b != "" {
		t.Errorf("body after PATCH null is %q, want empty", b)
	}
}

// TestUpdateJobNullResetsPolicy checks that null sets optional fields back
// to their defaults, and that a null required field is rejected with a
// message that gives the reason.
func TestUpdateJobNullResetsPolicy(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{
		"timezone": "Asia/Tokyo", "timeoutSeconds": 5, "overlapPolicy": "skip", "misfirePolicy": "skip",
		"catchUpSeconds": 10, "jitterSeconds": 3,
		"retry": map[string]int{"maxAttempts": 1, "initialIntervalMs": 200, "maxIntervalMs": 400},
	})
	id := str(t, job, "id")

	res := h.call(t, "PATCH", "/jobs/"+id, h.token, `{"timezone": null, "timeoutSeconds": null, "overlapPolicy": null,
		"misfirePolicy": null, "catchUpSeconds": null, "jitterSeconds": null, "retry": null}`)
	wantStatus(t, res, http.StatusOK)
	reset := res.object(t)
	for field, want := range map[string]any{
		"timezone":       "UTC",
		"timeoutSeconds": float64(service.DefaultTimeoutSeconds),
		"overlapPolicy":  service.OverlapAllow,
		"misfirePolicy":  service.MisfireRunOnce,
		"catchUpSeconds": float64(service.DefaultCatchUpSeconds),
		"jitterSeconds":  float64(0),
	} {
		if reset[field] != want {
			t.Errorf("after PATCH null %s is %#v, want the default %#v", field, reset[field], want)
		}
	}
	retry, _ := reset["retry"].(map[string]any)
	wantRetry := map[string]any{"maxAttempts": float64(service.DefaultRetryMaxAttempts),
		"initialIntervalMs": float64(service.DefaultRetryInitialMs), "maxIntervalMs": float64(service.DefaultRetryMaxMs)}
	for field, want := range wantRetry {
		if retry[field] != want {
			t.Errorf("after PATCH null retry.%s is %#v, want the default %#v", field, retry[field], want)
		}
	}

	for _, field := range []string{"name", "url", "method", "schedule"} {
		res := h.call(t, "PATCH", "/jobs/"+id, h.token, `{"`+field+`": null}`)
		wantInvalid(t, res, field)
		if !strings.Contains(res.message, "すべてのジョブに必要なため null は指定できません") {
			t.Errorf("PATCH %s null: message %q does not say the field is needed", field, res.message)
		}
	}
}

func TestUpdateJobNextRunAt(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tokyo := mustZone(t, "Asia/Tokyo")
	newYork := mustZone(t, "America/New_York")
	job := h.createJob(t, h.token, nil)
	id := str(t, job, "id")
	initial := apiTime(time.Date(2025, 11, 5, 9, 0, 0, 0, time.UTC))
	if job["nextRunAt"] != initial {
		t.Fatalf("nextRunAt after create is %v, want %s", job["nextRunAt"], initial)
	}

	steps := []struct {
		name  string
		patch map[string]any
		// want is the expected nextRunAt, and empty means null.
		want string
	}{
		{name: "disable", patch: map[string]any{"enabled": false}, want: ""},
		{name: "rename while disabled", patch: map[string]any{"name": "still off"}, want: ""},
		{name: "enable", patch: map[string]any{"enabled": true}, want: initial},
		// 09:30 UTC is 18:30 in Tokyo, so 09:00 Tokyo comes tomorrow.
		{name: "timezone Tokyo", patch: map[string]any{"timezone": "Asia/Tokyo"},
			want: apiTime(time.Date(2025, 11, 5, 9, 0, 0, 0, tokyo))},
		// 22:30 Tokyo is still ahead today.
		{name: "schedule in Tokyo", patch: map[string]any{"schedule": "30 22 * * *"},
			want: apiTime(time.Date(2025, 11, 4, 22, 30, 0, 0, tokyo))},
		// 09:30 UTC is 04:30 in New York (EST after November 2), so 22:30
		// New York comes today.
		{name: "timezone New York", patch: map[string]any{"timezone": "America/New_York"},
			want: apiTime(time.Date(2025, 11, 4, 22, 30, 0, 0, newYork))},
		{name: "schedule and timezone", patch: map[string]any{"schedule": "0 12 * * *", "timezone": "UTC"},
			want: apiTime(time.Date(2025, 11, 4, 12, 0, 0, 0, time.UTC))},
		{name: "disable and reschedule", patch: map[string]any{"enabled": false, "schedule": "0 13 * * *"}, want: ""},
		{name: "enable after reschedule", patch: map[string]any{"enabled": true},
			want: apiTime(time.Date(2025, 11, 4, 13, 0, 0, 0, time.UTC))},
	}
	for _, step := range steps {
		res := h.call(t, "PATCH", "/jobs/"+id, h.token, step.patch)
		wantStatus(t, res, http.StatusOK)
		for _, source := range []*response{res, h.call(t, "GET", "/jobs/"+id, h.token, nil)} {
			obj := source.object(t)
			got, present := obj["nextRunAt"]
			switch {
			case !present:
				t.Errorf("%s: %s response has no nextRunAt", step.name, source.method)
			case step.want == "" && got != nil:
				t.Errorf("%s: %s nextRunAt is %v, want null", step.name, source.method, got)
			case step.want != "" && got != step.want:
				t.Errorf("%s: %s nextRunAt is %v, want %s", step.name, source.method, got, step.want)
			}
		}
	}
}

func TestUpdateJobInvalidKeepsJob(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{"headers": map[string]string{"X-Keep": "1"}, "body": "keep"})
	id := str(t, job, "id")
	before := h.call(t, "GET", "/jobs/"+id, h.token, nil)
	wantStatus(t, before, http.StatusOK)

	tests := []struct {
		name  string
		body  any
		field string
	}{
		{name: "empty body", body: "", field: "request"},
		{name: "malformed JSON", body: `{"name":`, field: "request"},
		{name: "unknown field", body: map[string]any{"name": "new", "colour": "red"}, field: "colour"},
		{name: "wrong type", body: map[string]any{"enabled": 1}, field: "enabled"},
		{name: "bad schedule with valid name", body: map[string]any{"name": "new", "schedule": "bad"}, field: "schedule"},
		{name: "disable with bad url", body: map[string]any{"enabled": false, "url": "ftp://127.0.0.1/"}, field: "url"},
		{name: "bad timezone with new schedule", body: map[string]any{"schedule": "0 1 * * *", "timezone": "Nowhere/City"}, field: "timezone"},
		{name: "null name", body: `{"name": null}`, field: "name"},
		{name: "blank name", body: map[string]any{"name": " "}, field: "name"},
		{name: "forbidden header", body: map[string]any{"headers": map[string]string{"Host": "x"}}, field: "headers.Host"},
		{name: "unknown method", body: map[string]any{"method": "TRACE"}, field: "method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, "PATCH", "/jobs/"+id, h.token, tc.body)
			wantInvalid(t, res, tc.field)
			after := h.call(t, "GET", "/jobs/"+id, h.token, nil)
			wantStatus(t, after, http.StatusOK)
			if string(after.data) != string(before.data) {
				t.Errorf("job changed after a rejected PATCH:\nbefore %s\nafter  %s", before.data, after.data)
			}
		})
	}
}

func TestDeleteJob(t *testing.T) {
	t.Parallel()
	h := setup(t)
	keep := h.createJob(t, h.token, map[string]any{"name": "keep"})
	deleted := h.createJob(t, h.token, map[string]any{"name": "deleted"})
	id := str(t, deleted, "id")

	res := h.call(t, "DELETE", "/jobs/"+id, h.token, nil)
	wantStatus(t, res, http.StatusOK)
	if string(res.data) != "null" {
		t.Errorf("DELETE data is %s, want null", res.data)
	}
	if _, scheduled := h.svc.Scheduler().NextRun(id); scheduled {
		t.Errorf("deleted job %s is still registered with the scheduler", id)
	}

	wantError(t, h.call(t, "GET", "/jobs/"+id, h.token, nil), http.StatusNotFound, "not_found")
	wantError(t, h.call(t, "DELETE", "/jobs/"+id, h.token, nil), http.StatusNotFound, "not_found")
	wantError(t, h.call(t, "GET", "/jobs/"+id+"/executions", h.token, nil), http.StatusNotFound, "not_found")

	list := h.call(t, "GET", "/jobs", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	jobs := list.list(t)
	if len(jobs) != 1 || jobs[0]["id"] != keep["id"] {
		t.Errorf("GET /jobs after delete lists %v, want only %v", jobs, keep["id"])
	}
}

func TestExecuteJobCallsTarget(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{
		"method":  "PUT",
		"headers": map[string]string{"X-Custom": "alpha", "Content-Type": "text/plain"},
		"body":    "payload-1",
	})
	id := str(t, job, "id")

	res := h.call(t, "POST", "/jobs/"+id+"/execute", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	data := res.object(t)
	if data["jobId"] != id {
		t.Errorf("jobId is %v, want %s", data["jobId"], id)
	}
	result := sub(t, data, "result")
	checkShape(t, "result", result, resultShape)
	execution := sub(t, data, "execution")
	checkShape(t, "execution", execution, executionShape)

	call := h.sink.next(t)
	if n := h.sink.pending(); n != 0 {
		t.Errorf("sink received %d more calls, want exactly 1 per execute", n)
	}
	checkCall := map[string]string{
		"method":                 call.method,
		"path":                   call.path,
		"body":                   call.body,
		"X-Custom":               call.header.Get("X-Custom"),
		"Content-Type":           call.header.Get("Content-Type"),
		"X-Recoron-Job-Id":       call.header.Get("X-Recoron-Job-Id"),
		"X-Recoron-Execution-Id": call.header.Get("X-Recoron-Execution-Id"),
		"X-Recoron-Scheduled-At": call.header.Get("X-Recoron-Scheduled-At"),
		"X-Recoron-Attempt":      call.header.Get("X-Recoron-Attempt"),
	}
	wantCall := map[string]string{
		"method":                 "PUT",
		"path":                   "/hook",
		"body":                   "payload-1",
		"X-Custom":               "alpha",
		"Content-Type":           "text/plain",
		"X-Recoron-Job-Id":       id,
		"X-Recoron-Execution-Id": str(t, execution, "id"),
		"X-Recoron-Scheduled-At": apiTime(start),
		"X-Recoron-Attempt":      "1",
	}
	for name, want := range wantCall {
		if checkCall[name] != want {
			t.Errorf("sink call %s is %q, want %q", name, checkCall[name], want)
		}
	}
	if ua := call.header.Get("User-Agent"); !strings.HasPrefix(ua, "ReCoron/") {
		t.Errorf("sink call User-Agent is %q, want the ReCoron/ prefix", ua)
	}
	if !timePattern.MatchString(call.header.Get("X-Recoron-Scheduled-At")) {
		t.Errorf("X-Recoron-Scheduled-At %q is not RFC 3339 UTC with milliseconds", call.header.Get("X-Recoron-Scheduled-At"))
	}

	if result["status"] != "success" {
		t.Errorf("result status is %v, want success", result["status"])
	}
	if result["statusCode"] != float64(200) {
		t.Errorf("result statusCode is %v, want 200", result["statusCode"])
	}
	if result["error"] != nil {
		t.Errorf("result error is %v, want null", result["error"])
	}
	if result["responseExcerpt"] != sinkReply {
		t.Errorf("result responseExcerpt is %q, want the sink's reply %q", result["responseExcerpt"], sinkReply)
	}
	if execution["trigger"] != "manual" {
		t.Errorf("execution trigger is %v, want manual", execution["trigger"])
	}
	if execution["scheduledAt"] != apiTime(start) {
		t.Errorf("execution scheduledAt is %v, want %s", execution["scheduledAt"], apiTime(start))
	}
	if attempts, _ := execution["attempts"].([]any); len(attempts) != 1 {
		t.Errorf("execution has %d attempts, want 1", len(attempts))
	}

	list := h.call(t, "GET", "/jobs/"+id+"/executions", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	executions := list.list(t)
	if len(executions) != 1 {
		t.Fatalf("GET executions lists %d, want 1", len(executions))
	}
	checkShape(t, "listed execution", executions[0], executionShape)
	if executions[0]["id"] != execution["id"] || executions[0]["status"] != "success" {
		t.Errorf("listed execution is %v (%v), want %v (success)", executions[0]["id"], executions[0]["status"], execution["id"])
	}

	single := h.call(t, "GET", "/jobs/"+id+"/executions/"+str(t, execution, "id"), h.token, nil)
	wantStatus(t, single, http.StatusOK)
	fetched := single.object(t)
	checkShape(t, "fetched execution", fetched, executionShape)
	if fetched["id"] != execution["id"] || fetched["jobId"] != id {
		t.Errorf("GET execution returned %v of job %v, want %v of job %s", fetched["id"], fetched["jobId"], execution["id"], id)
	}

	after := h.call(t, "GET", "/jobs/"+id, h.token, nil)
	wantStatus(t, after, http.StatusOK)
	if got := after.object(t)["lastRunAt"]; got != apiTime(start) {
		t.Errorf("lastRunAt after execute is %v, want %s", got, apiTime(start))
	}
}

func TestExecuteJobRecordsFailure(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{"method": "GET"})
	id := str(t, job, "id")

	h.sink.status.Store(http.StatusInternalServerError)
	res := h.call(t, "POST", "/jobs/"+id+"/execute", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	result := sub(t, res.object(t), "result")
	if result["status"] != "failure" {
		t.Errorf("result status for HTTP 500 is %v, want failure", result["status"])
	}
	if result["statusCode"] != float64(500) {
		t.Errorf("result statusCode is %v, want 500", result["statusCode"])
	}
	if msg, _ := result["error"].(string); !strings.Contains(msg, "500") {
		t.Errorf("result error is %#v, want a message naming HTTP 500", result["error"])
	}
	call := h.sink.next(t)
	if call.header.Get("X-Recoron-Attempt") != "1" {
		t.Errorf("X-Recoron-Attempt is %q, want 1", call.header.Get("X-Recoron-Attempt"))
	}
	if n := h.sink.pending(); n != 0 {
		t.Errorf("manual execute retried: sink received %d more calls", n)
	}

	list := h.call(t, "GET", "/jobs/"+id+"/executions", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	executions := list.list(t)
	if len(executions) != 1 {
		t.Fatalf("GET executions lists %d, want 1", len(executions))
	}
	if executions[0]["status"] != "failure" || executions[0]["statusCode"] != float64(500) {
		t.Errorf("listed execution is %v with %v, want failure with 500", executions[0]["status"], executions[0]["statusCode"])
	}
}

func TestExecutionNotFound(t *testing.T) {
	t.Parallel()
	h := setup(t)
	first := str(t, h.createJob(t, h.token, nil), "id")
	second := str(t, h.createJob(t, h.token, nil), "id")
	res := h.call(t, "POST", "/jobs/"+first+"/execute", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	executionID := str(t, sub(t, res.object(t), "execution"), "id")

	wantError(t, h.call(t, "GET", "/jobs/"+first+"/executions/exe_unknown", h.token, nil), http.StatusNotFound, "not_found")
	// An execution is found only under its own job.
	wantError(t, h.call(t, "GET", "/jobs/"+second+"/executions/"+executionID, h.token, nil), http.StatusNotFound, "not_found")
	wantError(t, h.call(t, "GET", "/jobs/job_unknown/executions", h.token, nil), http.StatusNotFound, "not_found")
	wantError(t, h.call(t, "POST", "/jobs/job_unknown/execute", h.token, nil), http.StatusNotFound, "not_found")
}

func TestScheduledRunThroughAPI(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, map[string]any{
		"method":   "GET",
		"schedule": "* * * * * *",
		"headers":  map[string]string{"X-Trace": "scheduled"},
	})
	id := str(t, job, "id")
	if job["nextRunAt"] != apiTime(start.Add(time.Second)) {
		t.Fatalf("nextRunAt is %v, want %s", job["nextRunAt"], apiTime(start.Add(time.Second)))
	}

	for n := 1; n <= 2; n++ {
		slot := start.Add(time.Duration(n) * time.Second)
		h.advance(t, time.Second)

		call := h.sink.next(t)
		if call.method != "GET" {
			t.Errorf("run %d: method is %s, want GET", n, call.method)
		}
		if got := call.header.Get("X-Recoron-Scheduled-At"); got != apiTime(slot) {
			t.Errorf("run %d: X-Recoron-Scheduled-At is %q, want %s", n, got, apiTime(slot))
		}
		if got := call.header.Get("X-Recoron-Job-Id"); got != id {
			t.Errorf("run %d: X-Recoron-Job-Id is %q, want %s", n, got, id)
		}
		if got := call.header.Get("X-Recoron-Attempt"); got != "1" {
			t.Errorf("run %d: X-Recoron-Attempt is %q, want 1", n, got)
		}
		if got := call.header.Get("X-Trace"); got != "scheduled" {
			t.Errorf("run %d: job header X-Trace is %q, want scheduled", n, got)
		}
		if ua := call.header.Get("User-Agent"); !strings.HasPrefix(ua, "ReCoron/") {
			t.Errorf("run %d: User-Agent is %q, want ReCoron/ prefix", n, ua)
		}
		executionID := call.header.Get("X-Recoron-Execution-Id")

		var executions []map[string]any
		poll(t, fmt.Sprintf("run %d to be recorded", n), func() bool {
			res := h.call(t, "GET", "/jobs/"+id+"/executions", h.token, nil)
			wantStatus(t, res, http.StatusOK)
			executions = res.list(t)
			return len(executions) == n && executions[0]["status"] != "running"
		})
		latest := executions[0]
		checkShape(t, "scheduled execution", latest, executionShape)
		if latest["id"] != executionID {
			t.Errorf("run %d: newest execution is %v, want %s from the call header", n, latest["id"], executionID)
		}
		if latest["trigger"] != "schedule" || latest["status"] != "success" {
			t.Errorf("run %d: execution is %v/%v, want schedule/success", n, latest["trigger"], latest["status"])
		}
		if latest["scheduledAt"] != apiTime(slot) {
			t.Errorf("run %d: execution scheduledAt is %v, want %s", n, latest["scheduledAt"], apiTime(slot))
		}

		var current map[string]any
		poll(t, fmt.Sprintf("lastRunAt of run %d", n), func() bool {
			res := h.call(t, "GET", "/jobs/"+id, h.token, nil)
			wantStatus(t, res, http.StatusOK)
			current = res.object(t)
			return current["lastRunAt"] == apiTime(slot)
		})
		if current["nextRunAt"] != apiTime(slot.Add(time.Second)) {
			t.Errorf("run %d: nextRunAt is %v, want %s", n, current["nextRunAt"], apiTime(slot.Add(time.Second)))
		}
	}
}

func TestSchedulePreview(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tokyo := mustZone(t, "Asia/Tokyo")

	query := url.Values{"schedule": {"0 9 * * *"}, "timezone": {"Asia/Tokyo"}, "count": {"3"}}
	res := h.call(t, "GET", "/schedules/next?"+query.Encode(), h.token, nil)
	wantStatus(t, res, http.StatusOK)
	data := res.object(t)
	checkShape(t, "preview", data, map[string]kind{"schedule": kString, "timezone": kString, "nextRuns": kArray})
	if data["schedule"] != "0 9 * * *" || data["timezone"] != "Asia/Tokyo" {
		t.Errorf("preview echoes %v in %v, want 0 9 * * * in Asia/Tokyo", data["schedule"], data["timezone"])
	}
	runs, _ := data["nextRuns"].([]any)
	if len(runs) != 3 {
		t.Fatalf("nextRuns has %d entries, want 3", len(runs))
	}
	for i, run := range runs {
		want := time.Date(2025, 11, 5+i, 9, 0, 0, 0, tokyo)
		s, _ := run.(string)
		got, err := time.Parse(time.RFC3339, s)
		if err != nil || !got.Equal(want) {
			t.Errorf("nextRuns[%d] is %q, want the instant %s", i, s, apiTime(want))
		}
	}
	t.Run("time format", func(t *testing.T) {
		for i, run := range runs {
			if s, _ := run.(string); !timePattern.MatchString(s) {
				t.Errorf("nextRuns[%d] is %q, not RFC 3339 UTC with milliseconds like every other time in the API", i, s)
			}
		}
	})

	defaults := h.call(t, "GET", "/schedules/next?schedule=@hourly", h.token, nil)
	wantStatus(t, defaults, http.StatusOK)
	d := defaults.object(t)
	if d["timezone"] != "UTC" {
		t.Errorf("default timezone is %v, want UTC", d["timezone"])
	}
	if runs, _ := d["nextRuns"].([]any); len(runs) != 5 {
		t.Errorf("default count gives %d runs, want 5", len(runs))
	}

	engine := func(expr string) string {
		_, err := cron.Compile(expr, cron.Options{Location: time.UTC, Anchor: start})
		if err == nil {
			t.Fatalf("cron.Compile(%q) accepted the expression", expr)
		}
		return err.Error()
	}
	tests := []struct {
		name    string
		query   url.Values
		field   string
		message string
	}{
		{name: "missing schedule", query: url.Values{}, field: "schedule"},
		{name: "bad schedule", query: url.Values{"schedule": {"0 25 * * *"}}, field: "schedule", message: engine("0 25 * * *")},
		{name: "bad timezone", query: url.Values{"schedule": {"@daily"}, "timezone": {"Mars/Olympus"}}, field: "timezone"},
		{name: "count zero", query: url.Values{"schedule": {"@daily"}, "count": {"0"}}, field: "count"},
		{name: "count over maximum", query: url.Values{"schedule": {"@daily"}, "count": {"101"}}, field: "count"},
		{name: "count not a number", query: url.Values{"schedule": {"@daily"}, "count": {"many"}}, field: "count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(t, "GET", "/schedules/next?"+tc.query.Encode(), h.token, nil)
			fe := wantInvalid(t, res, tc.field)
			if tc.message != "" && fe.Message != tc.message {
				t.Errorf("message is %q, want the schedule engine's %q", fe.Message, tc.message)
			}
		})
	}
}
