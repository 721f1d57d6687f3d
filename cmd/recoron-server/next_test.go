package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cronCase is one line of testdata/cron-cases.jsonl.
type cronCase struct {
	ID       string          `json:"id"`
	Category string          `json:"category"`
	Expr     string          `json:"expr"`
	TZ       string          `json:"tz"`
	After    string          `json:"after"`
	Expect   json.RawMessage `json:"expect"`
	Rule     string          `json:"rule"`

	// HostTZ is the TZ variable to run the case under, which must not
	// change the result.
	HostTZ string `json:"hostTZ"`
}

// hostTZChildEnv marks a test process started by runCaseUnderHostTZ.
const hostTZChildEnv = "RECORON_NEXT_TEST_HOST_TZ_CHILD"

// readCronCases reads testdata/cron-cases.jsonl.
func readCronCases(t *testing.T) []cronCase {
	t.Helper()

	data, err := os.ReadFile("testdata/cron-cases.jsonl")
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}

	var cases []cronCase
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; scanner.Scan(); line++ {
		if strings.TrimSpace(scanner.Text()) == "" {
			continue
		}
		var c cronCase
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			t.Fatalf("cron-cases.jsonl line %d: %v", line, err)
		}
		cases = append(cases, c)
	}

	return cases
}

// expectation returns the expected fire times of a case, or reject = true
// when the case expects the expression to be rejected.
func (c cronCase) expectation(t *testing.T) (times []time.Time, reject bool) {
	t.Helper()

	var word string
	if err := json.Unmarshal(c.Expect, &word); err == nil {
		if word != "reject" {
			t.Fatalf("case %s: expect is %q, want an array or \"reject\"", c.ID, word)
		}
		return nil, true
	}

	var texts []string
	if err := json.Unmarshal(c.Expect, &texts); err != nil {
		t.Fatalf("case %s: expect: %v", c.ID, err)
	}
	for _, text := range texts {
		at, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			t.Fatalf("case %s: expect %q: %v", c.ID, text, err)
		}
		times = append(times, at)
	}

	return times, false
}

func TestNextCronCases(t *testing.T) {
	t.Parallel()

	for _, c := range readCronCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()

			if c.HostTZ != "" && os.Getenv(hostTZChildEnv) == "" {
				runCaseUnderHostTZ(t, c)
				return
			}
			checkCronCase(t, c)
		})
	}
}

// checkCronCase runs one case through runNext and compares instants.
func checkCronCase(t *testing.T, c cronCase) {
	if c.HostTZ != "" && os.Getenv("TZ") != c.HostTZ {
		t.Fatalf("case %s runs with TZ=%q, want %q", c.ID, os.Getenv("TZ"), c.HostTZ)
	}

	want, reject := c.expectation(t)
	count := len(want)
	if reject || count == 0 {
		count = 3
	}

	args := []string{"--timezone", c.TZ, "--after", c.After, "--count", strconv.Itoa(count), c.Expr}
	var stdout, stderr bytes.Buffer
	code := runNext(args, &stdout, &stderr)
	lines := strings.Fields(stdout.String())

	switch {
	case reject:
		if code != nextExitInvalidExpression || len(lines) != 0 || stderr.Len() == 0 {
			t.Fatalf("runNext(%q) = %d, stdout %q, stderr %q; want exit 1 and an error", args, code, stdout.String(), stderr.String())
		}
		return
	case len(want) == 0:
		// A schedule that never fires may be rejected or print nothing.
		rejected := code == nextExitInvalidExpression && stderr.Len() > 0
		if !rejected && (code != nextExitOK || len(lines) != 0) {
			t.Fatalf("runNext(%q) = %d, stdout %q, stderr %q; want a rejection or no output", args, code, stdout.String(), stderr.String())
		}
		return
	}

	if code != nextExitOK {
		t.Fatalf("runNext(%q) = %d, stderr %q; want 0", args, code, stderr.String())
	}
	if len(lines) != len(want) {
		t.Fatalf("runNext(%q) printed %q, want %d times", args, lines, len(want))
	}
	for i, line := range lines {
		got, err := time.Parse(time.RFC3339Nano, line)
		if err != nil {
			t.Fatalf("runNext(%q) line %d %q: %v", args, i, line, err)
		}
		if !got.Equal(want[i]) {
			t.Errorf("runNext(%q) line %d = %s, want %s (%s)", args, i, line, want[i].Format(time.RFC3339Nano), c.Rule)
		}
	}
}

