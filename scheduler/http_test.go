package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler"
)

type captured struct {
	method string
	path   string
	header http.Header
	body   string
}

// sink is a loopback HTTP server that records requests and responds with
// the statuses given, repeating the last one.
type sink struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []captured
	statuses []int
	calls    atomic.Int32
}

func newSink(t *testing.T, statuses ...int) *sink {
	t.Helper()
	s := &sink{statuses: statuses}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(s.calls.Add(1)) - 1
		s.mu.Lock()
		s.requests = append(s.requests, captured{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
		s.mu.Unlock()
		status := http.StatusOK
		if len(s.statuses) > 0 {
			status = s.statuses[min(n, len(s.statuses)-1)]
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		io.WriteString(w, "pong "+strings.Repeat("x", 2000))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) all() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.requests...)
}

var scheduledAtFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestHTTPExecutorSendsJobRequest(t *testing.T) {
	t.Parallel()
	s := newSink(t)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodPut, URL: s.srv.URL + "/hook?x=1",
		Header: map[string]string{"X-Custom": "v", "Content-Type": "text/plain"},
		Body:   "payload",
	}
	slot := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("JST", 9*3600))
	run := scheduler.Run{JobID: "job_1", ExecutionID: "exe_1", ScheduledAt: slot, Trigger: scheduler.TriggerSchedule}
	res := ex.Execute(context.Background(), run)

	if res.Status != scheduler.StatusSuccess || res.StatusCode != 200 {
		t.Fatalf("result = %+v", res)
	}
	if !strings.HasPrefix(res.ResponseExcerpt, "pong ") || len(res.ResponseExcerpt) != 1024 {
		t.Errorf("excerpt has %d bytes, want the first 1024", len(res.ResponseExcerpt))
	}
	reqs := s.all()
	if len(reqs) != 1 {
		t.Fatalf("sink got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	checks := map[string][2]string{
		"method":                 {r.method, "PUT"},
		"path":                   {r.path, "/hook"},
		"body":                   {r.body, "payload"},
		"X-Custom":               {r.header.Get("X-Custom"), "v"},
		"Content-Type":           {r.header.Get("Content-Type"), "text/plain"},
		"X-Recoron-Job-Id":       {r.header.Get("X-Recoron-Job-Id"), "job_1"},
		"X-Recoron-Execution-Id": {r.header.Get("X-Recoron-Execution-Id"), "exe_1"},
		"Idempotency-Key":        {r.header.Get("Idempotency-Key"), "exe_1"},
		"X-Recoron-Attempt":      {r.header.Get("X-Recoron-Attempt"), "1"},
		"X-Recoron-Scheduled-At": {r.header.Get("X-Recoron-Scheduled-At"), "2026-01-01T18:04:05.000Z"},
		"User-Agent":             {r.header.Get("User-Agent"), scheduler.UserAgent},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if !scheduledAtFormat.MatchString(r.header.Get("X-Recoron-Scheduled-At")) {
		t.Errorf("X-Recoron-Scheduled-At %q is not RFC 3339 UTC with milliseconds", r.header.Get("X-Recoron-Scheduled-At"))
	}
}

func TestHTTPExecutorRetriesServerErrors(t *testing.T) {
	t.Parallel()
	s := newSink(t, 503, 429, 200)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: s.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond},
	}
	res := ex.Execute(context.Background(), scheduler.Run{JobID: "j", ExecutionID: "e", Trigger: scheduler.TriggerSchedule})
	if res.Status != scheduler.StatusSuccess {
		t.Fatalf("status = %s (%s), want success", res.Status, res.Error)
	}
	if len(res.Attempts) != 3 {
		t.Fatalf("attempts = %d, want 3", len(res.Attempts))
	}
	for i, want := range []int{503, 429, 200} {
		if res.Attempts[i].StatusCode != want {
			t.Errorf("attempt %d status = %d, want %d", i+1, res.Attempts[i].StatusCode, want)
		}
	}
	for i, r := range s.all() {
		if got := r.header.Get("X-Recoron-Attempt"); got != []string{"1", "2", "3"}[i] {
			t.Errorf("request %d attempt header = %q", i, got)
		}
		if got := r.header.Get("X-Recoron-Execution-Id"); got != "e" {
			t.Errorf("request %d execution id = %q, want the same for every attempt", i, got)
		}
	}
}

