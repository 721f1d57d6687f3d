package httpapi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/service"
)

// firstKeyID returns the id of the only key that token's user holds.
func (h *harness) firstKeyID(t *testing.T, token string) string {
	t.Helper()
	res := h.call(t, "GET", "/keys", token, nil)
	wantStatus(t, res, http.StatusOK)
	keys := res.list(t)
	if len(keys) != 1 {
		t.Fatalf("the user has %d keys, want 1", len(keys))
	}
	return str(t, keys[0], "id")
}

// createExpiringKey creates a key expiring at expires and returns its id
// and token.
func (h *harness) createExpiringKey(t *testing.T, token, name string, expires time.Time, scopes ...string) (id, keyToken string) {
	t.Helper()
	res := h.call(t, "POST", "/keys", token, map[string]any{"name": name, "scopes": scopes,
		"expiresAt": expires.Format(time.RFC3339)})
	wantStatus(t, res, http.StatusCreated)
	key := res.object(t)
	return str(t, key, "id"), str(t, key, "token")
}

// wantKeptFullKey checks that ja and en reject the delete of key id with
// the messages of the rule that a user keeps a key with every scope.
func wantKeptFullKey(t *testing.T, ja, en *response, id string) {
	t.Helper()
	scopes := strings.Join(service.AllScopes, ", ")
	wantFieldMessages(t, ja, en, "id",
		"cannot delete key "+id+": the user would have no API key with every scope and no expiry ("+scopes+
			"); create a key with every scope and no expiresAt first, then delete this one",
		"キー "+id+" は削除できません", "すべてのスコープ ("+scopes+")", "先に有効期限なしですべてのスコープを持つキーを作成してから")
}

func TestDeleteKeyKeepsFullKey(t *testing.T) {
	t.Parallel()

	t.Run("only an expired full key remains", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		h.createExpiringKey(t, h.token, "short", start.Add(2*time.Second), service.AllScopes...)
		h.advance(t, 3*time.Second)

		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + defaultID, token: h.token})
		wantKeptFullKey(t, ja, en, defaultID)
		wantStatus(t, h.call(t, "GET", "/jobs", h.token, nil), http.StatusOK)
	})

	t.Run("only a full key that expires later remains", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		h.createExpiringKey(t, h.token, "yearly", start.Add(365*24*time.Hour), service.AllScopes...)

		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + defaultID, token: h.token})
		wantKeptFullKey(t, ja, en, defaultID)
		wantStatus(t, h.call(t, "GET", "/keys/"+defaultID, h.token, nil), http.StatusOK)
	})

	t.Run("only a read key remains", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		h.createKey(t, h.token, "reader", "read:jobs")

		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + defaultID, token: h.token})
		wantKeptFullKey(t, ja, en, defaultID)
		wantStatus(t, h.call(t, "GET", "/keys/"+defaultID, h.token, nil), http.StatusOK)
	})

	t.Run("key manager deletes the full key", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		_, manager := h.createKey(t, h.token, "key manager", "write:keys")

		// The manager lacks scopes of the full key, so it could not have
		// created it and may not delete it.
		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + defaultID, token: manager})
		wantError(t, en, http.StatusForbidden, "forbidden")
		wantMessage(t, en, "key "+defaultID+" holds scope read:jobs, which the key making this request lacks")
		wantMessage(t, ja, "キー "+defaultID+" はスコープ read:jobs を持っていますが")
		wantStatus(t, h.call(t, "GET", "/keys/"+defaultID, h.token, nil), http.StatusOK)
	})

	t.Run("expiring key deletes a permanent key", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		_, expiring := h.createExpiringKey(t, h.token, "expiring manager", start.Add(time.Hour), "read:jobs", "write:keys")
		permanentID, _ := h.createKey(t, h.token, "permanent reader", "read:jobs")

		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + permanentID, token: expiring})
		wantError(t, en, http.StatusForbidden, "forbidden")
		wantMessage(t, en, "key "+permanentID+" never expires")
		wantMessage(t, ja, "有効期限がありません")
		wantStatus(t, h.call(t, "GET", "/keys/"+permanentID, h.token, nil), http.StatusOK)
	})

	t.Run("full key deletes itself", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		secondID, second := h.createKey(t, h.token, "second full", service.AllScopes...)

		wantStatus(t, h.call(t, "DELETE", "/keys/"+defaultID, h.token, nil), http.StatusOK)
		ja, en := h.sendBoth(t, request{method: "DELETE", path: "/keys/" + secondID, token: second})
		wantKeptFullKey(t, ja, en, secondID)
		wantStatus(t, h.call(t, "GET", "/jobs", second, nil), http.StatusOK)
	})

	t.Run("another permanent full key remains", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		defaultID := h.firstKeyID(t, h.token)
		_, other := h.createKey(t, h.token, "replacement", service.AllScopes...)

		wantStatus(t, h.call(t, "DELETE", "/keys/"+defaultID, h.token, nil), http.StatusOK)
		wantStatus(t, h.call(t, "GET", "/jobs", other, nil), http.StatusOK)
	})

	t.Run("limited key deleted", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		readerID, _ := h.createKey(t, h.token, "reader", "read:jobs")
		_, manager := h.createKey(t, h.token, "key manager", "read:jobs", "write:keys")

		wantStatus(t, h.call(t, "DELETE", "/keys/"+readerID, manager, nil), http.StatusOK)
	})

	t.Run("other user's key", func(t *testing.T) {
		t.Parallel()
		h := setup(t)
		_, other := h.newUser(t, "other", metering.PlanFree)
		otherID := h.firstKeyID(t, other)

		// The rule never reveals that another user's key exists.
		wantError(t, h.call(t, "DELETE", "/keys/"+otherID, h.token, nil), http.StatusNotFound, "not_found")
	})
}

