package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/recoron/recoron/store/storetest"
)

// testSchema returns the PostgreSQL DSN and a new schema name, and drops
// the schema when the test ends.
func testSchema(t *testing.T) (string, string) {
	t.Helper()
	return storetest.PostgresSchema(t)
}

type slotKey struct {
	job string
	at  time.Time
}

// slotSink counts arrivals per job and nominal slot.
type slotSink struct {
	mu     sync.Mutex
	counts map[slotKey]int
	srv    *httptest.Server
	// slow holds every call open, so that runs are in flight when an
	// instance dies. It is a host of its own, so its calls do not take
	// the host limit that the counted calls share.
	slow *httptest.Server
}

func newSlotSink(t *testing.T) *slotSink {
	t.Helper()
	s := &slotSink{counts: make(map[slotKey]int)}
	release := make(chan struct{})
	s.slow = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	}))
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, err := time.Parse(time.RFC3339Nano, r.Header.Get("X-Recoron-Scheduled-At"))
		if err != nil {
			http.Error(w, "bad scheduled-at", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.counts[slotKey{r.Header.Get("X-Recoron-Job-Id"), at.UTC()}]++
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	t.Cleanup(s.slow.Close)
	t.Cleanup(func() { close(release) })
	return s
}

func TestClusterFiresEachSlotOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three server processes against PostgreSQL")
	}
	dsn, schema := testSchema(t)
	sink := newSlotSink(t)
	env := []string{"RECORON_DB=" + dsn, "RECORON_DB_SCHEMA=" + schema, "RECORON_ALLOW_PRIVATE_TARGETS=true"}

	// The first instance creates the schema and the first user; the others
	// join once it is up. A short lease lets the survivors mark the runs of
	// the killed instance within the test.
	const lease = 3 * time.Second
	start := func() *serverProcess {
		return startBinary(t, buildFastServer, append(env, "RECORON_INSTANCE_LEASE="+lease.String())...)
	}
	instances := []*serverProcess{start()}
	instances = append(instances, start(), start())

	const jobs = 200
	items := make([]string, jobs)
	for i := range items {
		items[i] = fmt.Sprintf(`{"name":"c%d","url":%q,"method":"POST","schedule":"* * * * * *","retry":{"maxAttempts":1}}`,
			i, sink.srv.URL)
	}
	status, envl := instances[0].call(t, "POST", "/jobs/batch", "["+strings.Join(items, ",")+"]")
	if status != http.StatusCreated {
		t.Fatalf("batch create = %d %s", status, envl.Message)
	}
	var created struct {
		Jobs []struct{ ID string } `json:"jobs"`
	}
	if err := json.Unmarshal(envl.Data, &created); err != nil {
		t.Fatal(err)
	}
	createdAt := time.Now()

	slow := make([]string, 6)
	for i := range slow {
		slow[i] = fmt.Sprintf(`{"name":"slow%d","url":%q,"method":"GET","schedule":"* * * * * *","retry":{"maxAttempts":1}}`,
			i, sink.slow.URL)
	}
	if status, envl := instances[0].call(t, "POST", "/jobs/batch", "["+strings.Join(slow, ",")+"]"); status != http.StatusCreated {
		t.Fatalf("batch create of slow jobs = %d %s", status, envl.Message)
	}

	// Let every instance pick the jobs up, kill one without warning, and
	// keep going.
	time.Sleep(4 * time.Second)
	killedAt := time.Now()
	if err := instances[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The killed instance renewed its lease at most a third of the lease
	// before the kill; a survivor notices the lapse at its next renewal.
	time.Sleep(lease + lease/3 + 2*time.Second)
	checkUntil := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	for _, p := range []*serverProcess{instances[0], instances[2]} {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range []*serverProcess{instances[0], instances[2]} {
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			t.Fatal("instance did not stop")
		}
	}

	sink.mu.Lock()
	defer sink.mu.Unlock()
	checkFrom := createdAt.Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	missing, doubled, lostInKill := 0, 0, 0
	missingAt := map[string]int{}
	for _, j := range created.Jobs {
		for at := checkFrom; !at.After(checkUntil); at = at.Add(time.Second) {
			switch n := sink.counts[slotKey{j.ID, at.UTC()}]; {
			case n == 0 && claimedButNotSent(t, db, schema, j.ID, at, killedAt):
				// The killed instance claimed the slot and died before
				// sending it; the claim keeps any other instance from
				// running it twice, and a survivor recorded it as
				// interrupted.
				lostInKill++
			case n == 0:
				missing++
				missingAt[at.Format(time.TimeOnly)]++
			case n > 1:
				doubled++
			}
		}
	}
	for k, n := range sink.counts {
		if n > 1 && (k.at.Before(checkFrom) || k.at.After(checkUntil)) {
			doubled++
		}
	}
	slots := jobs * int(checkUntil.Sub(checkFrom)/time.Second+1)
	t.Logf("checked %d slots from %s to %s; instance killed at %s; %d claimed by it and lost",
		slots, checkFrom.Format(time.TimeOnly), checkUntil.Format(time.TimeOnly),
		killedAt.Format(time.TimeOnly), lostInKill)
	// The killed instance claims about a third of each second's slots.
	// Losing more than a tenth of all jobs' slots would mean claims wait
	// long before their calls, even on a loaded machine.
	if lostInKill > jobs/10 {
		t.Errorf("%d slots were lost with the killed instance; the claim-to-send window is too wide", lostInKill)
	}
	if missing > 0 {
		t.Errorf("%d of %d slots never arrived; missing per second: %v", missing, slots, missingAt)
		for _, p := range instances {
			t.Logf("instance log tail:\n%s", tail(p.log(), 30))
		}
	}
	if doubled > 0 {
		t.Errorf("%d slots arrived more than once", doubled)
	}

	// Every run has an outcome: the survivors finished theirs when they
	// stopped, and marked the killed instance's runs interrupted.
	var running int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".executions WHERE status = 'running'").Scan(&running); err != nil {
		t.Fatal(err)
	}
	if running > 0 {
		t.Errorf("%d executions are still running after the lease of the killed instance lapsed", running)
	}
	// Runs cancelled by a graceful stop are interrupted too, so count only
	// those whose process lost its lease.
	var orphaned int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".executions WHERE status = 'interrupted' AND error LIKE '%lease%'").Scan(&orphaned); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d executions of the killed instance marked interrupted after its lease lapsed", orphaned)
	if orphaned == 0 {
		t.Error("no execution was marked interrupted for a lapsed lease, though slow calls were in flight on the killed instance")
	}
}

// claimedButNotSent reports whether the slot of job at time at is recorded
// as interrupted, claimed within a second of the kill.
func claimedButNotSent(t *testing.T, db *sql.DB, schema, job string, at, killedAt time.Time) bool {
	t.Helper()
	var status string
	var started int64
	err := db.QueryRow("SELECT status, started_at FROM "+schema+".executions WHERE job_id = $1 AND scheduled_at = $2",
		job, at.UnixMicro()).Scan(&status, &started)
	if err == sql.ErrNoRows {
		return false
	}
	if err != nil {
		t.Fatalf("looking up slot %s of job %s: %v", at, job, err)
	}
	gap := time.UnixMicro(started).Sub(killedAt)
	return status == "interrupted" && gap > -time.Second && gap < time.Second
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