// runCaseUnderHostTZ runs the case in a copy of the test binary whose TZ
// variable is c.HostTZ, because time.Local cannot change safely inside a
// running test process.
func runCaseUnderHostTZ(t *testing.T, c cronCase) {
	pattern := "^TestNextCronCases$/^" + regexp.QuoteMeta(c.ID) + "$"
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "TZ="+c.HostTZ, hostTZChildEnv+"=1")

	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("case %s under TZ=%s: %v\n%s", c.ID, c.HostTZ, err, output)
	}
	if !strings.Contains(string(output), "--- PASS: TestNextCronCases/"+c.ID) {
		t.Fatalf("case %s under TZ=%s did not run:\n%s", c.ID, c.HostTZ, output)
	}
}

func TestRunNextArguments(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErrHas string
	}{
		{"quoted expression", []string{"--after", "2025-01-01T00:00:00Z", "--count", "2", "0 9 * * *"},
			nextExitOK, "2025-01-01T09:00:00Z\n2025-01-02T09:00:00Z\n", ""},
		{"fields as separate arguments", []string{"--count=1", "--after=2025-01-01T00:00:00Z", "0", "9", "*", "*", "*"},
			nextExitOK, "2025-01-01T09:00:00Z\n", ""},
		{"flags after the expression", []string{"0 9 * * *", "--count", "1", "--after", "2025-01-01T00:00:00Z"},
			nextExitOK, "2025-01-01T09:00:00Z\n", ""},
		{"single dash flags", []string{"-count", "1", "-after", "2025-01-01T00:00:00Z", "0 9 * * *"},
			nextExitOK, "2025-01-01T09:00:00Z\n", ""},
		{"double dash ends flags", []string{"--count", "1", "--after", "2025-01-01T00:00:00Z", "--", "0", "9", "*", "*", "*"},
			nextExitOK, "2025-01-01T09:00:00Z\n", ""},
		{"timezone offset in output", []string{"--timezone", "America/Los_Angeles", "--after", "2025-03-08T12:00:00-08:00", "--count", "2", "0 2 * * *"},
			nextExitOK, "2025-03-09T03:00:00-07:00\n2025-03-10T02:00:00-07:00\n", ""},
		{"fractional seconds only when nonzero", []string{"--after", "2025-01-01T00:00:00Z", "--count", "2", "@every 1.5s"},
			nextExitOK, "2025-01-01T00:00:01.5Z\n2025-01-01T00:00:03Z\n", ""},
		{"default count is five", []string{"--after", "2025-01-01T00:00:00Z", "@daily"},
			nextExitOK, "2025-01-02T00:00:00Z\n2025-01-03T00:00:00Z\n2025-01-04T00:00:00Z\n2025-01-05T00:00:00Z\n2025-01-06T00:00:00Z\n", ""},
		{"invalid expression", []string{"5 22-5 * * *"},
			nextExitInvalidExpression, "", "hour range 22-5 is reversed"},
		{"unknown zone prefix", []string{"CRON_TZ=Mars/Base 0 9 * * *"},
			nextExitInvalidExpression, "", "Mars/Base"},
		{"prefix conflicts with timezone", []string{"--timezone", "Europe/Berlin", "CRON_TZ=Asia/Tokyo 0 9 * * *"},
			nextExitUsage, "", "--timezone Europe/Berlin conflicts with the schedule's prefix for Asia/Tokyo"},
		{"prefix replaces the default timezone", []string{"--after", "2025-01-01T00:00:00Z", "--count", "1", "CRON_TZ=Asia/Tokyo 0 9 * * *"},
			nextExitOK, "2025-01-02T09:00:00+09:00\n", ""},
		{"missing expression", []string{"--count", "3"},
			nextExitUsage, "", "missing EXPR"},
		{"blank expression", []string{"  "},
			nextExitUsage, "", "missing EXPR"},
		{"zero count", []string{"--count", "0", "0 9 * * *"},
			nextExitUsage, "", "invalid --count 0"},
		{"count too large", []string{"--count", "10001", "0 9 * * *"},
			nextExitUsage, "", "invalid --count 10001"},
		{"count not a number", []string{"--count", "many", "0 9 * * *"},
			nextExitUsage, "", "invalid arguments"},
		{"unknown zone", []string{"--timezone", "Mars/Base", "0 9 * * *"},
			nextExitUsage, "", `invalid --timezone "Mars/Base"`},
		{"invalid after", []string{"--after", "tomorrow", "0 9 * * *"},
			nextExitUsage, "", `invalid --after "tomorrow": use an RFC 3339 time with a zone, such as 2026-01-01T00:00:00Z`},
		{"after is a date", []string{"--after", "2026-01-01", "0 9 * * *"},
			nextExitUsage, "", `invalid --after "2026-01-01": a date needs a time of day and a zone, such as 2026-01-01T00:00:00Z`},
		{"after out of range", []string{"--after", "2026-13-01T00:00:00Z", "0 9 * * *"},
			nextExitUsage, "", `invalid --after "2026-13-01T00:00:00Z": month out of range`},
		{"after has no zone", []string{"--after", "2026-01-01T09:00:00", "0 9 * * *"},
			nextExitUsage, "", "add Z for UTC or an offset, such as 2026-01-01T09:00:00Z"},
		{"unknown flag", []string{"--every", "0 9 * * *"},
			nextExitUsage, "", "flag provided but not defined"},
		{"usage after an unknown flag", []string{"--every", "0 9 * * *"},
			nextExitUsage, "", "Usage: recoron-server next"},
		{"star expanded into file names", []string{"0", "9", "main.go", "next.go", "serve.go", "users.go", "main.go", "next.go", "serve.go", "users.go"},
			nextExitInvalidExpression, "", "10 fields, and 8 of them name files in the working directory, such as main.go and next.go"},
		{"hint shows how to quote", []string{"0", "9", "main.go", "next.go", "serve.go", "users.go", "main.go", "next.go"},
			nextExitInvalidExpression, "", "quote the expression, as in recoron-server next '0 9 * * MON-FRI'"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			var stdout, stderr bytes.Buffer
			code := runNext(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("runNext(%q) = %d, want %d; stderr %q", tt.args, code, tt.wantCode, stderr.String())
			}
			if stdout.String() != tt.wantOut {
				t.Errorf("runNext(%q) stdout = %q, want %q", tt.args, stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErrHas) {
				t.Errorf("runNext(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.wantErrHas)
			}
		})
	}
}

