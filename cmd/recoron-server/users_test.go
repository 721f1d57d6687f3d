package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runUsersOK runs a users command in-process and returns its output.
func runUsersOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runUsers(args, &stdout, &stderr); code != 0 {
		t.Fatalf("users %s exited %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

func TestUsersCommandsWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	sqlite := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	pgDSN, pgSchema := testSchema(t)
	for _, tc := range []struct {
		name, dsn, schema string
	}{
		{"sqlite", sqlite, ""},
		{"postgres", pgDSN, pgSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"RECORON_DB=" + tc.dsn, "RECORON_DB_SCHEMA=" + tc.schema}
			p := startBinary(t, buildFastServer, env...)
			db := []string{"--db", tc.dsn, "--db-schema", tc.schema}

			out := runUsersOK(t, append([]string{"create", "--name", "alice"}, db...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			token := lines[len(lines)-1]
			if !strings.HasPrefix(token, "rcn_") {
				t.Fatalf("last line of users create = %q, want the token", token)
			}
			userID := strings.Fields(lines[0])[1]

			alice := &serverProcess{base: p.base, token: token}
			status, env2 := alice.call(t, "GET", "/usage", "")
			if status != http.StatusOK || !strings.Contains(string(env2.Data), `"name":"free"`) {
				t.Fatalf("alice's usage = %d %s, want the free plan", status, env2.Data)
			}

			list := runUsersOK(t, append([]string{"list"}, db...)...)
			if !strings.Contains(list, userID) || !strings.Contains(list, "alice") {
				t.Errorf("users list does not show alice:\n%s", list)
			}

			runUsersOK(t, append([]string{"set-plan", "--id", userID, "--plan", "pro"}, db...)...)
			month := time.Now().UTC().Format("2006-01")
			runUsersOK(t, append([]string{"mark-paid", "--id", userID, "--month", month}, db...)...)
			_, env2 = alice.call(t, "GET", "/usage", "")
			data := string(env2.Data)
			if !strings.Contains(data, `"name":"pro"`) || !strings.Contains(data, `"paid":true`) {
				t.Errorf("usage after set-plan and mark-paid = %s, want plan pro and paid", data)
			}
		})
	}
}

func TestUsersCommandErrors(t *testing.T) {
	t.Parallel()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	st, err := openStore(t.Context(), dsn, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	missing := "sqlite:" + filepath.Join(t.TempDir(), "typo.db")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"create", "--db", dsn}, 1, "--name is required"},
		{[]string{"create", "--db", dsn, "--name", "x", "--plan", "gold"}, 1, `unknown plan "gold"`},
		{[]string{"set-plan", "--db", dsn, "--id", "usr_nope", "--plan", "pro"}, 1, "usr_nope"},
		{[]string{"mark-paid", "--db", dsn, "--id", "usr_x", "--month", "2026-13"}, 1, "YYYY-MM"},
		{[]string{"list", "--db", "memory"}, 1, "private to one process"},
		{[]string{"frobnicate", "--db", dsn}, 2, "unknown command"},
		{[]string{"list", "--db", missing}, 1, "not found"},
	} {
		var stdout, stderr bytes.Buffer
		code := runUsers(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("users %v = exit %d, stderr %q; want exit %d mentioning %q",
				tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
