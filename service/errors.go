package service

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Transport layers map them to status codes.
var (
	// ErrNotFound reports a resource that does not exist or belongs to
	// another user.
	ErrNotFound = errors.New("not found")
	// ErrForbidden reports a key that lacks a scope.
	ErrForbidden = errors.New("forbidden")
)

// FieldError is one invalid field of a request.
type FieldError struct {
	// Field is the JSON path of the field, such as "schedule" or
	// "[2].url" in a batch.
	Field string `json:"field"`
	// Message is what is wrong and how to fix it, in English.
	Message string `json:"message"`
	// MessageJA is Message in Japanese, for the top-level message of
	// Japanese responses, which show Message when it is empty. It is left
	// out of the JSON, so error.details lists only field and message.
	MessageJA string `json:"-"`
}

// ValidationError lists every invalid field of a request.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// add appends the error of one field with its English and Japanese
// messages.
func (e *ValidationError) add(field, en, ja string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: en, MessageJA: ja})
}

// Prefixed returns the field errors with prefix and a dot prepended to
// each field name, for errors inside an array item. An error with no
// field name, which concerns the whole item, gets prefix alone.
func (e *ValidationError) Prefixed(prefix string) []FieldError {
	out := make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		field := prefix
		if f.Field != "" {
			field += "." + f.Field
		}
		out[i] = FieldError{Field: field, Message: f.Message, MessageJA: f.MessageJA}
	}
	return out
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Limit names reported in [LimitError].
const (
	LimitJobs              = "jobs"
	LimitAPIKeys           = "apiKeys"
	LimitMonthlyExecutions = "monthlyExecutions"
	LimitMinInterval       = "minIntervalSeconds"
	LimitDailyAPICalls     = "dailyApiCalls"
	LimitRequestsPerMinute = "requestsPerMinute"
	LimitTimeout           = "maxTimeoutSeconds"
)

// LimitError reports a plan limit that a request would exceed.
type LimitError struct {
	Plan  string
	Limit string
	Value int64
	// Detail adds context, such as the schedule's actual interval, in
	// English.
	Detail string
	// DetailJA is Detail in Japanese. Japanese responses fall back to
	// Detail when it is empty.
	DetailJA string
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("plan %s limit %s (%d) reached", e.Plan, e.Limit, e.Value)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// ScopeError reports a request to create a key with a scope that the
// caller's key lacks. It matches [ErrForbidden] with errors.Is.
type ScopeError struct {
	// Scope is the scope that the caller's key lacks.
	Scope string
}

func (e *ScopeError) Error() string {
	return ErrForbidden.Error() + ": a key cannot grant scope " + e.Scope + ", which it does not hold"
}

func (e *ScopeError) Unwrap() error { return ErrForbidden }

// ForbiddenError reports a request that the caller's key may not make,
// with the reason in English and Japanese. It matches [ErrForbidden] with
// errors.Is.
type ForbiddenError struct {
	Message   string
	MessageJA string
}

func (e *ForbiddenError) Error() string { return ErrForbidden.Error() + ": " + e.Message }

func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

// AuthError reports why a request could not be authenticated.
type AuthError struct {
	// Reason is one of "missing", "malformed", "invalid", "expired".
	Reason string
}

func (e *AuthError) Error() string { return "authentication failed: " + e.Reason + " token" }
