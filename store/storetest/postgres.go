package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	// Registers the "pgx" database/sql driver.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// PostgresEnv names the environment variable with the DSN of the
// PostgreSQL server that tests use.
const PostgresEnv = "RECORON_TEST_POSTGRES_DSN"

// PostgresSchema returns the test server's DSN and a new schema name for
// one test, and drops that schema when the test ends. The store creates
// the schema when it opens. Without PostgresEnv the test fails with
// directions, or is skipped under -short.
func PostgresSchema(tb testing.TB) (dsn, schema string) {
	tb.Helper()
	dsn = os.Getenv(PostgresEnv)
	if dsn == "" {
		if testing.Short() {
			tb.Skipf("%s is not set", PostgresEnv)
		}
		tb.Fatalf("%s is not set; point it at a PostgreSQL database, "+
			"such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable, or run go test -short", PostgresEnv)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	schema = "recoron_test_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return dsn, schema
}
