package cron_test

import (
	"fmt"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
)

func ExampleCompile() {
	s, err := cron.Compile("30 9 * * MON-FRI", cron.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}

	t := time.Date(2025, 1, 3, 12, 0, 0, 0, time.UTC) // a Friday
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2025-01-06T09:30:00Z
	// 2025-01-07T09:30:00Z
	// 2025-01-08T09:30:00Z
}

func ExampleCompile_error() {
	_, err := cron.Compile("5 22-5 * * *", cron.Options{})
	fmt.Println(err)
	// Output:
	// hour range 22-5 is reversed; write 22-23,0-5 instead
}

func ExampleSchedule_Next_daylightSavingTime() {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}

	// 02:30 does not exist on 2021-03-14, so the job fires when the clock
	// reaches 03:00.
	s := cron.MustCompile("30 2 * * *", cron.Options{Location: newYork})
	t := time.Date(2021, 3, 13, 12, 0, 0, 0, newYork)
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2021-03-14T03:00:00-04:00
	// 2021-03-15T02:30:00-04:00
	// 2021-03-16T02:30:00-04:00
}

func ExampleSchedule_MinInterval() {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println(cron.MustCompile("*/10 * * * * *", cron.Options{}).MinInterval())
	fmt.Println(cron.MustCompile("0 9 * * *", cron.Options{}).MinInterval())
	fmt.Println(cron.MustCompile("0 9 * * *", cron.Options{Location: newYork}).MinInterval())
	// Output:
	// 10s
	// 24h0m0s
	// 23h0m0s
}
