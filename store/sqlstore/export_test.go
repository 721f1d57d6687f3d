package sqlstore

import (
	"slices"

	"github.com/recoron/recoron/store"
)

// ClaimBatch claims es in one batch, as concurrent claims on PostgreSQL
// are grouped, and returns each claim's result.
func ClaimBatch(s *Store, es []*store.Execution) []error {
	batch := make([]*claimRequest, len(es))
	for i, e := range es {
		values, err := executionValues(e)
		if err != nil {
			panic(err)
		}
		batch[i] = &claimRequest{e: e, values: values, done: make(chan error, 1)}
	}
	s.claims.run(slices.Clone(batch))
	errs := make([]error, len(es))
	for i, req := range batch {
		errs[i] = <-req.done
	}
	return errs
}

// RetryClaim claims e on its own, as after the statement of its batch
// failed, and returns the claim's result.
func RetryClaim(s *Store, e *store.Execution) error {
	values, err := executionValues(e)
	if err != nil {
		return err
	}
	return s.claims.retry(&claimRequest{e: e, values: values, done: make(chan error, 1)})
}

// CachedStatements returns the number of prepared statements s keeps.
func CachedStatements(s *Store) int {
	if s.stmts == nil {
		return 0
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return len(s.stmts.stmts)
}
