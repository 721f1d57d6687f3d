package cron

import "testing"

func TestDayTableCache(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{"0 0 * * *", "0 0 L * *", "0 12 * * 5L", "0 0 1,15 * MON", "0 0 ? * 2#3", "0 0 LW * *"} {
		s, err := Compile(expr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Compile(expr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.days != again.days {
			t.Errorf("%q: a second Compile gave another day table", expr)
		}
	}

	// Distinct specs beyond the bound are computed but not kept.
	for i := range maxCachedDayTables + 100 {
		d := daySpec{monthDays: uint32(i+1) << 1, weekdaysStar: true}
		if got, want := d.cachedTable(), d.table(); got != want {
			t.Fatalf("cachedTable of month days %b differs from table", d.monthDays)
		}
	}
	dayTables.Lock()
	n := len(dayTables.byspec)
	dayTables.Unlock()
	if n > maxCachedDayTables {
		t.Errorf("day table cache holds %d tables, want at most %d", n, maxCachedDayTables)
	}
}
