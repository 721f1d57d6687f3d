package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/signature"
)

func TestSigningSecretRotation(t *testing.T) {
	t.Parallel()
	h := setup(t)

	res := h.call(t, "GET", "/signing-secret", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	first := res.object(t)
	oldSecret := str(t, first, "secret")
	if !strings.HasPrefix(oldSecret, "whsec_") || first["previousSecret"] != nil {
		t.Fatalf("initial secret = %v, want a whsec_ secret and no previous one", first)
	}

	res = h.call(t, "POST", "/signing-secret/rotate", h.token, nil)
	wantStatus(t, res, http.StatusOK)
	rotated := res.object(t)
	newSecret := str(t, rotated, "secret")
	if newSecret == oldSecret || rotated["previousSecret"] != oldSecret {
		t.Fatalf("after rotation = %v, want a new secret and the old one as previous", rotated)
	}
	if exp := str(t, rotated, "previousExpiresAt"); exp != apiTime(h.clock.Now().Add(24*time.Hour)) {
		t.Errorf("previousExpiresAt = %s, want 24h from now", exp)
	}

	// During the grace period a call carries a signature for each secret.
	job := h.createJob(t, h.token, nil)
	wantStatus(t, h.call(t, "POST", "/jobs/"+str(t, job, "id")+"/execute", h.token, nil), http.StatusOK)
	call := h.sink.next(t)
	header := call.header.Get(signature.HeaderName)
	if n := strings.Count(header, "v1="); n != 2 {
		t.Errorf("signature header %q has %d v1 values, want 2", header, n)
	}
	for name, secret := range map[string]string{"new": newSecret, "old": oldSecret} {
		// Calls are signed with the wall clock, so verify against it.
		if err := signature.Verify(header, []byte(call.body), secret, time.Minute, time.Now()); err != nil {
			t.Errorf("%s secret does not verify the call: %v", name, err)
		}
	}

	// A key without write:keys can neither read nor rotate the secret.
	_, reader := h.createKey(t, h.token, "reader", "read:jobs", "read:keys")
	wantError(t, h.call(t, "GET", "/signing-secret", reader, nil), http.StatusForbidden, "forbidden")
	wantError(t, h.call(t, "POST", "/signing-secret/rotate", reader, nil), http.StatusForbidden, "forbidden")
}
