package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServerSecondSignalExitsAtOnce stops a server while a scheduled call
// hangs. During the graceful stop the meter must keep flushing without
// errors, and a second SIGINT must end the process at once.
func TestServerSecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	sink := newCrashSink(t)
	env := []string{"RECORON_DB=sqlite:" + filepath.Join(t.TempDir(), "recoron.db"), "RECORON_ALLOW_PRIVATE_TARGETS=true"}
	// The graceful stop must outlast the wait below, so that the server is
	// still waiting for the hanging call when the second signal arrives.
	p := startBinaryWithArgs(t, buildFastServer, []string{"--shutdown-timeout", "60s"}, env...)

	_, e := p.call(t, "POST", "/jobs", fmt.Sprintf(`{"name":"hang","url":%q,"method":"GET",`+
		`"schedule":"* * * * * *","overlapPolicy":"skip","timeoutSeconds":300,"retry":{"maxAttempts":1}}`,
		sink.srv.URL+"/hang"))
	hang := decode[struct{ ID string }](t, e)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, hung := sink.snapshot(); hung > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sink got no call within 15s; log:\n%s", p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// This request leaves an API-call count for the meter to flush after
	// the signal.
	if status, _ := p.call(t, "GET", "/usage", ""); status != 200 {
		t.Fatalf("GET /usage = %d, want 200", status)
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The meter flushes every 5s, so at least one flush runs in this wait.
	select {
	case err := <-p.exited:
		t.Fatalf("server exited (%v) while a call was in flight; log:\n%s", err, p.log())
	case <-time.After(6500 * time.Millisecond):
	}
	stopLog := p.log()
	if strings.Contains(stopLog, "metering flush failed") {
		t.Errorf("a metering flush failed during the graceful stop; log:\n%s", stopLog)
	}
	if strings.Contains(stopLog, "level=ERROR") {
		t.Errorf("log has errors during the graceful stop:\n%s", stopLog)
	}

	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
			t.Errorf("exit after the second signal = %v, want exit status 1", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("server did not exit within 3s of the second SIGINT; log:\n%s", p.log())
	}
	if want := "the next start on this database records them as interrupted"; !strings.Contains(p.log(), want) {
		t.Errorf("log does not say %q:\n%s", want, p.log())
	}

	// The abandoned run gets its outcome at the next start, as the log message states.
	p2 := startBinary(t, buildFastServer, env...)
	_, e = p2.call(t, "GET", "/jobs/"+hang.ID+"/executions?limit=1000", "")
	interrupted := 0
	for _, run := range decode[[]struct{ Status string }](t, e) {
		if run.Status == "interrupted" {
			interrupted++
		}
	}
	if interrupted != 1 {
		t.Errorf("executions after restart have %d interrupted runs, want 1: %s", interrupted, e.Data)
	}
}
