package sqlstore_test

import (
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
)

// TestStatementCacheFillsAndCloses checks that a SQLite store prepares the
// statements it runs, including those first met inside a transaction, and
// that Close returns while statements are cached or queued.
func TestStatementCacheFillsAndCloses(t *testing.T) {
	s := newSQLite(t)
	ctx := t.Context()
	mustDo(t, "CreateUser", s.CreateUser(ctx, &store.User{ID: "usr_1"}))
	for range 3 {
		if _, err := s.GetUser(ctx, "usr_1"); err != nil {
			t.Fatal(err)
		}
	}
	job := &store.Job{ID: "job_1", UserID: "usr_1", Schedule: "@daily", Timezone: "UTC"}
	mustDo(t, "CreateJobs", s.CreateJobs(ctx, []*store.Job{job}, 0))

	before := sqlstore.CachedStatements(s)
	if before == 0 {
		t.Error("no statement was cached after reads outside a transaction")
	}
	// The transaction's statements are prepared in the background.
	deadline := time.Now().Add(5 * time.Second)
	for sqlstore.CachedStatements(s) <= before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := sqlstore.CachedStatements(s); n <= before {
		t.Errorf("%d statements cached 5s after a transaction, want more than the %d before it", n, before)
	}
	if _, err := s.GetJob(ctx, "usr_1", "job_1"); err != nil {
		t.Fatal(err)
	}

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5s")
	}
}