func TestHTTPExecutorNoRetryOn4xxOrManual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		trigger string
	}{
		{"client error", 404, scheduler.TriggerSchedule},
		{"manual run", 500, scheduler.TriggerManual},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, tc.status)
			ex := &scheduler.HTTPExecutor{
				Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
				Method: http.MethodGet, URL: s.srv.URL,
				Retry: scheduler.RetryPolicy{MaxAttempts: 5, InitialInterval: time.Millisecond},
			}
			res := ex.Execute(context.Background(), scheduler.Run{Trigger: tc.trigger})
			if res.Status != scheduler.StatusFailure || res.StatusCode != tc.status {
				t.Errorf("result = %s %d, want failure %d", res.Status, res.StatusCode, tc.status)
			}
			if n := s.calls.Load(); n != 1 {
				t.Errorf("sink called %d times, want 1", n)
			}
		})
	}
}

func TestHTTPExecutorTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: srv.URL, Timeout: 50 * time.Millisecond,
	}
	res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual})
	if res.Status != scheduler.StatusTimeout {
		t.Errorf("status = %s (%s), want timeout", res.Status, res.Error)
	}
}

func TestGuardBlocksLoopbackAtConnect(t *testing.T) {
	t.Parallel()
	s := newSink(t)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{}),
		Method: http.MethodGet, URL: s.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond},
	}
	res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerSchedule})
	if res.Status != scheduler.StatusFailure || !strings.Contains(res.Error, "not publicly routable") {
		t.Errorf("result = %s %q, want a blocked failure", res.Status, res.Error)
	}
	if len(res.Attempts) != 1 {
		t.Errorf("attempts = %d, want 1: a blocked address is not retried", len(res.Attempts))
	}
	if n := s.calls.Load(); n != 0 {
		t.Errorf("sink called %d times through the guard", n)
	}
}

func TestCheckTargetAddr(t *testing.T) {
	t.Parallel()
	blocked := []string{"64:ff9b::a9fe:a9fe", "2002:7f00:1::", "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fc00::1", "fd00:ec2::254",
		"fe80::1", "::", "::ffff:127.0.0.1", "ff02::1"}
	for _, a := range blocked {
		if err := scheduler.CheckTargetAddr(netip.MustParseAddr(a)); !errors.Is(err, scheduler.ErrBlockedTarget) {
			t.Errorf("CheckTargetAddr(%s) = %v, want blocked", a, err)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "2606:4700::1111", "100.128.0.1", "64:ff9b::808:808"} {
		if err := scheduler.CheckTargetAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckTargetAddr(%s) = %v, want allowed", a, err)
		}
	}
}

func TestCheckTargetURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		wantErr      string
	}{
		{"https://example.com/hook", false, ""},
		{"http://127.0.0.1:8080/", true, ""},
		{"ftp://example.com/", false, "scheme"},
		{"/relative", false, "scheme"},
		{"example.com/hook", false, "has no scheme; write it in full, such as https://example.com/hook"},
		{"not a url", false, `URL "not a url" is not an absolute URL; write the full URL with scheme and host, such as https://example.com/hook`},
		{"//example.com/hook", false, "such as https://example.com/hook"},
		{"/hook", false, "has no scheme or host; write the full URL with the host to call, such as https://example.com/hook"},
		{"///hook", false, "such as https://example.com/hook"},
		{"?id=1", false, "such as https://example.com/?id=1"},
		{"", false, "such as https://example.com/"},
		{"https://user:pw@example.com/", false, "credentials"},
		{"http://localhost:9000/", false, "not publicly routable"},
		{"http://LOCALHOST./", false, "not publicly routable"},
		{"http://api.localhost/", false, "not publicly routable"},
		{"http://[::1]/", false, "not publicly routable"},
		{"http://169.254.169.254/latest/meta-data", false, "not publicly routable"},
		{"http:///nohost", false, "no host"},
		{"http://0x7f000001/", false, "non-standard form"},
		{"http://2130706433/", false, "non-standard form"},
		{"http://127.1/", false, "non-standard form"},
		{"http://0/", false, "non-standard form"},
		{"http://cafe.be/", false, ""},
		{"http://123.example/", false, ""},
		{"http://example.com:99999/", false, "port"},
		{"http://[64:ff9b::7f00:1]/", false, "not publicly routable"},
	} {
		err := scheduler.CheckTargetURL(tc.url, tc.allowPrivate)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckTargetURL(%q) = %v, want nil", tc.url, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("CheckTargetURL(%q) = %v, want error containing %q", tc.url, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "https:///") {
			t.Errorf("CheckTargetURL(%q) = %v, which suggests a URL without a host", tc.url, err)
		}
	}
}

