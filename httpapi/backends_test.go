package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
	"github.com/recoron/recoron/store/sqlstore"
	"github.com/recoron/recoron/store/storetest"
)

// backend opens a fresh store of one kind for one test.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

func backends() []backend {
	return []backend{
		{"memdb", func(t *testing.T) store.Store { return memstore.New() }},
		{"sqlite", func(t *testing.T) store.Store {
			return openSQL(t, "sqlite:"+filepath.Join(t.TempDir(), "recoron.db"), "")
		}},
		{"postgres", func(t *testing.T) store.Store {
			dsn, schema := storetest.PostgresSchema(t)
			return openSQL(t, dsn, schema)
		}},
	}
}

func openSQL(t *testing.T, dsn, schema string) store.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Schema: schema})
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestBackends runs the limit, scope and authentication rules on every
// store backend.
func TestBackends(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for name, test := range map[string]func(*testing.T, *harness){
				"ConcurrentJobLimit": testConcurrentJobLimit,
				"ConcurrentKeyLimit": testConcurrentKeyLimit,
				"AuthFailures":       testAuthFailures,
				"Scopes":             testScopeRules,
				"PlanLimits":         testPlanLimits,
				"UsageCounts":        testUsageCounts,
				"NULBytes":           testNULBytes,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					test(t, setupWith(t, options{store: b.open(t)}))
				})
			}
		})
	}
}

// parallelCalls sends n requests at once and returns the statuses.
func parallelCalls(t *testing.T, n int, send func(i int) *response) map[int]int {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := send(i)
			mu.Lock()
			statuses[res.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses
}

func testConcurrentJobLimit(t *testing.T, h *harness) {
	_, token := h.newUser(t, "free", metering.PlanFree)
	statuses := parallelCalls(t, 50, func(i int) *response {
		return h.call(t, "POST", "/jobs", token, h.jobInput(nil))
	})
	if statuses[http.StatusCreated] != 5 || statuses[http.StatusForbidden] != 45 {
		t.Errorf("50 concurrent creates on a 5-job plan gave %v, want 5 created and 45 forbidden", statuses)
	}
	if n := h.countJobs(t, token); n != 5 {
		t.Errorf("the user holds %d jobs, want 5", n)
	}
}

func testConcurrentKeyLimit(t *testing.T, h *harness) {
	_, token := h.newUser(t, "free", metering.PlanFree)
	statuses := parallelCalls(t, 10, func(i int) *response {
		return h.call(t, "POST", "/keys", token, map[string]any{"name": "k", "scopes": []string{"read:jobs"}})
	})
	// The first key comes with the user, so one more fits the plan's 2.
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusForbidden] != 9 {
		t.Errorf("10 concurrent key creates gave %v, want 1 created and 9 forbidden", statuses)
	}
	res := h.call(t, "GET", "/keys", token, nil)
	if n := len(res.list(t)); n != 2 {
		t.Errorf("the user holds %d keys, want 2", n)
	}
}

func testAuthFailures(t *testing.T, h *harness) {
	deletedID, deleted := h.createKey(t, h.token, "doomed", "read:jobs")
	wantStatus(t, h.call(t, "DELETE", "/keys/"+deletedID, h.token, nil), http.StatusOK)
	expires := h.clock.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	res := h.call(t, "POST", "/keys", h.token, map[string]any{"name": "short", "scopes": []string{"read:jobs"},
		"expiresAt": expires})
	wantStatus(t, res, http.StatusCreated)
	expired := str(t, res.object(t), "token")
	h.setClock(t, h.clock.Now().Add(2*time.Minute))

	for name, header := range map[string]string{
		"missing":   "",
		"malformed": "Token abc",
		"unknown":   "Bearer rcn_notarealtoken0000000000000000",
		"deleted":   "Bearer " + deleted,
		"expired":   "Bearer " + expired,
	} {
		req := request{method: "GET", path: "/jobs"}
		if header != "" {
			req.header = map[string]string{"Authorization": header}
		}
		res := h.send(t, req)
		wantError(t, res, http.StatusUnauthorized, "unauthorized")
		if !strings.Contains(res.message, "認証") {
			t.Errorf("%s token: message %q does not contain 認証", name, res.message)
		}
	}
}

