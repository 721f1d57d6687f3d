package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recoron/recoron/store"
)

// maxClaimBatch bounds the executions that one claim statement inserts.
const maxClaimBatch = 8

// claimTimeout bounds one claim statement. A claim is not abandoned when
// its caller's context ends, because the database may commit it anyway,
// and the caller must learn whether it owns the slot.
const claimTimeout = 30 * time.Second

// claimRequest is one execution waiting to be claimed on PostgreSQL.
type claimRequest struct {
	e      *store.Execution
	values []any
	done   chan error
}

// claimBatcher groups concurrent PostgreSQL claims into one statement and
// one commit, so the claims of a busy instance cost a round trip and a
// commit per batch instead of per slot. It never waits to fill a batch: a
// worker takes the claims already queued when it is free, so a lone claim
// goes out at once.
type claimBatcher struct {
	s        *Store
	requests chan *claimRequest
	stop     chan struct{}
	workers  sync.WaitGroup
}

func newClaimBatcher(s *Store, workers int) *claimBatcher {
	b := &claimBatcher{s: s, requests: make(chan *claimRequest, 4*maxClaimBatch), stop: make(chan struct{})}
	for range max(workers, 1) {
		b.workers.Add(1)
		go b.work()
	}
	return b
}

// claim inserts e unless its id or slot is taken, and counts it in the
// user's daily executions when it is counted. It fails with
// store.ErrConflict when nothing was inserted.
func (b *claimBatcher) claim(ctx context.Context, e *store.Execution, values []any) error {
	req := &claimRequest{e: e, values: values, done: make(chan error, 1)}
	select {
	case b.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return fmt.Errorf("sqlstore: store closed before claiming execution %s", e.ID)
	}
	return <-req.done
}

func (b *claimBatcher) work() {
	defer b.workers.Done()
	batch := make([]*claimRequest, 0, maxClaimBatch)
	for {
		select {
		case req := <-b.requests:
			batch = append(batch[:0], req)
		case <-b.stop:
			return
		}
	fill:
		for len(batch) < maxClaimBatch {
			select {
			case req := <-b.requests:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		b.run(batch)
	}
}

// close stops the workers after the claims they have taken. Claims still
// queued fail.
func (b *claimBatcher) close() {
	close(b.stop)
	b.workers.Wait()
	for {
		select {
		case req := <-b.requests:
			req.done <- fmt.Errorf("sqlstore: store closed before claiming execution %s", req.e.ID)
		default:
			return
		}
	}
}

// run claims a batch in one statement and reports each claim's result.
// When the statement fails, for example because one job was deleted
// meanwhile, it claims each execution on its own, so one bad claim does
// not fail the others.
func (b *claimBatcher) run(batch []*claimRequest) {
	// Inserting in one order everywhere keeps two instances that claim
	// overlapping slots from waiting on each other in a cycle.
	slices.SortFunc(batch, func(x, y *claimRequest) int {
		return cmp.Or(strings.Compare(x.e.JobID, y.e.JobID), x.e.ScheduledAt.Compare(y.e.ScheduledAt),
			strings.Compare(x.e.ID, y.e.ID))
	})

	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	inserted, err := b.insert(ctx, batch)
	if err != nil && len(batch) > 1 {
		for _, req := range batch {
			b.run([]*claimRequest{req})
		}
		return
	}
	for _, req := range batch {
		switch {
		case err != nil:
			req.done <- fmt.Errorf("sqlstore: error creating execution %s of job %s: %w", req.e.ID, req.e.JobID, err)
		case !inserted[req.e.ID]:
			req.done <- fmt.Errorf("execution %s or slot %s of job %s exists: %w", req.e.ID,
				req.e.ScheduledAt.UTC().Format(time.RFC3339Nano), req.e.JobID, store.ErrConflict)
		default:
			req.done <- nil
		}
	}
}

// insert runs one claim statement for batch and returns the ids it
// inserted. Counted executions are added to the usage counters of the
// UTC day of their start.
func (b *claimBatcher) insert(ctx context.Context, batch []*claimRequest) (map[string]bool, error) {
	var query strings.Builder
	args := make([]any, 0, len(batch)*(len(batch[0].values)+2)+2)
	query.WriteString("WITH ins AS (INSERT INTO executions (" + executionColumns + ") VALUES ")
	for i, req := range batch {
		if i > 0 {
			query.WriteString(", ")
		}
		query.WriteString(executionPlaceholders)
		args = append(args, req.values...)
	}
	query.WriteString(" ON CONFLICT DO NOTHING RETURNING id, user_id, status), days (id, day) AS (VALUES ")
	for i, req := range batch {
		if i > 0 {
			query.WriteString(", ")
		}
		query.WriteString("(?, ?)")
		args = append(args, req.e.ID, dayKey(req.e.StartedAt))
	}
	query.WriteString(`),
	counted AS (
		INSERT INTO usage_days (user_id, day, executions, api_calls, peak_jobs, peak_api_keys,
			jobs_created, jobs_deleted, api_keys_created, api_keys_deleted)
		SELECT ins.user_id, days.day, count(*), 0, 0, 0, 0, 0, 0, 0
		FROM ins JOIN days ON days.id = ins.id
		WHERE ins.status NOT IN (?, ?)
		GROUP BY 1, 2 ORDER BY 1, 2
		ON CONFLICT (user_id, day) DO UPDATE SET executions = usage_days.executions + excluded.executions)
	SELECT id FROM ins`)
	args = append(args, store.StatusSkipped, store.StatusMissed)

	rows, err := b.s.query(ctx, b.s.db, query.String(), args...)
	if err != nil {
		return nil, b.s.dialect.classify(err)
	}
	defer rows.Close()
	inserted := make(map[string]bool, len(batch))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, b.s.dialect.classify(err)
	}
	return inserted, nil
}
