package signature_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/signature"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func TestVerifyAcceptsEachActiveSecret(t *testing.T) {
	t.Parallel()
	body := []byte(`{"hello":"world"}`)
	h := signature.Header([]string{"new-secret", "old-secret"}, now, body)
	if got := strings.Count(h, "v1="); got != 2 {
		t.Fatalf("header %q has %d v1 values, want 2", h, got)
	}
	for _, secret := range []string{"new-secret", "old-secret"} {
		if err := signature.Verify(h, body, secret, time.Minute, now.Add(30*time.Second)); err != nil {
			t.Errorf("Verify with %s: %v", secret, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	good := signature.Header([]string{"s3cret"}, now, body)
	for _, tc := range []struct {
		name   string
		header string
		body   string
		secret string
		at     time.Time
		want   error
	}{
		{"wrong secret", good, "payload", "other", now, signature.ErrMismatch},
		{"changed body", good, "payload!", "s3cret", now, signature.ErrMismatch},
		{"replayed late", good, "payload", "s3cret", now.Add(6 * time.Minute), signature.ErrTooOld},
		{"from the future", good, "payload", "s3cret", now.Add(-6 * time.Minute), signature.ErrTooOld},
		{"no timestamp", "v1=abc", "payload", "s3cret", now, signature.ErrMalformed},
		{"no hash", "t=1", "payload", "s3cret", now, signature.ErrMalformed},
		{"bad timestamp", "t=x,v1=abc", "payload", "s3cret", now, signature.ErrMalformed},
		{"garbage", "nonsense", "payload", "s3cret", now, signature.ErrMalformed},
	} {
		err := signature.Verify(tc.header, []byte(tc.body), tc.secret, signature.DefaultTolerance, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestComputeMatchesHeader(t *testing.T) {
	t.Parallel()
	h := signature.Header([]string{"k"}, now, []byte("b"))
	want := "t=" + "1796378400" + ",v1=" + signature.Compute("k", now.Unix(), []byte("b"))
	if h != want {
		t.Errorf("Header = %q, want %q", h, want)
	}
	if len(signature.Compute("k", 1, nil)) != 64 {
		t.Error("Compute does not return 32 bytes in hex")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1796378400,v1=00", []byte("x"))
	f.Add(",,,=,t=,v1=", []byte(""))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		// No header may panic Verify, and a header made by Header for the
		// same body always verifies.
		_ = signature.Verify(header, body, "secret", time.Hour, now)
		signed := signature.Header([]string{"secret"}, now, body)
		if err := signature.Verify(signed, body, "secret", time.Minute, now); err != nil {
			t.Fatalf("own header %q rejected: %v", signed, err)
		}
	})
}
