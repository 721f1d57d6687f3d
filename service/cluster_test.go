package service

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/recoron/recoron/store/sqlstore"
	"github.com/recoron/recoron/store/storetest"
)

// sharedServices starts two services on one new PostgreSQL schema, as two
// server processes would run.
func sharedServices(t *testing.T) (*Service, *Service) {
	t.Helper()
	dsn, schema := storetest.PostgresSchema(t)
	return startShared(t, dsn, schema, Config{}), startShared(t, dsn, schema, Config{})
}

// startShared starts a service with cfg on the PostgreSQL schema, as one
// of several server processes sharing it, and stops it when the test
// ends. It sets the store, SharedStore, a discarding logger and an hourly
// meter flush.
func startShared(t *testing.T, dsn, schema string, cfg Config) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.SharedStore = st, true
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.MeterFlushInterval = time.Hour
	svc, err := New(cfg)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = svc.Stop(ctx)
		st.Close()
	})
	return svc
}

// propagationLimit bounds how long a change may take to reach the other
// instance in these tests. Notifications arrive within milliseconds and
// the fallback reload runs every minute, so this limit separates the two
// with room for a loaded test machine.
const propagationLimit = 3 * time.Second

// waitFor polls cond every 10ms for up to limit and reports how long it
// took, or fails.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	began := time.Now()
	for !cond() {
		if time.Since(began) > limit {
			t.Fatalf("%s: not seen within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(began)
}

func TestJobChangesReachOtherInstance(t *testing.T) {
	a, b := sharedServices(t)
	ctx := context.Background()
	token, err := a.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}

	name, url, method, schedule := "shared", "https://example.com/hook", "GET", "0 9 * * *"
	jobs, err := a.CreateJobs(ctx, p, []JobInput{{Name: &name, URL: &url, Method: &method, Schedule: &schedule}}, false)
	if err != nil {
		t.Fatal(err)
	}
	id := jobs[0].ID
	took := waitFor(t, "created job on the other instance", propagationLimit, func() bool {
		_, ok := b.Scheduler().NextRun(id)
		return ok
	})
	t.Logf("create reached the other instance in %s", took)

	hourly := "0 * * * *"
	updated, err := a.UpdateJob(ctx, p, id, JobInput{Schedule: &hourly})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "changed schedule on the other instance", propagationLimit, func() bool {
		next, _ := b.Scheduler().NextRun(id)
		return next.Equal(updated.NextRunAt)
	})

	if err := a.DeleteJob(ctx, p, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deleted job on the other instance", propagationLimit, func() bool {
		_, ok := b.Scheduler().NextRun(id)
		return !ok
	})

	// A key deleted through one instance stops working on the other at
	// once, because every request checks the store.
	key, keyToken, err := a.CreateKey(ctx, p, KeyInput{Name: "second", Scopes: []string{ScopeReadJobs}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, keyToken); err != nil {
		t.Fatalf("new key rejected by the other instance: %v", err)
	}
	if err := a.DeleteKey(ctx, p, key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, keyToken); err == nil {
		t.Error("deleted key still accepted by the other instance")
	}
}
