package httpapi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBrokenChunkedBody checks that a body with broken chunked encoding
// gets a 400, not a 500.
func TestBrokenChunkedBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	u, err := url.Parse(h.api.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /api/jobs HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n", u.Host, h.token)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("broken chunked body = %d, want 400", res.StatusCode)
	}
}

// TestFieldNamesAreCaseSensitive checks that keys which match a field only
// when case is ignored are rejected, so they cannot bypass the rules that
// look fields up by name.
func TestFieldNamesAreCaseSensitive(t *testing.T) {
	t.Parallel()
	h := setup(t)
	id := str(t, h.createJob(t, h.token, nil), "id")
	for _, tc := range []struct {
		method, path string
		body         string
		field, want  string
	}{
		{"POST", "/jobs", `{"name":"a","url":"https://example.com/","method":"GET","schedule":"@daily","Headers":{"X-A":"1"}}`,
			"Headers", `write "headers"`},
		{"PATCH", "/jobs/" + id, `{"Name":null}`, "Name", `write "name"`},
		{"PATCH", "/jobs/" + id, `{"retry":{"MaxAttempts":2}}`, "retry.MaxAttempts", `write "maxAttempts"`},
		{"POST", "/jobs/batch", `[{"name":"a","url":"https://example.com/","method":"GET","schedule":"@daily","Timezone":"UTC"}]`,
			"[0].Timezone", `write "timezone"`},
		{"POST", "/keys", `{"Name":"k","scopes":["read:jobs"]}`, "Name", `write "name"`},
	} {
		res := h.send(t, request{method: tc.method, path: tc.path, token: h.token, body: tc.body,
			header: map[string]string{"Accept-Language": "en"}})
		f := wantInvalid(t, res, tc.field)
		if !strings.Contains(f.Message, tc.want) {
			t.Errorf("%s %s %s: message %q does not say %s", tc.method, tc.path, tc.body, f.Message, tc.want)
		}
	}
	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("%d jobs after the rejected requests, want the 1 created first", n)
	}
}

func TestContentTypeEdgeCases(t *testing.T) {
	t.Parallel()
	h := setup(t)
	body := `{"name":"a","url":"https://example.com/","method":"GET","schedule":"@daily"}`
	for _, tc := range []struct {
		contentType string
		want        int
	}{
		{"application/json; charset=utf-8", http.StatusCreated},
		{"Application/JSON; Charset=UTF-8", http.StatusCreated},
		{"application/merge-patch+json", http.StatusCreated},
		{"application/json; charset=latin1", http.StatusUnsupportedMediaType},
		{"application/json; charset=utf-16", http.StatusUnsupportedMediaType},
		{"+json", http.StatusUnsupportedMediaType},
		{"text/foo+json", http.StatusUnsupportedMediaType},
	} {
		res := h.send(t, request{method: "POST", path: "/jobs", token: h.token, body: body,
			header: map[string]string{"Content-Type": tc.contentType}})
		if res.status != tc.want {
			t.Errorf("Content-Type %q = %d, want %d", tc.contentType, res.status, tc.want)
		}
	}

	// Two Content-Type headers are rejected, whatever the first contains.
	req, err := http.NewRequest("POST", h.api.URL+"/api/jobs", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Add("Content-Type", "application/json")
	req.Header.Add("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("two Content-Type headers = %d, want 415", res.StatusCode)
	}
}

func TestHostileBodies(t *testing.T) {
	t.Parallel()
	h := setup(t)
	id := str(t, h.createJob(t, h.token, nil), "id")
	en := map[string]string{"Accept-Language": "en"}

	// A value of the wrong type names JSON types, not Go types.
	res := h.send(t, request{method: "PATCH", path: "/jobs/" + id, token: h.token, body: `{"retry":5}`, header: en})
	if f := wantInvalid(t, res, "retry"); !strings.Contains(f.Message, "expected an object") {
		t.Errorf("retry 5: message %q, want it to ask for an object", f.Message)
	}

	// A batch item of the wrong type is named by its index in Japanese too.
	ja := h.send(t, request{method: "POST", path: "/jobs/batch", token: h.token, body: `[1]`})
	wantInvalid(t, ja, "[0]")
	if strings.Contains(ja.message, "request") {
		t.Errorf("batch [1]: Japanese message %q names the whole request", ja.message)
	}

	// A huge unknown key is not repeated in full.
	huge := strings.Repeat("k", 200_000)
	res = h.send(t, request{method: "PATCH", path: "/jobs/" + id, token: h.token, body: `{"` + huge + `":1}`})
	wantError(t, res, http.StatusBadRequest, "validation_failed")
	if len(res.raw) > 10_000 {
		t.Errorf("error response for a 200 kB key is %d bytes long", len(res.raw))
	}

	// null is not an object or an array.
	wantInvalid(t, h.send(t, request{method: "PATCH", path: "/jobs/" + id, token: h.token, body: `null`}), "request")
	batch := h.send(t, request{method: "POST", path: "/jobs/batch", token: h.token, body: `null`, header: en})
	if f := wantInvalid(t, batch, "request"); !strings.Contains(f.Message, "got null") {
		t.Errorf("batch null: message %q, want it to say null was sent", f.Message)
	}
	wantInvalid(t, h.send(t, request{method: "POST", path: "/jobs/batch", token: h.token, body: `[null]`}), "[0]")

	// null sets enabled and each retry field back to its default.
	h.call(t, "PATCH", "/jobs/"+id, h.token, map[string]any{"enabled": false, "retry": map[string]int{"maxAttempts": 1}})
	res = h.call(t, "PATCH", "/jobs/"+id, h.token, `{"enabled":null,"retry":{"maxAttempts":null}}`)
	wantStatus(t, res, http.StatusOK)
	job := res.object(t)
	retry, _ := job["retry"].(map[string]any)
	if job["enabled"] != true {
		t.Errorf("after null, enabled = %v, want true", job["enabled"])
	}
	if retry["maxAttempts"] != float64(3) {
		t.Errorf("after null, retry.maxAttempts = %v, want 3", retry["maxAttempts"])
	}
}

func TestPreviewRejectsNegativeYears(t *testing.T) {
	t.Parallel()
	h := setup(t)
	res := h.call(t, "GET", "/schedules/next?schedule=%40hourly&count=2&after=0000-01-01T00:00:00%2B05:00", h.token, nil)
	wantInvalid(t, res, "after")
}

func TestQueryParameterWithoutName(t *testing.T) {
	t.Parallel()
	h := setup(t)
	res := h.call(t, "GET", "/jobs?=x", h.token, nil)
	if f := wantInvalid(t, res, "query"); !strings.Contains(f.Message, "without a name") {
		t.Errorf("?=x: message %q does not say the parameter has no name", f.Message)
	}
}

func TestTrailingValueNotBlamedOnFirst(t *testing.T) {
	t.Parallel()
	h := setup(t)
	res := h.send(t, request{method: "POST", path: "/jobs", token: h.token,
		body: `{"name":"a"} {"name":"\ud800"}`, header: map[string]string{"Accept-Language": "en"}})
	if f := wantInvalid(t, res, "request"); !strings.Contains(f.Message, `\ud800`) {
		t.Errorf("second value: message %q, want it to name the escape", f.Message)
	}
	if fields := fieldErrors(t, res); len(fields) != 1 {
		t.Errorf("second value: errors %+v, want one on the whole request, none on a field of the first value", fields)
	}
}
