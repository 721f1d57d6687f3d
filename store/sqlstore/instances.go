package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/recoron/recoron/store"
)

var _ store.InstanceTracker = (*Store)(nil)

// RenewInstance implements [store.InstanceTracker].
func (s *Store) RenewInstance(ctx context.Context, id string, now time.Time) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
		id, now.UnixMicro(), now.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlstore: error renewing the lease of instance %s: %w", id, err)
	}
	return nil
}

// RemoveInstance implements [store.InstanceTracker].
func (s *Store) RemoveInstance(ctx context.Context, id string) error {
	if _, err := s.exec(ctx, s.db, "DELETE FROM instances WHERE id = ?", id); err != nil {
		return fmt.Errorf("sqlstore: error removing instance %s: %w", id, err)
	}
	return nil
}

// orphanReason is the error text of an execution whose process lost its
// lease.
const orphanReason = "the server running it stopped renewing its lease before the run finished; the call may or may not have reached the target"

// InterruptOrphans implements [store.InstanceTracker].
func (s *Store) InterruptOrphans(ctx context.Context, lapsedBefore, now time.Time) (int, error) {
	var marked int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The partial index on running executions keeps this a scan of
		// the runs in flight, not of the whole history.
		res, err := s.exec(ctx, tx, `UPDATE executions SET status = ?, finished_at = ?, error = ?
			WHERE status = ? AND started_at IS NOT NULL AND instance_id <> ''
				AND instance_id NOT IN (SELECT id FROM instances WHERE heartbeat_at >= ?)`,
			store.StatusInterrupted, timeValue(now), orphanReason, store.StatusRunning,
			lapsedBefore.UnixMicro())
		if err != nil {
			return err
		}
		if marked, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "DELETE FROM instances WHERE heartbeat_at < ?", lapsedBefore.UnixMicro())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: error marking the runs of lapsed instances interrupted: %w", err)
	}
	return int(marked), nil
}