func TestHostLimitsQueueThenFailFast(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(srv.Close)
	hosts := scheduler.NewHostLimits(1, 0)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: srv.URL, Hosts: hosts,
	}
	results := make(chan scheduler.Result, 2)
	call := func() { results <- ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual}) }
	go call()
	<-arrived
	// The second call waits for the slot; the third finds the queue full
	// and fails at once.
	go call()
	host := strings.TrimPrefix(srv.URL, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for _, waiting := hosts.Load(host); waiting < 1; _, waiting = hosts.Load(host) {
		if time.Now().After(deadline) {
			t.Fatal("the second call never queued")
		}
		time.Sleep(time.Millisecond)
	}
	res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual})
	if res.Status != scheduler.StatusFailure || !strings.Contains(res.Error, "host limit reached") {
		t.Errorf("third call = %s %q, want a host limit failure", res.Status, res.Error)
	}
	close(release)
	for range 2 {
		if r := <-results; r.Status != scheduler.StatusSuccess {
			t.Errorf("queued call = %s %q, want success", r.Status, r.Error)
		}
	}
	// The slot is free again.
	if r := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual}); r.Status != scheduler.StatusSuccess {
		t.Errorf("third call = %s %q", r.Status, r.Error)
	}
	// With no call left, the host's state is dropped.
	if n := hosts.Hosts(); n != 0 {
		t.Errorf("limits track %d hosts with no call in flight, want 0", n)
	}
}

func TestHostLimitsPerOwner(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hold") != "" {
			<-release
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	hosts := scheduler.NewHostLimits(1, 0)
	client := scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true})
	holding := &scheduler.HTTPExecutor{Client: client, Method: http.MethodGet, URL: srv.URL + "/?hold=1", Hosts: hosts}
	quick := &scheduler.HTTPExecutor{Client: client, Method: http.MethodGet, URL: srv.URL + "/", Hosts: hosts}

	// Owner a takes the host's one slot and keeps it.
	go holding.Execute(context.Background(), scheduler.Run{Owner: "a", Trigger: scheduler.TriggerManual})
	host := strings.TrimPrefix(srv.URL, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for inFlight, _ := hosts.Load("a " + host); inFlight < 1; inFlight, _ = hosts.Load("a " + host) {
		if time.Now().After(deadline) {
			t.Fatal("owner a's call never took the slot")
		}
		time.Sleep(time.Millisecond)
	}

	// Owner b has a slot of its own on the same host.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res := quick.Execute(ctx, scheduler.Run{Owner: "b", Trigger: scheduler.TriggerManual}); res.Status != scheduler.StatusSuccess {
		t.Errorf("owner b's call = %s %q, want success while owner a holds its slot", res.Status, res.Error)
	}
}

func TestHTTPExecutorRedirects(t *testing.T) {
	t.Parallel()
	final := newSink(t)
	hops := 0
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if n > 0 {
			http.Redirect(w, r, "/?n="+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		http.Redirect(w, r, final.srv.URL+"/landed", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	client := scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true})

	for _, tc := range []struct {
		name, method string
		n            int
		wantStatus   string
		wantCode     int
		wantLanded   bool
	}{
		{"GET follows", http.MethodGet, 2, scheduler.StatusSuccess, 200, true},
		{"GET follows 5", http.MethodGet, 4, scheduler.StatusSuccess, 200, true},
		{"GET stops after 5", http.MethodGet, 5, scheduler.StatusFailure, 0, false},
		{"POST does not follow", http.MethodPost, 0, scheduler.StatusFailure, http.StatusFound, false},
	} {
		before := final.calls.Load()
		ex := &scheduler.HTTPExecutor{Client: client, Method: tc.method,
			URL: redirector.URL + "/?n=" + strconv.Itoa(tc.n), Body: "b"}
		res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual})
		if res.Status != tc.wantStatus || res.StatusCode != tc.wantCode {
			t.Errorf("%s: result = %s %d (%s), want %s %d", tc.name, res.Status, res.StatusCode, res.Error,
				tc.wantStatus, tc.wantCode)
		}
		if landed := final.calls.Load() > before; landed != tc.wantLanded {
			t.Errorf("%s: reached the final URL = %v, want %v", tc.name, landed, tc.wantLanded)
		}
	}
}

