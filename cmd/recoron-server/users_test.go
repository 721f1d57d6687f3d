package main

import (
	"bytes"
	"database/sql"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/service"
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
	for _, tc := range adminBackends(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"RECORON_DB=" + tc.dsn, "RECORON_DB_SCHEMA=" + tc.schema}
			p := startBinary(t, buildFastServer, env...)
			db := []string{"--db", tc.dsn, "--db-schema", tc.schema}

			userID, token := createdUser(t, runUsersOK(t, append([]string{"create", "--name", "alice"}, db...)...))

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

// adminBackend is a database that admin commands and a server share.
type adminBackend struct {
	name, dsn, schema string
}

// adminBackends returns a new SQLite file and a new PostgreSQL schema.
func adminBackends(t *testing.T) []adminBackend {
	t.Helper()
	pgDSN, pgSchema := testSchema(t)
	return []adminBackend{
		{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "recoron.db"), ""},
		{"postgres", pgDSN, pgSchema},
	}
}

// createdUser returns the user id and the token that users create printed.
func createdUser(t *testing.T, out string) (userID, token string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token = lines[len(lines)-1]
	if !strings.HasPrefix(token, "rcn_") {
		t.Fatalf("last line of users create = %q, want the token", token)
	}
	fields := strings.Fields(lines[0])
	if len(fields) < 2 {
		t.Fatalf("first line of users create = %q, want the user id", lines[0])
	}
	return fields[1], token
}

func TestUsersCreateKeyWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	for _, tc := range adminBackends(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startBinary(t, buildFastServer, "RECORON_DB="+tc.dsn, "RECORON_DB_SCHEMA="+tc.schema)
			db := []string{"--db", tc.dsn, "--db-schema", tc.schema}
			userID, _ := createdUser(t, runUsersOK(t, append([]string{"create", "--name", "bob"}, db...)...))

			// The user's token is lost: the admin makes a new key with
			// every scope and no expiry.
			var stdout, stderr bytes.Buffer
			if code := runUsers(append([]string{"create-key", "--user", userID}, db...), &stdout, &stderr); code != 0 {
				t.Fatalf("users create-key exited %d: %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			token := lines[len(lines)-1]
			if !strings.HasPrefix(token, "rcn_") {
				t.Fatalf("last line of users create-key = %q, want the token", token)
			}
			if strings.Count(stdout.String(), token) != 1 || stderr.Len() != 0 {
				t.Errorf("users create-key printed the token more than once or wrote to stderr:\nstdout %q\nstderr %q",
					stdout.String(), stderr.String())
			}

			bob := &serverProcess{base: p.base, token: token}
			status, env := bob.call(t, "GET", "/keys", "")
			if status != http.StatusOK {
				t.Fatalf("GET /keys with the new key = %d %s", status, env.Data)
			}
			keys := decode[[]struct {
				Name      string   `json:"name"`
				Scopes    []string `json:"scopes"`
				ExpiresAt *string  `json:"expiresAt"`
			}](t, env)
			if len(keys) != 2 {
				t.Fatalf("bob has %d keys, want the first key and the admin's", len(keys))
			}
			admin := keys[1]
			if admin.Name != "admin" || !slices.Equal(admin.Scopes, sortedScopes()) || admin.ExpiresAt != nil {
				t.Errorf("key from users create-key = %+v, want name admin, every scope and no expiry", admin)
			}
			if status, env := bob.call(t, "POST", "/keys", `{"name":"ci","scopes":["read:jobs"]}`); status != http.StatusForbidden {
				t.Errorf("a third key on the free plan = %d %s, want 403", status, env.Data)
			}

			// The free plan allows 2 keys, and bob holds 2.
			stdout.Reset()
			stderr.Reset()
			args := append([]string{"create-key", "--user", userID, "--name", "ops", "--scopes", "read:jobs, read:keys",
				"--expires", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, db...)
			if code := runUsers(args, &stdout, &stderr); code != 1 {
				t.Errorf("users create-key at the plan limit exited %d, want 1", code)
			}
			for _, want := range []string{"has reached the limit of 2 API keys of plan free", "delete one of the user's keys", "users set-plan"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("users create-key at the plan limit: stderr %q does not contain %q", stderr.String(), want)
				}
			}

			runUsersOK(t, append([]string{"set-plan", "--id", userID, "--plan", "pro"}, db...)...)
			out := runUsersOK(t, args...)
			lines = strings.Split(strings.TrimSpace(out), "\n")
			ops := &serverProcess{base: p.base, token: lines[len(lines)-1]}
			if !strings.Contains(lines[0], "scopes read:jobs,read:keys, expires at ") {
				t.Errorf("users create-key with --scopes and --expires printed %q", lines[0])
			}
			if status, _ := ops.call(t, "GET", "/jobs", ""); status != http.StatusOK {
				t.Errorf("GET /jobs with the read:jobs key = %d, want 200", status)
			}
			if status, _ := ops.call(t, "POST", "/keys", `{"name":"x","scopes":["read:jobs"]}`); status != http.StatusForbidden {
				t.Errorf("POST /keys with a key without write:keys = %d, want 403", status)
			}
			if strings.Contains(p.log(), token) || strings.Contains(p.log(), ops.token) {
				t.Error("the server log contains a token made by users create-key")
			}
		})
	}
}

