package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
)

// benchDialects opens a fresh store per dialect for a benchmark. The
// PostgreSQL one needs RECORON_TEST_POSTGRES_DSN and is skipped without it.
var benchDialects = []struct {
	name string
	open func(b *testing.B) *sqlstore.Store
}{
	{"sqlite", func(b *testing.B) *sqlstore.Store { return closeAtEnd(b, newSQLite(b)) }},
	{"postgres", func(b *testing.B) *sqlstore.Store {
		if os.Getenv(postgresEnv) == "" {
			b.Skipf("%s is not set", postgresEnv)
		}
		return closeAtEnd(b, newPostgres(b))
	}},
}

// benchUsers is the number of users that the create benchmarks spread
// their jobs over, so that the per-user count stays small as b.N grows.
const benchUsers = 100

// seedUsers creates n users and returns their ids.
func seedUsers(b *testing.B, s store.Store, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("usr_%04d", i)
		if err := s.CreateUser(context.Background(), &store.User{ID: ids[i], Plan: "free", CreatedAt: time.Now()}); err != nil {
			b.Fatalf("CreateUser: %v", err)
		}
	}
	return ids
}

// benchJob returns job number n of userID.
func benchJob(userID string, n int) *store.Job {
	now := time.Now()
	return &store.Job{
		ID: fmt.Sprintf("job_%09d", n), UserID: userID, Name: "ping", URL: "https://example.com/ping",
		Method: "POST", Schedule: "*/5 * * * *", Timezone: "UTC", Enabled: true,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ping":true}`,
		NextRunAt: now.Add(5 * time.Minute), CreatedAt: now, UpdatedAt: now,
	}
}

// BenchmarkCreateJob measures CreateJobs with one job per call and a job
// limit, as the API creates a job.
func BenchmarkCreateJob(b *testing.B) { benchmarkCreateJobs(b, 1) }

// BenchmarkCreateJobsBatch100 measures CreateJobs with 100 jobs per call,
// as the batch API creates them.
func BenchmarkCreateJobsBatch100(b *testing.B) { benchmarkCreateJobs(b, 100) }

// benchmarkCreateJobs creates jobs in calls of batch jobs, each call for
// one of benchUsers users, and reports jobs per second.
func benchmarkCreateJobs(b *testing.B, batch int) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			users := seedUsers(b, s, benchUsers)
			ctx := context.Background()
			n := 0
			for b.Loop() {
				jobs := make([]*store.Job, batch)
				userID := users[(n/batch)%benchUsers]
				for i := range jobs {
					jobs[i] = benchJob(userID, n)
					n++
				}
				if err := s.CreateJobs(ctx, jobs, 1_000_000); err != nil {
					b.Fatalf("CreateJobs: %v", err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkGetAPIKeyByHash measures the lookup that authenticates each API
// request, among 1000 keys.
func BenchmarkGetAPIKeyByHash(b *testing.B) {
	const keys = 1000
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			users := seedUsers(b, s, benchUsers)
			ctx := context.Background()
			hashes := make([]string, keys)
			for i := range hashes {
				hashes[i] = fmt.Sprintf("%064x", i)
				k := &store.APIKey{ID: fmt.Sprintf("key_%06d", i), UserID: users[i%benchUsers], Name: "bench",
					Scopes: []string{"jobs:read", "jobs:write"}, Prefix: hashes[i][:8], Hash: hashes[i], CreatedAt: time.Now()}
				if err := s.CreateAPIKey(ctx, k, 0); err != nil {
					b.Fatalf("CreateAPIKey: %v", err)
				}
			}

			n := 0
			for b.Loop() {
				if _, err := s.GetAPIKeyByHash(ctx, hashes[n%keys]); err != nil {
					b.Fatalf("GetAPIKeyByHash: %v", err)
				}
				n++
			}
		})
	}
}

// BenchmarkListJobs100 measures listing all jobs of a user who has 100,
// in a store where 10 users have 100 jobs each.
func BenchmarkListJobs100(b *testing.B) {
	const perUser = 100
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			users := seedUsers(b, s, 10)
			ctx := context.Background()
			n := 0
			for _, userID := range users {
				jobs := make([]*store.Job, perUser)
				for i := range jobs {
					jobs[i] = benchJob(userID, n)
					n++
				}
				if err := s.CreateJobs(ctx, jobs, 0); err != nil {
					b.Fatalf("CreateJobs: %v", err)
				}
			}

			for b.Loop() {
				jobs, err := s.ListJobs(ctx, users[3], store.Page{})
				if err != nil || len(jobs) != perUser {
					b.Fatalf("ListJobs = %d jobs, %v; want %d", len(jobs), err, perUser)
				}
			}
		})
	}
}

// BenchmarkClaimSlots measures BeginExecution of scheduled slots from many
// goroutines, as instances sharing a database claim due slots. Each claim
// is a new slot of one of 1,000 jobs spread over benchUsers users. The
// postgres-30conns case gives the pool the connections of three instances
// with the default pool size.
func BenchmarkClaimSlots(b *testing.B) {
	dialects := append(benchDialects, struct {
		name string
		open func(b *testing.B) *sqlstore.Store
	}{"postgres-30conns", func(b *testing.B) *sqlstore.Store {
		if os.Getenv(postgresEnv) == "" {
			b.Skipf("%s is not set", postgresEnv)
		}
		dsn := postgresDSN(b)
		return closeAtEnd(b, mustOpen(b, dsn, sqlstore.Options{Schema: testSchema(b, dsn), MaxOpenConns: 30}))
	}})
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			users := seedUsers(b, s, benchUsers)
			ctx := context.Background()
			jobs := make([]*store.Job, 1000)
			for i := range jobs {
				jobs[i] = benchJob(users[i%benchUsers], i)
				if err := s.CreateJobs(ctx, jobs[i:i+1], 0); err != nil {
					b.Fatalf("CreateJobs: %v", err)
				}
			}
			var next atomic.Int64
			base := time.Now().Truncate(time.Second)
			// More goroutines than the pool has connections, as a busy
			// instance has.
			b.SetParallelism(48)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := next.Add(1)
					j := jobs[n%int64(len(jobs))]
					e := &store.Execution{
						ID: fmt.Sprintf("exe_%012d", n), JobID: j.ID, UserID: j.UserID,
						Trigger: store.TriggerSchedule, Status: store.StatusRunning,
						ScheduledAt: base.Add(time.Duration(n/int64(len(jobs))) * time.Second),
						StartedAt:   time.Now(),
					}
					if err := s.BeginExecution(ctx, e, 0); err != nil {
						b.Errorf("BeginExecution: %v", err)
						return
					}
				}
			})
			b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "claims/s")
		})
	}
}
