package signature_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/signature"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

// mustHeader signs body at time at with secrets and fails the test when
// Header returns an error.
func mustHeader(t testing.TB, secrets []string, at time.Time, body []byte) string {
	t.Helper()
	h, err := signature.Header(secrets, at, body)
	if err != nil {
		t.Fatalf("Header(%q): %v", secrets, err)
	}
	return h
}

func TestVerifyAcceptsEachActiveSecret(t *testing.T) {
	t.Parallel()
	body := []byte(`{"hello":"world"}`)
	h := mustHeader(t, []string{"new-secret", "old-secret"}, now, body)
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
	good := mustHeader(t, []string{"s3cret"}, now, body)
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
		{"from the future", good, "payload", "s3cret", now.Add(-6 * time.Minute), signature.ErrTooNew},
		{"max timestamp", "t=9223372036854775807,v1=ab", "payload", "s3cret", now, signature.ErrTooNew},
		{"min timestamp", "t=-9223372036854775808,v1=ab", "payload", "s3cret", now, signature.ErrTooOld},
		{"empty secret", good, "payload", "", now, signature.ErrNoSecret},
		{"empty header", "", "payload", "s3cret", now, signature.ErrMalformed},
		{"blank header", "  ", "payload", "s3cret", now, signature.ErrMalformed},
		{"no timestamp", "v1=abc", "payload", "s3cret", now, signature.ErrMalformed},
		{"no hash", "t=1", "payload", "s3cret", now, signature.ErrMalformed},
		{"two timestamps", good + ",t=1", "payload", "s3cret", now, signature.ErrMalformed},
		{"bad timestamp", "t=x,v1=abc", "payload", "s3cret", now, signature.ErrMalformed},
		{"timestamp overflow", "t=9223372036854775808,v1=abc", "payload", "s3cret", now, signature.ErrMalformed},
		{"trailing comma", good + ",", "payload", "s3cret", now, signature.ErrMalformed},
		{"garbage", "nonsense", "payload", "s3cret", now, signature.ErrMalformed},
	} {
		err := signature.Verify(tc.header, []byte(tc.body), tc.secret, signature.DefaultTolerance, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyIgnoresUnknownKeys(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	h := "v0=zz, " + mustHeader(t, []string{"s3cret"}, now, body) + ",v2=later"
	if err := signature.Verify(h, body, "s3cret", time.Minute, now); err != nil {
		t.Errorf("Verify(%q) = %v, want nil", h, err)
	}
}

func TestVerifyToleranceErrors(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	h := mustHeader(t, []string{"s3cret"}, now, body)

	late := signature.Verify(h, body, "s3cret", time.Minute, now.Add(2*time.Minute))
	if !errors.Is(late, signature.ErrTooOld) {
		t.Errorf("late call: Verify = %v, want ErrTooOld", late)
	}
	if !errors.Is(late, signature.ErrOutsideTolerance) {
		t.Errorf("late call: Verify = %v, want it to match ErrOutsideTolerance", late)
	}
	if errors.Is(late, signature.ErrTooNew) {
		t.Errorf("late call: Verify = %v, which matches ErrTooNew", late)
	}
	if !strings.Contains(late.Error(), "2m0s before now") {
		t.Errorf("late call: error %q does not give the age 2m0s", late)
	}

	early := signature.Verify(h, body, "s3cret", time.Minute, now.Add(-2*time.Minute))
	if !errors.Is(early, signature.ErrTooNew) {
		t.Errorf("early call: Verify = %v, want ErrTooNew", early)
	}
	if !errors.Is(early, signature.ErrOutsideTolerance) {
		t.Errorf("early call: Verify = %v, want it to match ErrOutsideTolerance", early)
	}
	if errors.Is(early, signature.ErrTooOld) {
		t.Errorf("early call: Verify = %v, which matches ErrTooOld", early)
	}
	if !strings.Contains(early.Error(), "2m0s after now") {
		t.Errorf("early call: error %q does not give the offset 2m0s", early)
	}
}

func TestVerifyToleranceBoundaries(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	// The header is signed late in a second, and its t= keeps only the
	// whole second.
	signedAt := now.Add(900 * time.Millisecond)
	h := mustHeader(t, []string{"s3cret"}, signedAt, body)
	for _, tc := range []struct {
		name      string
		tolerance time.Duration
		at        time.Time
		want      error
	}{
		{"zero, same second", 0, now.Add(999 * time.Millisecond), nil},
		{"zero, next second", 0, now.Add(time.Second), signature.ErrTooOld},
		{"zero, second before", 0, now.Add(-time.Millisecond), signature.ErrTooNew},
		{"sub-second tolerance", 500 * time.Millisecond, now.Add(time.Second), signature.ErrTooOld},
		{"exactly the tolerance late", time.Minute, now.Add(time.Minute + 500*time.Millisecond), nil},
		{"one second past the tolerance", time.Minute, now.Add(61 * time.Second), signature.ErrTooOld},
		{"exactly the tolerance early", time.Minute, now.Add(-time.Minute), nil},
		{"one second before the tolerance", time.Minute, now.Add(-61 * time.Second), signature.ErrTooNew},
		{"maximum tolerance", time.Duration(1<<63 - 1), time.Unix(0, 0), nil},
	} {
		err := signature.Verify(h, body, "s3cret", tc.tolerance, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyRejectsNegativeTolerance(t *testing.T) {
	t.Parallel()
	body := []byte("payload")
	h := mustHeader(t, []string{"s3cret"}, now, body)
	err := signature.Verify(h, body, "s3cret", -time.Second, now)
	if !errors.Is(err, signature.ErrInvalidTolerance) {
		t.Fatalf("Verify = %v, want ErrInvalidTolerance", err)
	}
	if !strings.Contains(err.Error(), "-1s") {
		t.Errorf("error %q does not name the tolerance -1s", err)
	}
	if !strings.Contains(err.Error(), "DefaultTolerance") {
		t.Errorf("error %q does not point to DefaultTolerance", err)
	}
}

func TestHeaderRejectsNoSecret(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {}, {""}, {"", ""}} {
		h, err := signature.Header(secrets, now, []byte("b"))
		if !errors.Is(err, signature.ErrNoSecret) {
			t.Errorf("Header(%q) error = %v, want ErrNoSecret", secrets, err)
		}
		if h != "" {
			t.Errorf("Header(%q) = %q, want an empty string", secrets, h)
		}
	}
}

func TestHeaderSkipsEmptySecrets(t *testing.T) {
	t.Parallel()
	h := mustHeader(t, []string{"", "k", ""}, now, []byte("b"))
	want := "t=1796378400,v1=" + signature.Compute("k", now.Unix(), []byte("b"))
	if h != want {
		t.Errorf("Header = %q, want %q", h, want)
	}
}

func TestComputeMatchesHeader(t *testing.T) {
	t.Parallel()
	h := mustHeader(t, []string{"k"}, now, []byte("b"))
	want := "t=" + "1796378400" + ",v1=" + signature.Compute("k", now.Unix(), []byte("b"))
	if h != want {
		t.Errorf("Header = %q, want %q", h, want)
	}
	if len(signature.Compute("k", 1, nil)) != 64 {
		t.Error("Compute does not return 32 bytes in hex")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1796378400,v1=00", []byte("x"), "secret", int64(0), int64(60))
	f.Add(",,,=,t=,v1=", []byte(""), "s", int64(-1), int64(0))
	f.Add("t=9223372036854775807,v1=a,t=1", []byte("{}"), "whsec_00", int64(1<<62), int64(-5))
	f.Add("", []byte(nil), "", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, header string, body []byte, secret string, offset, toleranceSeconds int64) {
		// No input may panic Verify.
		tolerance := time.Duration(toleranceSeconds) * time.Second
		at := now.Add(time.Duration(offset) * time.Second)
		_ = signature.Verify(header, body, secret, tolerance, at)

		// A header made by Header for the same body and secret verifies
		// whenever the tolerance covers the time since signing.
		signed, err := signature.Header([]string{secret}, now, body)
		if secret == "" {
			if !errors.Is(err, signature.ErrNoSecret) {
				t.Fatalf("Header with an empty secret: error = %v, want ErrNoSecret", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Header: %v", err)
		}
		if err := signature.Verify(signed, body, secret, time.Minute, now); err != nil {
			t.Fatalf("own header %q rejected: %v", signed, err)
		}
		delay := time.Duration(offset%3600) * time.Second
		if delay < 0 {
			delay = -delay
		}
		if err := signature.Verify(signed, body, secret, delay, now.Add(delay)); err != nil {
			t.Fatalf("own header %q rejected %s later with tolerance %s: %v", signed, delay, delay, err)
		}
	})
}
