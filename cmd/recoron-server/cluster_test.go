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
}

func newSlotSink(t *testing.T) *slotSink {
	t.Helper()
	s := &slotSink{counts: make(map[slotKey]int)}
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
	// join once it is up.
	instances := []*serverProcess{startBinary(t, buildFastServer, env...)}
	instances = append(instances, startBinary(t, buildFastServer, env...), startBinary(t, buildFastServer, env...))

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

	// Let every instance pick the jobs up, kill one without warning, and
	// keep going.
	time.Sleep(4 * time.Second)
	killedAt := time.Now()
	if err := instances[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
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
				// running it twice.
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
	if lostInKill > 5 {
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
}

// claimedButNotSent reports whether the slot of job at time at is recorded
// as still running, claimed within a second of the kill.
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
	return status == "running" && gap > -time.Second && gap < time.Second
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
