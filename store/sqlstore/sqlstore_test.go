package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
	"github.com/recoron/recoron/store/storetest"
)

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newSQLite(t) })
}

func TestSQLiteMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, "sqlite::memory:", sqlstore.Options{JobPollInterval: testPollInterval})
	})
}

func TestPostgresConformance(t *testing.T) {
	postgresDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store { return newPostgres(t) })
}

func TestOpenDialect(t *testing.T) {
	for _, d := range dialectTests {
		t.Run(d.name, func(t *testing.T) {
			if got := d.open(t).Dialect(); got != d.name {
				t.Errorf("Dialect = %q, want %q", got, d.name)
			}
		})
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	cases := []struct {
		dsn, want string
	}{
		{"mysql://root@localhost/recoron", "unsupported database DSN"},
		{"/var/lib/recoron.db", "use sqlite:PATH"},
		{"", "unsupported database DSN"},
		{"sqlite:", "the path is empty"},
		{"sqlite:/tmp/recoron.db?mode=ro", "must not contain '?'"},
		{"postgres://user:secret@127.0.0.1:5432/db?sslmode=bogus", "invalid PostgreSQL DSN"},
	}
	for _, c := range cases {
		_, err := sqlstore.Open(t.Context(), c.dsn, sqlstore.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", c.dsn, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error shows the password: %v", c.dsn, err)
		}
	}
}

func TestOpenSQLiteErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	mustDo(t, "WriteFile", os.WriteFile(notDB, []byte("these are notes, not a SQLite database file\n"), 0o600))

	cases := []struct {
		name, path string
		want       []string
	}{
		{"missing directory", filepath.Join(dir, "missing", "recoron.db"),
			[]string{"the directory " + filepath.Join(dir, "missing") + " does not exist"}},
		{"parent is a file", filepath.Join(notDB, "recoron.db"),
			[]string{notDB + " is not a directory"}},
		{"path is a directory", dir,
			[]string{"the path is a directory", filepath.Join(dir, "recoron.db")}},
		{"not a database", notDB,
			[]string{"is not a SQLite database", "move the file away"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlstore.Open(t.Context(), "sqlite:"+c.path, sqlstore.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(sqlite:%s) succeeded, want an error", c.path)
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("Open(sqlite:%s) error %q does not name the path", c.path, err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open(sqlite:%s) error %q does not contain %q", c.path, err, want)
				}
			}
		})
	}
}

func TestOpenSQLiteUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write to any directory")
	}
	dir := filepath.Join(t.TempDir(), "readonly")
	mustDo(t, "Mkdir", os.Mkdir(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })

	path := filepath.Join(dir, "recoron.db")
	s, err := sqlstore.Open(t.Context(), "sqlite:"+path, sqlstore.Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open(sqlite:%s) succeeded in a read-only directory", path)
	}
	if want := "the file or the directory " + dir + " is not writable"; !strings.Contains(err.Error(), want) {
		t.Errorf("Open(sqlite:%s) error %q does not contain %q", path, err, want)
	}
}

func TestSQLiteReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	u := &store.User{ID: "usr_1", Name: "Ada", Plan: "free", CreatedAt: time.Now()}
	j := &store.Job{ID: "job_1", UserID: u.ID, Name: "ping", Headers: map[string]string{"A": "b"}, Enabled: true, CreatedAt: time.Now()}
	e := &store.Execution{ID: "exe_1", JobID: j.ID, UserID: u.ID, StartedAt: time.Now(), Status: store.StatusSuccess,
		Attempts: []store.Attempt{{Number: 1, StatusCode: 200}}}

	s := mustOpen(t, dsn, sqlstore.Options{})
	mustDo(t, "CreateUser", s.CreateUser(ctx, u))
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{j}, 1))
	mustDo(t, "BeginExecution", s.BeginExecution(ctx, e, 1))
	mustDo(t, "AddAPICalls", s.AddAPICalls(ctx, e.StartedAt, map[string]int64{u.ID: 3}))
	mustDo(t, "Close", s.Close())

	s = closeAtEnd(t, mustOpen(t, dsn, sqlstore.Options{}))
	if _, err := s.GetUser(ctx, u.ID); err != nil {
		t.Errorf("GetUser after reopening: %v", err)
	}
	got, err := s.GetJob(ctx, u.ID, j.ID)
	if err != nil || got.Headers["A"] != "b" {
		t.Errorf("GetJob after reopening = %+v, %v; want the job with its headers", got, err)
	}
	exe, err := s.GetExecution(ctx, u.ID, j.ID, e.ID)
	if err != nil || len(exe.Attempts) != 1 {
		t.Errorf("GetExecution after reopening = %+v, %v; want the execution with one attempt", exe, err)
	}
	usage, err := s.GetUsage(ctx, u.ID, e.StartedAt)
	if err != nil || usage.Day.APICalls != 3 || usage.Day.Executions != 1 || usage.Day.JobsCreated != 1 {
		t.Errorf("GetUsage after reopening = %+v, %v; want 3 API calls, 1 execution and 1 job created", usage, err)
	}
	// The limits still see what the first session wrote.
	err = s.BeginExecution(ctx, &store.Execution{ID: "exe_2", JobID: j.ID, UserID: u.ID, StartedAt: e.StartedAt}, 1)
	if !errors.Is(err, store.ErrLimitExceeded) {
		t.Errorf("BeginExecution over the budget after reopening = %v, want ErrLimitExceeded", err)
	}
}

