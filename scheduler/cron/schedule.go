package cron

import (
	"sync"
	"time"
)

// Options configures Compile.
type Options struct {
	// Location is the zone that the fields are read in, or UTC when nil.
	// A CRON_TZ= or TZ= prefix in the expression overrides it.
	Location *time.Location

	// Anchor is the start of @every sequences, which fire at Anchor + k*d
	// for k >= 1. The zero Time means the Unix epoch.
	Anchor time.Time
}

// Schedule is a compiled cron expression, made by Compile or MustCompile.
// It is immutable, and its methods are safe for concurrent use.
//
// The zero Schedule and a nil *Schedule never fire: Next returns the zero
// Time, MinInterval zero, Location nil and String the empty string.
type Schedule struct {
	expr string
	loc  *time.Location

	// Cron fields as bit sets: bit v is set when value v matches.
	second, minute, hour uint64
	months               uint16
	days                 dayTable

	// fixedTime is set when no time field uses * or a step. Such a job
	// fires once when daylight saving time skips or repeats its local time.
	fixedTime bool

	// every is the @every period, or 0 for a cron expression.
	every  time.Duration
	anchor time.Time

	minInterval struct {
		once  sync.Once
		value time.Duration
	}
}

// Compile parses expr into a Schedule. The package documentation describes
// the syntax. Errors are of type *Error and wrap one of the Err sentinels.
func Compile(expr string, opts Options) (*Schedule, error) {
	s := &Schedule{expr: expr, loc: opts.Location}
	if s.loc == nil {
		s.loc = time.UTC
	}

	if err := s.parse(expr, opts); err != nil {
		return nil, err
	}

	return s, nil
}

// MustCompile is like Compile but panics if the expression is invalid.
// It suits expressions fixed in the source code.
func MustCompile(expr string, opts Options) *Schedule {
	s, err := Compile(expr, opts)
	if err != nil {
		panic("cron: MustCompile(" + expr + "): " + err.Error())
	}

	return s
}

// Next returns the first fire instant strictly after t, or the zero Time if
// there is none. The result is in the schedule's Location. Sub-second parts
// of t round up, so for a minute schedule 08:44:59.5 gives 08:45:00.
//
// Next supports instants between about the years -73 billion and
// 73 billion, and returns the zero Time past that range.
func (s *Schedule) Next(t time.Time) time.Time {
	// Compile always sets the location, so a nil one marks the zero value.
	if s == nil || s.loc == nil {
		return time.Time{}
	}
	if s.every > 0 {
		return s.nextEvery(t)
	}

	sec := t.Unix()
	if sec >= maxInstant {
		return time.Time{}
	}

	// NOTE: instants before minInstant are searched from minInstant.
	start := max(sec+1, minInstant)
	fire, ok := s.nextFire(start)
	if !ok {
		return time.Time{}
	}

	return time.Unix(fire, 0).In(s.loc)
}

// Location returns the zone that the schedule reads its fields in, or nil
// for the zero or a nil Schedule.
func (s *Schedule) Location() *time.Location {
	if s == nil {
		return nil
	}
	return s.loc
}

// String returns the source expression, as passed to Compile, or the empty
// string for the zero or a nil Schedule.
func (s *Schedule) String() string {
	if s == nil {
		return ""
	}
	return s.expr
}
