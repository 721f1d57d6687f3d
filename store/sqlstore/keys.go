package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/recoron/recoron/store"
)

const keyColumns = "id, user_id, name, scopes, prefix, hash, created_at, last_used_at, expires_at"

func scanKey(row rowScanner) (*store.APIKey, error) {
	k := &store.APIKey{}
	err := row.Scan(&k.ID, &k.UserID, &k.Name, jsonColumn{dst: &k.Scopes}, &k.Prefix, &k.Hash,
		(*microTime)(&k.CreatedAt), (*microTime)(&k.LastUsedAt), (*microTime)(&k.ExpiresAt))
	return k, err
}

// CreateAPIKey implements [store.Store]. It fails with ErrNotFound when
// the user does not exist, and with ErrConflict when the id or the hash is
// taken.
func (s *Store) CreateAPIKey(ctx context.Context, k *store.APIKey, limit int) error {
	scopes, err := jsonValue(k.Scopes, k.Scopes == nil)
	if err != nil {
		return err
	}

	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, k.UserID); err != nil {
			return err
		}

		n, err := s.count(ctx, tx, "SELECT COUNT(*) FROM api_keys WHERE user_id = ?", k.UserID)
		if err != nil {
			return err
		}
		if limit > 0 && n+1 > limit {
			return fmt.Errorf("user %s has %d api keys, and one more would exceed the limit of %d: %w",
				k.UserID, n, limit, store.ErrLimitExceeded)
		}

		_, err = s.exec(ctx, tx, "INSERT INTO api_keys ("+keyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			k.ID, k.UserID, k.Name, scopes, k.Prefix, k.Hash,
			timeValue(k.CreatedAt), timeValue(k.LastUsedAt), timeValue(k.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: error creating api key %s: %w", k.ID, err)
		}

		return s.addUsage(ctx, tx, k.UserID, k.CreatedAt, store.DailyUsage{APIKeysCreated: 1, PeakAPIKeys: int64(n + 1)})
	})
}

// GetAPIKey implements [store.Store].
func (s *Store) GetAPIKey(ctx context.Context, userID, id string) (*store.APIKey, error) {
	k, err := scanKey(s.queryRow(ctx, s.read, "SELECT "+keyColumns+" FROM api_keys WHERE id = ? AND user_id = ?", id, userID))
	if err != nil {
		return nil, notFound(err, "api key "+id)
	}
	return k, nil
}

// GetAPIKeyByHash implements [store.Store].
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	k, err := scanKey(s.queryRow(ctx, s.read, "SELECT "+keyColumns+" FROM api_keys WHERE hash = ?", hash))
	if err != nil {
		return nil, notFound(err, "api key with the given hash")
	}
	return k, nil
}

// ListAPIKeys implements [store.Store].
func (s *Store) ListAPIKeys(ctx context.Context, userID string) ([]*store.APIKey, error) {
	rows, err := s.query(ctx, s.read, "SELECT "+keyColumns+" FROM api_keys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error listing api keys of user %s: %w", userID, err)
	}
	return collect(rows, scanKey)
}

// DeleteAPIKey implements [store.Store]. The transaction locks the user's
// row first, as key creation does, so a check never runs while another
// transaction changes the user's keys.
func (s *Store) DeleteAPIKey(ctx context.Context, userID, id string, now time.Time, check func(remaining []*store.APIKey) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		if check != nil {
			if err := s.checkRemainingKeys(ctx, tx, userID, id, check); err != nil {
				return err
			}
		}

		res, err := s.exec(ctx, tx, "DELETE FROM api_keys WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return fmt.Errorf("sqlstore: error deleting api key %s: %w", id, err)
		}
		if err := affectedOne(res, "api key "+id); err != nil {
			return err
		}

		return s.addUsage(ctx, tx, userID, now, store.DailyUsage{APIKeysDeleted: 1})
	})
}

// checkRemainingKeys calls check with the user's keys other than id, or
// returns ErrNotFound when the user has no key id.
func (s *Store) checkRemainingKeys(ctx context.Context, tx *sql.Tx, userID, id string, check func([]*store.APIKey) error) error {
	rows, err := s.query(ctx, tx, "SELECT "+keyColumns+" FROM api_keys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return fmt.Errorf("sqlstore: error listing api keys of user %s: %w", userID, err)
	}
	keys, err := collect(rows, scanKey)
	if err != nil {
		return err
	}

	found := false
	remaining := make([]*store.APIKey, 0, len(keys))
	for _, k := range keys {
		if k.ID == id {
			found = true
			continue
		}
		remaining = append(remaining, k)
	}
	if !found {
		return fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	return check(remaining)
}

// TouchAPIKeys implements [store.Store].
func (s *Store) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	// A fixed order of rows keeps two concurrent calls on PostgreSQL from
	// locking the same rows in opposite orders and deadlocking.
	ids := make([]string, 0, len(used))
	for id, at := range used {
		if !at.IsZero() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)

	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			at := used[id].UnixMicro()
			_, err := s.exec(ctx, tx, `UPDATE api_keys SET last_used_at = ?
				WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, at, id, at)
			if err != nil {
				return fmt.Errorf("sqlstore: error recording use of api key %s: %w", id, err)
			}
		}
		return nil
	})
}