func TestRunNextDefaultsToNow(t *testing.T) {
	t.Parallel()

	before := time.Now()
	var stdout, stderr bytes.Buffer
	if code := runNext([]string{"--count", "1", "* * * * * *"}, &stdout, &stderr); code != nextExitOK {
		t.Fatalf("runNext = %d, stderr %q", code, stderr.String())
	}

	got, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(stdout.String()))
	if err != nil {
		t.Fatalf("parse output %q: %v", stdout.String(), err)
	}
	if !got.After(before) || got.After(time.Now().Add(2*time.Second)) {
		t.Errorf("first fire time %s is not within a second after the call at %s", got, before)
	}
}

func TestRunNextAfterErrorHidesLayout(t *testing.T) {
	t.Parallel()

	for _, after := range []string{"tomorrow", "2026-01-01", "2026-01-01T09:00:00", "2026-13-01T00:00:00Z"} {
		var stdout, stderr bytes.Buffer
		if code := runNext([]string{"--after", after, "0 9 * * *"}, &stdout, &stderr); code != nextExitUsage {
			t.Errorf("runNext(--after %q) = %d, want %d", after, code, nextExitUsage)
		}
		if strings.Contains(stderr.String(), "2006") {
			t.Errorf("runNext(--after %q) stderr shows a layout of package time: %q", after, stderr.String())
		}
	}
}