func testScopeRules(t *testing.T, h *harness) {
	_, reader := h.createKey(t, h.token, "reader", "read:jobs")
	wantError(t, h.call(t, "POST", "/jobs", reader, h.jobInput(nil)), http.StatusForbidden, "forbidden")
	wantError(t, h.call(t, "GET", "/usage", reader, nil), http.StatusForbidden, "forbidden")
	wantStatus(t, h.call(t, "GET", "/jobs", reader, nil), http.StatusOK)

	_, keyAdmin := h.createKey(t, h.token, "keys", "read:keys", "write:keys")
	res := h.call(t, "POST", "/keys", keyAdmin, map[string]any{"name": "up", "scopes": []string{"write:jobs"}})
	wantError(t, res, http.StatusForbidden, "forbidden")
}

func testPlanLimits(t *testing.T, h *harness) {
	_, free := h.newUser(t, "free", metering.PlanFree)
	res := h.call(t, "POST", "/jobs", free, h.jobInput(map[string]any{"schedule": "*/10 * * * * *"}))
	wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")
	if !strings.Contains(res.message, "上限") {
		t.Errorf("interval limit message %q does not contain 上限", res.message)
	}

	_, budget := h.newUser(t, "budget", planBudget)
	job := h.createJob(t, budget, nil)
	for i := range 3 {
		res := h.call(t, "POST", "/jobs/"+str(t, job, "id")+"/execute", budget, nil)
		if i < 2 {
			wantStatus(t, res, http.StatusOK)
		} else {
			wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")
		}
	}

	res = h.call(t, "POST", "/jobs", free, h.jobInput(map[string]any{"timeoutSeconds": 31}))
	wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")

	_, rated := h.newUser(t, "rated", planRateLimited)
	for i := range 3 {
		res := h.call(t, "GET", "/jobs", rated, nil)
		if i < 2 {
			wantStatus(t, res, http.StatusOK)
		} else {
			wantError(t, res, http.StatusTooManyRequests, "rate_limited")
			if res.header.Get("Retry-After") == "" {
				t.Error("rate-limited response has no Retry-After")
			}
		}
	}

	_, quota := h.newUser(t, "quota", planDailyQuota)
	for i := range 4 {
		res := h.call(t, "GET", "/jobs", quota, nil)
		if i < 3 {
			wantStatus(t, res, http.StatusOK)
		} else {
			wantError(t, res, http.StatusTooManyRequests, "rate_limited")
		}
	}
}

func testUsageCounts(t *testing.T, h *harness) {
	_, token := h.newUser(t, "counted", metering.PlanUnlimited)
	a := h.createJob(t, token, nil)
	h.createJob(t, token, nil)
	wantStatus(t, h.call(t, "DELETE", "/jobs/"+str(t, a, "id"), token, nil), http.StatusOK)
	h.createKey(t, token, "extra", "read:jobs")
	if err := h.svc.Meter().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	res := h.call(t, "GET", "/usage", token, nil)
	wantStatus(t, res, http.StatusOK)
	usage := res.object(t)
	activity, daily := sub(t, usage, "todayActivity"), sub(t, usage, "daily")
	checks := map[string][2]float64{
		"jobsCreated":    {num(t, activity, "jobsCreated"), 2},
		"jobsDeleted":    {num(t, activity, "jobsDeleted"), 1},
		"apiKeysCreated": {num(t, activity, "apiKeysCreated"), 2},
		"peakJobCount":   {num(t, daily, "peakJobCount"), 2},
		"apiCalls":       {num(t, daily, "apiCalls"), 5},
		"current.jobs":   {num(t, sub(t, usage, "current"), "jobs"), 1},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("usage %s = %v, want %v", name, c[0], c[1])
		}
	}
}

func testNULBytes(t *testing.T, h *harness) {
	for _, field := range []string{"name", "body"} {
		res := h.call(t, "POST", "/jobs", h.token, h.jobInput(map[string]any{field: "a\u0000b"}))
		wantInvalid(t, res, field)
	}
	res := h.call(t, "POST", "/keys", h.token, map[string]any{"name": "k\u0000", "scopes": []string{"read:jobs"}})
	wantInvalid(t, res, "name")

	// A target may respond with any bytes, and its response is still
	// recorded.
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("abc\x00def\xff"))
	}))
	t.Cleanup(target.Close)
	job := h.createJob(t, h.token, map[string]any{"url": target.URL})
	res = h.call(t, "POST", "/jobs/"+str(t, job, "id")+"/execute", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	result := sub(t, res.object(t), "result")
	if got := str(t, result, "responseExcerpt"); !strings.HasPrefix(got, "abc") || strings.ContainsRune(got, 0) {
		t.Errorf("responseExcerpt = %q, want the text without NUL", got)
	}
	list := h.call(t, "GET", "/jobs/"+str(t, job, "id")+"/executions", h.token, nil).list(t)
	if len(list) != 1 || list[0]["status"] != "success" {
		t.Errorf("executions = %v, want one success", list)
	}
}
