package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/service"
)

func TestCreateKeyShowsTokenOnce(t *testing.T) {
	t.Parallel()
	h := setup(t)
	expires := start.Add(48 * time.Hour)
	res := h.call(t, "POST", "/keys", h.token, map[string]any{
		"name":      "ci deploy",
		"scopes":    []string{"read:jobs", "read:usage"},
		"expiresAt": expires.Format(time.RFC3339),
	})
	wantStatus(t, res, http.StatusCreated)
	key := res.object(t)
	withToken := map[string]kind{"token": kString}
	for name, k := range keyShape {
		withToken[name] = k
	}
	checkShape(t, "created key", key, withToken)

	token := str(t, key, "token")
	id := str(t, key, "id")
	if !strings.HasPrefix(token, "rcn_") {
		t.Errorf("token %q does not start with rcn_", token)
	}
	if len(token) < 12 || key["prefix"] != token[:12] {
		t.Errorf("prefix is %v, want the token's first 12 characters", key["prefix"])
	}
	wantFields := map[string]any{
		"name":      "ci deploy",
		"createdAt": apiTime(start),
		"expiresAt": apiTime(expires),
		"userId":    h.userID(t, h.token),
	}
	for field, want := range wantFields {
		if key[field] != want {
			t.Errorf("created key %s is %#v, want %#v", field, key[field], want)
		}
	}
	if key["lastUsedAt"] != nil {
		t.Errorf("lastUsedAt of a new key is %v, want null", key["lastUsedAt"])
	}
	scopes, _ := key["scopes"].([]any)
	if len(scopes) != 2 || scopes[0] != "read:jobs" || scopes[1] != "read:usage" {
		t.Errorf("scopes are %v, want [read:jobs read:usage]", key["scopes"])
	}

	got := h.call(t, "GET", "/keys/"+id, h.token, nil)
	wantStatus(t, got, http.StatusOK)
	fetched := got.object(t)
	checkShape(t, "fetched key", fetched, keyShape)
	if fetched["prefix"] != key["prefix"] || fetched["expiresAt"] != key["expiresAt"] {
		t.Errorf("fetched key %v differs from created key %v", fetched, key)
	}

	list := h.call(t, "GET", "/keys", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	keys := list.list(t)
	if len(keys) != 2 {
		t.Fatalf("GET /keys lists %d keys, want the bootstrap key and the new one", len(keys))
	}
	for _, k := range keys {
		checkShape(t, "listed key "+k["name"].(string), k, keyShape)
	}
	if !strings.Contains(string(list.raw), id) || strings.Contains(string(list.raw), token) {
		t.Errorf("GET /keys must list key %s without its token: %s", id, list.raw)
	}

	h.advance(t, 5*time.Second)
	wantStatus(t, h.call(t, "GET", "/jobs", token, nil), http.StatusOK)
	used := h.call(t, "GET", "/keys/"+id, h.token, nil)
	wantStatus(t, used, http.StatusOK)
	if got := used.object(t)["lastUsedAt"]; got != apiTime(start.Add(5*time.Second)) {
		t.Errorf("lastUsedAt after one use is %v, want %s", got, apiTime(start.Add(5*time.Second)))
	}
}

func TestCreateKeyRejectsInvalid(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tests := []struct {
		name  string
		body  any
		field string
	}{
		{name: "empty body", body: "", field: "request"},
		{name: "malformed JSON", body: `{"name": "a", "scopes": [`, field: "request"},
		{name: "unknown field", body: map[string]any{"name": "a", "scopes": []string{"read:jobs"}, "role": "admin"}, field: "role"},
		{name: "missing name", body: map[string]any{"scopes": []string{"read:jobs"}}, field: "name"},
		{name: "blank name", body: map[string]any{"name": "  ", "scopes": []string{"read:jobs"}}, field: "name"},
		{name: "long name", body: map[string]any{"name": strings.Repeat("k", 201), "scopes": []string{"read:jobs"}}, field: "name"},
		{name: "name wrong type", body: map[string]any{"name": true, "scopes": []string{"read:jobs"}}, field: "name"},
		{name: "missing scopes", body: map[string]any{"name": "a"}, field: "scopes"},
		{name: "empty scopes", body: map[string]any{"name": "a", "scopes": []string{}}, field: "scopes"},
		{name: "scopes wrong type", body: map[string]any{"name": "a", "scopes": "read:jobs"}, field: "scopes"},
		{name: "unknown scope", body: map[string]any{"name": "a", "scopes": []string{"read:jobs", "admin"}}, field: "scopes[1]"},
		{name: "expiry in the past", body: map[string]any{"name": "a", "scopes": []string{"read:jobs"}, "expiresAt": start.Add(-time.Hour).Format(time.RFC3339)}, field: "expiresAt"},
		{name: "expiry now", body: map[string]any{"name": "a", "scopes": []string{"read:jobs"}, "expiresAt": start.Format(time.RFC3339)}, field: "expiresAt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalid(t, h.call(t, "POST", "/keys", h.token, tc.body), tc.field)
		})
	}
	list := h.call(t, "GET", "/keys", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	if n := len(list.list(t)); n != 1 {
		t.Errorf("GET /keys lists %d keys after only invalid requests, want 1", n)
	}
}

// A malformed expiresAt is an invalid field like any other, so the
// details name it rather than the whole body.
func TestCreateKeyBadExpiryNamesField(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, value := range []any{"tomorrow", 1762248600} {
		res := h.call(t, "POST", "/keys", h.token, map[string]any{"name": "a", "scopes": []string{"read:jobs"}, "expiresAt": value})
		wantInvalid(t, res, "expiresAt")
	}
}

func TestKeyGrantsOnlyHeldScopes(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, limited := h.createKey(t, h.token, "key admin", "write:keys", "read:jobs")

	res := h.call(t, "POST", "/keys", limited, map[string]any{"name": "subset", "scopes": []string{"read:jobs"}})
	wantStatus(t, res, http.StatusCreated)

	for _, scopes := range [][]string{{"write:jobs"}, {"read:jobs", "read:usage"}, {"read:keys"}} {
		res := h.call(t, "POST", "/keys", limited, map[string]any{"name": "escalate", "scopes": scopes})
		wantError(t, res, http.StatusForbidden, "forbidden")
		if !strings.Contains(res.message, "権限") {
			t.Errorf("scopes %v: message %q does not say 権限", scopes, res.message)
		}
	}

	list := h.call(t, "GET", "/keys", h.token, nil)
	wantStatus(t, list, http.StatusOK)
	if n := len(list.list(t)); n != 3 {
		t.Errorf("GET /keys lists %d keys, want 3 (bootstrap, key admin, subset)", n)
	}
}

func TestRouteRequiresScope(t *testing.T) {
	t.Parallel()
	h := setup(t)
	job := h.createJob(t, h.token, nil)
	jobID := str(t, job, "id")
	exec := h.call(t, "POST", "/jobs/"+jobID+"/execute", h.token, nil)
	wantStatus(t, exec, http.StatusOK)
	executionID := str(t, sub(t, exec.object(t), "execution"), "id")
	keyID, _ := h.createKey(t, h.token, "victim", "read:jobs")

	routes := []struct {
		method, path, scope string
		body                any
	}{
		{"GET", "/jobs", "read:jobs", nil},
		{"POST", "/jobs", "write:jobs", h.jobInput(nil)},
		{"POST", "/jobs/batch", "write:jobs", []any{h.jobInput(nil)}},
		{"GET", "/jobs/" + jobID, "read:jobs", nil},
		{"PATCH", "/jobs/" + jobID, "write:jobs", map[string]any{"name": "x"}},
		{"DELETE", "/jobs/" + jobID, "write:jobs", nil},
		{"POST", "/jobs/" + jobID + "/execute", "write:jobs", nil},
		{"GET", "/jobs/" + jobID + "/executions", "read:jobs", nil},
		{"GET", "/jobs/" + jobID + "/executions/" + executionID, "read:jobs", nil},
		{"GET", "/schedules/next?schedule=@daily", "read:jobs", nil},
		{"GET", "/keys", "read:keys", nil},
		{"POST", "/keys", "write:keys", map[string]any{"name": "x", "scopes": []string{"read:jobs"}}},
		{"GET", "/keys/" + keyID, "read:keys", nil},
		{"DELETE", "/keys/" + keyID, "write:keys", nil},
		{"GET", "/usage", "read:usage", nil},
	}
	// One key per scope, holding every other scope.
	tokens := map[string]string{}
	for _, scope := range service.AllScopes {
		others := slices.DeleteFunc(slices.Clone(service.AllScopes), func(s string) bool { return s == scope })
		_, tokens[scope] = h.createKey(t, h.token, "without "+scope, others...)
	}
	_, readOnly := h.createKey(t, h.token, "read only", "read:jobs")

	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			res := h.call(t, rt.method, rt.path, tokens[rt.scope], rt.body)
			wantError(t, res, http.StatusForbidden, "forbidden")
			if got := detailsObject(t, res)["requiredScope"]; got != rt.scope {
				t.Errorf("requiredScope is %v, want %s", got, rt.scope)
			}
			if !strings.Contains(res.message, rt.scope) {
				t.Errorf("message %q does not name scope %s", res.message, rt.scope)
			}

			res = h.call(t, rt.method, rt.path, readOnly, rt.body)
			if rt.scope == "read:jobs" {
				if res.status == http.StatusForbidden {
					t.Errorf("%s: read:jobs key was refused", res)
				}
				return
			}
			wantError(t, res, http.StatusForbidden, "forbidden")
		})
	}

	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after forbidden requests, want 1", n)
	}
	wantStatus(t, h.call(t, "GET", "/keys/"+keyID, h.token, nil), http.StatusOK)
}

func TestScopeCheckedBeforeBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, readOnly := h.createKey(t, h.token, "read only", "read:jobs")
	res := h.call(t, "POST", "/jobs", readOnly, `{"broken":`)
	wantError(t, res, http.StatusForbidden, "forbidden")
}

func TestDeleteKeyRevokesToken(t *testing.T) {
	t.Parallel()
	h := setup(t)
	id, token := h.createKey(t, h.token, "temporary", "read:jobs")
	wantStatus(t, h.call(t, "GET", "/jobs", token, nil), http.StatusOK)

	res := h.call(t, "DELETE", "/keys/"+id, h.token, nil)
	wantStatus(t, res, http.StatusOK)
	if string(res.data) != "null" {
		t.Errorf("DELETE data is %s, want null", res.data)
	}
	revoked := h.call(t, "GET", "/jobs", token, nil)
	wantError(t, revoked, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(revoked.message, "認証") {
		t.Errorf("message %q does not contain 認証", revoked.message)
	}
	wantError(t, h.call(t, "GET", "/keys/"+id, h.token, nil), http.StatusNotFound, "not_found")
	wantError(t, h.call(t, "DELETE", "/keys/"+id, h.token, nil), http.StatusNotFound, "not_found")

	selfID, self := h.createKey(t, h.token, "self delete", "write:keys")
	wantStatus(t, h.call(t, "DELETE", "/keys/"+selfID, self, nil), http.StatusOK)
	wantError(t, h.call(t, "DELETE", "/keys/"+selfID, self, nil), http.StatusUnauthorized, "unauthorized")
}

func TestAuthenticationFailures(t *testing.T) {
	t.Parallel()
	h := setup(t)
	deletedID, deleted := h.createKey(t, h.token, "deleted", "read:jobs")
	wantStatus(t, h.call(t, "DELETE", "/keys/"+deletedID, h.token, nil), http.StatusOK)
	expiring := h.call(t, "POST", "/keys", h.token, map[string]any{
		"name": "expiring", "scopes": []string{"read:jobs"}, "expiresAt": start.Add(time.Hour).Format(time.RFC3339),
	})
	wantStatus(t, expiring, http.StatusCreated)
	expired := str(t, expiring.object(t), "token")
	wantStatus(t, h.call(t, "GET", "/jobs", expired, nil), http.StatusOK)
	h.advance(t, time.Hour)

	tests := []struct {
		name          string
		authorization string // empty sends no header
		reason        string
	}{
		{name: "missing", authorization: "", reason: "missing"},
		{name: "basic scheme", authorization: "Basic dXNlcjpwYXNz", reason: "malformed"},
		{name: "scheme only", authorization: "Bearer", reason: "malformed"},
		{name: "token with space", authorization: "Bearer rcn_a rcn_b", reason: "malformed"},
		{name: "bare token", authorization: h.token, reason: "malformed"},
		{name: "unknown token", authorization: "Bearer rcn_" + strings.Repeat("a", 32), reason: "invalid"},
		{name: "expired token", authorization: "Bearer " + expired, reason: "expired"},
		{name: "deleted token", authorization: "Bearer " + deleted, reason: "invalid"},
	}
	for _, tc := range tests {
		for _, lang := range []string{"ja", "en"} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				header := map[string]string{"Accept-Language": lang}
				if tc.authorization != "" {
					header["Authorization"] = tc.authorization
				}
				res := h.send(t, request{method: "GET", path: "/jobs", header: header})
				wantError(t, res, http.StatusUnauthorized, "unauthorized")
				want := "認証"
				if lang == "en" {
					want = "authentication"
				}
				if !strings.Contains(res.message, want) {
					t.Errorf("message %q does not contain %q", res.message, want)
				}
				if res.header.Get("WWW-Authenticate") == "" {
					t.Error("401 response has no WWW-Authenticate header")
				}
				if got := detailsObject(t, res)["reason"]; got != tc.reason {
					t.Errorf("details.reason is %v, want %s", got, tc.reason)
				}
			})
		}
	}

	t.Run("lowercase scheme", func(t *testing.T) {
		res := h.send(t, request{method: "GET", path: "/jobs", header: map[string]string{"Authorization": "bearer " + h.token}})
		wantStatus(t, res, http.StatusOK)
	})
}

