package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/store"
)

// Scopes a key may hold.
const (
	ScopeReadJobs  = "read:jobs"
	ScopeWriteJobs = "write:jobs"
	ScopeReadKeys  = "read:keys"
	ScopeWriteKeys = "write:keys"
	ScopeReadUsage = "read:usage"
)

// AllScopes lists every scope.
var AllScopes = []string{ScopeReadJobs, ScopeWriteJobs, ScopeReadKeys, ScopeWriteKeys, ScopeReadUsage}

// TokenPrefix starts every token, so leaked tokens are easy to recognise.
const TokenPrefix = "rcn_"

// prefixLen is how many characters of a token are kept as the key prefix.
const prefixLen = 12

// Principal is an authenticated caller.
type Principal struct {
	User *store.User
	Key  *store.APIKey
}

// HasScope reports whether the caller's key holds scope.
func (p *Principal) HasScope(scope string) bool {
	return slices.Contains(p.Key.Scopes, scope)
}

// NewToken returns a random token with 160 bits of entropy.
func NewToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	return TokenPrefix + strings.ToLower(enc.EncodeToString(b))
}

// HashToken returns the hex SHA-256 of a token, the form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the caller owning token.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, &AuthError{Reason: "missing"}
	}
	hash := HashToken(token)
	key, err := s.store.GetAPIKeyByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &AuthError{Reason: "invalid"}
	}
	if err != nil {
		return nil, fmt.Errorf("looking up api key: %w", err)
	}
	// The lookup already matched the hash; comparing again in constant
	// time keeps the check independent of how a backend compares strings.
	if subtle.ConstantTimeCompare([]byte(key.Hash), []byte(hash)) != 1 {
		return nil, &AuthError{Reason: "invalid"}
	}
	if !key.ExpiresAt.IsZero() && !s.Now().Before(key.ExpiresAt) {
		return nil, &AuthError{Reason: "expired"}
	}
	user, err := s.store.GetUser(ctx, key.UserID)
	if err != nil {
		return nil, fmt.Errorf("looking up user %s of key %s: %w", key.UserID, key.ID, err)
	}
	return &Principal{User: user, Key: key}, nil
}

// CreateUser creates a user on plan with a first key holding every scope,
// and returns the user, the key and its token. An empty token makes a
// random one.
func (s *Service) CreateUser(ctx context.Context, name, plan, token string) (*store.User, *store.APIKey, string, error) {
	if _, ok := s.plans[plan]; !ok {
		return nil, nil, "", fmt.Errorf("unknown plan %q; known plans: %s", plan, strings.Join(s.planNames(), ", "))
	}
	now := s.Now()
	user := &store.User{ID: scheduler.NewID("usr"), Name: name, Plan: plan, CreatedAt: now,
		SigningSecret: newSecret()}
	if err := s.store.CreateUser(ctx, user); err != nil {
		return nil, nil, "", fmt.Errorf("creating user: %w", err)
	}
	if token == "" {
		token = NewToken()
	}
	key := newKey(user.ID, "default", AllScopes, token, now, time.Time{})
	if err := s.store.CreateAPIKey(ctx, key, 0); err != nil {
		return nil, nil, "", fmt.Errorf("creating first key of user %s: %w", user.ID, err)
	}
	return user, key, token, nil
}