func TestRunNextDefaultAnchorIsWholeSecond(t *testing.T) {
	t.Parallel()

	before := time.Now()
	var stdout, stderr bytes.Buffer
	if code := runNext([]string{"--count", "2", "@every 90s"}, &stdout, &stderr); code != nextExitOK {
		t.Fatalf("runNext = %d, stderr %q", code, stderr.String())
	}

	lines := strings.Fields(stdout.String())
	if len(lines) != 2 {
		t.Fatalf("runNext printed %q, want 2 times", lines)
	}
	var times []time.Time
	for _, line := range lines {
		if strings.Contains(line, ".") {
			t.Errorf("line %q has a fraction of a second", line)
		}
		at, err := time.Parse(time.RFC3339, line)
		if err != nil {
			t.Fatalf("parse output line %q: %v", line, err)
		}
		times = append(times, at)
	}
	earliest := before.Truncate(time.Second).Add(90 * time.Second)
	if times[0].Before(earliest) || times[0].After(time.Now().Add(90*time.Second)) {
		t.Errorf("first fire time %s is not 90s after the call at %s, truncated to the second", times[0], before)
	}
	if gap := times[1].Sub(times[0]); gap != 90*time.Second {
		t.Errorf("gap between the fire times = %s, want 1m30s", gap)
	}
}

func TestRunNextHelp(t *testing.T) {
	t.Parallel()

	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"0 9 * * *", "-h"}} {
		var stdout, stderr bytes.Buffer
		if code := runNext(args, &stdout, &stderr); code != nextExitOK {
			t.Errorf("runNext(%q) = %d, want %d", args, code, nextExitOK)
		}
		if stderr.Len() != 0 {
			t.Errorf("runNext(%q) wrote to stderr: %q", args, stderr.String())
		}
		for _, want := range []string{"Usage: recoron-server next", "recoron-server next '0 9 * * MON-FRI'", "-count number"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("runNext(%q) stdout does not contain %q:\n%s", args, want, stdout.String())
			}
		}
	}
}

func TestUnquotedGlobHint(t *testing.T) {
	t.Parallel()

	// The test runs in the package directory, which contains these files.
	tests := []struct {
		expr     string
		wantHint bool
	}{
		{"0 9 main.go next.go serve.go users.go main.go next.go", true},
		{"0 9 testdata main.go 1 2 3 4", true},
		{"0 9 main.go 1 2 3 4 5", false},
		{"0 9 main.go next.go serve.go users.go main.go", false},
		{"CRON_TZ=Asia/Tokyo 0 0 9 * * MON-FRI", false},
		{"0 9 * * *", false},
		{"1 2 3 4 5 6 7 8 9", false},
	}
	for _, tt := range tests {
		hint := unquotedGlobHint(tt.expr)
		if got := hint != ""; got != tt.wantHint {
			t.Errorf("unquotedGlobHint(%q) = %q, want hint %v", tt.expr, hint, tt.wantHint)
		}
	}
}

func TestNextUnquotedStarInShell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server binary and runs it from a shell")
	}
	t.Parallel()

	bin, err := buildFastServer()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "notes.txt", "README.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	unquoted := exec.Command("sh", "-c", `"$0" next 0 9 * * *`, bin)
	unquoted.Dir = dir
	var stderr bytes.Buffer
	unquoted.Stderr = &stderr
	err = unquoted.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != nextExitInvalidExpression {
		t.Fatalf("next with an unquoted * = %v, want exit status %d; stderr %q", err, nextExitInvalidExpression, stderr.String())
	}
	// Each of the 3 stars becomes the 3 file names.
	if want := "11 fields, and 9 of them name files"; !strings.Contains(stderr.String(), want) {
		t.Errorf("next with an unquoted * printed %q, want it to contain %q", stderr.String(), want)
	}

	quoted := exec.Command("sh", "-c", `"$0" next --count 1 --after 2026-01-05T00:00:00Z '0 9 * * MON-FRI'`, bin)
	quoted.Dir = dir
	out, err := quoted.Output()
	if err != nil {
		t.Fatalf("next with a quoted expression: %v", err)
	}
	if got, want := string(out), "2026-01-05T09:00:00Z\n"; got != want {
		t.Errorf("next with a quoted expression printed %q, want %q", got, want)
	}
}
