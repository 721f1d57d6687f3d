package service

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
)

// BenchmarkStartup100k measures how long a service takes to load and
// schedule 100,000 jobs stored in SQLite.
func BenchmarkStartup100k(b *testing.B) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "recoron.db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	now := time.Now()
	if err := st.CreateUser(ctx, &store.User{ID: "usr_bench", Plan: metering.PlanUnlimited, CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	schedules := []string{"*/5 * * * *", "0 9 * * 1-5", "30 2 * * *", "@hourly", "0 */6 * * *"}
	const total, batch = 100_000, 1000
	for start := 0; start < total; start += batch {
		jobs := make([]*store.Job, batch)
		for i := range jobs {
			n := start + i
			jobs[i] = &store.Job{
				ID: fmt.Sprintf("job_%09d", n), UserID: "usr_bench", Name: "bench", URL: "https://example.com/",
				Method: "GET", Schedule: schedules[n%len(schedules)], Timezone: "America/New_York",
				Enabled: true, CreatedAt: now, UpdatedAt: now,
			}
		}
		if err := st.CreateJobs(ctx, jobs, 0); err != nil {
			b.Fatal(err)
		}
	}

	b.ResetTimer()
	for b.Loop() {
		svc, err := New(Config{Store: st, Logger: slog.New(slog.DiscardHandler), MeterFlushInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		if n := svc.Scheduler().Len(); n != total {
			b.Fatalf("scheduled %d jobs, want %d", n, total)
		}
		b.StopTimer()
		if err := svc.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/startup")
}