func TestGuardBlocksRedirectTarget(t *testing.T) {
	t.Parallel()
	// The final sink listens on 127.0.0.2, which this test's guard blocks;
	// the redirector on 127.0.0.1 is allowed. The redirect must not get
	// through.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	final := newSink(t)
	final.srv.Close()
	final.srv = &httptest.Server{Listener: ln, Config: final.srv.Config}
	final.srv.Start()
	redirector := httptest.NewServer(http.RedirectHandler(final.srv.URL+"/inside", http.StatusFound))
	t.Cleanup(redirector.Close)

	blocked := netip.MustParseAddr("127.0.0.2")
	client := scheduler.NewHTTPClient(scheduler.HTTPClientConfig{CheckAddr: func(a netip.Addr) error {
		if a == blocked {
			return fmt.Errorf("%w: %s", scheduler.ErrBlockedTarget, a)
		}
		return nil
	}})
	ex := &scheduler.HTTPExecutor{Client: client, Method: http.MethodGet, URL: redirector.URL}
	res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerManual})
	if res.Status != scheduler.StatusFailure || !strings.Contains(res.Error, "not publicly routable") {
		t.Errorf("result = %s %q, want the redirect blocked", res.Status, res.Error)
	}
	if n := final.calls.Load(); n != 0 {
		t.Errorf("blocked target got %d calls", n)
	}
}

func TestHTTPExecutorStopsRetryingBeforeNextSlot(t *testing.T) {
	t.Parallel()
	s := newSink(t, 503)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: s.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 5, InitialInterval: time.Hour, MaxInterval: time.Hour},
	}
	// The next slot is now. Full jitter draws each wait from zero to an
	// hour, so any wait above zero would end past the slot and no retry
	// may start.
	run := scheduler.Run{Trigger: scheduler.TriggerSchedule, NextAt: time.Now()}
	res := ex.Execute(context.Background(), run)
	if len(res.Attempts) != 1 || s.calls.Load() != 1 {
		t.Errorf("attempts = %d, calls = %d; want 1 of each", len(res.Attempts), s.calls.Load())
	}
	if res.Status != scheduler.StatusFailure || res.StatusCode != 503 {
		t.Errorf("result = %s %d, want failure 503", res.Status, res.StatusCode)
	}
}

func TestHTTPExecutorHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// The sink responds 429 with Retry-After: 0 once, then 200. Without
	// the header, the configured backoff of an hour would block the retry.
	s := newSink(t, 429, 200)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: s.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Hour, MaxInterval: time.Hour},
	}
	res := ex.Execute(context.Background(), scheduler.Run{Trigger: scheduler.TriggerSchedule})
	if res.Status != scheduler.StatusSuccess || len(res.Attempts) != 2 {
		t.Errorf("result = %s after %d attempts, want success after 2", res.Status, len(res.Attempts))
	}
}

// TestHTTPExecutorCutsRetryAtNextSlot checks that a retry that would run
// past the job's next slot is cut off when that slot comes.
func TestHTTPExecutorCutsRetryAtNextSlot(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		<-r.Context().Done() // the retry hangs
	}))
	t.Cleanup(srv.Close)
	ex := &scheduler.HTTPExecutor{
		Client:  scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method:  http.MethodGet,
		URL:     srv.URL,
		Timeout: time.Minute,
		Retry:   scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond},
	}
	run := scheduler.Run{Trigger: scheduler.TriggerSchedule, NextAt: time.Now().Add(time.Second)}
	res := ex.Execute(context.Background(), run)
	if len(res.Attempts) != 2 {
		t.Fatalf("attempts = %d, want 2: the first, and one retry cut at the next slot", len(res.Attempts))
	}
	if got := res.Attempts[1].Error; !strings.Contains(got, "when the job's next slot came") {
		t.Errorf("retry error = %q, want it cut at the next slot", got)
	}
	if res.Status != scheduler.StatusTimeout {
		t.Errorf("status = %q, want %q", res.Status, scheduler.StatusTimeout)
	}
}

// TestHTTPExecutorSkipsRetryTooCloseToNextSlot checks that no retry is
// made when too little time is left before the next slot, so the run
// keeps the outcome of its last real attempt.
func TestHTTPExecutorSkipsRetryTooCloseToNextSlot(t *testing.T) {
	t.Parallel()
	s := newSink(t, 503)
	ex := &scheduler.HTTPExecutor{
		Client: scheduler.NewHTTPClient(scheduler.HTTPClientConfig{AllowPrivateTargets: true}),
		Method: http.MethodGet, URL: s.srv.URL,
		Retry: scheduler.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond},
	}
	run := scheduler.Run{Trigger: scheduler.TriggerSchedule, NextAt: time.Now().Add(100 * time.Millisecond)}
	res := ex.Execute(context.Background(), run)
	if len(res.Attempts) != 1 || s.calls.Load() != 1 {
		t.Errorf("attempts = %d, calls = %d; want 1 of each", len(res.Attempts), s.calls.Load())
	}
	if res.Status != scheduler.StatusFailure || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("result = %s %d, want the first attempt's failure 503", res.Status, res.StatusCode)
	}
}
