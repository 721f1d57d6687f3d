package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var keyTests = []test{
	{"RoundTrip", testKeyRoundTrip},
	{"OtherUser", testKeyIsolation},
	{"CreateConflict", testKeyConflict},
	{"CreateLimit", testKeyLimit},
	{"Delete", testDeleteKey},
	{"DeleteCheck", testDeleteKeyCheck},
	{"UsageCounters", testKeyUsage},
	{"Touch", testTouchKeys},
}

func keyID(k *store.APIKey) string { return k.ID }

func testKeyRoundTrip(t *testing.T, f *fixture) {
	u := f.user()
	full := newKey(u.ID)
	full.Name = "deploy bot"
	full.Scopes = []string{"jobs:read", "jobs:write", "keys:admin"}
	full.CreatedAt = base.In(westZone)
	full.LastUsedAt = base.Add(time.Minute)
	full.ExpiresAt = base.AddDate(1, 0, 0).In(eastZone)
	nilScopes := newKey(u.ID)
	nilScopes.Scopes = nil
	emptyScopes := newKey(u.ID)
	emptyScopes.Scopes = []string{}
	keys := []*store.APIKey{full, nilScopes, emptyScopes}
	wantAllFieldsSet(t, full)

	for _, k := range keys {
		wantNoErr(t, "CreateAPIKey", f.s.CreateAPIKey(f.ctx, k.Clone(), 0))
	}

	for _, want := range keys {
		got, err := f.s.GetAPIKey(f.ctx, u.ID, want.ID)
		wantNoErr(t, "GetAPIKey", err)
		sameRecord(t, "GetAPIKey", got, want, normKey)

		got, err = f.s.GetAPIKeyByHash(f.ctx, want.Hash)
		wantNoErr(t, "GetAPIKeyByHash", err)
		sameRecord(t, "GetAPIKeyByHash", got, want, normKey)
	}

	list, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	sameIDs(t, "ListAPIKeys", ids(list, keyID), ids(keys, keyID))
	for i := range min(len(list), len(keys)) {
		sameRecord(t, "ListAPIKeys", list[i], keys[i], normKey)
	}

	_, err = f.s.GetAPIKeyByHash(f.ctx, hashOf("unknown"))
	wantErr(t, "GetAPIKeyByHash of an unknown hash", err, store.ErrNotFound)
	_, err = f.s.GetAPIKey(f.ctx, u.ID, "key_unknown")
	wantErr(t, "GetAPIKey of an unknown id", err, store.ErrNotFound)
}

func testKeyIsolation(t *testing.T, f *fixture) {
	owner, other := f.user(), f.user()
	k := f.key(owner.ID)

	_, err := f.s.GetAPIKey(f.ctx, other.ID, k.ID)
	wantErr(t, "GetAPIKey of another user's key", err, store.ErrNotFound)

	err = f.s.DeleteAPIKey(f.ctx, other.ID, k.ID, base, nil)
	wantErr(t, "DeleteAPIKey of another user's key", err, store.ErrNotFound)
	if _, err := f.s.GetAPIKey(f.ctx, owner.ID, k.ID); err != nil {
		t.Errorf("GetAPIKey after another user's delete: %v", err)
	}

	list, err := f.s.ListAPIKeys(f.ctx, other.ID)
	wantNoErr(t, "ListAPIKeys", err)
	if len(list) != 0 {
		t.Errorf("ListAPIKeys of a user without keys returned %v", ids(list, keyID))
	}
	if got := f.usage(other.ID, base).Day.APIKeysDeleted; got != 0 {
		t.Errorf("APIKeysDeleted of the user whose delete failed = %d, want 0", got)
	}
}

func testKeyConflict(t *testing.T, f *fixture) {
	u := f.user()
	k := f.key(u.ID)

	sameHash := newKey(u.ID)
	sameHash.Hash = k.Hash
	err := f.s.CreateAPIKey(f.ctx, sameHash, 0)
	wantErr(t, "CreateAPIKey with a taken hash", err, store.ErrConflict)

	sameID := newKey(u.ID)
	sameID.ID = k.ID
	err = f.s.CreateAPIKey(f.ctx, sameID, 0)
	wantErr(t, "CreateAPIKey with a taken id", err, store.ErrConflict)

	got, err := f.s.GetAPIKey(f.ctx, u.ID, k.ID)
	wantNoErr(t, "GetAPIKey", err)
	sameRecord(t, "key after conflicting creates", got, k, normKey)
	list, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	sameIDs(t, "ListAPIKeys after conflicting creates", ids(list, keyID), []string{k.ID})

	day := f.usage(u.ID, base).Day
	if day.APIKeysCreated != 1 || day.PeakAPIKeys != 1 {
		t.Errorf("after conflicting creates APIKeysCreated = %d and PeakAPIKeys = %d, want 1 and 1",
			day.APIKeysCreated, day.PeakAPIKeys)
	}
}

