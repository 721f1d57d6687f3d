package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
	"github.com/recoron/recoron/store/storetest"
)

// BenchmarkDueBurst measures how fast one service starts the HTTP calls of
// 2,000 jobs that are due at the same second, on SQLite and PostgreSQL.
// Each run claims its slot in the database, looks up its user and calls a
// loopback sink; the outcome is stored afterwards. The clock is fake, so
// the time is the service's own work, not waiting for the second.
func BenchmarkDueBurst(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchmarkDueBurst(b, "sqlite:"+filepath.Join(b.TempDir(), "recoron.db"), sqlstore.Options{})
	})
	b.Run("postgres", func(b *testing.B) {
		dsn, schema := storetest.PostgresSchema(b)
		benchmarkDueBurst(b, dsn, sqlstore.Options{Schema: schema})
	})
}

func benchmarkDueBurst(b *testing.B, dsn string, opts sqlstore.Options) {
	const jobs = 2000
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	var calls atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer sink.Close()

	start := time.Date(2026, time.March, 1, 11, 59, 59, 0, time.UTC)
	if err := st.CreateUser(ctx, &store.User{ID: "usr_bench", Plan: metering.PlanUnlimited, CreatedAt: start}); err != nil {
		b.Fatal(err)
	}
	batch := make([]*store.Job, jobs)
	for i := range batch {
		// Every job is due at each whole minute.
		batch[i] = &store.Job{ID: fmt.Sprintf("job_%09d", i), UserID: "usr_bench", Name: "burst", URL: sink.URL,
			Method: "GET", Schedule: "0 * * * * *", Timezone: "UTC", Enabled: true, CreatedAt: start, UpdatedAt: start,
			RetryMaxAttempts: 1}
	}
	if err := st.CreateJobs(ctx, batch, 0); err != nil {
		b.Fatal(err)
	}

	clock := schedulertest.NewClock(start)
	svc, err := New(Config{Store: st, Clock: clock, Logger: slog.New(slog.DiscardHandler), AllowPrivateTargets: true,
		MeterFlushInterval: time.Hour, SharedStore: opts.Schema != ""})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := svc.Stop(stopCtx); err != nil {
			b.Error(err)
		}
	}()

	b.ResetTimer()
	for b.Loop() {
		want := calls.Load() + jobs
		if !clock.WaitForTimers(1, 10*time.Second) {
			b.Fatal("the scheduler never went to sleep")
		}
		clock.Advance(time.Minute)
		deadline := time.Now().Add(time.Minute)
		for calls.Load() < want {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d calls arrived within a minute", calls.Load()-(want-jobs), jobs)
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(jobs)*float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
