package metering_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestMeterCountsAcrossDaysAndFlushes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	clk := &clock{now: time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)}
	m := metering.New(metering.Config{Store: st, Now: clk.Now})

	for range 3 {
		m.CountAPICall("u1", "k1")
	}
	clk.set(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC))
	for range 2 {
		m.CountAPICall("u1", "k1")
	}
	m.CountAPICall("u2", "k2")

	if d, mo := m.PendingAPICalls("u1", clk.Now()); d != 2 || mo != 2 {
		t.Errorf("pending for Dec 1 = %d daily, %d monthly; want 2, 2", d, mo)
	}
	if d, mo := m.PendingAPICalls("u1", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); d != 3 || mo != 3 {
		t.Errorf("pending for Nov 30 = %d daily, %d monthly; want 3, 3", d, mo)
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := m.PendingAPICalls("u1", clk.Now()); d != 0 {
		t.Errorf("pending after flush = %d, want 0", d)
	}

	nov, err := st.GetUsage(ctx, "u1", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if nov.Day.APICalls != 3 || nov.Month.APICalls != 3 {
		t.Errorf("November usage = %+v, want 3 calls on the 30th", nov)
	}
	dec, err := st.GetUsage(ctx, "u1", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if dec.Day.APICalls != 2 || dec.Month.APICalls != 2 {
		t.Errorf("December usage = %+v, want 2 calls", dec)
	}
}

// failingStore fails AddAPICalls a set number of times.
type failingStore struct {
	store.Store
	failures int
}

func (f *failingStore) AddAPICalls(ctx context.Context, day time.Time, calls map[string]int64) error {
	if f.failures > 0 {
		f.failures--
		return errors.New("disk full")
	}
	return f.Store.AddAPICalls(ctx, day, calls)
}

func TestMeterKeepsCountsWhenFlushFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &failingStore{Store: memstore.New(), failures: 1}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	m := metering.New(metering.Config{Store: st, Now: func() time.Time { return now }})

	m.CountAPICall("u", "k")
	if err := m.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded on a failing store")
	}
	m.CountAPICall("u", "k")
	if d, _ := m.PendingAPICalls("u", now); d != 2 {
		t.Errorf("pending after failed flush = %d, want 2", d)
	}
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUsage(ctx, "u", now)
	if err != nil {
		t.Fatal(err)
	}
	if u.Day.APICalls != 2 {
		t.Errorf("stored calls = %d, want 2", u.Day.APICalls)
	}
}

func TestPlanBill(t *testing.T) {
	t.Parallel()
	p := metering.Plan{MonthlyPrice: 20, IncludedExecutions: 1000, OveragePrice: 0.01}
	for _, tc := range []struct {
		executions int64
		want       float64
	}{{0, 20}, {1000, 20}, {1001, 20.01}, {1500, 25}} {
		if got := p.Bill(tc.executions); got != tc.want {
			t.Errorf("Bill(%d) = %v, want %v", tc.executions, got, tc.want)
		}
	}
	if got := metering.DefaultPlans()[metering.PlanFree].Bill(999999); got != 0 {
		t.Errorf("free plan bill = %v, want 0", got)
	}
}

func TestLoadPlans(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	plans, err := metering.LoadPlans(write("ok.json", `[{"name":"free","maxJobs":1},{"name":"unlimited"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if plans["free"].MaxJobs != 1 || len(plans) != 2 {
		t.Errorf("plans = %+v", plans)
	}
	for name, body := range map[string]string{
		"syntax.json":  `[{"name":`,
		"noname.json":  `[{"maxJobs":1}]`,
		"unknown.json": `[{"name":"x","maxJobz":1}]`,
	} {
		if _, err := metering.LoadPlans(write(name, body)); err == nil {
			t.Errorf("LoadPlans(%s) accepted %s", name, body)
		} else if !strings.Contains(err.Error(), name) {
			t.Errorf("LoadPlans(%s) error %q does not name the file", name, err)
		}
	}
}

func TestLoadPlansErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		body string
		want []string
	}{
		{"object", `{}`, []string{"contains a JSON object", "must contain a JSON array of plans", `{"name":"free"`}},
		{"empty", ``, []string{"the file is empty", "JSON array of plans"}},
		{"truncated", `[{"name":`, []string{"the JSON ends early"}},
		{"syntax", "[\n{\"name\" \"free\"}]", []string{"invalid JSON at line 2"}},
		{"element", `[1]`, []string{"JSON number in the array", "must be a plan object"}},
		{"field type", "[{\"name\":\"free\",\n\"maxJobs\":\"five\"}]", []string{`line 2: field "maxJobs" is a JSON string`, "must be a whole number"}},
		{"unknown field", `[{"name":"free","maxJobz":1}]`, []string{`unknown plan field "maxJobz"`, "maxJobs, maxApiKeys"}},
		{"trailing data", `[{"name":"free"},{"name":"unlimited"}] []`, []string{"unexpected data after the array"}},
		{"no free", `[{"name":"pro"},{"name":"unlimited"}]`, []string{`no plan is named "free"`, `"free" and "unlimited"`}},
		{"no unlimited", `[{"name":"free"}]`, []string{`no plan is named "unlimited"`}},
		{"null", `null`, []string{`no plan is named "free"`}},
		{"unnamed", `[{"name":"free"},{"maxJobs":1}]`, []string{"plan number 2 in the array: plan has no name"}},
		{"negative", `[{"name":"free","maxJobs":-1}]`, []string{`plan "free" has a negative limit`}},
		{"duplicate", `[{"name":"free"},{"name":"free"}]`, []string{`plan "free" is defined twice`}},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := metering.LoadPlans(path)
		if err == nil {
			t.Errorf("%s: LoadPlans accepted %q", tc.name, tc.body)
			continue
		}
		if !strings.Contains(err.Error(), "invalid plans file "+path+":") {
			t.Errorf("%s: error %q does not name the file", tc.name, err)
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, want)
			}
		}
	}
}

func TestLoadPlansMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plans.json")
	_, err := metering.LoadPlans(path)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadPlans(missing file) = %v, want an error wrapping os.ErrNotExist", err)
	}
	if want := "failed to read plans file " + path + ": no such file or directory"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}
