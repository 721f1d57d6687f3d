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
// commit per batch instead of per slot. A free worker takes the claims
// already queued and does not wait for more, so a lone claim goes out at
// once.
type claimBatcher struct {
	s        *Store
	requests chan *claimRequest

	// mu guards closed. A claim holds it for reading while it queues a
	// request, so once close has set closed, no request enters the queue.
	mu     sync.RWMutex
	closed bool

	stop    chan struct{}
	workers sync.WaitGroup
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
	if err := b.enqueue(ctx, req); err != nil {
		return err
	}
	// Either a worker or close sends the result of every queued request.
	// The wait ignores ctx because a worker may have sent the claim, and
	// the database may commit it after ctx ends.
	return <-req.done
}

// enqueue queues req for a worker. It fails when the batcher is closed or
// ctx ends first, and then req is not queued.
func (b *claimBatcher) enqueue(ctx context.Context, req *claimRequest) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errClaimerClosed(req.e)
	}
	// The workers keep taking requests until close has set closed, which
	// waits for this read lock, so a full queue does not block this send
	// forever.
	select {
	case b.requests <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func errClaimerClosed(e *store.Execution) error {
	return fmt.Errorf("sqlstore: claiming execution %s of job %s failed: the store is closed", e.ID, e.JobID)
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
// queued fail without reaching the database, and later claims fail at
// once. Calling close again does nothing.
func (b *claimBatcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()

	close(b.stop)
	b.workers.Wait()
	// No claim can queue a request now, so the queue drained here stays
	// empty.
	for {
		select {
		case req := <-b.requests:
			req.done <- errClaimerClosed(req.e)
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
	// NOTE: a lone claim whose statement fails is not retried, so when
	// that statement was committed anyway, the caller gets an error for a
	// row that it owns.
	if err != nil && len(batch) > 1 {
		for _, req := range batch {
			req.done <- b.retry(req)
		}
		return
	}
	for _, req := range batch {
		req.done <- claimResult(req, inserted, err)
	}
}

// retry claims req on its own after the statement of its batch failed.
// That statement may have been committed anyway, for example when the
// connection was lost or the timeout ended after the commit. So a row
// that matches req is req's own claim and not a conflict.
func (b *claimBatcher) retry(req *claimRequest) error {
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	inserted, err := b.insert(ctx, []*claimRequest{req})
	if err == nil && !inserted[req.e.ID] {
		var stored bool
		stored, err = b.rowExists(ctx, req)
		if err == nil && stored {
			return nil
		}
	}
	return claimResult(req, inserted, err)
}

// rowExists reports whether the executions table has the row that req
// claims. Besides the id, it compares the columns that a claim sets and
// that nothing changes while the claim waits for its result, so a row
// that only reuses the id still counts as a conflict.
func (b *claimBatcher) rowExists(ctx context.Context, req *claimRequest) (bool, error) {
	e := req.e
	var n int
	err := b.s.queryRow(ctx, b.s.db, `SELECT count(*) FROM executions
		WHERE id = ? AND job_id = ? AND user_id = ? AND triggered_by = ? AND instance_id = ?
			AND scheduled_at IS NOT DISTINCT FROM ? AND started_at IS NOT DISTINCT FROM ?`,
		e.ID, e.JobID, e.UserID, e.Trigger, e.Instance, timeValue(e.ScheduledAt), timeValue(e.StartedAt)).Scan(&n)
	if err != nil {
		return false, b.s.dialect.classify(err)
	}
	return n > 0, nil
}

// claimResult returns the result of req after a claim statement that
// returned inserted and err.
func claimResult(req *claimRequest, inserted map[string]bool, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: error creating execution %s of job %s: %w", req.e.ID, req.e.JobID, err)
	case !inserted[req.e.ID]:
		return fmt.Errorf("execution %s or slot %s of job %s exists: %w", req.e.ID,
			req.e.ScheduledAt.UTC().Format(time.RFC3339Nano), req.e.JobID, store.ErrConflict)
	default:
		return nil
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
