package storetest

import (
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var usageTests = []test{
	{"Empty", testEmptyUsage},
	{"APICallSums", testAPICallSums},
	{"MonthPaid", testMonthPaid},
}

func testEmptyUsage(t *testing.T, f *fixture) {
	u := f.user()
	// 01:00 on March 1st at UTC+05:30 is still February 28th in UTC.
	day := time.Date(2025, time.March, 1, 1, 0, 0, 0, eastZone)

	got := f.usage(u.ID, day)
	want := store.Usage{
		Day:   store.DailyUsage{Date: time.Date(2025, time.February, 28, 0, 0, 0, 0, time.UTC)},
		Month: store.MonthlyUsage{Year: 2025, Month: time.February},
	}
	if !got.Day.Date.Equal(want.Day.Date) || got.Day.Date.Location() != time.UTC {
		t.Errorf("Day.Date = %v, want %v", got.Day.Date, want.Day.Date)
	}
	got.Day.Date = want.Day.Date
	if *got != want {
		t.Errorf("usage of a user without activity:\n got %+v\nwant %+v", *got, want)
	}

	got = f.usage("usr_unknown", day)
	if got.Day.Executions != 0 || got.Month.APICalls != 0 {
		t.Errorf("usage of an unknown user = %+v, want zero counters", *got)
	}
}

func testAPICallSums(t *testing.T, f *fixture) {
	a, b := f.user(), f.user()
	march1 := time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)
	lastOfMarch := time.Date(2025, time.March, 31, 23, 59, 59, 999999000, time.UTC)
	april1 := time.Date(2025, time.April, 1, 0, 0, 0, 0, time.UTC)
	lastOfFebruary := time.Date(2025, time.February, 28, 23, 59, 59, 0, time.UTC)

	adds := []struct {
		day   time.Time
		calls map[string]int64
	}{
		{march1, map[string]int64{a.ID: 5, b.ID: 7}},
		{march1.Add(11 * time.Hour), map[string]int64{a.ID: 2}},
		{lastOfMarch, map[string]int64{a.ID: 10}},
		// 04:00 on April 1st at UTC+05:30 is March 31st in UTC.
		{time.Date(2025, time.April, 1, 4, 0, 0, 0, eastZone), map[string]int64{a.ID: 20}},
		{april1, map[string]int64{a.ID: 100}},
		{lastOfFebruary, map[string]int64{a.ID: 1000}},
		{march1, nil},
	}
	for _, add := range adds {
		wantNoErr(t, "AddAPICalls", f.s.AddAPICalls(f.ctx, add.day, add.calls))
	}

	checks := []struct {
		user       string
		at         time.Time
		day, month int64
	}{
		{a.ID, march1, 7, 37},
		{a.ID, lastOfMarch, 30, 37},
		{a.ID, time.Date(2025, time.March, 15, 0, 0, 0, 0, time.UTC), 0, 37},
		{a.ID, april1, 100, 100},
		{a.ID, lastOfFebruary, 1000, 1000},
		{b.ID, march1, 7, 7},
		{b.ID, april1, 0, 0},
	}
	for _, c := range checks {
		got := f.usage(c.user, c.at)
		if got.Day.APICalls != c.day || got.Month.APICalls != c.month {
			t.Errorf("API calls of %s on %s: day %d and month %d, want %d and %d",
				c.user, c.at.UTC().Format(time.DateOnly), got.Day.APICalls, got.Month.APICalls, c.day, c.month)
		}
	}
}

func testMonthPaid(t *testing.T, f *fixture) {
	a, b := f.user(), f.user()
	march := time.Date(2025, time.March, 31, 23, 0, 0, 0, time.UTC)

	wantNoErr(t, "SetMonthPaid", f.s.SetMonthPaid(f.ctx, a.ID, 2025, time.March, true))
	wantPaid(t, f, a.ID, march, true)
	// 05:00 on April 1st at UTC+05:30 is still March in UTC.
	wantPaid(t, f, a.ID, time.Date(2025, time.April, 1, 5, 0, 0, 0, eastZone), true)
	wantPaid(t, f, a.ID, march.AddDate(0, 0, 1), false)
	wantPaid(t, f, a.ID, march.AddDate(-1, 0, 0), false)
	wantPaid(t, f, b.ID, march, false)

	wantNoErr(t, "SetMonthPaid", f.s.SetMonthPaid(f.ctx, a.ID, 2025, time.March, false))
	wantPaid(t, f, a.ID, march, false)
	wantNoErr(t, "SetMonthPaid", f.s.SetMonthPaid(f.ctx, a.ID, 2025, time.March, true))
	wantPaid(t, f, a.ID, march, true)

	// Paying a month keeps its counters.
	wantNoErr(t, "AddAPICalls", f.s.AddAPICalls(f.ctx, march, map[string]int64{a.ID: 3}))
	got := f.usage(a.ID, march)
	if !got.Month.Paid || got.Month.APICalls != 3 || got.Month.Year != 2025 || got.Month.Month != time.March {
		t.Errorf("usage of a paid month = %+v, want March 2025 paid with 3 API calls", got.Month)
	}
}

func wantPaid(t *testing.T, f *fixture, userID string, at time.Time, want bool) {
	t.Helper()
	if got := f.usage(userID, at).Month.Paid; got != want {
		t.Errorf("Paid of %s for %s = %v, want %v", userID, at.UTC().Format("2006-01"), got, want)
	}
}
