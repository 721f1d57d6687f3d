package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// routeCall is one request to a route, with a body the route accepts.
type routeCall struct {
	method, path string
	body         any
	// accepts is the list of query parameters in the English message.
	accepts string
}

// everyRoute returns a request to each route of the API, using jobID,
// executionID and keyID for the routes that take an id.
func (h *harness) everyRoute(jobID, executionID, keyID string) []routeCall {
	none := "(this route accepts no query parameters)"
	page := "(this route accepts limit and after)"
	return []routeCall{
		{"GET", "/jobs", nil, page},
		{"POST", "/jobs", h.jobInput(nil), none},
		{"POST", "/jobs/batch", []any{h.jobInput(nil)}, none},
		{"GET", "/jobs/" + jobID, nil, none},
		{"PATCH", "/jobs/" + jobID, map[string]any{"enabled": false}, none},
		{"DELETE", "/jobs/" + jobID, nil, none},
		{"POST", "/jobs/" + jobID + "/execute", nil, none},
		{"GET", "/jobs/" + jobID + "/executions", nil, page},
		{"GET", "/jobs/" + jobID + "/executions/" + executionID, nil, none},
		{"GET", "/schedules/next?schedule=%40daily", nil, "(this route accepts schedule, timezone, count and after)"},
		{"GET", "/keys", nil, none},
		{"POST", "/keys", map[string]any{"name": "k", "scopes": []string{"read:jobs"}}, none},
		{"GET", "/keys/" + keyID, nil, none},
		{"DELETE", "/keys/" + keyID, nil, none},
		{"GET", "/usage", nil, none},
		{"GET", "/signing-secret", nil, none},
		{"POST", "/signing-secret/rotate", nil, none},
	}
}

// withQuery appends query to path, which may have a query already.
func withQuery(path, query string) string {
	if strings.Contains(path, "?") {
		return path + "&" + query
	}
	return path + "?" + query
}

func TestEveryRouteRejectsUnknownParams(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	executionID := h.executeTimes(t, jobID, 1)[0]
	keyID, _ := h.createKey(t, h.token, "spare", "read:jobs")
	before := h.call(t, "GET", "/signing-secret", h.token, nil)
	wantStatus(t, before, http.StatusOK)

	for _, rc := range h.everyRoute(jobID, executionID, keyID) {
		t.Run(rc.method+" "+rc.path, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: rc.method, path: withQuery(rc.path, "bogus=1"),
				token: h.token, body: rc.body})
			wantFieldMessages(t, ja, en, "bogus", `unknown query parameter "bogus"; remove it `+rc.accepts,
				`クエリパラメーター "bogus" は存在しません`)
		})
	}

	// The rejected requests changed nothing.
	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after rejected requests, want 1", n)
	}
	job := h.call(t, "GET", "/jobs/"+jobID, h.token, nil)
	wantStatus(t, job, http.StatusOK)
	if enabled := job.object(t)["enabled"]; enabled != true {
		t.Errorf("job enabled is %v after a rejected PATCH, want true", enabled)
	}
	if runs := h.call(t, "GET", "/jobs/"+jobID+"/executions", h.token, nil).list(t); len(runs) != 1 {
		t.Errorf("job has %d executions after a rejected execute, want 1", len(runs))
	}
	wantStatus(t, h.call(t, "GET", "/keys/"+keyID, h.token, nil), http.StatusOK)
	after := h.call(t, "GET", "/signing-secret", h.token, nil)
	if string(after.data) != string(before.data) {
		t.Errorf("signing secret changed after a rejected rotate: %s, was %s", after.data, before.data)
	}
}

func TestEveryRouteRejectsRepeatedParams(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	executionID := h.executeTimes(t, jobID, 1)[0]

	tests := []struct {
		name, path, param string
		count             string // the number of times in the English message
	}{
		{"jobs limit", "/jobs?limit=1&limit=2", "limit", "2"},
		{"jobs after", "/jobs?after=" + jobID + "&after=" + jobID, "after", "2"},
		{"executions limit", "/jobs/" + jobID + "/executions?limit=1&limit=2&limit=3", "limit", "3"},
		{"executions after", "/jobs/" + jobID + "/executions?after=" + executionID + "&after=", "after", "2"},
		{"preview count", "/schedules/next?schedule=%40daily&count=1&count=2", "count", "2"},
		{"preview schedule", "/schedules/next?schedule=%40daily&schedule=%40hourly", "schedule", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: tc.path, token: h.token})
			wantFieldMessages(t, ja, en, tc.param,
				`query parameter "`+tc.param+`" is given `+tc.count+" times; give it once",
				`クエリパラメーター "`+tc.param+`" が `+tc.count+" 回指定されています")
		})
	}
}

// A request can name several parameters wrongly at once: each gets its
// own field error, in name order.
func TestQueryErrorsListEveryParam(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")

	res := h.call(t, "GET", "/jobs/"+jobID+"/executions?status=failure&limit=1&limit=2&bogus", h.token, nil)
	wantError(t, res, http.StatusBadRequest, "validation_failed")
	var named []string
	for _, f := range fieldErrors(t, res) {
		named = append(named, f.Field)
	}
	if want := []string{"bogus", "limit", "status"}; !slices.Equal(named, want) {
		t.Errorf("error.details names %v, want %v", named, want)
	}
}

func TestAcceptedParamsStillWork(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	h.executeTimes(t, jobID, 2)

	for _, path := range []string{
		"/jobs?limit=1",
		"/jobs?limit=1&after=",
		"/jobs/" + jobID + "/executions?limit=1",
		"/schedules/next?schedule=%40daily&timezone=UTC&count=1&after=2030-01-01T00%3A00%3A00Z",
	} {
		t.Run(path, func(t *testing.T) {
			wantStatus(t, h.call(t, "GET", path, h.token, nil), http.StatusOK)
		})
	}
}
