package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/recoron/recoron/store"
)

// Layouts of the text keys of usage_days.day and paid_months.month. They
// sort in date order.
const (
	dayLayout   = "2006-01-02"
	monthLayout = "2006-01"
)

// dayKey returns the usage_days key of the UTC day containing t.
func dayKey(t time.Time) string { return t.UTC().Format(dayLayout) }

// monthRange returns the first day key of the UTC month containing t and
// the first day key of the next month.
func monthRange(t time.Time) (first, next string) {
	y, m, _ := t.UTC().Date()
	start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return start.Format(dayLayout), start.AddDate(0, 1, 0).Format(dayLayout)
}

// timeValue returns the column value of t: Unix microseconds, or NULL for
// the zero time.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// microTime scans a column written by timeValue into a time.Time, so that
// callers can pass (*microTime)(&record.Field) to Scan.
type microTime time.Time

// Scan implements [database/sql.Scanner].
func (t *microTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = microTime{}
	case int64:
		*t = microTime(time.UnixMicro(v).UTC())
	default:
		return fmt.Errorf("sqlstore: invalid time column value of type %T, expected an integer", src)
	}
	return nil
}

// jsonValue returns v encoded as JSON text, or NULL when isNil is true, so
// that nil and empty maps and slices stay apart.
func jsonValue(v any, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: error encoding %T as JSON: %w", v, err)
	}
	return string(b), nil
}

// jsonColumn scans a column written by jsonValue into the value that dst
// points to. NULL leaves it untouched, so a nil map or slice stays nil.
type jsonColumn struct{ dst any }

// Scan implements [database/sql.Scanner].
func (c jsonColumn) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("sqlstore: invalid JSON column value of type %T, expected text", src)
	}
	if err := json.Unmarshal(text, c.dst); err != nil {
		return fmt.Errorf("sqlstore: error decoding JSON column into %T: %w", c.dst, err)
	}
	return nil
}

// attemptRecord is the JSON form of a [store.Attempt] in
// executions.attempts.
type attemptRecord struct {
	Number int `json:"number"`
	// StartedAt is in Unix microseconds like the time columns, and absent
	// for the zero time.
	StartedAt  *int64 `json:"started_at,omitempty"`
	DurationMs int64  `json:"duration_ms"`
	StatusCode int    `json:"status_code"`
	Error      string `json:"error,omitempty"`
}

// attemptsValue returns the column value of attempts.
func attemptsValue(attempts []store.Attempt) (any, error) {
	if attempts == nil {
		return nil, nil
	}

	records := make([]attemptRecord, len(attempts))
	for i, a := range attempts {
		records[i] = attemptRecord{Number: a.Number, DurationMs: a.DurationMs, StatusCode: a.StatusCode, Error: a.Error}
		if !a.StartedAt.IsZero() {
			micros := a.StartedAt.UnixMicro()
			records[i].StartedAt = &micros
		}
	}
	return jsonValue(records, false)
}

// attemptsColumn scans executions.attempts.
type attemptsColumn struct{ dst *[]store.Attempt }

// Scan implements [database/sql.Scanner].
func (c attemptsColumn) Scan(src any) error {
	var records []attemptRecord
	if err := (jsonColumn{dst: &records}).Scan(src); err != nil {
		return err
	}
	if records == nil {
		*c.dst = nil
		return nil
	}

	attempts := make([]store.Attempt, len(records))
	for i, r := range records {
		attempts[i] = store.Attempt{Number: r.Number, DurationMs: r.DurationMs, StatusCode: r.StatusCode, Error: r.Error}
		if r.StartedAt != nil {
			attempts[i].StartedAt = time.UnixMicro(*r.StartedAt).UTC()
		}
	}
	*c.dst = attempts
	return nil
}
