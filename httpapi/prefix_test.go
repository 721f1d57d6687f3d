package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store/memstore"
)

func newPrefixService(t *testing.T) *service.Service {
	t.Helper()
	svc, err := service.New(service.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestNewRejectsInvalidPrefix(t *testing.T) {
	t.Parallel()
	svc := newPrefixService(t)
	for _, tc := range []struct{ prefix, want string }{
		{"cron", `httpapi: Prefix "cron" must start with "/", such as "/cron"`},
		{"cron/", `httpapi: Prefix "cron/" must start with "/", such as "/cron"`},
		{"api/v1", `httpapi: Prefix "api/v1" must start with "/", such as "/api/v1"`},
		{"/a b", `httpapi: Prefix "/a b" contains " "; use a path without whitespace, control characters, "{" or "}"`},
		{"/a\tb", `httpapi: Prefix "/a\tb" contains "\t"`},
		{"/a\x00b", `httpapi: Prefix "/a\x00b" contains "\x00"`},
		{"/{id}", `httpapi: Prefix "/{id}" contains "{"`},
		{"/a}", `httpapi: Prefix "/a}" contains "}"`},
		{"//", `httpapi: Prefix "//" is not a clean path; use ""`},
		{"/api//", `httpapi: Prefix "/api//" is not a clean path; use "/api"`},
		{"/api//v1", `httpapi: Prefix "/api//v1" is not a clean path; use "/api/v1"`},
		{"/api/./v1", `httpapi: Prefix "/api/./v1" is not a clean path; use "/api/v1"`},
		{"/api/..", `httpapi: Prefix "/api/.." is not a clean path; use ""`},
		{"/../api", `httpapi: Prefix "/../api" is not a clean path; use "/api"`},
	} {
		api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: tc.prefix})
		if err == nil {
			t.Errorf("New with Prefix %q returned an API, want an error", tc.prefix)
			continue
		}
		if api != nil {
			t.Errorf("New with Prefix %q returned an API along with error %q", tc.prefix, err)
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("New with Prefix %q: error %q, want it to start with %q", tc.prefix, err, tc.want)
		}
	}
}

// TestNewAcceptsValidPrefix checks that every accepted prefix routes
// requests to the API. The API returns a JSON 401 to a request without a
// token, where an unmatched route gets net/http's plain-text 404.
func TestNewAcceptsValidPrefix(t *testing.T) {
	t.Parallel()
	svc := newPrefixService(t)
	for _, tc := range []struct{ prefix, path string }{
		{"", "/jobs"},
		{"/", "/jobs"},
		{"/cron", "/cron/jobs"},
		{"/cron/", "/cron/jobs"},
		{"/api/v1", "/api/v1/jobs"},
		{"/%C3%A9", "/%C3%A9/jobs"},
	} {
		api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: tc.prefix,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Errorf("New with Prefix %q: %v", tc.prefix, err)
			continue
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("Prefix %q: GET %s returned status %d, want %d", tc.prefix, tc.path, rec.Code,
				http.StatusUnauthorized)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Prefix %q: GET %s returned Content-Type %q, want JSON", tc.prefix, tc.path, ct)
		}
	}
}