func TestSQLiteRejectsNewerSchema(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	path := strings.TrimPrefix(dsn, "sqlite:")
	mustDo(t, "Close", mustOpen(t, dsn, sqlstore.Options{}).Close())

	db, err := sql.Open("sqlite", path)
	mustDo(t, "opening the database file", err)
	_, err = db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', 0)")
	mustDo(t, "recording a future migration", err)
	mustDo(t, "closing the database file", db.Close())

	wantNewerSchemaError(t, dsn, sqlstore.Options{})
}

func TestPostgresRejectsNewerSchema(t *testing.T) {
	dsn := postgresDSN(t)
	opts := sqlstore.Options{Schema: testSchema(t, dsn)}
	s := mustOpen(t, dsn, opts)
	mustDo(t, "Close", s.Close())

	db, err := sql.Open("pgx", dsn)
	mustDo(t, "opening the database", err)
	defer db.Close()
	_, err = db.Exec("INSERT INTO " + opts.Schema + ".schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', 0)")
	mustDo(t, "recording a future migration", err)

	wantNewerSchemaError(t, dsn, opts)
}

// wantNewerSchemaError checks that Open fails on a database at schema
// version 99 with an error that names both versions.
func wantNewerSchemaError(t *testing.T, dsn string, opts sqlstore.Options) {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn, opts)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
	for _, want := range []string{"version 99", fmt.Sprintf("version %d", latestVersion(t))} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not contain %q", err, want)
		}
	}
}

func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := postgresDSN(t)
	opts := sqlstore.Options{Schema: testSchema(t, dsn)}

	const opens = 8
	stores := make([]*sqlstore.Store, opens)
	errs := make([]error, opens)
	var wg sync.WaitGroup
	for i := range opens {
		wg.Go(func() { stores[i], errs[i] = sqlstore.Open(t.Context(), dsn, opts) })
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Open %d: %v", i, err)
			continue
		}
		mustDo(t, "Close", stores[i].Close())
	}

	db, err := sql.Open("pgx", dsn)
	mustDo(t, "opening the database", err)
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT COUNT(*) FROM " + opts.Schema + ".schema_migrations").Scan(&n)
	mustDo(t, "counting migrations", err)
	if want := latestVersion(t); n != want {
		t.Errorf("schema_migrations has %d rows after concurrent opens, want %d", n, want)
	}
}

// latestVersion returns the number of embedded migrations, which is the
// schema version a fresh database reaches.
func latestVersion(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("migrations/postgres")
	mustDo(t, "listing migrations", err)
	return len(entries)
}

// TestSQLiteTwoStoresOneFile checks the limits when two stores, as two
// processes would, write to one file: only the file lock and the busy
// timeout keep their transactions apart.
func TestSQLiteTwoStoresOneFile(t *testing.T) {
	ctx := t.Context()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "recoron.db")
	first := closeAtEnd(t, mustOpen(t, dsn, sqlstore.Options{}))
	second := closeAtEnd(t, mustOpen(t, dsn, sqlstore.Options{}))
	mustDo(t, "CreateUser", first.CreateUser(ctx, &store.User{ID: "usr_1"}))

	const callers, limit = 40, 7
	var created, limited int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range callers {
		s := []*sqlstore.Store{first, second}[i%2]
		wg.Go(func() {
			j := &store.Job{ID: fmt.Sprintf("job_%02d", i), UserID: "usr_1"}
			err := s.CreateJobs(ctx, []*store.Job{j}, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, store.ErrLimitExceeded):
				limited++
			default:
				t.Errorf("CreateJobs: %v", err)
			}
		})
	}
	wg.Wait()

	if created != limit || limited != callers-limit {
		t.Errorf("%d jobs created and %d over the limit, want %d and %d", created, limited, limit, callers-limit)
	}
	jobs, err := second.ListJobs(ctx, "usr_1", store.Page{})
	mustDo(t, "ListJobs", err)
	if len(jobs) != limit {
		t.Errorf("the user has %d jobs, want %d", len(jobs), limit)
	}
}

// dialectTests lists how the tests that run on both dialects open a store.
var dialectTests = []struct {
	name string
	open func(t *testing.T) *sqlstore.Store
}{
	{"sqlite", func(t *testing.T) *sqlstore.Store { return closeAtEnd(t, newSQLite(t)) }},
	{"postgres", func(t *testing.T) *sqlstore.Store { return closeAtEnd(t, newPostgres(t)) }},
}

