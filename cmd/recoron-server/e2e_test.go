package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/recoron/recoron/signature"
)

// buildServer compiles the server once per test binary, with the race
// detector.
var buildServer = sync.OnceValues(func() (string, error) { return build("-race") })

// buildFastServer compiles the server without the race detector, for tests
// whose timing matters more than race checks.
var buildFastServer = sync.OnceValues(func() (string, error) { return build() })

func build(flags ...string) (string, error) {
	dir, err := os.MkdirTemp("", "recoron-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "recoron-server")
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

type serverProcess struct {
	cmd    *exec.Cmd
	base   string
	token  string
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan error
}

func (p *serverProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

var startedLine = regexp.MustCompile(`msg="server started" addr=(\S+)`)

// startServer runs the built binary on a free loopback port and waits for
// /healthz.
func startServer(t *testing.T, env ...string) *serverProcess {
	t.Helper()
	return startBinary(t, buildServer, env...)
}

func startBinary(t *testing.T, build func() (string, error), env ...string) *serverProcess {
	t.Helper()
	return startBinaryWithArgs(t, build, nil, env...)
}

// startBinaryWithArgs is startBinary with extra flags, which override the
// defaults of startBinary.
func startBinaryWithArgs(t *testing.T, build func() (string, error), args []string, env ...string) *serverProcess {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{token: "e2e-token-0123456789abcdef", exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "5s"}, args...)...)
	// The default database is a file in the working directory, so each
	// server gets its own directory.
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(os.Environ(), "RECORON_BOOTSTRAP_TOKEN="+p.token)
	p.cmd.Env = append(p.cmd.Env, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := startedLine.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
	})

	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start; log:\n%s", p.log())
	}
	resp, err := http.Get(p.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	return p
}

