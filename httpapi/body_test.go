package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestExecuteAcceptsEmptyBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	tests := []struct {
		name   string
		body   any
		header map[string]string
	}{
		{"no body", nil, nil},
		{"no body with JSON type", nil, map[string]string{"Content-Type": "application/json"}},
		{"empty object", "{}", nil},
		{"empty object with spaces", " { }\n", nil},
		{"empty object without type", "{}", map[string]string{"Content-Type": ""}},
		{"whitespace", " \n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.send(t, request{method: "POST", path: "/jobs/" + jobID + "/execute", token: h.token,
				body: tc.body, header: tc.header})
			wantStatus(t, res, http.StatusOK)
			if status := str(t, sub(t, res.object(t), "result"), "status"); status != "success" {
				t.Errorf("result.status is %q, want success", status)
			}
		})
	}
}

func TestExecuteRejectsBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	for _, body := range []string{`{"dryRun":true}`, `[]`, `null`, `""`, `{}{}`, `{`, `0`} {
		t.Run(body, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs/" + jobID + "/execute", token: h.token,
				body: body})
			wantFieldMessages(t, ja, en, "request", "this route takes no request body; send no body or {}",
				"リクエスト本文を受け付けません", "{}")
		})
	}
	if runs := h.call(t, "GET", "/jobs/"+jobID+"/executions", h.token, nil).list(t); len(runs) != 0 {
		t.Errorf("job has %d executions after rejected executes, want 0", len(runs))
	}
	if n := h.sink.pending(); n != 0 {
		t.Errorf("sink received %d calls after rejected executes, want 0", n)
	}

	// An unknown job is not found whatever the body, as with PATCH.
	res := h.call(t, "POST", "/jobs/job_unknown/execute", h.token, `{"dryRun":true}`)
	wantError(t, res, http.StatusNotFound, "not_found")
}

func TestRotateSecretRejectsBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	before := h.call(t, "GET", "/signing-secret", h.token, nil)
	wantStatus(t, before, http.StatusOK)

	res := h.call(t, "POST", "/signing-secret/rotate", h.token, `{"graceHours":1}`)
	fe := wantInvalid(t, res, "request")
	if !strings.Contains(fe.Message, "takes no request body") {
		t.Errorf("message %q does not say the route takes no body", fe.Message)
	}
	after := h.call(t, "GET", "/signing-secret", h.token, nil)
	if string(after.data) != string(before.data) {
		t.Errorf("signing secret changed after a rejected rotate: %s, was %s", after.data, before.data)
	}

	wantStatus(t, h.call(t, "POST", "/signing-secret/rotate", h.token, "{}"), http.StatusOK)
}

func TestJSONContentTypes(t *testing.T) {
	t.Parallel()
	h := setup(t)

	for _, contentType := range []string{
		"", // no Content-Type header
		"application/json",
		"application/json; charset=utf-8",
		"Application/JSON;charset=UTF-8",
		"application/merge-patch+json",
		"application/vnd.recoron.job+json; version=1",
	} {
		t.Run(contentType, func(t *testing.T) {
			res := h.send(t, request{method: "POST", path: "/jobs", token: h.token, body: h.jobInput(nil),
				header: map[string]string{"Content-Type": contentType}})
			wantStatus(t, res, http.StatusCreated)
		})
	}
}

func TestNonJSONContentTypeRejected(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	routes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/jobs", h.jobInput(nil)},
		{"POST", "/jobs/batch", []any{h.jobInput(nil)}},
		{"PATCH", "/jobs/" + jobID, map[string]any{"enabled": false}},
		{"POST", "/jobs/" + jobID + "/execute", "{}"},
		{"POST", "/keys", map[string]any{"name": "k", "scopes": []string{"read:jobs"}}},
		{"POST", "/signing-secret/rotate", "{}"},
	}
	contentTypes := []string{
		"text/plain",
		"text/plain; charset=utf-8",
		"multipart/form-data; boundary=x",
		"application/jsonp",
		"application/json-seq",
		"json",
	}
	for _, route := range routes {
		for _, contentType := range contentTypes {
			t.Run(route.method+" "+route.path+" "+contentType, func(t *testing.T) {
				ja, en := h.sendBoth(t, request{method: route.method, path: route.path, token: h.token,
					body: route.body, header: map[string]string{"Content-Type": contentType}})
				wantError(t, ja, http.StatusUnsupportedMediaType, "unsupported_media_type")
				wantError(t, en, http.StatusUnsupportedMediaType, "unsupported_media_type")
				wantJapanese(t, ja)
				wantEnglish(t, en)
				for _, want := range []string{`"` + contentType + `"`, "Content-Type: application/json"} {
					if !strings.Contains(ja.message, want) {
						t.Errorf("Japanese message %q does not contain %q", ja.message, want)
					}
					if !strings.Contains(en.message, want) {
						t.Errorf("English message %q does not contain %q", en.message, want)
					}
				}
				if got := detailsObject(t, en)["contentType"]; got != contentType {
					t.Errorf("error.details.contentType is %v, want %q", got, contentType)
				}
			})
		}
	}

	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after rejected requests, want 1", n)
	}
	if runs := h.call(t, "GET", "/jobs/"+jobID+"/executions", h.token, nil).list(t); len(runs) != 0 {
		t.Errorf("job has %d executions after rejected executes, want 0", len(runs))
	}
}

