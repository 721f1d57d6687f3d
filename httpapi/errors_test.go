package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	tests := []struct {
		method, path, allow string
	}{
		{"PUT", "/jobs", "GET, POST"},
		{"DELETE", "/jobs", "GET, POST"},
		{"GET", "/jobs/batch", "POST"},
		{"PATCH", "/jobs/batch", "POST"},
		{"POST", "/jobs/" + jobID, "DELETE, GET, PATCH"},
		{"PUT", "/jobs/" + jobID, "DELETE, GET, PATCH"},
		{"GET", "/jobs/" + jobID + "/execute", "POST"},
		{"DELETE", "/jobs/" + jobID + "/executions", "GET"},
		{"POST", "/jobs/" + jobID + "/executions/exe_x", "GET"},
		{"POST", "/schedules/next", "GET"},
		{"PUT", "/keys", "GET, POST"},
		{"PATCH", "/keys/key_x", "DELETE, GET"},
		{"POST", "/usage", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := h.call(t, tc.method, tc.path, h.token, nil)
			wantError(t, res, http.StatusMethodNotAllowed, "method_not_allowed")
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow is %q, want %q", got, tc.allow)
			}
			if !strings.Contains(res.message, tc.method) {
				t.Errorf("message %q does not name method %s", res.message, tc.method)
			}
		})
	}
	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after 405 responses, want 1", n)
	}
}

func TestUnknownRouteNotFound(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tests := []struct {
		method, path string
	}{
		{"GET", "/nope"},
		{"GET", "/"},
		{"POST", "/v2/jobs"},
		{"GET", "/jobs/job_x/executions/exe_x/attempts"},
		{"DELETE", "/users/usr_x"},
	}
	for _, tc := range tests {
		for _, token := range []string{"", h.token} {
			name := tc.method + " " + tc.path
			if token == "" {
				name += " without token"
			}
			t.Run(name, func(t *testing.T) {
				ja, en := h.sendBoth(t, request{method: tc.method, path: tc.path, token: token})
				wantError(t, ja, http.StatusNotFound, "not_found")
				wantError(t, en, http.StatusNotFound, "not_found")
				if !strings.Contains(ja.message, "見つかりません") {
					t.Errorf("message %q is not the Japanese not-found message", ja.message)
				}
				// Both languages point to the route list.
				if !strings.Contains(ja.message, "API リファレンスを参照してください") {
					t.Errorf("Japanese message %q does not point to the API reference", ja.message)
				}
				if !strings.Contains(en.message, "see the API reference") {
					t.Errorf("English message %q does not point to the API reference", en.message)
				}
			})
		}
	}
}

func TestOtherUsersResourcesNotFound(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ownerID := h.userID(t, h.token)
	job := h.createJob(t, h.token, nil)
	jobID := str(t, job, "id")
	exec := h.call(t, "POST", "/jobs/"+jobID+"/execute", h.token, nil)
	wantStatus(t, exec, http.StatusOK)
	executionID := str(t, sub(t, exec.object(t), "execution"), "id")
	keyID, _ := h.createKey(t, h.token, "owner key", "read:jobs")
	h.sink.next(t)

	_, intruder := h.newUser(t, "intruder", "free")
	requests := []struct {
		method, path string
		body         any
	}{
		{"GET", "/jobs/" + jobID, nil},
		{"PATCH", "/jobs/" + jobID, map[string]any{"name": "stolen"}},
		{"PATCH", "/jobs/" + jobID, `{"broken":`},
		{"DELETE", "/jobs/" + jobID, nil},
		{"POST", "/jobs/" + jobID + "/execute", nil},
		{"GET", "/jobs/" + jobID + "/executions", nil},
		{"GET", "/jobs/" + jobID + "/executions/" + executionID, nil},
		{"GET", "/keys/" + keyID, nil},
		{"DELETE", "/keys/" + keyID, nil},
	}
	for _, rq := range requests {
		t.Run(rq.method+" "+rq.path, func(t *testing.T) {
			res := h.call(t, rq.method, rq.path, intruder, rq.body)
			wantError(t, res, http.StatusNotFound, "not_found")
			for _, secret := range []string{ownerID, jobID, keyID, executionID} {
				if strings.Contains(string(res.raw), secret) {
					t.Errorf("404 body reveals the owner's id %s: %s", secret, res.raw)
				}
			}
		})
	}

	if n := h.countJobs(t, intruder); n != 0 {
		t.Errorf("intruder's GET /jobs lists %d jobs, want 0", n)
	}
	keys := h.call(t, "GET", "/keys", intruder, nil)
	wantStatus(t, keys, http.StatusOK)
	if list := keys.list(t); len(list) != 1 || strings.Contains(string(keys.raw), keyID) {
		t.Errorf("intruder's GET /keys is %s, want only the intruder's own key", keys.raw)
	}

	after := h.call(t, "GET", "/jobs/"+jobID, h.token, nil)
	wantStatus(t, after, http.StatusOK)
	if after.object(t)["name"] != job["name"] {
		t.Errorf("owner's job name is %v after the intruder's PATCH, want %v", after.object(t)["name"], job["name"])
	}
	wantStatus(t, h.call(t, "GET", "/keys/"+keyID, h.token, nil), http.StatusOK)
	if n := h.sink.pending(); n != 0 {
		t.Errorf("intruder's execute reached the target %d times, want 0", n)
	}
}

