package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store/memstore"
)

// This example mounts the API under /cron in an application's mux and
// creates a job through it with the first user's token.
func Example() {
	ctx := context.Background()
	svc, err := service.New(service.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	token, err := svc.Bootstrap(ctx, "")
	if err != nil {
		panic(err)
	}
	if err := svc.Start(ctx); err != nil {
		panic(err)
	}
	defer svc.Stop(ctx)

	api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: "/cron", DefaultLanguage: "en"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/cron/", api)

	body := `{"name":"nightly report","url":"https://example.com/report","method":"POST","schedule":"0 3 * * *","timezone":"Asia/Tokyo"}`
	req := httptest.NewRequest("POST", "/cron/jobs", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)

	// A request with an unknown field is rejected and names the field.
	req = httptest.NewRequest("POST", "/cron/jobs", strings.NewReader(`{"nmae":"typo"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"field":"nmae"`))
	// Output:
	// 201
	// 400 true
}
