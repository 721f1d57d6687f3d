package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/signature"
	"github.com/recoron/recoron/store"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// RotationGrace is how long a rotated-out secret keeps signing calls.
const RotationGrace = 24 * time.Hour

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return SecretPrefix + hex.EncodeToString(b)
}

// SigningSecrets is a user's active signing secrets.
type SigningSecrets struct {
	Secret            string
	PreviousSecret    string
	PreviousExpiresAt time.Time
}

// activeSecrets returns the secrets that sign a call at time at.
func activeSecrets(u *store.User, at time.Time) []string {
	secrets := []string{u.SigningSecret}
	if u.PreviousSecret != "" && at.Before(u.PreviousExpiresAt) {
		secrets = append(secrets, u.PreviousSecret)
	}
	return secrets
}

// ensureSecret gives a user without a signing secret a new one.
func (s *Service) ensureSecret(ctx context.Context, u *store.User) error {
	if u.SigningSecret != "" {
		return nil
	}
	u.SigningSecret = newSecret()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("storing signing secret of user %s: %w", u.ID, err)
	}
	return nil
}

// SigningSecret returns the caller's active signing secrets.
func (s *Service) SigningSecret(ctx context.Context, p *Principal) (*SigningSecrets, error) {
	u, err := s.store.GetUser(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if err := s.ensureSecret(ctx, u); err != nil {
		return nil, err
	}
	out := &SigningSecrets{Secret: u.SigningSecret}
	if u.PreviousSecret != "" && s.Now().Before(u.PreviousExpiresAt) {
		out.PreviousSecret, out.PreviousExpiresAt = u.PreviousSecret, u.PreviousExpiresAt
	}
	return out, nil
}

// RotateSigningSecret replaces the caller's signing secret. The old one
// keeps signing for RotationGrace.
func (s *Service) RotateSigningSecret(ctx context.Context, p *Principal) (*SigningSecrets, error) {
	u, err := s.store.GetUser(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if u.SigningSecret != "" {
		u.PreviousSecret, u.PreviousExpiresAt = u.SigningSecret, now.Add(RotationGrace)
	}
	u.SigningSecret = newSecret()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("storing signing secret of user %s: %w", u.ID, err)
	}
	s.logger.InfoContext(ctx, "signing secret rotated", "user_id", u.ID)
	return &SigningSecrets{Secret: u.SigningSecret, PreviousSecret: u.PreviousSecret,
		PreviousExpiresAt: u.PreviousExpiresAt}, nil
}

// signer signs job calls with the owner's active secrets, read on every
// attempt so a rotation applies to the next call.
type signer struct{ s *Service }

var _ scheduler.Signer = signer{}

func (sg signer) Sign(ctx context.Context, run scheduler.Run, body []byte, at time.Time) (string, error) {
	// The grace period of a rotated secret is kept on the service clock,
	// like the rotation that set it.
	now := sg.s.Now()
	if v, ok := sg.s.runUsers.Load(run.ExecutionID); ok {
		if u := v.(*store.User); u.SigningSecret != "" {
			return signature.Header(activeSecrets(u, now), at, body)
		}
	}
	u, err := sg.s.store.GetUser(ctx, run.Owner)
	if err != nil {
		return "", fmt.Errorf("looking up user %s: %w", run.Owner, err)
	}
	if err := sg.s.ensureSecret(ctx, u); err != nil {
		return "", err
	}
	return signature.Header(activeSecrets(u, now), at, body)
}
