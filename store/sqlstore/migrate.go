package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationFiles contains one directory of numbered SQL files per dialect.
// A file NNNN_name.sql moves the schema from version NNNN-1 to NNNN.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the migrations of a dialect sorted by version,
// and checks that the versions run from 1 without gaps.
func loadMigrations(dialectName string) ([]migration, error) {
	dir := path.Join("migrations", dialectName)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error reading embedded migrations: %w", err)
	}

	var list []migration
	for _, e := range entries {
		number, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(number)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: embedded migration %s is not named NNNN_name.sql", e.Name())
		}
		text, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: error reading embedded migration %s: %w", e.Name(), err)
		}
		list = append(list, migration{version: version, name: e.Name(), sql: string(text)})
	}

	slices.SortFunc(list, func(a, b migration) int { return a.version - b.version })
	for i, m := range list {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlstore: embedded migration %s has version %d, expected %d", m.name, m.version, i+1)
		}
	}
	return list, nil
}

// migrate applies the pending migrations in one transaction, and fails
// without changing anything when the database is at a version newer than
// the latest embedded migration.
// ErrNoDatabase reports that Open with Options.Existing found no ReCoron
// tables to open.
var ErrNoDatabase = errors.New("sqlstore: no ReCoron database found; start recoron-server on it once to create it")

func (s *Store) migrate(ctx context.Context, opts Options) error {
	list, err := loadMigrations(s.dialect.name)
	if err != nil {
		return err
	}
	latest := len(list)

	var applied []migration
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == postgresDialect {
			if err := preparePostgresSchema(ctx, tx, schemaName(opts), opts.Existing); err != nil {
				return err
			}
		}

		current, err := s.schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current == 0 && opts.Existing {
			if s.dialect == postgresDialect {
				return fmt.Errorf("%w (PostgreSQL schema %s has no ReCoron tables)", ErrNoDatabase, schemaName(opts))
			}
			return ErrNoDatabase
		}
		if current > latest {
			return fmt.Errorf("sqlstore: database schema version %d is newer than version %d, the latest this build supports; upgrade ReCoron to open this database", current, latest)
		}

		for _, m := range list[current:] {
			if err := s.apply(ctx, tx, m); err != nil {
				return err
			}
		}
		applied = list[current:]
		return nil
	})
	if err != nil {
		return err
	}

	for _, m := range applied {
		s.logger.InfoContext(ctx, "applied database migration",
			slog.String("dialect", s.dialect.name), slog.Int("version", m.version), slog.String("name", m.name))
	}
	return nil
}

// preparePostgresSchema serializes migrations of one schema across
// processes and creates the schema when it is missing.
func preparePostgresSchema(ctx context.Context, tx *sql.Tx, schema string, existing bool) error {
	// The transaction-level advisory lock is released at commit or
	// rollback. Every Open of the same schema takes the same key, so the
	// second one waits and then finds the migrations applied.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey(schema)); err != nil {
		return fmt.Errorf("sqlstore: error locking schema %s for migration: %w", schema, err)
	}

	// CREATE SCHEMA checks the CREATE privilege on the database even when
	// the schema exists, so it runs only for a missing schema.
	var exists bool
	err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	if err != nil {
		return fmt.Errorf("sqlstore: error looking up schema %s: %w", schema, err)
	}
	if !exists && existing {
		return fmt.Errorf("%w (PostgreSQL schema %s does not exist)", ErrNoDatabase, schema)
	}
	quoted := pgx.Identifier{schema}.Sanitize()
	if !exists {
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA "+quoted); err != nil {
			return fmt.Errorf("sqlstore: error creating schema %s: %w", schema, err)
		}
	}
	// The connection's search_path already names the schema, but set it
	// again in case the connection resolved it before the schema existed.
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+quoted); err != nil {
		return fmt.Errorf("sqlstore: error selecting schema %s: %w", schema, err)
	}
	return nil
}

// migrationLockKey derives the advisory lock key of a schema.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("recoron schema migration " + schema))
	return int64(h.Sum64())
}

// schemaVersion creates the migration table if needed and returns the
// highest applied version, 0 for a new database.
func (s *Store) schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT NOT NULL PRIMARY KEY,
		name       TEXT   NOT NULL,
		applied_at BIGINT NOT NULL
	)`)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error creating table schema_migrations: %w", err)
	}

	var version int
	err = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error reading schema version: %w", err)
	}
	return version, nil
}

// apply runs one migration and records it.
func (s *Store) apply(ctx context.Context, tx *sql.Tx, m migration) error {
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlstore: error applying migration %s: %w", m.name, err)
	}

	_, err := s.exec(ctx, tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, time.Now().UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlstore: error recording migration %s: %w", m.name, err)
	}
	return nil
}
