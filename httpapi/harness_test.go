package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
)

// start is the fake clock's first reading: a Tuesday morning in UTC, away
// from day and month boundaries.
var start = time.Date(2025, 11, 4, 9, 30, 0, 0, time.UTC)

// timePattern is the API's time format: RFC 3339 in UTC with milliseconds.
var timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// apiTime formats t as the API prints times.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Plans added to the built-in ones for limit tests.
const (
	planRateLimited = "test-rate"   // 2 requests per minute per API key
	planDailyQuota  = "test-quota"  // 3 API calls per UTC day
	planBudget      = "test-budget" // 2 executions per UTC month
)

func testPlans() metering.Plans {
	plans := metering.DefaultPlans()
	plans[planRateLimited] = metering.Plan{Name: planRateLimited, RequestsPerMinute: 2}
	plans[planDailyQuota] = metering.Plan{Name: planDailyQuota, DailyAPICalls: 3}
	plans[planBudget] = metering.Plan{Name: planBudget, MonthlyExecutions: 2}
	return plans
}

// options changes the defaults of [setupWith].
type options struct {
	// guard turns the target guard on (AllowPrivateTargets false) and
	// replaces the job HTTP client with one that rejects every call.
	guard bool
	// maxBodyBytes is passed to httpapi.Config, where 0 keeps the default.
	maxBodyBytes int64
	// store replaces the memstore, for tests that wrap it.
	store store.Store
}

// harness is a running API server with a service on a fake clock, and a
// loopback sink for job calls.
type harness struct {
	clock *schedulertest.Clock
	svc   *service.Service
	api   *httptest.Server
	sink  *sink
	// token belongs to the bootstrap user, on the unlimited plan with
	// every scope.
	token string
	logs  *syncBuffer
}

func setup(t *testing.T) *harness {
	t.Helper()
	return setupWith(t, options{})
}

func setupWith(t *testing.T, opts options) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{clock: schedulertest.NewClock(start), sink: newSink(t), logs: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	st := opts.store
	if st == nil {
		st = memstore.New()
	}
	cfg := service.Config{
		Store:               st,
		Plans:               testPlans(),
		Clock:               h.clock,
		Logger:              logger,
		AllowPrivateTargets: !opts.guard,
		// The meter flushes on a wall-clock ticker. An hour keeps it out
		// of every test, and tests that need a flush call Flush.
		MeterFlushInterval: time.Hour,
	}
	if opts.guard {
		cfg.HTTPClient = &http.Client{Transport: rejectTransport{}}
	}
	svc, err := service.New(cfg)
	if err != nil {
		t.Fatalf("service.New: %v", err)
	}
	h.svc = svc
	h.token, err = svc.Bootstrap(ctx, "")
	if err != nil || h.token == "" {
		t.Fatalf("Bootstrap returned token %q, error %v", h.token, err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("service Start: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Stop(stopCtx); err != nil {
			t.Errorf("service Stop: %v", err)
		}
	})

	api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: "/api", MaxBodyBytes: opts.maxBodyBytes, Logger: logger})
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	// Mounted as the server mounts it.
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	h.api = httptest.NewServer(mux)
	t.Cleanup(h.api.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// rejectTransport fails every request, so a guard test can never reach a
// network even if validation lets a URL through.
type rejectTransport struct{}

func (rejectTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("outbound calls are disabled in guard tests")
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newUser creates a user on plan and returns its id and token.
func (h *harness) newUser(t *testing.T, name, plan string) (userID, token string) {
	t.Helper()
	u, _, token, err := h.svc.CreateUser(context.Background(), name, plan, "")
	if err != nil {
		t.Fatalf("CreateUser(%q, %q): %v", name, plan, err)
	}
	return u.ID, token
}

// advance moves the fake clock once the scheduler sleeps on it.
func (h *harness) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if !h.clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler set no timer on the fake clock within 5s")
	}
	h.clock.Advance(d)
}

// setClock moves the fake clock to at once the scheduler sleeps on it.
func (h *harness) setClock(t *testing.T, at time.Time) {
	t.Helper()
	if !h.clock.WaitForTimers(1, 5*time.Second) {
		t.Fatal("scheduler set no timer on the fake clock within 5s")
	}
	h.clock.Set(at)
}

