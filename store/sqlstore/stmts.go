package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the prepared statements a store keeps. Statements
// whose text depends on the number of items, such as batch inserts, can
// have many forms, and past the bound they are parsed each time.
const maxCachedStmts = 256

// stmtCache keeps the prepared statements of a SQLite store, keyed by pool
// and query text, because the SQLite driver would otherwise parse every
// statement again on every call. database/sql prepares a cached statement
// once per connection and reuses it, inside transactions too.
//
// Preparing a statement on a pool needs a free connection, and a
// transaction holds SQLite's only writer connection. So a statement first
// met inside a transaction runs unprepared, and a background goroutine
// prepares it once the connection is free.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[stmtKey]*sql.Stmt
	// pending holds the keys queued for the background goroutine.
	pending map[stmtKey]bool
	queue   chan stmtKey
	closed  bool
	done    chan struct{}

	// txPools maps each open transaction to the pool it came from, since
	// a statement is prepared on the transaction's own pool.
	txPools sync.Map
}

type stmtKey struct {
	db    *sql.DB
	query string
}

func newStmtCache() *stmtCache {
	c := &stmtCache{
		stmts:   make(map[stmtKey]*sql.Stmt),
		pending: make(map[stmtKey]bool),
		queue:   make(chan stmtKey, maxCachedStmts),
		done:    make(chan struct{}),
	}
	go c.prepareQueued()
	return c
}

// lookup returns the cached statement of key, or nil. With enqueue set, a
// missing statement is queued for the background goroutine.
func (c *stmtCache) lookup(key stmtKey, enqueue bool) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[key]; ok {
		return st
	}
	if enqueue && !c.closed && !c.pending[key] && len(c.stmts)+len(c.pending) < maxCachedStmts {
		c.pending[key] = true
		// The size check above keeps the queued keys below the queue's
		// capacity of maxCachedStmts, so this send does not block.
		c.queue <- key
	}
	return nil
}

// prepare prepares key's statement on its pool and caches it. It is
// called outside any transaction of the calling goroutine.
func (c *stmtCache) prepare(ctx context.Context, key stmtKey) *sql.Stmt {
	if st := c.lookup(key, false); st != nil {
		return st
	}
	st, err := key.db.PrepareContext(ctx, key.query)
	if err != nil {
		// The caller runs the query directly and reports its error.
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.stmts) >= maxCachedStmts {
		st.Close()
		return nil
	}
	if old, ok := c.stmts[key]; ok {
		st.Close()
		return old
	}
	c.stmts[key] = st
	return st
}

// prepareQueued prepares the statements first met inside transactions,
// until close.
func (c *stmtCache) prepareQueued() {
	defer close(c.done)
	for key := range c.queue {
		c.prepare(context.Background(), key)
		c.mu.Lock()
		delete(c.pending, key)
		c.mu.Unlock()
	}
}

// forQuerier returns the prepared statement of query for q, a pool or a
// transaction begun by the store, or nil when the query should run as is.
func (c *stmtCache) forQuerier(ctx context.Context, q querier, query string) *sql.Stmt {
	switch q := q.(type) {
	case *sql.DB:
		return c.prepare(ctx, stmtKey{q, query})
	case *sql.Tx:
		db, ok := c.txPools.Load(q)
		if !ok {
			return nil
		}
		st := c.lookup(stmtKey{db.(*sql.DB), query}, true)
		if st == nil {
			return nil
		}
		// The transaction's copy reuses the statement already prepared on
		// its connection, and closes with the transaction.
		return q.StmtContext(ctx, st)
	}
	return nil
}

// close stops the background goroutine and closes every cached statement.
// Closing a statement waits for the calls still using it, and those may
// wait for a connection that a transaction holds while it looks up the
// cache, so statements are closed without holding c.mu.
func (c *stmtCache) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.queue)
	c.mu.Unlock()
	<-c.done

	c.mu.Lock()
	stmts := c.stmts
	c.stmts = make(map[stmtKey]*sql.Stmt)
	c.mu.Unlock()
	for _, st := range stmts {
		st.Close()
	}
}
