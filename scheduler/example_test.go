package scheduler_test

import (
	"context"
	"fmt"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/scheduler/schedulertest"
)

// A Go function runs every day at 09:00 Tokyo time. The fake clock lets the
// example skip a whole minute instantly.
func Example() {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	clock := schedulertest.NewClock(time.Date(2026, 1, 1, 8, 59, 0, 0, tokyo))
	s := scheduler.New(scheduler.Config{Clock: clock, Workers: 1})

	daily, err := cron.Compile("0 9 * * *", cron.Options{Location: tokyo})
	if err != nil {
		panic(err)
	}
	done := make(chan scheduler.Run)
	report := scheduler.ExecutorFunc(func(ctx context.Context, run scheduler.Run) error {
		done <- run
		return nil
	})
	next, _ := s.Add(scheduler.Job{ID: "daily-report", Schedule: daily, Executor: report})
	fmt.Println("next run:", next.In(tokyo).Format(time.RFC3339))

	_ = s.Start(context.Background())
	clock.WaitForTimers(1, time.Second)
	clock.Advance(time.Minute)
	run := <-done
	fmt.Println("ran", run.JobID, "for", run.ScheduledAt.In(tokyo).Format(time.RFC3339))

	_ = s.Stop(context.Background())
	// Output:
	// next run: 2026-01-01T09:00:00+09:00
	// ran daily-report for 2026-01-01T09:00:00+09:00
}
