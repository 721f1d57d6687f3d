package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/recoron/recoron/store"
)

// Pool sizes used when Options.MaxOpenConns is zero.
const (
	defaultPostgresConns  = 10
	defaultSQLiteReadConn = 4
)

// sqliteBusyTimeout is how long a SQLite connection waits for a lock held
// by another connection or process before it fails with SQLITE_BUSY.
const sqliteBusyTimeout = 5 * time.Second

// dialect describes what differs between SQLite and PostgreSQL.
type dialect struct {
	name string
	// numbered reports whether placeholders are $1, $2... rather than ?.
	numbered bool
	// forUpdate is appended to the select that locks a user's row.
	forUpdate string
	// writeTx are the options of write transactions.
	writeTx *sql.TxOptions
	// readTx are the options of read transactions, which must read one
	// snapshot.
	readTx *sql.TxOptions
}

var (
	// A SQLite read transaction reads one snapshot at any isolation level.
	sqliteDialect = &dialect{name: DialectSQLite, readTx: &sql.TxOptions{ReadOnly: true}}

	// The locking of [Store.lockUser] relies on READ COMMITTED, where each
	// statement after the lock reads the rows that the previous holder of
	// the lock committed. Asking for it explicitly keeps that true on
	// servers whose default isolation is stricter.
	postgresDialect = &dialect{
		name:      DialectPostgres,
		numbered:  true,
		forUpdate: " FOR UPDATE",
		writeTx:   &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		// Under READ COMMITTED each statement would read its own snapshot.
		readTx: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	}
)

// rebind rewrites the ? placeholders of query into $1, $2... for
// PostgreSQL. The store's queries contain no ? inside string literals.
func (d *dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}

	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// classify wraps unique violations in ErrConflict and foreign key
// violations in ErrNotFound, and returns other errors unchanged.
func (d *dialect) classify(err error) error {
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
	}

	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
	}
	return err
}

// openSQLite opens the pools of a SQLite database. path is the part of the
// DSN after "sqlite:".
func openSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return nil, errors.New("invalid DSN sqlite: the path is empty; use sqlite:PATH or sqlite::memory:")
	}
	// The driver reads everything after ? as its own parameters.
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("invalid DSN sqlite:%s: the path must not contain '?'", path)
	}

	params := url.Values{}
	params.Set("_busy_timeout", strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
	params.Set("_foreign_keys", "1")
	// BEGIN IMMEDIATE takes the write lock when the transaction starts, so
	// a transaction never has to upgrade a read lock, which fails with
	// SQLITE_BUSY at once when another writer holds the lock.
	params.Set("_txlock", "immediate")

	if path == ":memory:" {
		// Every connection to :memory: opens its own database, so the store
		// must use exactly one connection for reads and writes.
		db, err := openSQLiteDB(path, params, 1)
		if err != nil {
			return nil, err
		}
		return &Store{dialect: sqliteDialect, db: db, read: db, stmts: newStmtCache()}, nil
	}

	// WAL lets readers run while the writer writes. synchronous=FULL
	// syncs the log at each commit, so a committed write survives a power
	// loss as well as a crash.
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "FULL")
	db, err := openSQLiteDB(path, params, 1)
	if err != nil {
		return nil, err
	}
	// The driver opens the file at the first connection, and its errors
	// name no path, so connect now and explain a failure.
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, explainSQLiteOpenError(path, err)
	}

	readConns := opts.MaxOpenConns
	if readConns <= 0 {
		readConns = defaultSQLiteReadConn
	}
	params.Set("_query_only", "1")
	read, err := openSQLiteDB(path, params, readConns)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{dialect: sqliteDialect, db: db, read: read, stmts: newStmtCache()}, nil
}

// explainSQLiteOpenError returns an error that names the file and the
// likely fix for an error of the first connection to the SQLite file at
// path.
func explainSQLiteOpenError(path string, err error) error {
	name := path
	if abs, absErr := filepath.Abs(path); absErr == nil && abs != path {
		name = fmt.Sprintf("%s (%s)", path, abs)
	}

	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return fmt.Errorf("sqlstore: error opening SQLite database %s: %w", name, err)
	}
	// The low byte of an extended result code is its primary code.
	switch sqliteErr.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("sqlstore: cannot open %s: the file exists but is not a SQLite database; "+
			"choose another path, or move the file away to create a new database there: %w", name, err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("sqlstore: cannot open SQLite database %s: %s: %w", name, cantOpenReason(path), err)
	}
	return fmt.Errorf("sqlstore: error opening SQLite database %s: %w", name, err)
}

// cantOpenReason returns the likely reason why SQLite cannot open or
// create the file at path, from what the file system shows.
func cantOpenReason(path string) string {
	dir := filepath.Dir(path)
	dirInfo, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("the directory %s does not exist; create it or choose another path", dir)
	case err == nil && !dirInfo.IsDir():
		return fmt.Sprintf("%s is not a directory; choose another path", dir)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return "the path is a directory; give the path of a file in it, such as " + filepath.Join(path, "recoron.db")
	}
	return fmt.Sprintf("the file or the directory %s is not writable by this process; "+
		"give it write permission or choose another path", dir)
}

func openSQLiteDB(path string, params url.Values, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error opening SQLite database %s: %w", path, err)
	}

	// Idle connections stay open: reopening a SQLite connection rereads
	// the schema, and closing the last one of :memory: loses the data.
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// defaultConnectTimeout bounds each new PostgreSQL connection, including
// its startup exchange, when neither the DSN nor Options set a timeout.
const defaultConnectTimeout = 10 * time.Second

// openPostgres opens a pool whose connections use the schema of opts as
// their search path.
func openPostgres(dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("invalid PostgreSQL DSN %q: %w", RedactDSN(dsn), err)
	}
	cfg.RuntimeParams["search_path"] = pgx.Identifier{schemaName(opts)}.Sanitize()
	if cfg.ConnectTimeout == 0 {
		// A server that accepts connections but never replies would
		// otherwise hold Open, and every query after it, forever.
		cfg.ConnectTimeout = opts.ConnectTimeout
		if cfg.ConnectTimeout <= 0 {
			cfg.ConnectTimeout = defaultConnectTimeout
		}
	}

	schema := schemaName(opts)
	db := stdlib.OpenDB(*cfg)
	conns := opts.MaxOpenConns
	if conns <= 0 {
		conns = defaultPostgresConns
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s := &Store{dialect: postgresDialect, db: db, read: db, pgConfig: cfg, jobChannel: jobChannel(schema)}
	// Half the pool claims slots, so other queries always find a
	// connection while claims are busy.
	s.claims = newClaimBatcher(s, conns/2)
	return s, nil
}

// schemaName returns the PostgreSQL schema selected by opts.
func schemaName(opts Options) string {
	if opts.Schema == "" {
		return "public"
	}
	return opts.Schema
}
