package service

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/store"
)

// Size limits of job fields.
const (
	maxNameLen        = 200
	maxURLLen         = 2048
	maxScheduleLen    = 256
	maxHeaders        = 50
	maxHeaderNameLen  = 256
	maxHeaderValueLen = 4096
	maxBodyLen        = 64 << 10
	// MaxBatch is the largest number of jobs in one batch create.
	MaxBatch = 500
)

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// forbiddenHeaders may not be set by users: the transport owns them.
var forbiddenHeaders = map[string]bool{
	"Host": true, "Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Proxy-Authorization": true, "Proxy-Authenticate": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
	"User-Agent": true, "Idempotency-Key": true,
}

var zoneCache sync.Map // zone name -> *time.Location

// LoadLocation returns the IANA zone name, caching loaded zones. It
// rejects "Local", whose meaning depends on the server's host.
func LoadLocation(name string) (*time.Location, error) {
	if v, ok := zoneCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as UTC or Asia/Tokyo", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as UTC or Asia/Tokyo", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// compileSchedule compiles a job's schedule in its zone, anchored at its
// creation time for @every.
func compileSchedule(expr, zone string, created time.Time) (*cron.Schedule, error) {
	loc, err := LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	return cron.Compile(expr, cron.Options{Location: loc, Anchor: created})
}

func validName(v *ValidationError, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.add("name", "name is required")
	case len(name) > maxNameLen:
		v.add("name", "name is %d bytes long; the maximum is %d", len(name), maxNameLen)
	}
}

func validURL(v *ValidationError, raw string, allowPrivate bool) {
	switch {
	case raw == "":
		v.add("url", "url is required")
	case len(raw) > maxURLLen:
		v.add("url", "url is %d bytes long; the maximum is %d", len(raw), maxURLLen)
	default:
		if err := scheduler.CheckTargetURL(raw, allowPrivate); err != nil {
			v.add("url", "%s", targetMessage(err))
		}
	}
}

func targetMessage(err error) string {
	msg := err.Error()
	if strings.Contains(msg, scheduler.ErrBlockedTarget.Error()) {
		msg += "; jobs may only call public addresses unless the server runs with --allow-private-targets (RECORON_ALLOW_PRIVATE_TARGETS=true)"
	}
	return msg
}

func validMethod(v *ValidationError, m string) {
	if m == "" {
		v.add("method", "method is required; use one of %s", strings.Join(methods, ", "))
		return
	}
	for _, ok := range methods {
		if m == ok {
			return
		}
	}
	v.add("method", "method %q is not supported; use one of %s", m, strings.Join(methods, ", "))
}

func validHeaders(v *ValidationError, headers map[string]string) {
	if len(headers) > maxHeaders {
		v.add("headers", "%d headers given; the maximum is %d", len(headers), maxHeaders)
		return
	}
	seen := make(map[string]string, len(headers))
	for name, value := range headers {
		field := "headers." + name
		canon := http.CanonicalHeaderKey(name)
		if other, dup := seen[canon]; dup {
			v.add(field, "header %q repeats %q; header names ignore case, so keep one", name, other)
			continue
		}
		seen[canon] = name
		switch {
		case name == "" || len(name) > maxHeaderNameLen || !isToken(name):
			v.add(field, "header name %q is invalid; use letters, digits and - (an HTTP token)", name)
		case forbiddenHeaders[canon] || strings.HasPrefix(canon, "X-Recoron-"):
			v.add(field, "header %s is set by ReCoron and cannot be overridden", canon)
		case len(value) > maxHeaderValueLen:
			v.add(field, "header value is %d bytes long; the maximum is %d", len(value), maxHeaderValueLen)
		case strings.ContainsAny(value, "\r\n\x00"):
			v.add(field, "header value contains a line break or NUL byte")
		}
	}
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func validPolicies(v *ValidationError, j *store.Job) {
	if j.Overlap != OverlapAllow && j.Overlap != OverlapSkip {
		v.add("overlapPolicy", "overlapPolicy %q is invalid; use %q or %q", j.Overlap, OverlapAllow, OverlapSkip)
	}
	if j.Misfire != MisfireRunOnce && j.Misfire != MisfireSkip {
		v.add("misfirePolicy", "misfirePolicy %q is invalid; use %q or %q", j.Misfire, MisfireRunOnce, MisfireSkip)
	}
	if j.CatchUpSeconds < 1 || j.CatchUpSeconds > maxCatchUpSeconds {
		v.add("catchUpSeconds", "catchUpSeconds %d is out of range; use 1 to %d", j.CatchUpSeconds, maxCatchUpSeconds)
	}
	if j.JitterSeconds < 0 || j.JitterSeconds > maxJitterSeconds {
		v.add("jitterSeconds", "jitterSeconds %d is out of range; use 0 to %d", j.JitterSeconds, maxJitterSeconds)
	}
	if j.RetryMaxAttempts < 1 || j.RetryMaxAttempts > maxRetryAttempts {
		v.add("retry.maxAttempts", "maxAttempts %d is out of range; use 1 to %d", j.RetryMaxAttempts, maxRetryAttempts)
	}
	if j.RetryInitialIntervalMs < minRetryInitialMs || j.RetryInitialIntervalMs > maxRetryIntervalMs {
		v.add("retry.initialIntervalMs", "initialIntervalMs %d is out of range; use %d to %d",
			j.RetryInitialIntervalMs, minRetryInitialMs, maxRetryIntervalMs)
	}
	if j.RetryMaxIntervalMs < j.RetryInitialIntervalMs || j.RetryMaxIntervalMs > maxRetryIntervalMs {
		v.add("retry.maxIntervalMs", "maxIntervalMs %d is out of range; use initialIntervalMs (%d) to %d",
			j.RetryMaxIntervalMs, j.RetryInitialIntervalMs, maxRetryIntervalMs)
	}
}

// rejectControl adds an error for each named text field that holds a NUL
// byte or invalid UTF-8, which no store can keep as text.
func rejectControl(v *ValidationError, fields map[string]string) {
	for name, value := range fields {
		switch {
		case strings.ContainsRune(value, 0):
			v.add(name, "%s contains a NUL character (\\u0000); remove it", name)
		case !utf8.ValidString(value):
			v.add(name, "%s is not valid UTF-8", name)
		}
	}
}
