// Package memstore is an in-memory [store.Store] built on go-memdb. It keeps
// nothing across restarts and suits tests, examples and embedders that load
// their jobs at start.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/go-memdb"

	"github.com/recoron/recoron/store"
)

// Store is the go-memdb backend. Records are stored as private copies, so
// callers may modify what they pass in or get back.
type Store struct {
	db *memdb.MemDB
}

var (
	_ store.Store                = (*Store)(nil)
	_ store.ScheduledRunFinisher = (*Store)(nil)
)

type usageRow struct {
	UserID string
	DayKey string // YYYY-MM-DD
	store.DailyUsage
}

// slotRow claims one scheduled slot of a job; Key is the nominal fire
// time in Unix nanoseconds.
type slotRow struct {
	JobID string
	Key   string
}

func slotKey(e *store.Execution) *slotRow {
	return &slotRow{JobID: e.JobID, Key: strconv.FormatInt(e.ScheduledAt.UnixNano(), 10)}
}

type paidRow struct {
	UserID   string
	MonthKey string // YYYY-MM
	Paid     bool
}

func stringIndex(name, field string, unique bool) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, Unique: unique, Indexer: &memdb.StringFieldIndex{Field: field}}
}

func compoundIndex(name string, unique bool, fields ...string) *memdb.IndexSchema {
	indexes := make([]memdb.Indexer, len(fields))
	for i, f := range fields {
		indexes[i] = &memdb.StringFieldIndex{Field: f}
	}
	return &memdb.IndexSchema{Name: name, Unique: unique, Indexer: &memdb.CompoundIndex{Indexes: indexes}}
}

func schema() *memdb.DBSchema {
	table := func(name string, indexes ...*memdb.IndexSchema) *memdb.TableSchema {
		t := &memdb.TableSchema{Name: name, Indexes: map[string]*memdb.IndexSchema{}}
		for _, ix := range indexes {
			t.Indexes[ix.Name] = ix
		}
		return t
	}
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		"users": table("users", stringIndex("id", "ID", true)),
		"keys": table("keys",
			stringIndex("id", "ID", true),
			stringIndex("hash", "Hash", true),
			compoundIndex("user", true, "UserID", "ID")),
		"jobs": table("jobs",
			stringIndex("id", "ID", true),
			compoundIndex("user", true, "UserID", "ID"),
			&memdb.IndexSchema{Name: "enabled", Indexer: &memdb.BoolFieldIndex{Field: "Enabled"}}),
		"executions": table("executions",
			stringIndex("id", "ID", true),
			compoundIndex("job", true, "JobID", "ID")),
		"usage": table("usage", compoundIndex("id", true, "UserID", "DayKey")),
		"slots": table("slots", compoundIndex("id", true, "JobID", "Key")),
		"paid":  table("paid", compoundIndex("id", true, "UserID", "MonthKey")),
	}}
}

// New returns an empty store.
func New() *Store {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		// The schema is static, so an error here is a programming error.
		panic(fmt.Sprintf("memstore: invalid schema: %v", err))
	}
	return &Store{db: db}
}

// Close implements [store.Store]; it has nothing to release.
func (s *Store) Close() error { return nil }

func (s *Store) write(fn func(txn *memdb.Txn) error) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	if err := fn(txn); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func first[T any](txn *memdb.Txn, table, index string, args ...any) (*T, error) {
	raw, err := txn.First(table, index, args...)
	if err != nil {
		return nil, fmt.Errorf("memstore: lookup %s by %s: %w", table, index, err)
	}
	if raw == nil {
		return nil, store.ErrNotFound
	}
	return raw.(*T), nil
}

func list[T any](txn *memdb.Txn, table, index string, page store.Page, args ...any) ([]*T, error) {
	it, err := txn.Get(table, index, args...)
	if err != nil {
		return nil, fmt.Errorf("memstore: list %s by %s: %w", table, index, err)
	}
	var out []*T
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if page.After != "" && idOf(raw) <= page.After {
			continue
		}
		out = append(out, raw.(*T))
		if page.Limit > 0 && len(out) == page.Limit {
			break
		}
	}
	return out, nil
}

func idOf(raw any) string {
	switch r := raw.(type) {
	case *store.User:
		return r.ID
	case *store.APIKey:
		return r.ID
	case *store.Job:
		return r.ID
	case *store.Execution:
		return r.ID
	}
	return ""
}

func dayKey(t time.Time) string { return t.UTC().Format("2006-01-02") }

// CreateUser implements [store.Store].
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	return s.write(func(txn *memdb.Txn) error {
		if _, err := first[store.User](txn, "users", "id", u.ID); err == nil {
			return fmt.Errorf("user %s: %w", u.ID, store.ErrConflict)
		}
		c := *u
		return txn.Insert("users", &c)
	})
}

// GetUser implements [store.Store].
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, err := first[store.User](s.db.Txn(false), "users", "id", id)
	if err != nil {
		return nil, err
	}
	c := *u
	return &c, nil
}

// ListUsers implements [store.Store].
func (s *Store) ListUsers(ctx context.Context) ([]*store.User, error) {
	users, err := list[store.User](s.db.Txn(false), "users", "id", store.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]*store.User, len(users))
	for i, u := range users {
		c := *u
		out[i] = &c
	}
	return out, nil
}

// UpdateUser implements [store.Store].
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	return s.write(func(txn *memdb.Txn) error {
		if _, err := first[store.User](txn, "users", "id", u.ID); err != nil {
			return err
		}
		c := *u
		return txn.Insert("users", &c)
	})
}

// CountUsers implements [store.Store].
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	users, err := list[store.User](s.db.Txn(false), "users", "id", store.Page{})
	return len(users), err
}

func countPrefix(txn *memdb.Txn, table, index string, args ...any) (int, error) {
	it, err := txn.Get(table, index, args...)
	if err != nil {
		return 0, fmt.Errorf("memstore: count %s: %w", table, err)
	}
	n := 0
	for raw := it.Next(); raw != nil; raw = it.Next() {
		n++
	}
	return n, nil
}

// updateUsage applies fn to the user's usage row for the day of at.
func updateUsage(txn *memdb.Txn, userID string, at time.Time, fn func(*store.DailyUsage)) error {
	key := dayKey(at)
	row := &usageRow{UserID: userID, DayKey: key}
	row.Date = store.Day(at)
	if old, err := first[usageRow](txn, "usage", "id", userID, key); err == nil {
		c := *old
		row = &c
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	fn(&row.DailyUsage)
	return txn.Insert("usage", row)
}
