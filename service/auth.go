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
	"unicode"
	"unicode/utf8"

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

// MinTokenLength is the minimum number of characters in a token that the
// caller chooses instead of taking a random one from [NewToken].
const MinTokenLength = 16

// CheckToken validates a token that the caller chooses. Such a token needs
// at least [MinTokenLength] characters and no whitespace. The error never
// contains the token.
func CheckToken(token string) error {
	if n := utf8.RuneCountInString(token); n < MinTokenLength {
		return fmt.Errorf("token is too short (%d characters); use at least %d characters without whitespace",
			n, MinTokenLength)
	}
	if strings.ContainsFunc(token, unicode.IsSpace) {
		return fmt.Errorf("token contains whitespace; use at least %d characters without whitespace", MinTokenLength)
	}
	return nil
}

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
// random one, and any other token must pass [CheckToken]. The name follows
// the rules of key names and is stored trimmed.
func (s *Service) CreateUser(ctx context.Context, name, plan, token string) (*store.User, *store.APIKey, string, error) {
	if token != "" {
		if err := CheckToken(token); err != nil {
			return nil, nil, "", fmt.Errorf("invalid token for the first key of user %q: %w", name, err)
		}
	}
	verr := &ValidationError{}
	name = checkName(verr, name, "ユーザー")
	if err := verr.orNil(); err != nil {
		return nil, nil, "", err
	}
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
// users already exist. An empty token makes a random one. Any other token
// must pass [CheckToken], even when users exist, so a weak token is
// reported at every start and not only at the first.
func (s *Service) Bootstrap(ctx context.Context, token string) (string, error) {
	if token != "" {
		if err := CheckToken(token); err != nil {
			return "", fmt.Errorf("invalid bootstrap token: %w", err)
		}
	}
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

// checkName validates the name of a key or a user and returns it trimmed:
// it must have 1 to maxNameLen bytes after trimming, be valid UTF-8 and
// contain no NUL. kindJA names the record in the Japanese message.
func checkName(verr *ValidationError, raw, kindJA string) string {
	rejectControl(verr, map[string]string{"name": raw})
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		verr.add("name", "name is required", "name が指定されていません。"+kindJA+"の名前を指定してください")
	case len(name) > maxNameLen:
		verr.add("name", fmt.Sprintf("name is %d bytes long; the maximum is %d", len(name), maxNameLen),
			fmt.Sprintf("name が %d バイトあります。%d バイト以内にしてください", len(name), maxNameLen))
	}
	return name
}

// checkKeyInput validates a request to create a key, adding the errors to
// verr, and returns the request with the name trimmed and the scopes
// sorted without duplicates.
func (s *Service) checkKeyInput(verr *ValidationError, in KeyInput) KeyInput {
	in.Name = checkName(verr, in.Name, "キー")
	scopes := strings.Join(AllScopes, ", ")
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
	in.Scopes = slices.Clone(in.Scopes)
	slices.Sort(in.Scopes)
	in.Scopes = slices.Compact(in.Scopes)
	return in
}

// checkOutlives adds an error to verr when a key expiring at expires
// would outlive creator, the key that creates it. A key that never
// expires outlives every key that does.
func checkOutlives(verr *ValidationError, creator *store.APIKey, expires time.Time) {
	if creator.ExpiresAt.IsZero() {
		return
	}
	limit := creator.ExpiresAt.UTC().Format(scheduler.TimeFormat)
	switch {
	case expires.IsZero():
		verr.add("expiresAt",
			fmt.Sprintf("expiresAt is missing, but the key making this request expires at %s and cannot create a key that outlives it; set expiresAt on or before %s", limit, limit),
			fmt.Sprintf("expiresAt が指定されていません。このリクエストに使っているキーは %s に期限切れになり、それより長く有効なキーは作成できません。expiresAt に %s 以前の時刻を指定してください", limit, limit))
	case expires.After(creator.ExpiresAt):
		requested := expires.UTC().Format(scheduler.TimeFormat)
		verr.add("expiresAt",
			fmt.Sprintf("expiresAt %s is after %s, when the key making this request expires, and a key cannot create a key that outlives it; set expiresAt on or before %s", requested, limit, limit),
			fmt.Sprintf("expiresAt %s は、このリクエストに使っているキーの有効期限 %s より後です。それより長く有効なキーは作成できません。expiresAt に %s 以前の時刻を指定してください", requested, limit, limit))
	}
}

// checkOutranks returns a [*ForbiddenError] unless the key caller could
// have created target: caller holds every scope of target and expires no
// earlier than target.
func checkOutranks(caller, target *store.APIKey) error {
	for _, sc := range target.Scopes {
		if !slices.Contains(caller.Scopes, sc) {
			return &ForbiddenError{
				Message: fmt.Sprintf("key %s holds scope %s, which the key making this request lacks, so it cannot delete it; use a key that holds %s",
					target.ID, sc, sc),
				MessageJA: fmt.Sprintf("権限がありません: キー %s はスコープ %s を持っていますが、このリクエストに使っているキーは持っていないため削除できません。%s を持つキーで削除してください",
					target.ID, sc, sc),
			}
		}
	}
	if caller.ExpiresAt.IsZero() || (!target.ExpiresAt.IsZero() && !target.ExpiresAt.After(caller.ExpiresAt)) {
		return nil
	}
	limit := caller.ExpiresAt.UTC().Format(scheduler.TimeFormat)
	lifetime, lifetimeJA := "never expires", "有効期限がありません"
	if !target.ExpiresAt.IsZero() {
		at := target.ExpiresAt.UTC().Format(scheduler.TimeFormat)
		lifetime, lifetimeJA = "expires at "+at, at+" に期限切れになります"
	}
	return &ForbiddenError{
		Message: fmt.Sprintf("key %s %s, after the key making this request expires at %s, so it cannot delete it; use a key that expires no earlier",
			target.ID, lifetime, limit),
		MessageJA: fmt.Sprintf("権限がありません: キー %s は%s。このリクエストに使っているキーの有効期限 %s より長く有効なため削除できません。有効期限がそれ以降のキーで削除してください",
			target.ID, lifetimeJA, limit),
	}
}

// CreateKey creates a key for the caller's user with a subset of the
// caller's scopes, and returns it with its token. The new key cannot
// outlive the caller's key: when the caller's key expires, the new key
// must expire at the same time or earlier.
func (s *Service) CreateKey(ctx context.Context, p *Principal, in KeyInput) (*store.APIKey, string, error) {
	verr := &ValidationError{}
	in = s.checkKeyInput(verr, in)
	checkOutlives(verr, p.Key, in.ExpiresAt)
	if err := verr.orNil(); err != nil {
		return nil, "", err
	}
	for _, sc := range in.Scopes {
		if !p.HasScope(sc) {
			return nil, "", &ScopeError{Scope: sc}
		}
	}
	return s.insertKey(ctx, p.User, in)
}

// CreateUserKey creates a key for the user with the given id on behalf of
// an administrator, and returns it with its token. Unlike [Service.CreateKey]
// it takes any valid scopes and expiry, but the user's plan limit on keys
// still applies.
func (s *Service) CreateUserKey(ctx context.Context, userID string, in KeyInput) (*store.APIKey, string, error) {
	verr := &ValidationError{}
	in = s.checkKeyInput(verr, in)
	if err := verr.orNil(); err != nil {
		return nil, "", err
	}
	user, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return nil, "", err
	}
	return s.insertKey(ctx, user, in)
}