// sink is a loopback HTTP server that records the calls jobs make.
type sink struct {
	srv    *httptest.Server
	status atomic.Int32
	calls  chan sinkCall
}

type sinkCall struct {
	method string
	path   string
	header http.Header
	body   string
}

// sinkReply is the response body the sink returns.
const sinkReply = "sink received the call"

func newSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{calls: make(chan sinkCall, 100)}
	s.status.Store(http.StatusOK)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.calls <- sinkCall{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: string(body)}
		w.WriteHeader(int(s.status.Load()))
		_, _ = io.WriteString(w, sinkReply)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) url(path string) string { return s.srv.URL + path }

// next returns the next recorded call, waiting up to 5s for it.
func (s *sink) next(t *testing.T) sinkCall {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("sink received no call within 5s")
		return sinkCall{}
	}
}

// pending returns the number of recorded calls not yet taken by next.
func (s *sink) pending() int { return len(s.calls) }

// request is one API call.
type request struct {
	method string
	path   string // after the /api prefix
	token  string // empty sends no Authorization header
	// body is nil for none, a string or []byte sent as is, or a value
	// encoded as JSON.
	body any
	// header sets request headers. An empty value removes the header,
	// such as the Content-Type that send sets for a body.
	header map[string]string
}

// response is a decoded API response whose envelope has been checked.
type response struct {
	method, path string
	status       int
	header       http.Header
	raw          []byte
	message      string
	data         json.RawMessage
	code         string          // error.code, empty on success
	details      json.RawMessage // error.details, nil on success
}

func (r *response) String() string {
	return r.method + " " + r.path + " -> " + http.StatusText(r.status) + ": " + string(r.raw)
}

// call sends method path with token and an optional body.
func (h *harness) call(t *testing.T, method, path, token string, body any) *response {
	t.Helper()
	return h.send(t, request{method: method, path: path, token: token, body: body})
}

// send performs req and checks the envelope every response must have.
func (h *harness) send(t *testing.T, req request) *response {
	t.Helper()
	var body io.Reader
	switch b := req.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encoding request body: %v", err)
		}
		body = bytes.NewReader(enc)
	}

	hr, err := http.NewRequest(req.method, h.api.URL+"/api"+req.path, body)
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}

	resp, err := h.api.Client().Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading response: %v", req.method, req.path, err)
	}
	res := &response{method: req.method, path: req.path, status: resp.StatusCode, header: resp.Header, raw: raw}
	checkEnvelope(t, res)
	return res
}

// checkEnvelope decodes the envelope of res and checks its fields and
// content type.
func checkEnvelope(t *testing.T, res *response) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s %s: Content-Type is %q, want application/json; charset=utf-8", res.method, res.path, ct)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(res.raw, &env); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v", res, err)
	}
	var success bool
	if err := json.Unmarshal(env["success"], &success); err != nil || env["success"] == nil {
		t.Fatalf("%s: success is missing or not a boolean", res)
	}
	if err := json.Unmarshal(env["message"], &res.message); err != nil || env["message"] == nil || res.message == "" {
		t.Errorf("%s: message is missing, empty or not a string", res)
	}
	data, ok := env["data"]
	if !ok {
		t.Errorf("%s: data key is missing", res)
	}
	res.data = data

	if success {
		if res.status >= 400 {
			t.Errorf("%s: success is true on status %d", res, res.status)
		}
		if e, ok := env["error"]; ok && string(e) != "null" {
			t.Errorf("%s: success response carries error %s", res, e)
		}
		return
	}
	if res.status < 400 {
		t.Errorf("%s: success is false on status %d", res, res.status)
	}
	if string(data) != "null" {
		t.Errorf("%s: error response has data %s, want null", res, data)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(env["error"], &body); err != nil || body == nil {
		t.Fatalf("%s: error is missing or not an object", res)
	}
	if err := json.Unmarshal(body["code"], &res.code); err != nil || res.code == "" {
		t.Errorf("%s: error.code is missing or not a string", res)
	}
	details, ok := body["details"]
	if !ok {
		t.Errorf("%s: error.details key is missing", res)
	}
	res.details = details
}

// wantStatus stops the test unless res has status.
func wantStatus(t *testing.T, res *response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("%s: status %d, want %d", res, res.status, status)
	}
}

