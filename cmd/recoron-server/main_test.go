package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestRunHelpGoesToStdout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "Flags of serve:"},
		{[]string{"--help"}, "Flags of serve:"},
		{[]string{"-help"}, "Flags of serve:"},
		{[]string{"serve", "-h"}, "Flags of serve:"},
		{[]string{"--addr", "127.0.0.1:0", "--help"}, "Flags of serve:"},
		{[]string{"help"}, "recoron-server users COMMAND [flags]"},
		{[]string{"next", "-h"}, "Usage: recoron-server next"},
		{[]string{"next", "--help"}, "Usage: recoron-server next"},
		{[]string{"users", "-h"}, "recoron-server users create --db DSN"},
		{[]string{"users", "--help"}, "recoron-server users create --db DSN"},
		{[]string{"users", "list", "--help"}, "recoron-server users create --db DSN"},
		{[]string{"version"}, "recoron-server "},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != 0 {
			t.Errorf("run(%q) = %d, want 0", tt.args, code)
		}
		if !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("run(%q) stdout does not contain %q:\n%s", tt.args, tt.want, stdout.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("run(%q) wrote to stderr: %q", tt.args, stderr.String())
		}
	}
}

func TestRunUsageErrorsGoToStderr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--bogus"}, "Flags of serve:"},
		{[]string{"serve", "--addr"}, "flag needs an argument: -addr"},
		{[]string{"next", "--bogus", "0 9 * * *"}, "Usage: recoron-server next"},
		{[]string{"next"}, "missing EXPR"},
		{[]string{"users"}, "Usage:"},
		{[]string{"users", "create", "--bogus"}, "Usage:"},
		{[]string{"--log-level", "info", "frob"}, `unexpected argument "frob"; serve takes only flags, and other commands must come before any flag`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", tt.args, code)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(%q) wrote to stdout: %q", tt.args, stdout.String())
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(%q) stderr does not contain %q:\n%s", tt.args, tt.want, stderr.String())
		}
	}
}

func TestRunUnknownCommand(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"frob", "user", ""} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{command, "--db", "sqlite:recoron.db"}, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", command, code)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(%q) wrote to stdout: %q", command, stdout.String())
		}
		got := stderr.String()
		if want := "recoron-server: unknown command \"" + command + "\"\n"; !strings.HasPrefix(got, want) {
			t.Errorf("run(%q) stderr does not start with %q:\n%s", command, want, got)
		}
		for _, want := range []string{"recoron-server next [flags] EXPR", "recoron-server users COMMAND", "recoron-server version", "recoron-server help"} {
			if !strings.Contains(got, want) {
				t.Errorf("run(%q) stderr does not list the command %q:\n%s", command, want, got)
			}
		}
	}
}

func TestBinaryHelpGoesToStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	bin, err := buildFastServer()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Flags of serve:"},
		{[]string{"-h"}, "Flags of serve:"},
		{[]string{"next", "--help"}, "Usage: recoron-server next"},
		{[]string{"users", "--help"}, "recoron-server users create --db DSN"},
	}
	for _, tt := range tests {
		args := tt.args
		cmd := exec.Command(bin, args...)
		cmd.Dir = t.TempDir()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("recoron-server %q: %v; stderr %q", args, err, stderr.String())
		}
		if !strings.Contains(string(out), tt.want) {
			t.Errorf("recoron-server %q: stdout does not contain %q:\n%s", args, tt.want, out)
		}
		if stderr.Len() != 0 {
			t.Errorf("recoron-server %q wrote to stderr: %q", args, stderr.String())
		}
	}

	cmd := exec.Command(bin, "frob")
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Errorf("recoron-server frob = %v, want exit status 2", err)
	}
	if len(out) != 0 {
		t.Errorf("recoron-server frob wrote to stdout: %q", out)
	}
}
