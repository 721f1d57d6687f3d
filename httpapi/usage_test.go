package httpapi_test

import (
	"context"
	"encoding/json"
	"github.com/recoron/recoron/service"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
)

var usageShapes = map[string]map[string]kind{
	"current": {"jobs": kInteger, "apiKeys": kInteger},
	"monthly": {"year": kInteger, "month": kInteger, "executions": kInteger, "apiCalls": kInteger,
		"billedAmount": kNumber, "paid": kBool},
	"daily": {"date": kTime, "executions": kInteger, "apiCalls": kInteger, "peakJobCount": kInteger,
		"peakApiKeyCount": kInteger},
	"todayActivity": {"jobsCreated": kInteger, "jobsDeleted": kInteger, "apiKeysCreated": kInteger,
		"apiKeysDeleted": kInteger},
}

// getUsage calls GET /usage and checks the shape of its data.
func (h *harness) getUsage(t *testing.T, token string) map[string]any {
	t.Helper()
	res := h.call(t, "GET", "/usage", token, nil)
	wantStatus(t, res, http.StatusOK)
	usage := res.object(t)
	top := map[string]kind{"plan": kObject}
	for section := range usageShapes {
		top[section] = kObject
	}
	checkShape(t, "usage", usage, top)
	for section, shape := range usageShapes {
		checkShape(t, "usage."+section, sub(t, usage, section), shape)
	}
	return usage
}

// checkUsage compares the fields of usage named as "section.field" with
// want.
func checkUsage(t *testing.T, when string, usage map[string]any, want map[string]any) {
	t.Helper()
	for path, v := range want {
		var section, field string
		for i := range path {
			if path[i] == '.' {
				section, field = path[:i], path[i+1:]
				break
			}
		}
		got := sub(t, usage, section)[field]
		if n, ok := v.(int); ok {
			v = float64(n)
		}
		if got != v {
			t.Errorf("%s: usage %s is %#v, want %#v", when, path, got, v)
		}
	}
}

func TestUsageCountsActions(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "metered", "pro")
	// A yearly schedule keeps jobs from firing while the clock moves.
	yearly := map[string]any{"schedule": "0 0 1 1 *"}

	// Authenticated requests of the user are counted in calls.
	calls := 0
	var jobIDs []string
	for range 3 {
		jobIDs = append(jobIDs, str(t, h.createJob(t, token, yearly), "id"))
		calls++
	}
	wantStatus(t, h.call(t, "DELETE", "/jobs/"+jobIDs[0], token, nil), http.StatusOK)
	calls++
	keyID, keyToken := h.createKey(t, token, "second", "read:jobs", "write:jobs")
	calls++
	wantStatus(t, h.call(t, "GET", "/jobs", keyToken, nil), http.StatusOK)
	calls++
	wantStatus(t, h.call(t, "DELETE", "/keys/"+keyID, token, nil), http.StatusOK)
	calls++
	wantStatus(t, h.call(t, "POST", "/jobs/"+jobIDs[1]+"/execute", token, nil), http.StatusOK)
	calls++
	wantError(t, h.call(t, "GET", "/jobs/job_unknown", token, nil), http.StatusNotFound, "not_found")
	calls++
	wantInvalid(t, h.call(t, "POST", "/jobs", token, `{"name":`), "request")
	calls++
	// Neither a rejected token nor another user's request is the user's.
	wantError(t, h.call(t, "GET", "/jobs", keyToken, nil), http.StatusUnauthorized, "unauthorized")
	wantStatus(t, h.call(t, "GET", "/jobs", h.token, nil), http.StatusOK)

	usage := h.getUsage(t, token)
	calls++ // the usage request counts itself
	checkUsage(t, "after the actions", usage, map[string]any{
		"current.jobs":                 2,
		"current.apiKeys":              1,
		"monthly.year":                 2025,
		"monthly.month":                11,
		"monthly.executions":           1,
		"monthly.apiCalls":             calls,
		"monthly.billedAmount":         20, // the pro plan's monthly price
		"monthly.paid":                 false,
		"daily.date":                   "2025-11-04T00:00:00.000Z",
		"daily.executions":             1,
		"daily.apiCalls":               calls,
		"daily.peakJobCount":           3,
		"daily.peakApiKeyCount":        2,
		"todayActivity.jobsCreated":    3,
		"todayActivity.jobsDeleted":    1,
		"todayActivity.apiKeysCreated": 2, // the user's first key and "second"
		"todayActivity.apiKeysDeleted": 1,
	})
	plan := sub(t, usage, "plan")
	if plan["name"] != "pro" || plan["maxJobs"] != float64(100) || plan["monthlyPrice"] != float64(20) {
		t.Errorf("usage plan is %v, want the pro plan (100 jobs, price 20)", plan)
	}

	// A flush moves the counts to the store without losing or doubling any.
	if err := h.svc.Meter().Flush(context.Background()); err != nil {
		t.Fatalf("meter flush: %v", err)
	}
	usage = h.getUsage(t, token)
	calls++
	checkUsage(t, "after a flush", usage, map[string]any{
		"monthly.apiCalls": calls,
		"daily.apiCalls":   calls,
	})

	// The next UTC day starts new daily counters.
	h.setClock(t, time.Date(2025, 11, 5, 0, 0, 5, 0, time.UTC))
	usage = h.getUsage(t, token)
	calls++
	checkUsage(t, "on the next day", usage, map[string]any{
		"current.jobs":                 2,
		"daily.date":                   "2025-11-05T00:00:00.000Z",
		"daily.apiCalls":               1,
		"daily.executions":             0,
		"daily.peakJobCount":           2,
		"daily.peakApiKeyCount":        1,
		"todayActivity.jobsCreated":    0,
		"todayActivity.jobsDeleted":    0,
		"todayActivity.apiKeysCreated": 0,
		"todayActivity.apiKeysDeleted": 0,
		"monthly.apiCalls":             calls,
		"monthly.executions":           1,
	})

	// The next month starts new monthly counters.
	h.setClock(t, time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC))
	usage = h.getUsage(t, token)
	checkUsage(t, "in the next month", usage, map[string]any{
		"monthly.year":         2025,
		"monthly.month":        12,
		"monthly.apiCalls":     1,
		"monthly.executions":   0,
		"monthly.billedAmount": 20,
		"daily.date":           "2025-12-01T00:00:00.000Z",
	})
}