func TestKeyLimitFreePlan(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, token := h.newUser(t, "free user", "free")
	// The free plan allows 2 keys, and the user's first key is one.
	secondID, _ := h.createKey(t, token, "second", "read:jobs")

	res := h.call(t, "POST", "/keys", token, map[string]any{"name": "third", "scopes": []string{"read:jobs"}})
	wantError(t, res, http.StatusForbidden, "plan_limit_exceeded")
	if !strings.Contains(res.message, "上限") {
		t.Errorf("message %q does not contain 上限", res.message)
	}
	details := detailsObject(t, res)
	if details["limit"] != "apiKeys" || details["value"] != float64(2) || details["plan"] != "free" {
		t.Errorf("details are %v, want limit apiKeys, value 2, plan free", details)
	}
	list := h.call(t, "GET", "/keys", token, nil)
	wantStatus(t, list, http.StatusOK)
	if n := len(list.list(t)); n != 2 {
		t.Errorf("GET /keys lists %d keys after the rejected third, want 2", n)
	}

	wantStatus(t, h.call(t, "DELETE", "/keys/"+secondID, token, nil), http.StatusOK)
	h.createKey(t, token, "after delete", "read:jobs")
}

func TestLastKeyCannotBeDeleted(t *testing.T) {
	t.Parallel()
	h := setup(t)
	keys := h.call(t, "GET", "/keys", h.token, nil).list(t)
	if len(keys) != 1 {
		t.Fatalf("the bootstrap user has %d keys, want 1", len(keys))
	}
	res := h.call(t, "DELETE", "/keys/"+keys[0]["id"].(string), h.token, nil)
	wantInvalid(t, res, "id")
	wantStatus(t, h.call(t, "GET", "/jobs", h.token, nil), http.StatusOK)
}

func TestDisableAlwaysAllowed(t *testing.T) {
	t.Parallel()
	h := setup(t)
	userID, token := h.newUser(t, "downgraded", "pro")
	job := h.createJob(t, token, map[string]any{"schedule": "*/10 * * * * *"})
	if _, err := h.svc.SetPlan(context.Background(), userID, "free"); err != nil {
		t.Fatal(err)
	}
	path := "/jobs/" + str(t, job, "id")
	// Any other change is checked against the new plan ...
	wantError(t, h.call(t, "PATCH", path, token, map[string]any{"name": "x"}), http.StatusForbidden, "plan_limit_exceeded")
	// ... but pausing the job is always allowed.
	res := h.call(t, "PATCH", path, token, map[string]any{"enabled": false})
	wantStatus(t, res, http.StatusOK)
	if got := res.object(t); got["enabled"] != false || got["nextRunAt"] != nil {
		t.Errorf("after disabling: enabled %v, nextRunAt %v", got["enabled"], got["nextRunAt"])
	}
}
