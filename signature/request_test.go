package signature_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/iotest"
	"time"

	"github.com/recoron/recoron/signature"
)

// signedRequest builds a POST request with body, signed at now with secret.
func signedRequest(t *testing.T, secret string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header.Set(signature.HeaderName, mustHeader(t, []string{secret}, now, body))
	return r
}

func TestVerifyRequestReturnsBody(t *testing.T) {
	t.Parallel()
	body := []byte(`{"job":"nightly"}`)
	r := signedRequest(t, "s3cret", body)

	got, err := signature.VerifyRequest(r, "s3cret", signature.DefaultTolerance, now)
	if err != nil {
		t.Fatalf("VerifyRequest: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("VerifyRequest body = %q, want %q", got, body)
	}
	again, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading r.Body after VerifyRequest: %v", err)
	}
	if !bytes.Equal(again, body) {
		t.Errorf("r.Body after VerifyRequest = %q, want %q", again, body)
	}
}

func TestVerifyRequestAcceptsMaxBody(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("a"), signature.MaxRequestBody)
	r := signedRequest(t, "s3cret", body)
	got, err := signature.VerifyRequest(r, "s3cret", signature.DefaultTolerance, now)
	if err != nil {
		t.Fatalf("VerifyRequest: %v", err)
	}
	if len(got) != signature.MaxRequestBody {
		t.Errorf("VerifyRequest returned %d bytes, want %d", len(got), signature.MaxRequestBody)
	}
}

func TestVerifyRequestEmptyBody(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]io.ReadCloser{"nil": nil, "NoBody": http.NoBody} {
		r := httptest.NewRequest(http.MethodPost, "/hook", nil)
		r.Body = body
		r.Header.Set(signature.HeaderName, mustHeader(t, []string{"s3cret"}, now, nil))
		got, err := signature.VerifyRequest(r, "s3cret", signature.DefaultTolerance, now)
		if err != nil {
			t.Errorf("%s body: VerifyRequest: %v", name, err)
		}
		if len(got) != 0 {
			t.Errorf("%s body: VerifyRequest body = %q, want empty", name, got)
		}
	}
}

func TestVerifyRequestRejects(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	for _, tc := range []struct {
		name      string
		header    string
		secret    string
		tolerance time.Duration
		want      error
	}{
		{"wrong secret", mustHeader(t, []string{"s3cret"}, now, body), "other", time.Minute, signature.ErrMismatch},
		{"missing header", "", "s3cret", time.Minute, signature.ErrMalformed},
		{"old call", mustHeader(t, []string{"s3cret"}, now.Add(-time.Hour), body), "s3cret", time.Minute, signature.ErrTooOld},
		{"negative tolerance", mustHeader(t, []string{"s3cret"}, now, body), "s3cret", -time.Minute, signature.ErrInvalidTolerance},
	} {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		if tc.header != "" {
			r.Header.Set(signature.HeaderName, tc.header)
		}
		got, err := signature.VerifyRequest(r, tc.secret, tc.tolerance, now)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: VerifyRequest error = %v, want %v", tc.name, err, tc.want)
		}
		if got != nil {
			t.Errorf("%s: VerifyRequest body = %q, want nil", tc.name, got)
		}
	}
}

func TestVerifyRequestBodyTooLarge(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("a"), signature.MaxRequestBody+10)
	r := signedRequest(t, "s3cret", body)

	got, err := signature.VerifyRequest(r, "s3cret", signature.DefaultTolerance, now)
	if !errors.Is(err, signature.ErrBodyTooLarge) {
		t.Fatalf("VerifyRequest error = %v, want ErrBodyTooLarge", err)
	}
	if got != nil {
		t.Errorf("VerifyRequest returned %d bytes, want nil", len(got))
	}
	rest, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading r.Body after VerifyRequest: %v", err)
	}
	if !bytes.Equal(rest, body) {
		t.Errorf("r.Body after VerifyRequest has %d bytes, want the whole %d", len(rest), len(body))
	}
}

func TestVerifyRequestReadError(t *testing.T) {
	t.Parallel()
	readErr := errors.New("connection reset")
	r := httptest.NewRequest(http.MethodPost, "/hook", nil)
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader([]byte("part")), iotest.ErrReader(readErr)))
	r.Header.Set(signature.HeaderName, mustHeader(t, []string{"s3cret"}, now, []byte("part")))

	_, err := signature.VerifyRequest(r, "s3cret", signature.DefaultTolerance, now)
	if !errors.Is(err, readErr) {
		t.Errorf("VerifyRequest error = %v, want it to wrap %v", err, readErr)
	}
}
