package scheduler

import "github.com/oklog/ulid/v2"

// NewID returns a new identifier made of prefix, an underscore and a ULID,
// so ids sort by creation time within a prefix.
func NewID(prefix string) string {
	return prefix + "_" + ulid.Make().String()
}
