package cron

import (
	"errors"
	"fmt"
)

// Sentinel errors that Compile wraps in an *Error. Test for them with errors.Is.
var (
	// ErrSyntax reports text that is not cron syntax, such as an unknown name,
	// an empty list item, an unknown descriptor or a wrong number of fields.
	ErrSyntax = errors.New("cron: invalid syntax")

	// ErrOutOfRange reports a number outside the values that its field allows.
	ErrOutOfRange = errors.New("cron: value out of range")

	// ErrZeroStep reports a step of 0, as in */0.
	ErrZeroStep = errors.New("cron: zero step")

	// ErrReversedRange reports a range whose start is after its end, such as 22-5.
	ErrReversedRange = errors.New("cron: reversed range")

	// ErrNeverFires reports an expression that is valid field by field but
	// matches no day in any year, such as 0 0 30 2 *.
	ErrNeverFires = errors.New("cron: schedule never fires")

	// ErrUnknownZone reports a time zone name that the time zone database
	// does not contain.
	ErrUnknownZone = errors.New("cron: unknown time zone")

	// ErrEveryTooShort reports an @every duration below one second.
	ErrEveryTooShort = errors.New("cron: @every duration shorter than 1s")
)

// Error describes why Compile rejected an expression.
type Error struct {
	// Field is the part of the expression that is wrong: "second", "minute",
	// "hour", "day-of-month", "month", "day-of-week", "expression",
	// "prefix", "time zone", "descriptor", "@every" or "anchor".
	Field string

	// Value is the rejected text, usually one list item such as "22-5".
	Value string

	// Reason is the complete message. It names the field and the value and
	// describes how to correct the expression.
	Reason string

	// Err is the sentinel error that classifies the problem, such as ErrReversedRange.
	Err error
}

// Error returns the message stored in Reason, or a message built from the
// other fields when Reason is empty.
func (e *Error) Error() string {
	if e.Reason != "" {
		return e.Reason
	}

	return fmt.Sprintf("%s value %q is invalid: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the sentinel error, so that errors.Is(err, ErrSyntax) and
// similar checks work.
func (e *Error) Unwrap() error {
	return e.Err
}

// newError returns an *Error whose Reason is the formatted message.
func newError(sentinel error, field, value, format string, args ...any) *Error {
	return &Error{
		Field:  field,
		Value:  value,
		Reason: fmt.Sprintf(format, args...),
		Err:    sentinel,
	}
}