// wantError stops the test unless res is an error with status and code.
func wantError(t *testing.T, res *response, status int, code string) {
	t.Helper()
	wantStatus(t, res, status)
	if res.code != code {
		t.Fatalf("%s: error.code %q, want %q", res, res.code, code)
	}
}

// decodeData decodes the data of res into a T.
func decodeData[T any](t *testing.T, res *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.data, &v); err != nil {
		t.Fatalf("%s: decoding data as %T: %v", res, v, err)
	}
	return v
}

// object returns the data of res as a JSON object.
func (r *response) object(t *testing.T) map[string]any {
	t.Helper()
	obj := decodeData[map[string]any](t, r)
	if obj == nil {
		t.Fatalf("%s: data is not an object", r)
	}
	return obj
}

// list returns the data of res as a JSON array of objects.
func (r *response) list(t *testing.T) []map[string]any {
	t.Helper()
	if string(r.data) == "null" {
		t.Fatalf("%s: data is null, want an array", r)
	}
	return decodeData[[]map[string]any](t, r)
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// fieldErrors returns the error.details of a validation error.
func fieldErrors(t *testing.T, res *response) []fieldError {
	t.Helper()
	var fields []fieldError
	if err := json.Unmarshal(res.details, &fields); err != nil {
		t.Fatalf("%s: error.details is not a list of field errors: %v", res, err)
	}
	return fields
}

// wantInvalid checks that res is a 400 validation_failed naming field and
// returns that field's error.
func wantInvalid(t *testing.T, res *response, field string) fieldError {
	t.Helper()
	wantError(t, res, http.StatusBadRequest, httpapi.CodeValidationFailed)
	fields := fieldErrors(t, res)
	i := slices.IndexFunc(fields, func(f fieldError) bool { return f.Field == field })
	if i < 0 {
		t.Fatalf("%s: error.details does not name field %q", res, field)
	}
	if fields[i].Message == "" {
		t.Errorf("%s: field %q has an empty message", res, field)
	}
	return fields[i]
}

// detailsObject returns error.details as an object.
func detailsObject(t *testing.T, res *response) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(res.details, &d); err != nil || d == nil {
		t.Fatalf("%s: error.details is not an object", res)
	}
	return d
}

// kind is the JSON type expected of a field.
type kind int

const (
	kString kind = iota
	kStringOrNull
	kBool
	kInteger
	kIntegerOrNull
	kNumber
	kTime
	kTimeOrNull
	kObject
	kArray
)

func (k kind) String() string {
	return [...]string{"string", "string or null", "boolean", "integer", "integer or null", "number",
		"time", "time or null", "object", "array"}[k]
}

// checkShape checks that obj has exactly the fields of want, each of its
// kind.
func checkShape(t *testing.T, label string, obj map[string]any, want map[string]kind) {
	t.Helper()
	for name, k := range want {
		v, ok := obj[name]
		if !ok {
			t.Errorf("%s: field %q is missing, want %s", label, name, k)
			continue
		}
		if !hasKind(v, k) {
			t.Errorf("%s: field %q is %#v, want %s", label, name, v, k)
		}
	}
	for name := range obj {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected field %q", label, name)
		}
	}
}

func hasKind(v any, k kind) bool {
	switch k {
	case kString:
		_, ok := v.(string)
		return ok
	case kStringOrNull:
		return v == nil || hasKind(v, kString)
	case kBool:
		_, ok := v.(bool)
		return ok
	case kInteger:
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case kIntegerOrNull:
		return v == nil || hasKind(v, kInteger)
	case kNumber:
		_, ok := v.(float64)
		return ok
	case kTime:
		s, ok := v.(string)
		return ok && timePattern.MatchString(s)
	case kTimeOrNull:
		return v == nil || hasKind(v, kTime)
	case kObject:
		_, ok := v.(map[string]any)
		return ok
	case kArray:
		_, ok := v.([]any)
		return ok
	}
	return false
}

// jobShape is the job object. It leaves out lastRunAt, headers and body,
// which are checked on their own because the view omits them when empty.
var jobShape = map[string]kind{
	"id": kString, "name": kString, "url": kString, "method": kString, "schedule": kString,
	"timezone": kString, "enabled": kBool, "timeoutSeconds": kInteger, "nextRunAt": kTimeOrNull,
	"createdAt": kTime, "updatedAt": kTime, "userId": kString,
	"overlapPolicy": kString, "misfirePolicy": kString, "catchUpSeconds": kInteger,
	"jitterSeconds": kInteger, "retry": kObject,
}

