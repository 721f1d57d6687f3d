package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashSink counts calls per job and slot. Calls to /hang block until the
// test ends, so a run is in flight when the server is killed.
type crashSink struct {
	srv     *httptest.Server
	release chan struct{}

	mu     sync.Mutex
	counts map[slotKey]int
	hung   int
}

func newCrashSink(t *testing.T) *crashSink {
	t.Helper()
	s := &crashSink{release: make(chan struct{}), counts: make(map[slotKey]int)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := time.Parse(time.RFC3339Nano, r.Header.Get("X-Recoron-Scheduled-At"))
		s.mu.Lock()
		s.counts[slotKey{r.Header.Get("X-Recoron-Job-Id"), at.UTC()}]++
		if r.URL.Path == "/hang" {
			s.hung++
		}
		s.mu.Unlock()
		if r.URL.Path == "/hang" {
			select {
			case <-s.release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() {
		close(s.release)
		s.srv.Close()
	})
	return s
}

func (s *crashSink) snapshot() (map[slotKey]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[slotKey]int, len(s.counts))
	for k, v := range s.counts {
		c[k] = v
	}
	return c, s.hung
}

func decode[T any](t *testing.T, env envelope) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(env.Data, &v); err != nil {
		t.Fatalf("decoding %s: %v", env.Data, err)
	}
	return v
}

func TestServerSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	t.Parallel()
	sink := newCrashSink(t)
	env := []string{"RECORON_DB=sqlite:" + filepath.Join(t.TempDir(), "recoron.db"), "RECORON_ALLOW_PRIVATE_TARGETS=true"}
	p := startBinary(t, buildFastServer, env...)

	type job struct{ ID string }
	_, e := p.call(t, "POST", "/jobs", fmt.Sprintf(`{"name":"tick","url":%q,"method":"POST",`+
		`"schedule":"* * * * * *","catchUpSeconds":1,"retry":{"maxAttempts":1}}`, sink.srv.URL+"/tick"))
	tick := decode[job](t, e)
	_, e = p.call(t, "POST", "/jobs", fmt.Sprintf(`{"name":"hang","url":%q,"method":"GET",`+
		`"schedule":"@every 1h","timeoutSeconds":300,"retry":{"maxAttempts":1}}`, sink.srv.URL+"/hang"))
	hang := decode[job](t, e)
	_, e = p.call(t, "POST", "/keys", `{"name":"ci","scopes":["read:jobs"]}`)
	key := decode[job](t, e)

	// A manual run of the hanging job is in flight at the kill. It waits
	// for a response that never comes, so it runs in the background.
	go func() {
		req, _ := http.NewRequest("POST", p.base+"/api/jobs/"+hang.ID+"/execute", nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		counts, hung := sink.snapshot()
		ticks := 0
		for k := range counts {
			if k.job == tick.ID {
				ticks++
			}
		}
		if hung == 1 && ticks >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15s: %d ticks and %d hung calls; log:\n%s", ticks, hung, p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	killedAt := time.Now()
	time.Sleep(3 * time.Second) // slots pass while the server is down

	p2 := startBinary(t, buildFastServer, env...)
	restartedAt := time.Now()
	time.Sleep(2 * time.Second)

	status, e := p2.call(t, "GET", "/jobs", "")
	if jobs := decode[[]job](t, e); status != 200 || len(jobs) != 2 {
		t.Errorf("jobs after restart = %d %s, want both", status, e.Data)
	}
	if status, _ := p2.call(t, "GET", "/keys/"+key.ID, ""); status != 200 {
		t.Errorf("key after restart = %d, want 200", status)
	}
	_, e = p2.call(t, "GET", "/usage", "")
	usage := decode[struct {
		TodayActivity struct{ JobsCreated, APIKeysCreated int } `json:"todayActivity"`
		Monthly       struct{ Executions int }
	}](t, e)
	if usage.TodayActivity.JobsCreated != 2 || usage.TodayActivity.APIKeysCreated != 2 {
		t.Errorf("activity after restart = %+v, want 2 jobs and 2 keys created", usage.TodayActivity)
	}
	if usage.Monthly.Executions < 3 {
		t.Errorf("monthly executions after restart = %d, want the runs before the kill", usage.Monthly.Executions)
	}

	_, e = p2.call(t, "GET", "/jobs/"+hang.ID+"/executions", "")
	hangRuns := decode[[]struct{ Status string }](t, e)
	if len(hangRuns) != 1 || hangRuns[0].Status != "interrupted" {
		t.Errorf("hanging job executions = %+v, want one interrupted", hangRuns)
	}

	_, e = p2.call(t, "GET", "/jobs/"+tick.ID+"/executions?limit=1000", "")
	statuses := map[string]int{}
	tickRuns := decode[[]struct {
		Status      string
		ScheduledAt time.Time `json:"scheduledAt"`
	}](t, e)
	for i, r := range tickRuns {
		statuses[r.Status]++
		// Missed slots are recorded after the restart, yet the history
		// lists every run by its slot, latest first.
		if i > 0 && !r.ScheduledAt.Before(tickRuns[i-1].ScheduledAt) {
			t.Errorf("tick execution %d (%s, slot %s) is listed after a run of slot %s", i, r.Status,
				r.ScheduledAt.Format(time.TimeOnly), tickRuns[i-1].ScheduledAt.Format(time.TimeOnly))
		}
	}
	if statuses["missed"] == 0 {
		t.Errorf("tick executions = %v, want missed slots from the %s down time", statuses,
			restartedAt.Sub(killedAt).Round(time.Second))
	}
	counts, _ := sink.snapshot()
	for k, n := range counts {
		if n > 1 {
			t.Errorf("slot %s of job %s arrived %d times", k.at.Format(time.TimeOnly), k.job, n)
		}
	}
}