// sortedScopes returns every scope in the order the API lists them.
func sortedScopes() []string {
	scopes := slices.Clone(service.AllScopes)
	slices.Sort(scopes)
	return scopes
}

// setUpSQLite returns the DSN of a new SQLite file with the server's
// schema, as the server leaves it on its first start.
func setUpSQLite(t *testing.T) string {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	st, err := openStore(t.Context(), dsn, "", slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return dsn
}

func TestUsersCommandErrors(t *testing.T) {
	t.Parallel()
	dsn := setUpSQLite(t)
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	userID, _ := createdUser(t, runUsersOK(t, "create", "--db", dsn, "--name", "carol"))
	thisMonth := time.Now().UTC()
	nextMonth := time.Date(thisMonth.Year(), thisMonth.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	missing := "sqlite:" + filepath.Join(t.TempDir(), "typo.db")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"create", "--db", dsn}, 1, "--name is required"},
		{[]string{"create", "--db", dsn, "--name", strings.Repeat("n", 5000)}, 1, "invalid --name: name is 5000 bytes long; the maximum is 200"},
		{[]string{"create", "--db", dsn, "--name", "  "}, 1, "invalid --name: name is required"},
		{[]string{"create", "--db", dsn, "--name", "a\x00b"}, 1, "invalid --name: name contains a NUL character"},
		{[]string{"create", "--db", dsn, "--name", "x", "--plan", "gold"}, 1, `unknown plan "gold"`},
		{[]string{"set-plan", "--db", dsn, "--id", "usr_nope", "--plan", "pro"}, 1, "usr_nope"},
		{[]string{"mark-paid", "--db", dsn, "--id", "usr_x", "--month", "2026-13"}, 1, "YYYY-MM"},
		{[]string{"mark-paid", "--db", dsn, "--id", userID, "--month", "1999-01"}, 1,
			"invalid --month: month 1999-01 is outside the months of user " + userID},
		{[]string{"mark-paid", "--db", dsn, "--id", userID, "--month", nextMonth}, 1,
			"to " + thisMonth.Format("2006-01") + ", the current month (UTC)"},
		{[]string{"mark-paid", "--db", dsn, "--id", "usr_nope", "--month", thisMonth.Format("2006-01")}, 1, "user usr_nope not found"},
		{[]string{"list", "--db", "memory"}, 1, "private to one process"},
		{[]string{"create-key", "--db", "memory", "--user", userID}, 1, "private to one process"},
		{[]string{"frobnicate", "--db", dsn}, 2, "unknown command"},
		{[]string{"list", "--db", missing}, 1, "not found; fix --db, or start the server on the file first"},
		{[]string{"list", "--db", "sqlite:" + empty}, 1, "no ReCoron database found; start recoron-server on it once"},
		{[]string{"list", "--db", dsn, "extra"}, 2, `unexpected argument "extra"; run "recoron-server users -h" for the usage`},
		{[]string{"list", "--db", dsn, "--plan", "pro"}, 2, `users list does not take --plan; run "recoron-server users -h"`},
		{[]string{"set-plan", "--db", dsn, "--id", userID, "--plan", "pro", "--month", "2026-01"}, 2, "users set-plan does not take --month"},
		{[]string{"create-key", "--db", dsn}, 1, "--user is required"},
		{[]string{"create-key", "--db", dsn, "--user", "usr_nope"}, 1, "user usr_nope not found"},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--id", userID}, 2, "users create-key does not take --id"},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--name", " "}, 1, "invalid --name: name is required"},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--scopes", "read:jobs,admin"}, 1, `invalid --scopes: unknown scope "admin"`},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--scopes", ""}, 1, "invalid --scopes: scopes must list at least one of"},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--expires", "tomorrow"}, 1, `invalid --expires "tomorrow"`},
		{[]string{"create-key", "--db", dsn, "--user", userID, "--expires", "2020-01-01T00:00:00Z"}, 1,
			`invalid --expires "2020-01-01T00:00:00Z": the time is not in the future; use a later time, or leave out --expires`},
		{[]string{"list", "--db", "sqlite:"}, 1, `--db has no file path after "sqlite:"; name the server's database file, such as --db sqlite:recoron.db`},
		{[]string{"list", "--db", "sqlite://"}, 1, `--db has no file path after "sqlite:"`},
		{[]string{"create", "--db", "sqlite:", "--name", "x"}, 1, `--db has no file path after "sqlite:"`},
		{[]string{"list", "--db", dsn, "--bogus"}, 2, "Usage:"},
	} {
		var stdout, stderr bytes.Buffer
		code := runUsers(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("users %q = exit %d, stderr %q; want exit %d mentioning %q",
				tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

func TestUsersHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"create-key", "-h"}, {"mark-paid", "--help"}} {
		var stdout, stderr bytes.Buffer
		if code := runUsers(args, &stdout, &stderr); code != 0 {
			t.Errorf("users %q exited %d, want 0", args, code)
		}
		if stderr.Len() != 0 {
			t.Errorf("users %q wrote to stderr: %q", args, stderr.String())
		}
		for _, want := range []string{"users create-key --db DSN --user USER_ID", "--unpaid", "marks a month (UTC)"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("users %q: usage on stdout does not contain %q:\n%s", args, want, stdout.String())
			}
		}
	}

	var stdout, stderr bytes.Buffer
	if code := runUsers([]string{"create", "-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("users create -h exited %d, want 0", code)
	}
	if want := "-scopes string"; !strings.Contains(stdout.String(), want) {
		t.Errorf("users create -h: stdout does not list the flags such as %q:\n%s", want, stdout.String())
	}
}