func (s *Service) planNames() []string {
	names := make([]string, 0, len(s.plans))
	for n := range s.plans {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Bootstrap creates the first user, on the unlimited plan with every
// scope, when the store has no users. It returns the token, or "" when
// users already exist. An empty token makes a random one.
func (s *Service) Bootstrap(ctx context.Context, token string) (string, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return "", fmt.Errorf("counting users: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	_, _, token, err = s.CreateUser(ctx, "admin", metering.PlanUnlimited, token)
	return token, err
}

func newKey(userID, name string, scopes []string, token string, now, expires time.Time) *store.APIKey {
	return &store.APIKey{
		ID:        scheduler.NewID("key"),
		UserID:    userID,
		Name:      name,
		Scopes:    slices.Clone(scopes),
		Prefix:    token[:min(prefixLen, len(token))],
		Hash:      HashToken(token),
		CreatedAt: now,
		ExpiresAt: expires,
	}
}

// KeyInput is a request to create an API key.
type KeyInput struct {
	Name      string
	Scopes    []string
	ExpiresAt time.Time
}

// CreateKey creates a key for the caller's user with a subset of the
// caller's scopes, and returns it with its token.
func (s *Service) CreateKey(ctx context.Context, p *Principal, in KeyInput) (*store.APIKey, string, error) {
	verr := &ValidationError{}
	rejectControl(verr, map[string]string{"name": in.Name})
	name := strings.TrimSpace(in.Name)
	scopes := strings.Join(AllScopes, ", ")
	switch {
	case name == "":
		verr.add("name", "name is required", "name が指定されていません。キーの名前を指定してください")
	case len(name) > maxNameLen:
		verr.add("name", fmt.Sprintf("name is %d bytes long; the maximum is %d", len(name), maxNameLen),
			fmt.Sprintf("name が %d バイトあります。%d バイト以内にしてください", len(name), maxNameLen))
	}
	if len(in.Scopes) == 0 {
		verr.add("scopes", "scopes must list at least one of "+scopes,
			"scopes が空です。"+scopes+" のうち 1 つ以上を指定してください")
	}
	for i, sc := range in.Scopes {
		if !slices.Contains(AllScopes, sc) {
			verr.add(fmt.Sprintf("scopes[%d]", i), fmt.Sprintf("unknown scope %q; use one of %s", sc, scopes),
				fmt.Sprintf("スコープ %q は存在しません。%s のいずれかを指定してください", sc, scopes))
		}
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(s.Now()) {
		expires := in.ExpiresAt.UTC().Format(scheduler.TimeFormat)
		verr.add("expiresAt", fmt.Sprintf("expiresAt %s is not in the future", expires),
			fmt.Sprintf("expiresAt %s は未来の時刻ではありません。現在より後の時刻を指定するか、期限を設けない場合は省略してください", expires))
	}
	if err := verr.orNil(); err != nil {
		return nil, "", err
	}
	slices.Sort(in.Scopes)
	in.Scopes = slices.Compact(in.Scopes)
	for _, sc := range in.Scopes {
		if !p.HasScope(sc) {
			return nil, "", &ScopeError{Scope: sc}
		}
	}

	plan := s.Plan(p.User)
	token := NewToken()
	key := newKey(p.User.ID, name, in.Scopes, token, s.Now(), in.ExpiresAt)
	err := s.store.CreateAPIKey(ctx, key, plan.MaxAPIKeys)
	if errors.Is(err, store.ErrLimitExceeded) {
		return nil, "", &LimitError{Plan: plan.Name, Limit: LimitAPIKeys, Value: int64(plan.MaxAPIKeys)}
	}
	if err != nil {
		return nil, "", fmt.Errorf("creating api key: %w", err)
	}
	return key, token, nil
}

// ListKeys returns the caller's keys.
func (s *Service) ListKeys(ctx context.Context, p *Principal) ([]*store.APIKey, error) {
	keys, err := s.store.ListAPIKeys(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		s.withPendingUse(k)
	}
	return keys, nil
}

// GetKey returns one of the caller's keys.
func (s *Service) GetKey(ctx context.Context, p *Principal, id string) (*store.APIKey, error) {
	k, err := s.store.GetAPIKey(ctx, p.User.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s.withPendingUse(k)
	return k, nil
}

func (s *Service) withPendingUse(k *store.APIKey) {
	if t := s.meter.LastUsed(k.ID); t.After(k.LastUsedAt) {
		k.LastUsedAt = t
	}
}

// ErrLastKey reports an attempt to delete a user's only API key, which
// would lock the user out.
var ErrLastKey = errors.New("cannot delete the last API key of a user")

// DeleteKey revokes one of the caller's keys at once. The user's last key
// cannot be deleted.
func (s *Service) DeleteKey(ctx context.Context, p *Principal, id string) error {
	keys, err := s.store.ListAPIKeys(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if len(keys) == 1 && keys[0].ID == id {
		return &ValidationError{Fields: []FieldError{{Field: "id",
			Message:   ErrLastKey.Error() + "; create another key with write:keys first, then delete this one",
			MessageJA: "ユーザーの最後の API キーは削除できません。先に write:keys を持つ別のキーを作成してから、このキーを削除してください"}}}
	}
	err = s.store.DeleteAPIKey(ctx, p.User.ID, id, s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// SetPlan moves a user to another plan.
func (s *Service) SetPlan(ctx context.Context, userID, plan string) (*store.User, error) {
	if _, ok := s.plans[plan]; !ok {
		return nil, fmt.Errorf("unknown plan %q; known plans: %s", plan, strings.Join(s.planNames(), ", "))
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	u.Plan = plan
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("updating user %s: %w", userID, err)
	}
	return u, nil
}

// MarkPaid records whether a user's month has been paid.
func (s *Service) MarkPaid(ctx context.Context, userID string, year int, month time.Month, paid bool) error {
	if _, err := s.store.GetUser(ctx, userID); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	} else if err != nil {
		return err
	}
	return s.store.SetMonthPaid(ctx, userID, year, month, paid)
}