// TestDeleteFullKeysConcurrently deletes the last two keys with every scope
// of a user at once, on every backend: exactly one delete may succeed.
func TestDeleteFullKeysConcurrently(t *testing.T) {
	t.Parallel()
	const rounds = 10
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := setupWith(t, options{store: b.open(t)})
			for round := range rounds {
				_, token := h.newUser(t, "racer", metering.PlanUnlimited)
				fullIDs := []string{h.firstKeyID(t, token)}
				id, second := h.createKey(t, token, "second full", service.AllScopes...)
				fullIDs = append(fullIDs, id)
				// Each key deletes itself, so neither delete can revoke
				// the token of the other request.
				tokens := []string{token, second}

				statuses := make([]int, len(fullIDs))
				release := make(chan struct{})
				var wg sync.WaitGroup
				for i, id := range fullIDs {
					wg.Go(func() {
						<-release
						statuses[i] = h.call(t, "DELETE", "/keys/"+id, tokens[i], nil).status
					})
				}
				close(release)
				wg.Wait()

				ok, rejected := 0, 0
				for _, s := range statuses {
					switch s {
					case http.StatusOK:
						ok++
					case http.StatusBadRequest:
						rejected++
					}
				}
				if ok != 1 || rejected != 1 {
					t.Fatalf("round %d: concurrent deletes of the last two full keys returned %v, want one 200 and one 400",
						round, statuses)
				}
			}
		})
	}
}

func TestCreateKeyCannotOutliveCreator(t *testing.T) {
	t.Parallel()
	h := setup(t)
	creatorExpires := start.Add(time.Hour)
	_, creator := h.createExpiringKey(t, h.token, "short lived", creatorExpires, "read:jobs", "write:keys")
	limit := apiTime(creatorExpires)
	later := start.Add(2 * time.Hour)

	t.Run("without expiresAt", func(t *testing.T) {
		ja, en := h.sendBoth(t, request{method: "POST", path: "/keys", token: creator,
			body: map[string]any{"name": "forever", "scopes": []string{"read:jobs"}}})
		wantFieldMessages(t, ja, en, "expiresAt",
			"expiresAt is missing, but the key making this request expires at "+limit+
				" and cannot create a key that outlives it; set expiresAt on or before "+limit,
			"expiresAt が指定されていません", limit+" 以前の時刻を指定してください")
	})

	t.Run("later expiresAt", func(t *testing.T) {
		ja, en := h.sendBoth(t, request{method: "POST", path: "/keys", token: creator,
			body: map[string]any{"name": "longer", "scopes": []string{"read:jobs"},
				"expiresAt": later.Format(time.RFC3339)}})
		wantFieldMessages(t, ja, en, "expiresAt",
			"expiresAt "+apiTime(later)+" is after "+limit+", when the key making this request expires,"+
				" and a key cannot create a key that outlives it; set expiresAt on or before "+limit,
			"expiresAt "+apiTime(later)+" は", "有効期限 "+limit+" より後です", limit+" 以前の時刻を指定してください")
	})

	t.Run("later by a millisecond", func(t *testing.T) {
		res := h.call(t, "POST", "/keys", creator, map[string]any{"name": "longer", "scopes": []string{"read:jobs"},
			"expiresAt": creatorExpires.Add(time.Millisecond).Format(time.RFC3339Nano)})
		wantInvalid(t, res, "expiresAt")
	})

	for name, expires := range map[string]time.Time{
		"same expiresAt":    creatorExpires,
		"earlier expiresAt": start.Add(30 * time.Minute),
	} {
		t.Run(name, func(t *testing.T) {
			res := h.call(t, "POST", "/keys", creator, map[string]any{"name": name, "scopes": []string{"read:jobs"},
				"expiresAt": expires.Format(time.RFC3339)})
			wantStatus(t, res, http.StatusCreated)
			if got := res.object(t)["expiresAt"]; got != apiTime(expires) {
				t.Errorf("expiresAt of the new key is %v, want %s", got, apiTime(expires))
			}
		})
	}

	list := h.call(t, "GET", "/keys", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	for _, k := range list.list(t) {
		if k["name"] != "default" && k["expiresAt"] == nil {
			t.Errorf("key %v never expires, but only the default key may", k["name"])
		}
	}
}

// wantMessage reports an error unless the message of res contains want.
func wantMessage(t *testing.T, res *response, want string) {
	t.Helper()
	if !strings.Contains(res.message, want) {
		t.Errorf("%s: message %q does not contain %q", res, res.message, want)
	}
}