func TestUsageCountsExecutions(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "executor", "unlimited")
	job := h.createJob(t, token, map[string]any{"schedule": "* * * * * *"})
	id := str(t, job, "id")
	wantStatus(t, h.call(t, "POST", "/jobs/"+id+"/execute", token, nil), http.StatusOK)
	h.sink.next(t)

	h.advance(t, time.Second)
	h.sink.next(t)
	poll(t, "the scheduled run to be recorded", func() bool {
		res := h.call(t, "GET", "/jobs/"+id+"/executions", token, nil)
		wantStatus(t, res, http.StatusOK)
		list := res.list(t)
		return len(list) == 2 && list[0]["status"] == "success"
	})
	usage := h.getUsage(t, token)
	checkUsage(t, "after one manual and one scheduled run", usage, map[string]any{
		"daily.executions":   2,
		"monthly.executions": 2,
	})
}

// blockingStore holds AddAPICalls until release is closed, to observe
// usage while a meter flush is half done.
type blockingStore struct {
	store.Store
	block   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *blockingStore) AddAPICalls(ctx context.Context, day time.Time, calls map[string]int64) error {
	if s.block.Load() {
		s.entered <- struct{}{}
		<-s.release
	}
	return s.Store.AddAPICalls(ctx, day, calls)
}

// Usage read while the meter flushes still includes every call and the
// key's last use.
func TestUsageDuringMeterFlush(t *testing.T) {
	t.Parallel()
	st := &blockingStore{Store: memstore.New(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := setupWith(t, options{store: st})
	_, token := h.newUser(t, "flushing", "pro")
	keyID, keyToken := h.createKey(t, token, "watched", "read:jobs")
	wantStatus(t, h.call(t, "GET", "/jobs", keyToken, nil), http.StatusOK)
	wantStatus(t, h.call(t, "GET", "/jobs", token, nil), http.StatusOK)

	st.block.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- h.svc.Meter().Flush(context.Background()) }()
	<-st.entered
	st.block.Store(false)

	// Three calls so far, and the usage request is the fourth.
	usage := h.getUsage(t, token)
	key := h.call(t, "GET", "/keys/"+keyID, token, nil)
	close(st.release)
	if err := <-flushed; err != nil {
		t.Fatalf("meter flush: %v", err)
	}

	checkUsage(t, "during a flush", usage, map[string]any{"daily.apiCalls": 4, "monthly.apiCalls": 4})
	wantStatus(t, key, http.StatusOK)
	if got := key.object(t)["lastUsedAt"]; got != apiTime(start) {
		t.Errorf("lastUsedAt during a flush is %v, want %s", got, apiTime(start))
	}

	after := h.getUsage(t, token)
	checkUsage(t, "after the flush", after, map[string]any{"daily.apiCalls": 6})
}

func TestUsagePlanMatchesConfig(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")
	usage := h.getUsage(t, token)
	want, err := json.Marshal(testPlans()["free"])
	if err != nil {
		t.Fatal(err)
	}
	var wantPlan map[string]any
	if err := json.Unmarshal(want, &wantPlan); err != nil {
		t.Fatal(err)
	}
	plan := sub(t, usage, "plan")
	for field, v := range wantPlan {
		if plan[field] != v {
			t.Errorf("usage plan %s is %#v, want %#v from the configured free plan", field, plan[field], v)
		}
	}
	checkUsage(t, "free user", usage, map[string]any{"monthly.billedAmount": 0, "current.apiKeys": 1, "current.jobs": 0})
}

// TestUsagePlanShowsNoLimitAsNull checks that limits a plan does not set
// are null in GET /usage, and that the timeout and history limits are the
// ones in force.
func TestUsagePlanShowsNoLimitAsNull(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "unlimited user", "unlimited")
	plan := sub(t, h.getUsage(t, token), "plan")
	for _, field := range []string{"maxJobs", "maxApiKeys", "monthlyExecutions", "dailyApiCalls", "requestsPerMinute"} {
		v, ok := plan[field]
		if !ok || v != nil {
			t.Errorf("unlimited plan %s = %#v (present %v), want null", field, v, ok)
		}
	}
	unlimited := testPlans()["unlimited"]
	if got, want := plan["maxTimeoutSeconds"], float64(unlimited.MaxTimeoutSeconds); got != want {
		t.Errorf("unlimited plan maxTimeoutSeconds = %#v, want %v", got, want)
	}
	if got := plan["historyRetention"]; got != float64(service.HistoryRetention(unlimited)) || got == float64(0) {
		t.Errorf("unlimited plan historyRetention = %#v, want the %d runs kept", got, service.HistoryRetention(unlimited))
	}
}
