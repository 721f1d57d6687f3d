// Package sqlstore is a durable [store.Store] on database/sql. It supports
// two dialects: SQLite through the pure-Go modernc.org/sqlite driver, and
// PostgreSQL through pgx.
//
// [Open] picks the dialect from the DSN and brings the schema up to date
// with the migrations embedded in the binary before it returns.
//
// Times are stored as Unix microseconds in UTC, so they come back in UTC
// with microsecond precision and finer digits are truncated. The zero time
// is stored as NULL and comes back as the zero time.
//
// Limits are enforced inside the transaction that writes. On PostgreSQL the
// transaction first locks the user's row with SELECT ... FOR UPDATE, so
// concurrent limit checks of one user run one after the other. On SQLite
// every write transaction starts with BEGIN IMMEDIATE on a single writer
// connection, so all writes are serialized.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recoron/recoron/store"
)

// Dialect names returned by [Store.Dialect].
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Options configures [Open].
type Options struct {
	// Logger receives migration and debug messages. Nil discards them.
	Logger *slog.Logger

	// Schema is the PostgreSQL schema that contains the tables. Open creates
	// it when it is missing. Empty selects "public". It replaces any
	// search_path set in the DSN. SQLite ignores it.
	Schema string

	// MaxOpenConns caps the connections of the PostgreSQL pool, or of the
	// SQLite read pool (SQLite writes always go through one connection).
	// Zero selects 10 for PostgreSQL and 4 for SQLite.
	MaxOpenConns int

	// Existing makes Open fail with [ErrNoDatabase] instead of creating
	// the schema when the database, or on PostgreSQL the schema, holds no
	// ReCoron tables yet. Tools that only read or change an existing
	// database set it, so a typing mistake in a name never creates a new
	// empty one.
	Existing bool

	// ConnectTimeout bounds each new PostgreSQL connection, including its
	// startup exchange, unless the DSN sets connect_timeout. Zero selects
	// 10 seconds. SQLite ignores it.
	ConnectTimeout time.Duration

	// JobPollInterval is how often [Store.WatchJobs] reads the change log
	// of a SQLite database. Zero selects one second. PostgreSQL pushes
	// changes, so it ignores the interval.
	JobPollInterval time.Duration
}

// Store is the database/sql backend. It is safe for concurrent use.
type Store struct {
	dialect *dialect
	logger  *slog.Logger

	// db runs every write and every transaction that writes.
	db *sql.DB
	// read runs reads. For a SQLite file it is a separate pool of
	// read-only connections, so reads do not queue for the single writer
	// connection. Otherwise it is db itself.
	read *sql.DB

	// pgConfig is the connection configuration of a PostgreSQL store,
	// which WatchJobs uses for its listening connection. It is nil for
	// SQLite.
	pgConfig *pgx.ConnConfig
	// jobChannel is the PostgreSQL notification channel of job changes.
	jobChannel string
	// pollInterval is how often WatchJobs reads the SQLite change log.
	pollInterval time.Duration
	// claims batches slot claims on PostgreSQL. It is nil for SQLite.
	claims *claimBatcher
	// stmts keeps prepared statements on SQLite. It is nil for
	// PostgreSQL, whose driver caches statements itself.
	stmts *stmtCache
}

var (
	_ store.Store      = (*Store)(nil)
	_ store.JobWatcher = (*Store)(nil)
)

// Open connects to the database named by dsn, applies pending migrations
// and returns the store. Accepted DSNs:
//
//   - sqlite:PATH opens or creates the SQLite file at PATH. The URL form
//     sqlite:///abs/path is accepted too. sqlite::memory: opens a private
//     in-memory database that lives until Close.
//   - postgres://... or postgresql://... connects to PostgreSQL with any
//     connection string that pgx accepts. Each connection gives up after
//     Options.ConnectTimeout unless the DSN sets connect_timeout.
//
// Open fails when the database schema is newer than this build supports.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	var s *Store
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s, err = openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opts)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(dsn, opts)
	default:
		return nil, fmt.Errorf("unsupported database DSN %q: use sqlite:PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB", RedactDSN(dsn))
	}
	if err != nil {
		return nil, err
	}
	s.logger = logger
	s.pollInterval = opts.JobPollInterval
	if s.pollInterval <= 0 {
		s.pollInterval = defaultJobPollInterval
	}

	if err := s.migrate(ctx, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// RedactDSN returns dsn with every password in it replaced by xxxxx: the
// password of a URL's user, a password query parameter, and the password
// of a key=value DSN such as "host=db password=secret".
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		// A key=value DSN may carry a password in any of its words, and a
		// URL that does not parse may still have one before its host.
		dsn = userPassword.ReplaceAllString(dsn, "${1}xxxxx@")
		return keyValuePassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	if u.User == nil {
		return u.String()
	}
	return u.Redacted()
}

