package sqlstore

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

// TestCloseWhileStatementsWait checks that Close returns when a
// transaction holds the only connection and another call waits for it on
// a cached statement: closing that statement must not block the
// transaction's own cache lookups.
func TestCloseWhileStatementsWait(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite::memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{ID: "usr_1"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUser(ctx, u); err != nil { // caches UpdateUser's statement
		t.Fatal(err)
	}

	holding, release := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- s.inTx(ctx, func(tx *sql.Tx) error {
			close(holding)
			<-release
			_, err := s.exec(ctx, tx, "UPDATE users SET name = ? WHERE id = ?", "x", "usr_1")
			return err
		})
	}()
	<-holding

	updateDone := make(chan error, 1)
	go func() { updateDone <- s.UpdateUser(ctx, u) }() // waits for the connection
	time.Sleep(100 * time.Millisecond)
	closeDone := make(chan error, 1)
	go func() { closeDone <- s.Close() }()
	time.Sleep(100 * time.Millisecond)
	close(release)

	select {
	case <-closeDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Close, the transaction and UpdateUser were still waiting on each other after 5s")
	}
	if err := <-txDone; err != nil {
		t.Errorf("transaction: %v", err)
	}
	<-updateDone // it may fail because the store closed; it must return
}
