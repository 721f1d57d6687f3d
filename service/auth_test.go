package service

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/store/memstore"
)

// newMemService returns a stopped service on a new in-memory store.
func newMemService(t *testing.T) *Service {
	t.Helper()
	svc, err := New(Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestBootstrapRejectsWeakToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, token := range []string{
		"a",
		" ",
		"0123456789abcde",        // 15 characters
		"0123456789abcdef 01",    // a space inside
		"0123456789abcdef\t",     // a tab at the end
		"\u00a00123456789abcdef", // a no-break space
		"ééééééééééééééé",        // 15 characters in 30 bytes
	} {
		svc := newMemService(t)
		got, err := svc.Bootstrap(ctx, token)
		if err == nil {
			t.Errorf("Bootstrap(%q) = %q, want an error", token, got)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "at least 16 characters without whitespace") {
			t.Errorf("Bootstrap(%q) error %q does not state the rule", token, msg)
		}
		// Short tokens such as "a" occur in the message by chance.
		if len(token) >= 8 && strings.Contains(err.Error(), token) {
			t.Errorf("Bootstrap(%q) error %q contains the token", token, err)
		}
		n, err := svc.Store().CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("Bootstrap(%q) created %d users, want 0", token, n)
		}
	}
}

func TestBootstrapRejectsWeakTokenWithUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemService(t)
	if _, err := svc.Bootstrap(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, "short"); err == nil {
		t.Error("Bootstrap with a 5-character token and an existing user succeeded, want an error")
	}
}

func TestBootstrapAcceptsChosenToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, token := range []string{"0123456789abcdef", "ééééééééééééééééé", NewToken()} {
		svc := newMemService(t)
		got, err := svc.Bootstrap(ctx, token)
		if err != nil {
			t.Errorf("Bootstrap(%q): %v", token, err)
			continue
		}
		if got != token {
			t.Errorf("Bootstrap(%q) = %q, want the same token", token, got)
		}
		p, err := svc.Authenticate(ctx, token)
		if err != nil {
			t.Errorf("Authenticate with the bootstrap token %q: %v", token, err)
			continue
		}
		if p.User.Plan != metering.PlanUnlimited {
			t.Errorf("bootstrap user has plan %q, want %q", p.User.Plan, metering.PlanUnlimited)
		}
	}
}

func TestCreateUserRejectsWeakToken(t *testing.T) {
	t.Parallel()
	svc := newMemService(t)
	if _, _, _, err := svc.CreateUser(context.Background(), "ops", metering.PlanFree, "weak"); err == nil {
		t.Error("CreateUser with the 4-character token \"weak\" succeeded, want an error")
	}
}
