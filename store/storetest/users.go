package storetest

import (
	"testing"
	"time"

	"github.com/recoron/recoron/store"
)

var userTests = []test{
	{"RoundTrip", testUserRoundTrip},
	{"CreateConflict", testUserConflict},
	{"ListAndCount", testListUsers},
	{"Update", testUpdateUser},
}

func testUserRoundTrip(t *testing.T, f *fixture) {
	users := []*store.User{
		{
			ID: newID("usr"), Name: "Ada Lovelace", Plan: "pro", CreatedAt: base.In(eastZone),
			SigningSecret: "whsec_new", PreviousSecret: "whsec_old", PreviousExpiresAt: base.Add(24 * time.Hour),
		},
		{ID: newID("usr"), Name: "", Plan: ""}, // zero times and empty strings
	}
	wantAllFieldsSet(t, users[0])
	for _, u := range users {
		wantNoErr(t, "CreateUser", f.s.CreateUser(f.ctx, u))
	}

	for _, want := range users {
		got, err := f.s.GetUser(f.ctx, want.ID)
		wantNoErr(t, "GetUser", err)
		sameRecord(t, "GetUser", got, want, normUser)
	}

	_, err := f.s.GetUser(f.ctx, "usr_unknown")
	wantErr(t, "GetUser of an unknown id", err, store.ErrNotFound)
}

func testUserConflict(t *testing.T, f *fixture) {
	u := f.user()
	dup := &store.User{ID: u.ID, Name: "impostor", Plan: "pro", CreatedAt: base.Add(time.Hour)}

	err := f.s.CreateUser(f.ctx, dup)
	wantErr(t, "CreateUser with a taken id", err, store.ErrConflict)

	got, err := f.s.GetUser(f.ctx, u.ID)
	wantNoErr(t, "GetUser", err)
	sameRecord(t, "user after a conflicting create", got, u, normUser)
}

func testListUsers(t *testing.T, f *fixture) {
	n, err := f.s.CountUsers(f.ctx)
	wantNoErr(t, "CountUsers", err)
	if n != 0 {
		t.Errorf("CountUsers of an empty store = %d, want 0", n)
	}
	list, err := f.s.ListUsers(f.ctx)
	wantNoErr(t, "ListUsers", err)
	if len(list) != 0 {
		t.Errorf("ListUsers of an empty store returned %d users", len(list))
	}

	// Ids sort bytewise: upper case before lower case, digits before
	// letters. A locale-aware collation would order these differently.
	for _, id := range []string{"usr_b", "usr_B", "usr_a", "usr_1", "usr_A_2"} {
		wantNoErr(t, "CreateUser", f.s.CreateUser(f.ctx, &store.User{ID: id, Name: id, Plan: "free", CreatedAt: base}))
	}

	list, err = f.s.ListUsers(f.ctx)
	wantNoErr(t, "ListUsers", err)
	got := ids(list, func(u *store.User) string { return u.ID })
	sameIDs(t, "ListUsers", got, []string{"usr_1", "usr_A_2", "usr_B", "usr_a", "usr_b"})

	n, err = f.s.CountUsers(f.ctx)
	wantNoErr(t, "CountUsers", err)
	if n != 5 {
		t.Errorf("CountUsers = %d, want 5", n)
	}
}

func testUpdateUser(t *testing.T, f *fixture) {
	u := f.user()
	other := f.user()

	changed := &store.User{
		ID: u.ID, Name: "renamed", Plan: "business", CreatedAt: base.Add(-time.Hour),
		SigningSecret: "whsec_rotated", PreviousSecret: "whsec_first", PreviousExpiresAt: base.Add(time.Hour).In(westZone),
	}
	wantNoErr(t, "UpdateUser", f.s.UpdateUser(f.ctx, changed))

	got, err := f.s.GetUser(f.ctx, u.ID)
	wantNoErr(t, "GetUser", err)
	sameRecord(t, "updated user", got, changed, normUser)

	// Clearing the previous secret clears its expiry too.
	changed.PreviousSecret, changed.PreviousExpiresAt = "", time.Time{}
	wantNoErr(t, "UpdateUser", f.s.UpdateUser(f.ctx, changed))
	got, err = f.s.GetUser(f.ctx, u.ID)
	wantNoErr(t, "GetUser", err)
	sameRecord(t, "user updated to a zero time", got, changed, normUser)

	got, err = f.s.GetUser(f.ctx, other.ID)
	wantNoErr(t, "GetUser", err)
	sameRecord(t, "user not updated", got, other, normUser)

	err = f.s.UpdateUser(f.ctx, &store.User{ID: "usr_unknown", Name: "ghost"})
	wantErr(t, "UpdateUser of an unknown id", err, store.ErrNotFound)

	n, err := f.s.CountUsers(f.ctx)
	wantNoErr(t, "CountUsers", err)
	if n != 2 {
		t.Errorf("CountUsers after updating an unknown user = %d, want 2", n)
	}
}
