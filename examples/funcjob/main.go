// Command funcjob embeds the ReCoron scheduler in a program and runs a Go
// function every two seconds until interrupted or until -runs runs are done.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
)

func main() {
	runs := flag.Int("runs", 3, "stop after this many runs; 0 runs until interrupted")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	every2s, err := cron.Compile("*/2 * * * * *", cron.Options{Location: time.UTC})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	done := make(chan struct{}, 1)
	count := 0
	report := scheduler.ExecutorFunc(func(ctx context.Context, run scheduler.Run) error {
		fmt.Printf("run %s for slot %s\n", run.ExecutionID, run.ScheduledAt.Format(time.RFC3339))
		count++
		if *runs > 0 && count >= *runs {
			done <- struct{}{}
		}
		return nil
	})
	// One worker runs the function, so count needs no lock.
	sched := scheduler.New(scheduler.Config{Workers: 1, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if _, err := sched.Add(scheduler.Job{ID: "report", Schedule: every2s, Executor: report}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := sched.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	select {
	case <-ctx.Done():
	case <-done:
	}

	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sched.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, "stop:", err)
	}
}