func testKeyLimit(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	for range 2 {
		wantNoErr(t, "CreateAPIKey under the limit", f.s.CreateAPIKey(f.ctx, newKey(u.ID), 2))
	}

	over := newKey(u.ID)
	err := f.s.CreateAPIKey(f.ctx, over, 2)
	wantErr(t, "CreateAPIKey over the limit", err, store.ErrLimitExceeded)
	_, err = f.s.GetAPIKeyByHash(f.ctx, over.Hash)
	wantErr(t, "GetAPIKeyByHash of a key over the limit", err, store.ErrNotFound)

	// The limit counts keys per user.
	wantNoErr(t, "CreateAPIKey of another user", f.s.CreateAPIKey(f.ctx, newKey(other.ID), 2))
	// A limit of zero or less means no limit.
	wantNoErr(t, "CreateAPIKey with limit 0", f.s.CreateAPIKey(f.ctx, newKey(u.ID), 0))
	wantNoErr(t, "CreateAPIKey with limit -1", f.s.CreateAPIKey(f.ctx, newKey(u.ID), -1))

	list, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	if len(list) != 4 {
		t.Errorf("ListAPIKeys returned %d keys, want 4", len(list))
	}

	// Deleting a key frees a place under the limit.
	wantNoErr(t, "DeleteAPIKey", f.s.DeleteAPIKey(f.ctx, u.ID, list[0].ID, base, nil))
	wantNoErr(t, "CreateAPIKey after a delete", f.s.CreateAPIKey(f.ctx, newKey(u.ID), 4))
	err = f.s.CreateAPIKey(f.ctx, newKey(u.ID), 4)
	wantErr(t, "CreateAPIKey over the limit after a delete", err, store.ErrLimitExceeded)
}

func testDeleteKey(t *testing.T, f *fixture) {
	u := f.user()
	k, kept := f.key(u.ID), f.key(u.ID)
	now := base.Add(36 * time.Hour) // the day after the creation

	wantNoErr(t, "DeleteAPIKey", f.s.DeleteAPIKey(f.ctx, u.ID, k.ID, now, nil))

	_, err := f.s.GetAPIKey(f.ctx, u.ID, k.ID)
	wantErr(t, "GetAPIKey of a deleted key", err, store.ErrNotFound)
	_, err = f.s.GetAPIKeyByHash(f.ctx, k.Hash)
	wantErr(t, "GetAPIKeyByHash of a deleted key", err, store.ErrNotFound)
	err = f.s.DeleteAPIKey(f.ctx, u.ID, k.ID, now, nil)
	wantErr(t, "DeleteAPIKey of a deleted key", err, store.ErrNotFound)

	list, err := f.s.ListAPIKeys(f.ctx, u.ID)
	wantNoErr(t, "ListAPIKeys", err)
	sameIDs(t, "ListAPIKeys after a delete", ids(list, keyID), []string{kept.ID})

	if got := f.usage(u.ID, now).Day.APIKeysDeleted; got != 1 {
		t.Errorf("APIKeysDeleted on the day of the delete = %d, want 1", got)
	}
	if got := f.usage(u.ID, base).Day.APIKeysDeleted; got != 0 {
		t.Errorf("APIKeysDeleted on the day of the creation = %d, want 0", got)
	}
}

// errKeepKey is the error of the delete checks in the suite.
var errKeepKey = errors.New("the check rejected the delete")

func testDeleteKeyCheck(t *testing.T, f *fixture) {
	u, other := f.user(), f.user()
	first, second, third := f.key(u.ID), f.key(u.ID), f.key(u.ID)
	f.key(other.ID)

	// The check gets the user's other keys, oldest first, with every field.
	var seen []*store.APIKey
	err := f.s.DeleteAPIKey(f.ctx, u.ID, second.ID, base, func(remaining []*store.APIKey) error {
		seen = remaining
		return errKeepKey
	})
	if err != errKeepKey {
		t.Errorf("DeleteAPIKey rejected by its check returned %v, want the check's error unwrapped", err)
	}
	sameIDs(t, "keys passed to the check", ids(seen, keyID), []string{first.ID, third.ID})
	for i, want := range []*store.APIKey{first, third} {
		if i < len(seen) {
			sameRecord(t, "key passed to the check", seen[i], want, normKey)
		}
	}
	if _, err := f.s.GetAPIKey(f.ctx, u.ID, second.ID); err != nil {
		t.Errorf("GetAPIKey of a key whose delete was rejected: %v", err)
	}
	if got := f.usage(u.ID, base).Day.APIKeysDeleted; got != 0 {
		t.Errorf("APIKeysDeleted after a rejected delete = %d, want 0", got)
	}

	// A missing key or another user's key fails before the check runs.
	called := false
	mustNotRun := func([]*store.APIKey) error {
		called = true
		return nil
	}
	err = f.s.DeleteAPIKey(f.ctx, u.ID, "key_unknown", base, mustNotRun)
	wantErr(t, "DeleteAPIKey of an unknown key with a check", err, store.ErrNotFound)
	err = f.s.DeleteAPIKey(f.ctx, other.ID, first.ID, base, mustNotRun)
	wantErr(t, "DeleteAPIKey of another user's key with a check", err, store.ErrNotFound)
	if called {
		t.Error("DeleteAPIKey called the check of a key that is not the user's")
	}

	// A check that returns nil lets the delete through.
	accept := func([]*store.APIKey) error { return nil }
	wantNoErr(t, "DeleteAPIKey accepted by its check", f.s.DeleteAPIKey(f.ctx, u.ID, second.ID, base, accept))
	_, err = f.s.GetAPIKey(f.ctx, u.ID, second.ID)
	wantErr(t, "GetAPIKey of a key deleted after its check", err, store.ErrNotFound)
	if got := f.usage(u.ID, base).Day.APIKeysDeleted; got != 1 {
		t.Errorf("APIKeysDeleted after an accepted delete = %d, want 1", got)
	}

	// The check of the last key receives an empty list.
	wantNoErr(t, "DeleteAPIKey", f.s.DeleteAPIKey(f.ctx, u.ID, first.ID, base, nil))
	seen = nil
	err = f.s.DeleteAPIKey(f.ctx, u.ID, third.ID, base, func(remaining []*store.APIKey) error {
		seen = remaining
		if len(remaining) == 0 {
			return errKeepKey
		}
		return nil
	})
	if err != errKeepKey {
		t.Errorf("DeleteAPIKey of the last key returned %v, want the check's error", err)
	}
	if len(seen) != 0 {
		t.Errorf("the check of the last key got keys %v, want none", ids(seen, keyID))
	}
}

