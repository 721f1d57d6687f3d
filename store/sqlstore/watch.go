package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultJobPollInterval is how often WatchJobs reads the SQLite change
// log when Options.JobPollInterval is zero.
const defaultJobPollInterval = time.Second

// jobChangeRetention is how long the SQLite change log keeps a row. A
// watcher that falls further behind misses changes until the service's
// periodic full reload catches up.
const jobChangeRetention = 10 * time.Minute

// jobChannel returns the PostgreSQL notification channel of job changes
// in a schema. Hashing the schema name keeps the channel within the
// 63-byte limit of identifiers.
func jobChannel(schema string) string {
	h := fnv.New64a()
	h.Write([]byte(schema))
	return fmt.Sprintf("recoron_jobs_%016x", h.Sum64())
}

// recordJobChanges notifies the watchers of every process that the
// definitions of jobs changed, once tx commits. On PostgreSQL it queues
// notifications, which the server delivers at commit. On SQLite it appends
// to the change log and prunes rows older than jobChangeRetention.
func (s *Store) recordJobChanges(ctx context.Context, tx *sql.Tx, ids ...string) error {
	if s.dialect == postgresDialect {
		_, err := tx.ExecContext(ctx, "SELECT pg_notify($1, id) FROM unnest($2::text[]) AS id", s.jobChannel, ids)
		if err != nil {
			return fmt.Errorf("sqlstore: error notifying job changes: %w", err)
		}
		return nil
	}

	now := time.Now()
	for _, id := range ids {
		_, err := s.exec(ctx, tx, "INSERT INTO job_changes (job_id, changed_at) VALUES (?, ?)", id, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("sqlstore: error logging change of job %s: %w", id, err)
		}
	}

	_, err := s.exec(ctx, tx, "DELETE FROM job_changes WHERE changed_at < ?", now.Add(-jobChangeRetention).UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlstore: error pruning the job change log: %w", err)
	}
	return nil
}

// WatchJobs implements [store.JobWatcher]. It reports the jobs that
// CreateJobs, UpdateJob and DeleteJob changed in any process sharing the
// database, this one included, after the change commits. Changes
// committed before it calls ready may be missed. It returns ctx.Err() when
// ctx is done.
//
// On PostgreSQL it listens for notifications on a connection of its own.
// On SQLite it reads the change log every Options.JobPollInterval.
func (s *Store) WatchJobs(ctx context.Context, ready func(), fn func(jobID string)) error {
	if ready == nil {
		ready = func() {}
	}
	if s.dialect == postgresDialect {
		return s.listenJobChanges(ctx, ready, fn)
	}
	return s.pollJobChanges(ctx, ready, fn)
}

// listenJobChanges reports job change notifications until ctx is done or
// the connection fails.
func (s *Store) listenJobChanges(ctx context.Context, ready func(), fn func(jobID string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pgConfig)
	if err != nil {
		return fmt.Errorf("sqlstore: error connecting to watch job changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.jobChannel}.Sanitize()); err != nil {
		return fmt.Errorf("sqlstore: error listening for job changes: %w", err)
	}
	ready()

	for {
		n, err := conn.WaitForNotification(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("sqlstore: error waiting for job changes: %w", err)
		}
		fn(n.Payload)
	}
}

// pollJobChanges reports the rows added to the change log since it
// started, until ctx is done or a read fails.
func (s *Store) pollJobChanges(ctx context.Context, ready func(), fn func(jobID string)) error {
	var last int64
	err := s.queryRow(ctx, s.read, "SELECT COALESCE(MAX(seq), 0) FROM job_changes").Scan(&last)
	if err != nil {
		return fmt.Errorf("sqlstore: error reading the job change log: %w", err)
	}
	ready()

	ticker := time.NewTicker(s.pollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}

		last, err = s.readJobChanges(ctx, last, fn)
		if err != nil {
			return err
		}
	}
}

// readJobChanges reports the change log rows after sequence number last
// and returns the last sequence number read.
func (s *Store) readJobChanges(ctx context.Context, last int64, fn func(jobID string)) (int64, error) {
	rows, err := s.query(ctx, s.read, "SELECT seq, job_id FROM job_changes WHERE seq > ? ORDER BY seq", last)
	if err != nil {
		return last, fmt.Errorf("sqlstore: error reading the job change log: %w", err)
	}
	defer rows.Close()

	// The rows are read in full before fn runs, so a slow callback does
	// not keep a read transaction open on the database.
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&last, &id); err != nil {
			return last, fmt.Errorf("sqlstore: error reading the job change log: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return last, fmt.Errorf("sqlstore: error reading the job change log: %w", err)
	}
	rows.Close()

	for _, id := range ids {
		fn(id)
	}
	return last, nil
}
