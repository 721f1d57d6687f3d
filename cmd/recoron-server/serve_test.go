package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db:5432/recoron": "postgres://app:xxxxx@db:5432/recoron",
		"postgres://app@db/recoron":             "postgres://app@db/recoron",
		"sqlite:recoron.db":                     "sqlite:recoron.db",
		"memory":                                "memory",
		"postgres://app@db/recoron?sslmode=disable&password=s3cret": "postgres://app@db/recoron?password=xxxxx&sslmode=disable",
		"postgres://app:a@db/recoron?password=b":                    "postgres://app:xxxxx@db/recoron?password=xxxxx",
		"host=db user=app password=s3cret dbname=recoron":           "host=db user=app password=xxxxx dbname=recoron",
		"host=db password = 's3 cret' dbname=recoron":               "host=db password = xxxxx dbname=recoron",
		"host=db PASSWORD='it\\'s' dbname=recoron":                  "host=db PASSWORD=xxxxx dbname=recoron",
	} {
		if got := redactDSN(dsn); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func TestWatchSignalsStopsThenAborts(t *testing.T) {
	t.Parallel()
	signals := make(chan os.Signal)
	stops := make(chan os.Signal, 1)
	aborts := make(chan os.Signal, 1)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		watchSignals(signals, make(chan struct{}),
			func(sig os.Signal) { stops <- sig },
			func(sig os.Signal) { aborts <- sig })
	}()

	signals <- syscall.SIGTERM
	if sig := <-stops; sig != syscall.SIGTERM {
		t.Errorf("stop got %v, want SIGTERM", sig)
	}
	if len(aborts) != 0 {
		t.Error("abort ran after the first signal")
	}
	signals <- os.Interrupt
	if sig := <-aborts; sig != os.Interrupt {
		t.Errorf("abort got %v, want interrupt", sig)
	}
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("watchSignals did not return after the second signal")
	}
}

func TestWatchSignalsReturnsWhenDone(t *testing.T) {
	t.Parallel()
	signals := make(chan os.Signal)
	done := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		watchSignals(signals, done,
			func(os.Signal) { t.Error("stop ran without a signal") },
			func(os.Signal) { t.Error("abort ran without a signal") })
	}()
	close(done)
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("watchSignals did not return after done was closed")
	}
}

func TestAbandonedRunsNote(t *testing.T) {
	t.Parallel()
	for db, want := range map[string]string{
		"memory":                      "lost with the in-memory database",
		"sqlite:recoron.db":           "the next start on this database",
		"postgres://app@db/recoron":   "lease of this instance (15s) lapses",
		"postgresql://app@db/recoron": "lease of this instance (15s) lapses",
	} {
		cfg := &serveConfig{db: db, instanceLease: 15 * time.Second}
		if got := abandonedRunsNote(cfg); !strings.Contains(got, want) {
			t.Errorf("abandonedRunsNote(%s) = %q, want it to contain %q", db, got, want)
		}
	}
}

// runServeFailure runs the server in this process with args, which must
// make it fail before it serves, and returns its stderr. The error is a
// field of a log line, so quotes in it appear escaped.
func runServeFailure(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	if code := runServe(args, &stdout, &stderr); code != 1 {
		t.Fatalf("runServe(%q) = %d, want 1; stderr:\n%s", args, code, stderr.String())
	}
	return stderr.String()
}

func TestServeStartupErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("these are notes, not a SQLite database file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	objectPlans := filepath.Join(dir, "object.json")
	if err := os.WriteFile(objectPlans, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	proPlans := filepath.Join(dir, "pro.json")
	if err := os.WriteFile(proPlans, []byte(`[{"name":"pro"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	missingDir := filepath.Join(dir, "missing")

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"missing directory", []string{"--db", "sqlite:" + filepath.Join(missingDir, "x.db")},
			[]string{"the directory " + missingDir + " does not exist"}},
		{"not a database", []string{"--db", "sqlite:" + notDB},
			[]string{notDB, "is not a SQLite database"}},
		{"unsupported database", []string{"--db", "mysql://app@127.0.0.1/recoron"},
			[]string{"unsupported database", "mysql://app@127.0.0.1/recoron", "sqlite:PATH", "or memory"}},
		{"plans object", []string{"--db", "memory", "--plans", objectPlans},
			[]string{"invalid plans file " + objectPlans, "must contain a JSON array of plans"}},
		{"plans without free", []string{"--db", "memory", "--plans", proPlans},
			[]string{"invalid plans file " + proPlans, "no plan is named", "must define the plans"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr := runServeFailure(t, tc.args...)
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestServeHelpDescribesPlansFile(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runServe([]string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("runServe(-h) = %d, want 0", code)
	}
	for _, want := range []string{"array of plans", "must define plans named free and unlimited"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help on stdout does not contain %q:\n%s", want, stdout.String())
		}
	}
}

func TestCheckBootstrapToken(t *testing.T) {
	t.Parallel()
	const want = "RECORON_BOOTSTRAP_TOKEN must be at least 16 characters without spaces"
	for _, token := range []string{"a", " ", "0123456789abcde", "0123456789abcdef 01", "0123456789abcdef\n"} {
		err := checkBootstrapToken(token)
		if err == nil {
			t.Errorf("checkBootstrapToken(%q) = nil, want an error", token)
			continue
		}
		if err.Error() != want {
			t.Errorf("checkBootstrapToken(%q) = %q, want %q", token, err, want)
		}
	}
	if err := checkBootstrapToken("0123456789abcdef"); err != nil {
		t.Errorf("checkBootstrapToken of a 16-character token: %v", err)
	}
}

func TestServeRejectsBadShutdownTimeoutEnv(t *testing.T) {
	t.Setenv("RECORON_SHUTDOWN_TIMEOUT", "soon")
	var stdout, stderr bytes.Buffer
	if code := runServe([]string{"--addr", "127.0.0.1:0", "--db", "memory"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit status = %d, want 2 for a bad setting", code)
	}
	if !strings.Contains(stderr.String(), `RECORON_SHUTDOWN_TIMEOUT="soon" is not a duration; use a value such as 30s`) {
		t.Errorf("stderr does not explain the bad RECORON_SHUTDOWN_TIMEOUT:\n%s", stderr.String())
	}
}

func TestNotFoundOutsideAPISpeaksClientLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		acceptLanguage, want string
	}{
		{"", "/nope が見つかりません"},
		{"en", "not found: /nope; the API is under /api/"},
		{"ja, en;q=0.5", "/nope が見つかりません"},
	} {
		req := httptest.NewRequest("GET", "/nope", nil)
		if tc.acceptLanguage != "" {
			req.Header.Set("Accept-Language", tc.acceptLanguage)
		}
		rec := httptest.NewRecorder()
		notFound(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("Accept-Language %q: status %d, want 404", tc.acceptLanguage, rec.Code)
		}
		if !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("Accept-Language %q: body %s does not contain %q", tc.acceptLanguage, rec.Body.String(), tc.want)
		}
	}
}