func testKeyUsage(t *testing.T, f *fixture) {
	u := f.user()
	var keys []*store.APIKey
	for range 3 {
		keys = append(keys, f.key(u.ID))
	}
	for _, k := range keys[:2] {
		wantNoErr(t, "DeleteAPIKey", f.s.DeleteAPIKey(f.ctx, u.ID, k.ID, base, nil))
	}
	f.key(u.ID)

	day := f.usage(u.ID, base).Day
	want := store.DailyUsage{Date: store.Day(base), APIKeysCreated: 4, APIKeysDeleted: 2, PeakAPIKeys: 3}
	if day != want {
		t.Errorf("usage of the day:\n got %+v\nwant %+v", day, want)
	}

	// A key created the next day counts there, with the keys held then.
	next := newKey(u.ID)
	next.CreatedAt = base.AddDate(0, 0, 1)
	wantNoErr(t, "CreateAPIKey", f.s.CreateAPIKey(f.ctx, next, 0))
	day = f.usage(u.ID, next.CreatedAt).Day
	want = store.DailyUsage{Date: store.Day(next.CreatedAt), APIKeysCreated: 1, PeakAPIKeys: 3}
	if day != want {
		t.Errorf("usage of the next day:\n got %+v\nwant %+v", day, want)
	}
}

func testTouchKeys(t *testing.T, f *fixture) {
	u := f.user()
	k1, k2 := f.key(u.ID), f.key(u.ID)
	used := base.Add(time.Hour)

	err := f.s.TouchAPIKeys(f.ctx, map[string]time.Time{k1.ID: used, "key_unknown": used})
	wantNoErr(t, "TouchAPIKeys", err)
	wantLastUsed(t, f, u.ID, k1.ID, used)
	wantLastUsed(t, f, u.ID, k2.ID, time.Time{})

	// An earlier or equal time leaves lastUsedAt alone.
	err = f.s.TouchAPIKeys(f.ctx, map[string]time.Time{k1.ID: used.Add(-time.Minute)})
	wantNoErr(t, "TouchAPIKeys with an earlier time", err)
	wantLastUsed(t, f, u.ID, k1.ID, used)
	err = f.s.TouchAPIKeys(f.ctx, map[string]time.Time{k1.ID: used})
	wantNoErr(t, "TouchAPIKeys with the same time", err)
	wantLastUsed(t, f, u.ID, k1.ID, used)

	later := used.Add(time.Microsecond).In(eastZone)
	err = f.s.TouchAPIKeys(f.ctx, map[string]time.Time{k1.ID: later, k2.ID: used})
	wantNoErr(t, "TouchAPIKeys with a later time", err)
	wantLastUsed(t, f, u.ID, k1.ID, later)
	wantLastUsed(t, f, u.ID, k2.ID, used)

	wantNoErr(t, "TouchAPIKeys with no keys", f.s.TouchAPIKeys(f.ctx, nil))

	// Touching changes nothing else.
	got, err := f.s.GetAPIKey(f.ctx, u.ID, k2.ID)
	wantNoErr(t, "GetAPIKey", err)
	want := k2.Clone()
	want.LastUsedAt = used
	sameRecord(t, "touched key", got, want, normKey)
}

func wantLastUsed(t *testing.T, f *fixture, userID, id string, want time.Time) {
	t.Helper()
	k, err := f.s.GetAPIKey(f.ctx, userID, id)
	if err != nil {
		t.Fatalf("GetAPIKey(%s): %v", id, err)
	}
	if !k.LastUsedAt.Equal(want) {
		t.Errorf("LastUsedAt of key %s = %v, want %v", id, k.LastUsedAt, want)
	}
}
