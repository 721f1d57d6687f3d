package service

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDeleteKeyRanks checks that a key deletes only itself and the keys
// it could have created, and that a rejected delete keeps the key working.
func TestDeleteKeyRanks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemService(t)
	token, err := svc.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	full, err := svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	soon := svc.Now().Add(15 * time.Minute).Truncate(time.Millisecond)
	later := soon.Add(time.Hour)

	newKey := func(name string, scopes []string, expires time.Time) *Principal {
		t.Helper()
		k, tok, err := svc.CreateKey(ctx, full, KeyInput{Name: name, Scopes: scopes, ExpiresAt: expires})
		if err != nil {
			t.Fatalf("CreateKey %s: %v", name, err)
		}
		p, err := svc.Authenticate(ctx, tok)
		if err != nil {
			t.Fatalf("Authenticate %s: %v", name, err)
		}
		if p.Key.ID != k.ID {
			t.Fatalf("token of %s authenticated as key %s", name, p.Key.ID)
		}
		return p
	}
	keyAdmin := newKey("key admin", []string{ScopeReadKeys, ScopeWriteKeys}, soon)
	reader := newKey("reader", []string{ScopeReadJobs}, soon)
	keyAdminLonger := newKey("key admin, longer", []string{ScopeReadKeys, ScopeWriteKeys}, later)
	keyAdminShorter := newKey("key admin, shorter", []string{ScopeWriteKeys}, soon.Add(-time.Minute))

	rejected := []struct {
		name   string
		target *Principal
		want   string
	}{
		{"full key", full, "scope"},
		{"key with a scope the caller lacks", reader, "scope " + ScopeReadJobs},
		{"key that outlives the caller", keyAdminLonger, "expires at"},
	}
	for _, c := range rejected {
		err := svc.DeleteKey(ctx, keyAdmin, c.target.Key.ID)
		var fe *ForbiddenError
		if !errors.As(err, &fe) || !errors.Is(err, ErrForbidden) {
			t.Errorf("delete of %s = %v, want a ForbiddenError", c.name, err)
			continue
		}
		if !strings.Contains(fe.Message, c.want) || !strings.Contains(fe.Message, c.target.Key.ID) {
			t.Errorf("delete of %s: message %q does not name the key and %q", c.name, fe.Message, c.want)
		}
		if fe.MessageJA == "" {
			t.Errorf("delete of %s: no Japanese message", c.name)
		}
		if _, err := svc.store.GetAPIKey(ctx, full.User.ID, c.target.Key.ID); err != nil {
			t.Errorf("after a rejected delete of %s the key is gone: %v", c.name, err)
		}
	}

	// A key that never expires may not be deleted by one that does.
	neverExpires := newKey("never expires", []string{ScopeWriteKeys}, time.Time{})
	if err := svc.DeleteKey(ctx, keyAdmin, neverExpires.Key.ID); !strings.Contains(errText(err), "never expires") {
		t.Errorf("delete of a key without expiry = %v, want an error saying it never expires", err)
	}

	if err := svc.DeleteKey(ctx, keyAdmin, keyAdminShorter.Key.ID); err != nil {
		t.Errorf("delete of a key with fewer scopes and an earlier expiry: %v", err)
	}
	if err := svc.DeleteKey(ctx, reader, reader.Key.ID); err != nil {
		t.Errorf("delete of the caller's own key: %v", err)
	}
	if err := svc.DeleteKey(ctx, full, keyAdminLonger.Key.ID); err != nil {
		t.Errorf("delete by a key with every scope and no expiry: %v", err)
	}
}

// errText returns err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