// curl -d sends application/x-www-form-urlencoded unless the command sets
// another type, so the message shows how to set it.
func TestFormContentTypeHint(t *testing.T) {
	t.Parallel()
	h := setup(t)

	ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs", token: h.token, body: h.jobInput(nil),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	wantError(t, en, http.StatusUnsupportedMediaType, "unsupported_media_type")
	want := `curl -H "Content-Type: application/json"`
	if !strings.Contains(en.message, want) {
		t.Errorf("English message %q does not contain %q", en.message, want)
	}
	if !strings.Contains(ja.message, `-H "Content-Type: application/json"`) {
		t.Errorf("Japanese message %q does not show the curl option", ja.message)
	}
}

// Routes without a body ignore the Content-Type, which some clients send
// on every request.
func TestContentTypeWithoutBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	for _, rc := range []struct{ method, path string }{
		{"GET", "/jobs"},
		{"GET", "/jobs/" + jobID},
		{"POST", "/jobs/" + jobID + "/execute"},
		{"GET", "/usage"},
		{"DELETE", "/jobs/" + jobID},
	} {
		t.Run(rc.method+" "+rc.path, func(t *testing.T) {
			res := h.send(t, request{method: rc.method, path: rc.path, token: h.token,
				header: map[string]string{"Content-Type": "text/plain"}})
			wantStatus(t, res, http.StatusOK)
		})
	}
}

// The sample clients of the API reference (Node.js fetch, Python requests
// and curl) send these requests. Python sends Content-Type:
// application/json on every request, bodiless ones included, and the
// others send it only with a body.
func TestSampleClientRequests(t *testing.T) {
	t.Parallel()
	h := setup(t)
	target := h.sink.url("/report")

	for _, client := range []struct {
		name string
		// typeWithoutBody is the Content-Type sent on requests without a
		// body, or empty for none.
		typeWithoutBody string
	}{
		{"fetch and curl", ""},
		{"requests", "application/json"},
	} {
		t.Run(client.name, func(t *testing.T) {
			bodiless := func(method, path string) *response {
				return h.send(t, request{method: method, path: path, token: h.token,
					header: map[string]string{"Content-Type": client.typeWithoutBody}})
			}
			job := h.call(t, "POST", "/jobs", h.token, map[string]any{"name": "Daily Report", "url": target,
				"method": "POST", "schedule": "0 9 * * *", "timezone": "Asia/Tokyo"})
			wantStatus(t, job, http.StatusCreated)
			jobID := str(t, job.object(t), "id")

			wantStatus(t, bodiless("GET", "/jobs"), http.StatusOK)
			wantStatus(t, bodiless("POST", "/jobs/"+jobID+"/execute"), http.StatusOK)
			batch := h.call(t, "POST", "/jobs/batch", h.token, []any{
				map[string]any{"name": "Job 1", "url": target, "method": "GET", "schedule": "0 * * * *"},
				map[string]any{"name": "Job 2", "url": target, "method": "POST", "schedule": "*/30 * * * *"},
			})
			wantStatus(t, batch, http.StatusCreated)
			wantStatus(t, h.call(t, "PATCH", "/jobs/"+jobID, h.token, `{"enabled": false}`), http.StatusOK)
			wantStatus(t, bodiless("GET", "/jobs/"+jobID), http.StatusOK)
			wantStatus(t, bodiless("GET", "/usage"), http.StatusOK)
			wantStatus(t, bodiless("GET", "/keys"), http.StatusOK)
			key := h.call(t, "POST", "/keys", h.token,
				`{"name":"Production API Key","scopes":["read:jobs","write:jobs"]}`)
			wantStatus(t, key, http.StatusCreated)
			keyID := str(t, key.object(t), "id")
			wantStatus(t, bodiless("GET", "/keys/"+keyID), http.StatusOK)
			wantStatus(t, bodiless("DELETE", "/keys/"+keyID), http.StatusOK)
			wantStatus(t, bodiless("DELETE", "/jobs/"+jobID), http.StatusOK)
		})
	}
}
