// Package signature signs and verifies the X-Recoron-Signature header that
// ReCoron sends with every job call. Receivers import it to check that a
// call came from their ReCoron account and is recent.
//
// The header has the form
//
//	X-Recoron-Signature: t=1767225600,v1=5257a869e7...,v1=9b1e...
//
// where t is the Unix time of signing in seconds and each v1 is the hex
// HMAC-SHA256 of "<t>.<body>" under one active signing secret. During a
// secret rotation two v1 values are sent; a receiver accepts the call when
// any of them matches its secret.
//
// An HTTP handler can call VerifyRequest, which reads, verifies and
// returns the request body. Verify checks a header and a body that the
// caller has already read.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// HeaderName is the request header carrying the signature.
const HeaderName = "X-Recoron-Signature"

// DefaultTolerance is the replay window that Verify callers should use
// unless they have a reason to change it.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Header, Verify and VerifyRequest. The returned errors
// wrap these values and add details, so compare them with errors.Is.
var (
	// ErrMalformed means the header is empty, has a part without '=',
	// lacks t= or v1=, repeats t=, or has a timestamp that is not an int64.
	ErrMalformed = errors.New("signature header is malformed")

	// ErrOutsideTolerance means the timestamp is further from now than
	// the tolerance. Every error that matches ErrTooOld or ErrTooNew also
	// matches ErrOutsideTolerance.
	ErrOutsideTolerance = errors.New("signature timestamp is outside the tolerance")

	// ErrTooOld means the timestamp is older than the tolerance allows.
	// The call may be a replay, or the receiver's clock may be ahead.
	ErrTooOld = errors.New("signature timestamp is too old")

	// ErrTooNew means the timestamp is further in the future than the
	// tolerance allows, which usually means that the sender's and the
	// receiver's clocks disagree.
	ErrTooNew = errors.New("signature timestamp is in the future")

	// ErrMismatch means no v1 value in the header matches the secret.
	ErrMismatch = errors.New("no signature matches the secret")

	// ErrInvalidTolerance means Verify got a negative tolerance.
	ErrInvalidTolerance = errors.New("signature tolerance is invalid")

	// ErrNoSecret means Header got no non-empty secret to sign with, or
	// Verify got an empty secret.
	ErrNoSecret = errors.New("signing secret is missing")
)

// Compute returns the hex HMAC-SHA256 of "<t>.<body>" under secret.
func Compute(secret string, t int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Header builds the header value signing body at time now, truncated to
// the second, with one v1 value for every non-empty secret. It returns an
// error wrapping ErrNoSecret when no secret is non-empty, because a header
// without a v1 value can never verify.
func Header(secrets []string, now time.Time, body []byte) (string, error) {
	t := now.Unix()
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(t, 10))
	signed := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		b.WriteString(",v1=")
		b.WriteString(Compute(s, t, body))
		signed++
	}
	if signed == 0 {
		return "", fmt.Errorf("%w: all %d secrets given are empty, so pass at least one non-empty signing secret",
			ErrNoSecret, len(secrets))
	}
	return b.String(), nil
}

// Verify checks a header value against body and secret.
//
// It rejects a timestamp more than tolerance away from now, in either
// direction, so a captured call cannot be replayed later. The comparison
// uses whole seconds, as the header does: a tolerance of 0 accepts only a
// timestamp equal to now truncated to the second, and sub-second parts of
// tolerance are ignored. Most receivers should pass DefaultTolerance.
//
// The returned error wraps ErrInvalidTolerance for a negative tolerance,
// ErrNoSecret for an empty secret and ErrMalformed for a header that
// cannot be parsed. A timestamp outside the tolerance yields ErrTooOld or
// ErrTooNew, and both also match ErrOutsideTolerance. ErrMismatch means
// that no v1 value matches.
func Verify(header string, body []byte, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance < 0 {
		return fmt.Errorf("%w: %s is negative, so pass 0 to accept only the current second or pass signature.DefaultTolerance",
			ErrInvalidTolerance, tolerance)
	}
	if secret == "" {
		return fmt.Errorf("%w: Verify got an empty secret, so pass the signing secret of the account that sends the calls",
			ErrNoSecret)
	}
	t, hashes, err := parse(header)
	if err != nil {
		return err
	}
	if err := checkTime(t, tolerance, now); err != nil {
		return err
	}
	want := []byte(Compute(secret, t, body))
	for _, h := range hashes {
		if hmac.Equal([]byte(h), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: none of %d v1 values matches, so check that the secret is current and that the body is unchanged",
		ErrMismatch, len(hashes))
}

// parse splits a header value into its timestamp and its v1 values. It
// ignores keys other than t and v1 so that later schemes can be added
// beside v1.
func parse(header string) (t int64, hashes []string, err error) {
	if strings.TrimSpace(header) == "" {
		return 0, nil, fmt.Errorf("%w: the %s header is empty or missing", ErrMalformed, HeaderName)
	}
	haveT := false
	for _, part := range strings.Split(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, fmt.Errorf("%w: part %q has no '='", ErrMalformed, part)
		}
		switch key {
		case "t":
			if haveT {
				return 0, nil, fmt.Errorf("%w: it has more than one t=", ErrMalformed)
			}
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("%w: timestamp %q is not an integer", ErrMalformed, value)
			}
			t, haveT = n, true
		case "v1":
			hashes = append(hashes, value)
		}
	}
	if !haveT || len(hashes) == 0 {
		return 0, nil, fmt.Errorf("%w: it needs t= and at least one v1=", ErrMalformed)
	}
	return t, hashes, nil
}

// checkTime rejects a timestamp t, in Unix seconds, that is more than
// tolerance away from now in whole seconds.
func checkTime(t int64, tolerance time.Duration, now time.Time) error {
	nowSec := now.Unix()
	limit := uint64(tolerance / time.Second)
	// The differences are computed in uint64, where they cannot overflow
	// for any pair of int64 values because the larger operand comes first.
	switch {
	case t < nowSec && uint64(nowSec)-uint64(t) > limit:
		return fmt.Errorf("%w: %w: signed at %s, %s before now, and the tolerance is %s",
			ErrTooOld, ErrOutsideTolerance, describeTime(t), describeSeconds(uint64(nowSec)-uint64(t)), tolerance)
	case t > nowSec && uint64(t)-uint64(nowSec) > limit:
		return fmt.Errorf("%w: %w: signed at %s, %s after now, and the tolerance is %s. Check that the sender's and the receiver's clocks are synchronized",
			ErrTooNew, ErrOutsideTolerance, describeTime(t), describeSeconds(uint64(t)-uint64(nowSec)), tolerance)
	}
	return nil
}

// describeTime formats a Unix timestamp for an error message, adding the
// UTC date when it lies in the years 1 to 9999 that RFC 3339 can express.
func describeTime(t int64) string {
	const minRFC3339, maxRFC3339 = -62135596800, 253402300799
	if t < minRFC3339 || t > maxRFC3339 {
		return fmt.Sprintf("t=%d", t)
	}
	return fmt.Sprintf("t=%d (%s)", t, time.Unix(t, 0).UTC().Format(time.RFC3339))
}

// describeSeconds formats a number of seconds as a duration when it fits
// in time.Duration.
func describeSeconds(seconds uint64) string {
	if seconds > uint64(math.MaxInt64/int64(time.Second)) {
		return fmt.Sprintf("%d seconds", seconds)
	}
	return (time.Duration(seconds) * time.Second).String()
}
