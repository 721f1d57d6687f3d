// Command mux mounts the ReCoron REST API under /cron/ in an existing
// http.ServeMux, next to the application's own routes, with an in-memory
// store. It prints the first user's API token at start.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store/memstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "mux:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	svc, err := service.New(service.Config{Store: memstore.New(), Logger: logger})
	if err != nil {
		return err
	}
	token, err := svc.Bootstrap(ctx, "")
	if err != nil {
		return err
	}
	fmt.Println("API token:", token)

	api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: "/cron", Logger: logger})
	if err != nil {
		return err
	}

	// The application's own mux, with its own routes.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from the application")
	})
	mux.Handle("/cron/", api)

	if err := svc.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		_ = svc.Stop(shutdownCtx)
	}()
	logger.Info("listening", slog.String("addr", addr),
		slog.String("try", "curl -H 'Authorization: Bearer <token>' http://"+addr+"/cron/jobs"))
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