var retryShape = map[string]kind{"maxAttempts": kInteger, "initialIntervalMs": kInteger, "maxIntervalMs": kInteger}

// checkJobShape checks a job object. Headers, body and lastRunAt are
// optional here.
func checkJobShape(t *testing.T, label string, job map[string]any) {
	t.Helper()
	want := maps.Clone(jobShape)
	for name, k := range map[string]kind{"headers": kObject, "body": kString, "lastRunAt": kTimeOrNull} {
		if _, ok := job[name]; ok {
			want[name] = k
		}
	}
	checkShape(t, label, job, want)
	if retry, ok := job["retry"].(map[string]any); ok {
		checkShape(t, label+" retry", retry, retryShape)
	}
}

var keyShape = map[string]kind{
	"id": kString, "name": kString, "scopes": kArray, "prefix": kString, "createdAt": kTime,
	"lastUsedAt": kTimeOrNull, "expiresAt": kTimeOrNull, "userId": kString,
}

var executionShape = map[string]kind{
	"id": kString, "jobId": kString, "trigger": kString, "scheduledAt": kTime, "startedAt": kTime,
	"finishedAt": kTimeOrNull, "status": kString, "statusCode": kIntegerOrNull, "durationMs": kInteger,
	"error": kStringOrNull, "responseExcerpt": kString, "attempts": kArray,
}

var resultShape = map[string]kind{
	"status": kString, "statusCode": kIntegerOrNull, "durationMs": kInteger, "error": kStringOrNull,
	"responseExcerpt": kString,
}

// jobInput returns a valid job body calling the sink, with overrides
// applied. A nil override value removes the field.
func (h *harness) jobInput(overrides map[string]any) map[string]any {
	in := map[string]any{
		"name":     "nightly report",
		"url":      h.sink.url("/hook"),
		"method":   "POST",
		"schedule": "0 9 * * *",
	}
	for k, v := range overrides {
		if v == nil {
			delete(in, k)
			continue
		}
		in[k] = v
	}
	return in
}

// createJob creates a job and returns it.
func (h *harness) createJob(t *testing.T, token string, overrides map[string]any) map[string]any {
	t.Helper()
	res := h.call(t, "POST", "/jobs", token, h.jobInput(overrides))
	wantStatus(t, res, http.StatusCreated)
	return res.object(t)
}

// countJobs returns the number of jobs GET /jobs lists for token.
func (h *harness) countJobs(t *testing.T, token string) int {
	t.Helper()
	res := h.call(t, "GET", "/jobs", token, nil)
	wantStatus(t, res, http.StatusOK)
	return len(res.list(t))
}

// createKey creates an API key and returns its id and token.
func (h *harness) createKey(t *testing.T, token, name string, scopes ...string) (id, keyToken string) {
	t.Helper()
	res := h.call(t, "POST", "/keys", token, map[string]any{"name": name, "scopes": scopes})
	wantStatus(t, res, http.StatusCreated)
	key := res.object(t)
	id, _ = key["id"].(string)
	keyToken, _ = key["token"].(string)
	if id == "" || keyToken == "" {
		t.Fatalf("%s: created key has no id or token", res)
	}
	return id, keyToken
}

// str returns obj[name] as a string, or fails.
func str(t *testing.T, obj map[string]any, name string) string {
	t.Helper()
	s, ok := obj[name].(string)
	if !ok {
		t.Fatalf("field %q is %#v, want a string", name, obj[name])
	}
	return s
}

// num returns obj[name] as a number, or fails.
func num(t *testing.T, obj map[string]any, name string) float64 {
	t.Helper()
	f, ok := obj[name].(float64)
	if !ok {
		t.Fatalf("field %q is %#v, want a number", name, obj[name])
	}
	return f
}

// sub returns obj[name] as an object, or fails.
func sub(t *testing.T, obj map[string]any, name string) map[string]any {
	t.Helper()
	m, ok := obj[name].(map[string]any)
	if !ok {
		t.Fatalf("field %q is %#v, want an object", name, obj[name])
	}
	return m
}

// poll calls cond until it returns true, for up to 5s of real time. It
// waits for state that a background run writes after its HTTP call, and
// sleeps only between checks.
func poll(t *testing.T, awaited string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 5s waiting for %s", awaited)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