// userPassword matches the user and password before the host of a URL,
// and keyValuePassword the value of a password in a key=value DSN, quoted
// or not.
var (
	userPassword     = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)
	keyValuePassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

// Dialect returns DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect.name }

// Close closes the connection pools.
func (s *Store) Close() error {
	if s.claims != nil {
		s.claims.close()
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlstore: error closing database: %w", err)
	}
	return nil
}

// querier is the part of *sql.DB and *sql.Tx that the store uses, so that
// helpers run both inside and outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
// Inside fn, every statement must go through tx: a SQLite store has a
// single writer connection, which the transaction holds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, s.dialect.writeTx)
	if err != nil {
		return fmt.Errorf("sqlstore: error beginning transaction: %w", err)
	}
	defer tx.Rollback()
	s.trackTx(tx, s.db)
	defer s.untrackTx(tx)

	if err := fn(tx); err != nil {
		return err
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: error committing transaction: %w", s.dialect.classify(err))
	}
	return nil
}

// inReadTx runs fn in a read-only transaction, so that its queries read
// one snapshot.
func (s *Store) inReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, s.dialect.readTx)
	if err != nil {
		return fmt.Errorf("sqlstore: error beginning read transaction: %w", err)
	}
	defer tx.Rollback()
	s.trackTx(tx, s.read)
	defer s.untrackTx(tx)

	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// trackTx records that tx came from db, for the statement cache.
func (s *Store) trackTx(tx *sql.Tx, db *sql.DB) {
	if s.stmts != nil {
		s.stmts.txPools.Store(tx, db)
	}
}

func (s *Store) untrackTx(tx *sql.Tx) {
	if s.stmts != nil {
		s.stmts.txPools.Delete(tx)
	}
}

// prepared returns the cached statement of query for q, or nil.
func (s *Store) prepared(ctx context.Context, q querier, query string) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	return s.stmts.forQuerier(ctx, q, query)
}

// exec runs a statement written with ? placeholders.
func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	query = s.dialect.rebind(query)
	var res sql.Result
	var err error
	if st := s.prepared(ctx, q, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = q.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, s.dialect.classify(err)
	}
	return res, nil
}

// query runs a query written with ? placeholders.
func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	query = s.dialect.rebind(query)
	if st := s.prepared(ctx, q, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}

// queryRow runs a single-row query written with ? placeholders.
func (s *Store) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	query = s.dialect.rebind(query)
	if st := s.prepared(ctx, q, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, query, args...)
}

// affectedOne returns ErrNotFound, wrapped with what, when a statement
// changed no row.
func affectedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: error reading affected rows: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// notFound turns sql.ErrNoRows into ErrNotFound naming what.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("sqlstore: error reading %s: %w", what, err)
}

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// pageClause returns the ORDER BY and LIMIT clause of a list, with the
// argument that LIMIT needs, if any.
func pageClause(order string, limit int) (string, []any) {
	if limit <= 0 {
		return " ORDER BY " + order, nil
	}
	return " ORDER BY " + order + " LIMIT ?", []any{limit}
}

// lockUser checks that the user exists and, on PostgreSQL, locks the user's
// row until the transaction ends. Every transaction that checks a per-user
// limit calls it before counting, so that two of them for one user never
// count at the same time.
func (s *Store) lockUser(ctx context.Context, tx *sql.Tx, userID string) error {
	var one int
	err := s.queryRow(ctx, tx, "SELECT 1 FROM users WHERE id = ?"+s.dialect.forUpdate, userID).Scan(&one)
	if err != nil {
		return notFound(err, "user "+userID)
	}
	return nil
}

// count runs a COUNT query.
func (s *Store) count(ctx context.Context, q querier, query string, args ...any) (int, error) {
	var n int
	if err := s.queryRow(ctx, q, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: error counting: %w", err)
	}
	return n, nil
}