func TestUsersUsageErrorsGoToStderr(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"frobnicate"}, {"list", "--bogus"}} {
		var stdout, stderr bytes.Buffer
		if code := runUsers(args, &stdout, &stderr); code != 2 {
			t.Errorf("users %q exited %d, want 2", args, code)
		}
		if stdout.Len() != 0 {
			t.Errorf("users %q wrote to stdout: %q", args, stdout.String())
		}
		if !strings.Contains(stderr.String(), "Usage:") {
			t.Errorf("users %q: stderr does not contain the usage:\n%s", args, stderr.String())
		}
	}
}

func TestUsersCreateWarnsOfSameName(t *testing.T) {
	t.Parallel()
	dsn := setUpSQLite(t)

	// create runs users create and returns the new user's id and stderr.
	create := func(name string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := runUsers([]string{"create", "--db", dsn, "--name", name}, &stdout, &stderr); code != 0 {
			t.Fatalf("users create --name %q exited %d: %s", name, code, stderr.String())
		}
		userID, _ := createdUser(t, stdout.String())
		return userID, stderr.String()
	}

	first, warning := create("alice")
	if warning != "" {
		t.Errorf("first users create --name alice wrote to stderr: %q", warning)
	}
	if _, warning := create("bob"); warning != "" {
		t.Errorf("users create --name bob wrote to stderr: %q", warning)
	}

	second, warning := create("alice")
	if second == first {
		t.Fatalf("the second alice has the id %s of the first", second)
	}
	if want := `warning: the name "alice" is already used by user ` + first + ";"; !strings.Contains(warning, want) {
		t.Errorf("second users create --name alice: stderr %q does not contain %q", warning, want)
	}
	if strings.Contains(warning, second) {
		t.Errorf("second users create --name alice: warning %q names the new user %s", warning, second)
	}

	// The name is compared after trimming, as the service stores it.
	_, warning = create("  alice ")
	if want := "already used by users " + first + ", " + second + ";"; !strings.Contains(warning, want) {
		t.Errorf("third users create --name alice: stderr %q does not contain %q", warning, want)
	}

	list := runUsersOK(t, "list", "--db", dsn)
	if got := strings.Count(list, " alice "); got != 3 {
		t.Errorf("users list shows %d users named alice, want 3:\n%s", got, list)
	}
}

