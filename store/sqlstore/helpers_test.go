package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recoron/recoron/store/sqlstore"
)

// postgresEnv names the variable that contains the DSN of the PostgreSQL
// server for tests. The tests create and drop schemas named
// recoron_test_* in that database and touch nothing else.
const postgresEnv = "RECORON_TEST_POSTGRES_DSN"

// testPollInterval is the JobPollInterval of SQLite test stores, short so
// that tests of WatchJobs run fast.
const testPollInterval = 10 * time.Millisecond

// postgresDSN returns the DSN of the test server. Without one, the test
// fails, or is skipped under -short.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn != "" {
		return dsn
	}
	if testing.Short() {
		tb.Skipf("%s is not set; skipping the PostgreSQL tests under -short", postgresEnv)
	}
	tb.Fatalf("%s is not set; set it to a PostgreSQL DSN such as "+
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable, or run go test -short to skip the PostgreSQL tests",
		postgresEnv)
	return ""
}

// testSchema returns a new schema name for one test and drops the schema
// with everything in it when the test ends.
func testSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	suffix := make([]byte, 8)
	rand.Read(suffix)
	schema := "recoron_test_" + hex.EncodeToString(suffix)

	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Errorf("opening %s to drop schema %s: %v", postgresEnv, schema, err)
			return
		}
		defer admin.Close()
		_, err = admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		if err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// newPostgres opens a store in a new schema of the test server, which is
// dropped when the test ends. The caller closes the store.
func newPostgres(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	dsn := postgresDSN(tb)
	return mustOpen(tb, dsn, sqlstore.Options{Schema: testSchema(tb, dsn)})
}

// newSQLite opens a store on a new file in a temporary directory. The
// caller closes the store.
func newSQLite(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	return mustOpen(tb, "sqlite:"+filepath.Join(tb.TempDir(), "recoron.db"), sqlstore.Options{JobPollInterval: testPollInterval})
}

// mustOpen opens a store or ends the test.
func mustOpen(tb testing.TB, dsn string, opts sqlstore.Options) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dsn, err)
	}
	return s
}

// closeAtEnd closes s when the test ends.
func closeAtEnd(tb testing.TB, s *sqlstore.Store) *sqlstore.Store {
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}
