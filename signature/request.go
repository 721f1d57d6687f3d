package signature

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxRequestBody is the largest body, in bytes, that VerifyRequest reads.
// The reference server accepts job bodies of up to 64 KiB, so 1 MiB leaves
// room. A receiver that expects larger bodies reads the body itself and
// calls Verify.
const MaxRequestBody = 1 << 20

// ErrBodyTooLarge means the request body is longer than MaxRequestBody.
var ErrBodyTooLarge = errors.New("request body is too large to verify")

// VerifyRequest reads the body of r, verifies it against the
// X-Recoron-Signature header with Verify, and returns the body.
//
// It reads at most MaxRequestBody bytes. On return r.Body is replaced by a
// reader that yields the whole body again, so later handlers can read it.
// A body longer than MaxRequestBody yields an error wrapping
// ErrBodyTooLarge, and a handler can respond with status 413. Otherwise
// the errors are those of Verify, or a read error. The body is returned
// only when the signature is valid.
func VerifyRequest(r *http.Request, secret string, tolerance time.Duration, now time.Time) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := Verify(r.Header.Get(HeaderName), body, secret, tolerance, now); err != nil {
		return nil, err
	}
	return body, nil
}

// readBody reads up to MaxRequestBody bytes of r.Body and puts back a
// body that yields everything the original one would have yielded.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	original := r.Body
	body, err := io.ReadAll(io.LimitReader(original, MaxRequestBody+1))
	if err != nil {
		r.Body = restoredBody{io.MultiReader(bytes.NewReader(body), original), original}
		return nil, fmt.Errorf("failed to read the request body: %w", err)
	}
	if len(body) > MaxRequestBody {
		r.Body = restoredBody{io.MultiReader(bytes.NewReader(body), original), original}
		return nil, fmt.Errorf("%w: it is longer than signature.MaxRequestBody (%d bytes), so read it in the handler and call signature.Verify",
			ErrBodyTooLarge, MaxRequestBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// restoredBody is a request body whose data comes partly from memory and
// partly from the original body, which it closes.
type restoredBody struct {
	io.Reader
	io.Closer
}
