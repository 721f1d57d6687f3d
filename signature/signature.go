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
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HeaderName is the request header carrying the signature.
const HeaderName = "X-Recoron-Signature"

// DefaultTolerance is the replay window that Verify callers should use
// unless they have a reason to change it.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify; use errors.Is.
var (
	ErrMalformed = errors.New("signature header is malformed")
	ErrTooOld    = errors.New("signature timestamp is outside the tolerance")
	ErrMismatch  = errors.New("no signature matches the secret")
)

// Compute returns the hex HMAC-SHA256 of "<t>.<body>" under secret.
func Compute(secret string, t int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Header returns the header value signing body at time now with every
// secret given; empty secrets are ignored.
func Header(secrets []string, now time.Time, body []byte) string {
	t := now.Unix()
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(t, 10))
	for _, s := range secrets {
		if s == "" {
			continue
		}
		b.WriteString(",v1=")
		b.WriteString(Compute(s, t, body))
	}
	return b.String()
}

// Verify checks a header value against body and secret. It rejects a
// timestamp more than tolerance away from now, in either direction, so a
// captured call cannot be replayed later.
func Verify(header string, body []byte, secret string, tolerance time.Duration, now time.Time) error {
	var (
		t      int64
		haveT  bool
		hashes []string
	)
	for _, part := range strings.Split(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: part %q has no '='", ErrMalformed, part)
		}
		switch key {
		case "t":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: timestamp %q is not an integer", ErrMalformed, value)
			}
			t, haveT = n, true
		case "v1":
			hashes = append(hashes, value)
		}
	}
	if !haveT || len(hashes) == 0 {
		return fmt.Errorf("%w: it needs t= and at least one v1=", ErrMalformed)
	}
	if age := now.Sub(time.Unix(t, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrTooOld, time.Unix(t, 0).UTC().Format(time.RFC3339), age.Round(time.Second))
	}
	want := []byte(Compute(secret, t, body))
	for _, h := range hashes {
		if hmac.Equal([]byte(h), want) {
			return nil
		}
	}
	return ErrMismatch
}