type envelope struct {
	Success bool            `json:"success"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Error   *struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (p *serverProcess) call(t *testing.T, method, path, body string) (int, envelope) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+"/api"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s %s: body is not an envelope: %s", method, path, raw)
	}
	return resp.StatusCode, env
}

type hit struct {
	method, path, body string
	header             http.Header
	at                 time.Time
}

func newSink(t *testing.T) (*httptest.Server, chan hit) {
	t.Helper()
	hits := make(chan hit, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- hit{r.Method, r.URL.Path, string(b), r.Header.Clone(), time.Now()}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestServerFiresEverySecond(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	sink, hits := newSink(t)
	p := startServer(t, "RECORON_ALLOW_PRIVATE_TARGETS=true")

	body := fmt.Sprintf(`{"name":"tick","url":%q,"method":"PATCH","schedule":"* * * * * *",`+
		`"headers":{"X-Token":"abc"},"body":"{\"n\":1}"}`, sink.URL+"/tick")
	status, env := p.call(t, "POST", "/jobs", body)
	if status != http.StatusCreated || !env.Success {
		t.Fatalf("create = %d %s", status, env.Message)
	}
	var job struct{ ID string }
	if err := json.Unmarshal(env.Data, &job); err != nil {
		t.Fatal(err)
	}

	var got []hit
	deadline := time.After(15 * time.Second)
	for len(got) < 3 {
		select {
		case h := <-hits:
			got = append(got, h)
		case <-deadline:
			t.Fatalf("sink got %d calls in 15s, want 3; log:\n%s", len(got), p.log())
		}
	}
	status, env = p.call(t, "GET", "/signing-secret", "")
	var secret struct{ Secret string }
	if err := json.Unmarshal(env.Data, &secret); status != 200 || err != nil || secret.Secret == "" {
		t.Fatalf("signing secret = %d %s", status, env.Data)
	}

	var prev time.Time
	for i, h := range got {
		err := signature.Verify(h.header.Get(signature.HeaderName), []byte(h.body), secret.Secret,
			signature.DefaultTolerance, time.Now())
		if err != nil {
			t.Errorf("call %d signature: %v", i, err)
		}
		if h.method != "PATCH" || h.path != "/tick" || h.body != `{"n":1}` {
			t.Errorf("call %d = %s %s %q", i, h.method, h.path, h.body)
		}
		if h.header.Get("X-Token") != "abc" || h.header.Get("X-Recoron-Job-Id") != job.ID {
			t.Errorf("call %d headers = %v", i, h.header)
		}
		at, err := time.Parse(time.RFC3339Nano, h.header.Get("X-Recoron-Scheduled-At"))
		if err != nil {
			t.Fatalf("call %d: X-Recoron-Scheduled-At: %v", i, err)
		}
		if at.Nanosecond() != 0 {
			t.Errorf("call %d scheduled at %v, want a whole second", i, at)
		}
		if i > 0 && at.Sub(prev) != time.Second {
			t.Errorf("call %d scheduled %v after the previous, want 1s", i, at.Sub(prev))
		}
		prev = at
	}

	status, env = p.call(t, "GET", "/jobs/"+job.ID+"/executions", "")
	var execs []struct{ Status string }
	if err := json.Unmarshal(env.Data, &execs); status != 200 || err != nil || len(execs) < 3 {
		t.Errorf("executions = %d %s", status, env.Data)
	}
}

func TestServerStopsGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	p := startServer(t)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit: %v; log:\n%s", err, p.log())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(p.log(), `msg="server stopped"`) {
		t.Errorf("log has no stop line:\n%s", p.log())
	}
}

func TestServerContractFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	sink, hits := newSink(t)
	p := startServer(t, "RECORON_ALLOW_PRIVATE_TARGETS=true")

	steps := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/jobs", "", 200},
		{"POST", "/jobs", fmt.Sprintf(`{"name":"Daily Report","url":%q,"method":"POST","schedule":"0 9 * * *","timezone":"Asia/Tokyo"}`, sink.URL), 201},
		{"POST", "/jobs/batch", fmt.Sprintf(`[{"name":"Job 1","url":%q,"method":"GET","schedule":"0 * * * *"},{"name":"Job 2","url":%q,"method":"POST","schedule":"*/30 * * * *"}]`, sink.URL, sink.URL), 201},
		{"GET", "/usage", "", 200},
		{"GET", "/keys", "", 200},
		{"POST", "/keys", `{"name":"Production API Key","scopes":["read:jobs","write:jobs"]}`, 201},
	}
	var jobID string
	for _, s := range steps {
		status, env := p.call(t, s.method, s.path, s.body)
		if status != s.status || !env.Success || env.Message != "success" {
			t.Fatalf("%s %s = %d %q", s.method, s.path, status, env.Message)
		}
		if s.path == "/jobs" && s.method == "POST" {
			var j struct{ ID string }
			_ = json.Unmarshal(env.Data, &j)
			jobID = j.ID
		}
	}

	status, env := p.call(t, "PATCH", "/jobs/"+jobID, `{"enabled": false}`)
	if status != 200 || !strings.Contains(string(env.Data), `"enabled":false`) ||
		!strings.Contains(string(env.Data), `"nextRunAt":null`) {
		t.Errorf("disable = %d %s", status, env.Data)
	}
	status, env = p.call(t, "POST", "/jobs/"+jobID+"/execute", "")
	if status != 200 || !strings.Contains(string(env.Data), `"status":"success"`) {
		t.Errorf("execute = %d %s", status, env.Data)
	}
	select {
	case h := <-hits:
		if h.method != "POST" || h.header.Get("X-Recoron-Job-Id") != jobID {
			t.Errorf("execute call = %s %v", h.method, h.header)
		}
	case <-time.After(10 * time.Second):
		t.Error("execute did not call the sink")
	}
	if status, _ := p.call(t, "DELETE", "/jobs/"+jobID, ""); status != 200 {
		t.Errorf("delete = %d", status)
	}
	if status, env := p.call(t, "GET", "/jobs/"+jobID, ""); status != 404 || env.Error == nil || env.Error.Code != "not_found" {
		t.Errorf("get deleted = %d %+v", status, env.Error)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.base+"/api/jobs", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("request without token = %d, want 401", resp.StatusCode)
	}
}
