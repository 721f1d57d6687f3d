package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/recoron/recoron/store"
)

const userColumns = "id, name, plan, created_at, signing_secret, previous_secret, previous_expires_at"

func scanUser(row rowScanner) (*store.User, error) {
	u := &store.User{}
	err := row.Scan(&u.ID, &u.Name, &u.Plan, (*microTime)(&u.CreatedAt),
		&u.SigningSecret, &u.PreviousSecret, (*microTime)(&u.PreviousExpiresAt))
	return u, err
}

// CreateUser implements [store.Store].
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	_, err := s.exec(ctx, s.db, "INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Name, u.Plan, timeValue(u.CreatedAt),
		u.SigningSecret, u.PreviousSecret, timeValue(u.PreviousExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: error creating user %s: %w", u.ID, err)
	}
	return nil
}

// GetUser implements [store.Store].
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, err := scanUser(s.queryRow(ctx, s.read, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "user "+id)
	}
	return u, nil
}

// ListUsers implements [store.Store].
func (s *Store) ListUsers(ctx context.Context) ([]*store.User, error) {
	rows, err := s.query(ctx, s.read, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error listing users: %w", err)
	}
	return collect(rows, scanUser)
}

// UpdateUser implements [store.Store].
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	res, err := s.exec(ctx, s.db, `UPDATE users SET name = ?, plan = ?, created_at = ?,
			signing_secret = ?, previous_secret = ?, previous_expires_at = ?
		WHERE id = ?`,
		u.Name, u.Plan, timeValue(u.CreatedAt),
		u.SigningSecret, u.PreviousSecret, timeValue(u.PreviousExpiresAt), u.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: error updating user %s: %w", u.ID, err)
	}
	return affectedOne(res, "user "+u.ID)
}

// CountUsers implements [store.Store].
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	return s.count(ctx, s.read, "SELECT COUNT(*) FROM users")
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(row rowScanner) (*T, error)) ([]*T, error) {
	defer rows.Close()

	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: error reading row: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: error reading rows: %w", err)
	}
	return out, nil
}