func TestUnknownOwnerNotFound(t *testing.T) {
	for _, d := range dialectTests {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := t.Context()
			err := s.CreateJobs(ctx, []*store.Job{{ID: "job_1", UserID: "usr_missing"}}, 0)
			wantIs(t, "CreateJobs for an unknown user", err, store.ErrNotFound)
			err = s.CreateAPIKey(ctx, &store.APIKey{ID: "key_1", UserID: "usr_missing", Hash: "h"}, 0)
			wantIs(t, "CreateAPIKey for an unknown user", err, store.ErrNotFound)

			mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
			e := &store.Execution{ID: "exe_1", JobID: "job_missing", UserID: "usr_1", Status: store.StatusRunning}
			wantIs(t, "BeginExecution of an unknown job", s.BeginExecution(ctx, e, 0), store.ErrNotFound)
			wantIs(t, "BeginExecution of an unknown job with a budget", s.BeginExecution(ctx, e, 10), store.ErrNotFound)
			if u, err := s.GetUsage(ctx, "usr_1", time.Time{}); err != nil || u.Month.Executions != 0 {
				t.Errorf("GetUsage after failed begins = %+v, %v; want no executions", u, err)
			}
		})
	}
}

func TestTimesKeepMicroseconds(t *testing.T) {
	s := closeAtEnd(t, newSQLite(t))
	ctx := t.Context()
	at := time.Date(2025, time.June, 1, 12, 0, 0, 123456789, time.FixedZone("UTC+2", 7200))
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1", CreatedAt: at}))

	u, err := s.GetUser(ctx, "usr_1")
	mustDo(t, "GetUser", err)
	want := time.Date(2025, time.June, 1, 10, 0, 0, 123456000, time.UTC)
	if u.CreatedAt != want {
		t.Errorf("CreatedAt = %v (location %v), want %v in UTC", u.CreatedAt, u.CreatedAt.Location(), want)
	}
}

func mustDo(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s = %v, want %v", what, err, target)
	}
}

// TestWatchJobsAcrossStores checks that a store reports jobs created by
// another store on the same database, as another process would.
func TestWatchJobsAcrossStores(t *testing.T) {
	databases := []struct {
		name string
		// dsn returns the DSN and options that both stores open.
		dsn func(t *testing.T) (string, sqlstore.Options)
	}{
		{"sqlite", func(t *testing.T) (string, sqlstore.Options) {
			return "sqlite:" + filepath.Join(t.TempDir(), "recoron.db"), sqlstore.Options{JobPollInterval: testPollInterval}
		}},
		{"postgres", func(t *testing.T) (string, sqlstore.Options) {
			dsn := postgresDSN(t)
			return dsn, sqlstore.Options{Schema: testSchema(t, dsn)}
		}},
	}

	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			ctx := t.Context()
			dsn, opts := d.dsn(t)
			watching := closeAtEnd(t, mustOpen(t, dsn, opts))
			writing := closeAtEnd(t, mustOpen(t, dsn, opts))
			mustDo(t, "CreateUser", writing.CreateUser(ctx, &store.User{ID: "usr_1"}))

			watchCtx, cancel := context.WithCancel(ctx)
			changed := make(chan string, 100)
			opened := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- watching.WatchJobs(watchCtx, func() { close(opened) }, func(id string) { changed <- id })
			}()
			defer func() {
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Errorf("WatchJobs after cancel = %v, want context.Canceled", err)
				}
			}()
			select {
			case <-opened:
			case err := <-done:
				t.Fatalf("WatchJobs stopped before its feed opened: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("WatchJobs did not open its feed within 10s")
			}

			// A job created by the other store right after the feed opens
			// is reported.
			mustDo(t, "CreateJobs", writing.CreateJobs(ctx, []*store.Job{{ID: "job_001", UserID: "usr_1"}}, 0))
			select {
			case got := <-changed:
				if got != "job_001" {
					t.Errorf("WatchJobs reported %q, want job_001", got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("WatchJobs reported no job created by another store within 10s")
			}
		})
	}
}

// TestOpenGivesUpOnSilentServer checks that Open fails within
// Options.ConnectTimeout against a server that accepts connections and
// never replies.
func TestOpenGivesUpOnSilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()

	dsn := "postgres://app:s3cret@" + ln.Addr().String() + "/recoron?sslmode=disable"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{ConnectTimeout: time.Second})
	if err == nil {
		st.Close()
		t.Fatal("Open succeeded against a server that never answers")
	}
	if ctx.Err() != nil {
		t.Fatalf("Open returned only when the test's own deadline passed: %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open error %q contains the password", err)
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db:5432/recoron":                     "postgres://app:xxxxx@db:5432/recoron",
		"postgres://app@db/recoron?sslmode=disable&password=s3cret": "postgres://app@db/recoron?password=xxxxx&sslmode=disable",
		"host=db user=app password=s3cret dbname=recoron":           "host=db user=app password=xxxxx dbname=recoron",
		"host=db password = 's3 cret' dbname=recoron":               "host=db password = xxxxx dbname=recoron",
		"postgres://app:s3cret@db:port/recoron":                     "postgres://app:xxxxx@db:port/recoron",
		"sqlite:recoron.db":                                         "sqlite:recoron.db",
	} {
		if got := sqlstore.RedactDSN(dsn); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
