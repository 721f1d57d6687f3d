package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/scheduler/schedulertest"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store/memstore"
)

// FuzzJobBodies sends arbitrary bodies to the job routes: every response
// must be a JSON envelope, and no input may cause a 500.
func FuzzJobBodies(f *testing.F) {
	seeds := []string{
		`{"name":"a","url":"https://example.com/","method":"GET","schedule":"* * * * *"}`,
		`[{"name":"a","url":"https://example.com/","method":"POST","schedule":"@every 5s","headers":{"X":"1"}}]`,
		`{"enabled":false}`, `{"retry":{"maxAttempts":0}}`, `{"name":null}`, `[]`, `[1]`, `{`, `""`,
		`{"schedule":"CRON_TZ=Asia/Tokyo 0 9 * * *","timezone":"UTC"}`, "{\"name\":\"\\u0000\"}",
		`{"headers":{"Host":"x","host":"y"}}`, `{"timeoutSeconds":1e309}`, `{"url":"http://[::1]:0/"}`,
		`{"name":"\ud800"}`, "{\"headers\":{\"X-\xff\":1}}", `[{}, {"retry":{"foo":1}}]`,
	}
	for _, s := range seeds {
		f.Add(s)
	}

	ctx := context.Background()
	svc, err := service.New(service.Config{Store: memstore.New(), Clock: schedulertest.NewClock(start),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	token, err := svc.Bootstrap(ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: "/api", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	created := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/jobs", strings.NewReader(seeds[0]))
	req.Header.Set("Authorization", "Bearer "+token)
	api.ServeHTTP(created, req)
	var job struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(created.Body.Bytes(), &job); err != nil || job.Data.ID == "" {
		f.Fatalf("creating a job: %s", created.Body)
	}

	f.Fuzz(func(t *testing.T, body string) {
		for _, route := range []struct{ method, path string }{
			{"POST", "/api/jobs"}, {"POST", "/api/jobs/batch"}, {"PATCH", "/api/jobs/" + job.Data.ID},
			{"POST", "/api/keys"},
		} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(route.method, route.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			api.ServeHTTP(rec, req)

			if rec.Code == http.StatusInternalServerError {
				t.Fatalf("%s %s with %q: 500 %s", route.method, route.path, body, rec.Body)
			}
			var env struct {
				Success *bool   `json:"success"`
				Message *string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Success == nil || env.Message == nil {
				t.Fatalf("%s %s with %q: not an envelope: %s", route.method, route.path, body, rec.Body)
			}
		}
	})
}