// insertKey stores a new key of user from a validated request, within the
// user's plan limit on keys.
func (s *Service) insertKey(ctx context.Context, user *store.User, in KeyInput) (*store.APIKey, string, error) {
	plan := s.Plan(user)
	token := NewToken()
	key := newKey(user.ID, in.Name, in.Scopes, token, s.Now(), in.ExpiresAt)
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

// ErrLastKey is the reason [Service.DeleteKey] rejects a delete: a user
// must keep a key that holds every scope and has not expired, because only
// such a key can create keys with every scope.
var ErrLastKey = errors.New("the user would have no API key with every scope and no expiry")

// permanentFullKey reports whether k holds every scope and never expires.
func permanentFullKey(k *store.APIKey) bool {
	if !k.ExpiresAt.IsZero() {
		return false
	}
	for _, sc := range AllScopes {
		if !slices.Contains(k.Scopes, sc) {
			return false
		}
	}
	return true
}

// DeleteKey revokes one of the caller's keys at once, unless the user would
// then have no key with every scope and no expiry. A key that expires can
// only create keys that expire too, so without such a key the user would
// lose every scope at the last expiry. The caller's own key may be deleted
// under the same rule. The store checks the rule in the delete's
// transaction, so concurrent deletes cannot together remove every such
// key.
//
// A key may delete itself, and other keys only when it could have created
// them: it holds every scope of the other key and, if it expires, the
// other key expires no later. Otherwise DeleteKey returns a
// [*ForbiddenError].
func (s *Service) DeleteKey(ctx context.Context, p *Principal, id string) error {
	now := s.Now()
	if id != p.Key.ID {
		target, err := s.store.GetAPIKey(ctx, p.User.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := checkOutranks(p.Key, target); err != nil {
			return err
		}
	}
	keepsFullKey := func(remaining []*store.APIKey) error {
		for _, k := range remaining {
			if permanentFullKey(k) {
				return nil
			}
		}
		scopes := strings.Join(AllScopes, ", ")
		return &ValidationError{Fields: []FieldError{{Field: "id",
			Message: fmt.Sprintf("cannot delete key %s: %v (%s); create a key with every scope and no expiresAt first, then delete this one",
				id, ErrLastKey, scopes),
			MessageJA: fmt.Sprintf("キー %s は削除できません。削除すると、有効期限がなくすべてのスコープ (%s) を持つキーがユーザーに残りません。"+
				"先に有効期限なしですべてのスコープを持つキーを作成してから、このキーを削除してください", id, scopes)}}}
	}
	err := s.store.DeleteAPIKey(ctx, p.User.ID, id, now, keepsFullKey)
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

// MarkPaid records whether a user's month has been paid. The month must
// lie between the month the user was created and the current month, in
// UTC.
func (s *Service) MarkPaid(ctx context.Context, userID string, year int, month time.Month, paid bool) error {
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return err
	}

	monthOf := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	requested := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	first, current := monthOf(u.CreatedAt), monthOf(s.Now())
	if requested.Before(first) || requested.After(current) {
		const layout = "2006-01"
		verr := &ValidationError{}
		verr.add("month",
			fmt.Sprintf("month %s is outside the months of user %s; use a month from %s, when the user was created, to %s, the current month (UTC)",
				requested.Format(layout), u.ID, first.Format(layout), current.Format(layout)),
			fmt.Sprintf("%s はユーザー %s の対象外の月です。ユーザーを作成した %s から今月 %s (UTC) までの月を指定してください",
				requested.Format(layout), u.ID, first.Format(layout), current.Format(layout)))
		return verr
	}
	return s.store.SetMonthPaid(ctx, userID, year, month, paid)
}