func TestUpdateUnknownJobNotFound(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// The job is looked up before the body is read.
	for _, body := range []any{map[string]any{"name": "x"}, `{"broken":`, ""} {
		res := h.call(t, "PATCH", "/jobs/job_unknown", h.token, body)
		wantError(t, res, http.StatusNotFound, "not_found")
	}
}

func TestMessageLanguage(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tests := []struct {
		acceptLanguage string
		english        bool
	}{
		{"", false},
		{"ja", false},
		{"en", true},
		{"en-US,en;q=0.9", true},
		{"EN-gb", true},
		{"ja,en;q=0.8", false},
		{"fr, en;q=0.5", true},
		{"en;q=0.3, ja;q=0.7", false},
		{"de", false},
		// q=0 marks a language as not acceptable (RFC 9110, 12.4.2).
		{"en;q=0", false},
	}
	for _, tc := range tests {
		t.Run("Accept-Language "+tc.acceptLanguage, func(t *testing.T) {
			res := h.send(t, request{method: "GET", path: "/jobs/job_unknown", token: h.token,
				header: map[string]string{"Accept-Language": tc.acceptLanguage}})
			wantError(t, res, http.StatusNotFound, "not_found")
			want := "見つかりません"
			if tc.english {
				want = "not found"
			}
			if !strings.Contains(res.message, want) {
				t.Errorf("message %q does not contain %q", res.message, want)
			}
		})
	}
}

func TestEnglishErrorMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, free := h.newUser(t, "free user", "free")
	en := map[string]string{"Accept-Language": "en"}

	invalid := h.send(t, request{method: "POST", path: "/jobs", token: h.token, body: `{"name":`, header: en})
	wantError(t, invalid, http.StatusBadRequest, "validation_failed")
	if !strings.Contains(invalid.message, "invalid") {
		t.Errorf("English validation message %q does not say invalid", invalid.message)
	}

	limited := h.send(t, request{method: "POST", path: "/jobs", token: free,
		body: h.jobInput(map[string]any{"schedule": "*/10 * * * * *"}), header: en})
	wantError(t, limited, http.StatusForbidden, "plan_limit_exceeded")
	if !strings.Contains(limited.message, "limit") {
		t.Errorf("English plan limit message %q does not say limit", limited.message)
	}

	notAllowed := h.send(t, request{method: "PUT", path: "/jobs", token: h.token, header: en})
	wantError(t, notAllowed, http.StatusMethodNotAllowed, "method_not_allowed")
	if !strings.Contains(notAllowed.message, "not allowed") {
		t.Errorf("English 405 message %q does not say not allowed", notAllowed.message)
	}
}