func TestAdminErrorNamesExpiresFlag(t *testing.T) {
	t.Parallel()
	err := adminError(&service.ValidationError{Fields: []service.FieldError{
		{Field: "expiresAt", Message: "expiresAt 2020-01-01T00:00:00.000Z is not in the future"},
		{Field: "name", Message: "name is required"},
	}}, "usr_x")
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("adminError = %q, want 2 lines", err)
	}
	if want := "invalid --expires: --expires 2020-01-01T00:00:00.000Z is not in the future"; lines[0] != want {
		t.Errorf("adminError line 1 = %q, want %q", lines[0], want)
	}
	if want := "invalid --name: name is required"; lines[1] != want {
		t.Errorf("adminError line 2 = %q, want %q", lines[1], want)
	}
}

func TestUsersNameTrimAndMonthRange(t *testing.T) {
	t.Parallel()
	dsn := setUpSQLite(t)

	out := runUsersOK(t, "create", "--db", dsn, "--name", "  dave  ", "--plan", "pro")
	userID, _ := createdUser(t, out)
	if !strings.Contains(out, "(dave)") {
		t.Errorf("users create output %q does not show the trimmed name (dave)", out)
	}
	out = runUsersOK(t, "create-key", "--db", dsn, "--user", userID, "--name", strings.Repeat("k", 200))
	if !strings.Contains(out, "("+strings.Repeat("k", 200)+")") {
		t.Errorf("users create-key with a 200-byte name printed %q", out)
	}

	// The user was created this month, the only month that may be marked.
	month := time.Now().UTC().Format("2006-01")
	runUsersOK(t, "mark-paid", "--db", dsn, "--id", userID, "--month", month)
	runUsersOK(t, "mark-paid", "--db", dsn, "--id", userID, "--month", month, "--unpaid")
}

// TestUsersRejectMissingSchema checks that an admin command on a
// PostgreSQL schema that does not exist fails and leaves it uncreated.
func TestUsersRejectMissingSchema(t *testing.T) {
	t.Parallel()
	dsn, schema := testSchema(t)
	typo := schema + "_typo"
	var stdout, stderr bytes.Buffer
	code := runUsers([]string{"list", "--db", dsn, "--db-schema", typo}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "PostgreSQL schema "+typo+" does not exist") {
		t.Errorf("users list on schema %s = exit %d, stderr %q; want exit 1 naming the missing schema", typo, code, stderr.String())
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", typo).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("users list created schema %s", typo)
		_, _ = db.Exec("DROP SCHEMA " + typo + " CASCADE")
	}
}
