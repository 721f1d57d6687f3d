package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/recoron/recoron/store"
)

// CreateAPIKey implements [store.Store].
func (s *Store) CreateAPIKey(ctx context.Context, k *store.APIKey, limit int) error {
	return s.write(func(txn *memdb.Txn) error {
		if _, err := first[store.APIKey](txn, "keys", "id", k.ID); err == nil {
			return fmt.Errorf("api key %s: %w", k.ID, store.ErrConflict)
		}
		if _, err := first[store.APIKey](txn, "keys", "hash", k.Hash); err == nil {
			return fmt.Errorf("api key hash: %w", store.ErrConflict)
		}
		n, err := countPrefix(txn, "keys", "user_prefix", k.UserID)
		if err != nil {
			return err
		}
		if limit > 0 && n+1 > limit {
			return store.ErrLimitExceeded
		}
		if err := txn.Insert("keys", k.Clone()); err != nil {
			return err
		}
		return updateUsage(txn, k.UserID, k.CreatedAt, func(d *store.DailyUsage) {
			d.APIKeysCreated++
			d.PeakAPIKeys = max(d.PeakAPIKeys, int64(n+1))
		})
	})
}

// GetAPIKey implements [store.Store].
func (s *Store) GetAPIKey(ctx context.Context, userID, id string) (*store.APIKey, error) {
	k, err := first[store.APIKey](s.db.Txn(false), "keys", "user", userID, id)
	if err != nil {
		return nil, err
	}
	return k.Clone(), nil
}

// GetAPIKeyByHash implements [store.Store].
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	k, err := first[store.APIKey](s.db.Txn(false), "keys", "hash", hash)
	if err != nil {
		return nil, err
	}
	return k.Clone(), nil
}

// ListAPIKeys implements [store.Store].
func (s *Store) ListAPIKeys(ctx context.Context, userID string) ([]*store.APIKey, error) {
	keys, err := list[store.APIKey](s.db.Txn(false), "keys", "user_prefix", store.Page{}, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*store.APIKey, len(keys))
	for i, k := range keys {
		out[i] = k.Clone()
	}
	return out, nil
}

// DeleteAPIKey implements [store.Store]. go-memdb admits one write
// transaction at a time, so check and delete are atomic.
func (s *Store) DeleteAPIKey(ctx context.Context, userID, id string, now time.Time, check func(remaining []*store.APIKey) error) error {
	return s.write(func(txn *memdb.Txn) error {
		k, err := first[store.APIKey](txn, "keys", "user", userID, id)
		if err != nil {
			return err
		}
		if check != nil {
			keys, err := list[store.APIKey](txn, "keys", "user_prefix", store.Page{}, userID)
			if err != nil {
				return err
			}
			remaining := make([]*store.APIKey, 0, len(keys))
			for _, other := range keys {
				if other.ID != id {
					remaining = append(remaining, other.Clone())
				}
			}
			if err := check(remaining); err != nil {
				return err
			}
		}
		if err := txn.Delete("keys", k); err != nil {
			return err
		}
		return updateUsage(txn, userID, now, func(d *store.DailyUsage) { d.APIKeysDeleted++ })
	})
}

// TouchAPIKeys implements [store.Store].
func (s *Store) TouchAPIKeys(ctx context.Context, used map[string]time.Time) error {
	return s.write(func(txn *memdb.Txn) error {
		for id, at := range used {
			k, err := first[store.APIKey](txn, "keys", "id", id)
			if err != nil {
				continue // deleted since it was used
			}
			if !at.After(k.LastUsedAt) {
				continue
			}
			c := k.Clone()
			c.LastUsedAt = at
			if err := txn.Insert("keys", c); err != nil {
				return err
			}
		}
		return nil
	})
}
