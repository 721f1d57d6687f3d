package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/recoron/recoron/httpapi"
	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
	"github.com/recoron/recoron/store/sqlstore"
)

// defaultDB is the database used when neither --db nor RECORON_DB is set:
// a SQLite file in the working directory.
const defaultDB = "sqlite:recoron.db"

type serveConfig struct {
	addr            string
	db              string
	dbSchema        string
	plansFile       string
	allowPrivate    bool
	shutdownTimeout time.Duration
	instanceLease   time.Duration
	logLevel        string
}

// serveUsage heads the flags of serve in its usage.
const serveUsage = usage + "\n\nFlags of serve:"

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// parseServeFlags parses the flags of serve. It prints the usage to stdout
// and returns flag.ErrHelp for -h, and prints it to stderr for an invalid
// flag.
func parseServeFlags(args []string, stdout, stderr io.Writer) (*serveConfig, error) {
	fs := flag.NewFlagSet("recoron-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the usage goes to stdout for -h and to stderr after an error, below

	cfg := &serveConfig{}
	allowDefault, err := strconv.ParseBool(envOr("RECORON_ALLOW_PRIVATE_TARGETS", "false"))
	if err != nil {
		return nil, fmt.Errorf("RECORON_ALLOW_PRIVATE_TARGETS=%q is not a boolean; use true or false",
			os.Getenv("RECORON_ALLOW_PRIVATE_TARGETS"))
	}

	fs.StringVar(&cfg.addr, "addr", envOr("RECORON_ADDR", "127.0.0.1:8080"),
		"listen address (env RECORON_ADDR)")
	fs.StringVar(&cfg.db, "db", envOr("RECORON_DB", defaultDB),
		"database: sqlite:PATH, postgres://USER@HOST:PORT/DB or memory (env RECORON_DB)")
	fs.StringVar(&cfg.dbSchema, "db-schema", envOr("RECORON_DB_SCHEMA", ""),
		"PostgreSQL schema holding the tables, created if missing; default public (env RECORON_DB_SCHEMA)")
	fs.StringVar(&cfg.plansFile, "plans", envOr("RECORON_PLANS", ""),
		"JSON file with an array of plans that replaces the built-in plans; it must define plans named free and unlimited (env RECORON_PLANS)")
	fs.BoolVar(&cfg.allowPrivate, "allow-private-targets", allowDefault,
		"let jobs call loopback and private addresses (env RECORON_ALLOW_PRIVATE_TARGETS)")
	shutdownDefault, err := time.ParseDuration(envOr("RECORON_SHUTDOWN_TIMEOUT", "30s"))
	if err != nil {
		return nil, fmt.Errorf("RECORON_SHUTDOWN_TIMEOUT=%q is not a duration; use a value such as 30s",
			os.Getenv("RECORON_SHUTDOWN_TIMEOUT"))
	}
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", shutdownDefault,
		"how long a graceful stop waits for runs in flight; runs still going then are cancelled and the exit status is 1 (env RECORON_SHUTDOWN_TIMEOUT)")
	leaseDefault, err := time.ParseDuration(envOr("RECORON_INSTANCE_LEASE", "15s"))
	if err != nil {
		return nil, fmt.Errorf("RECORON_INSTANCE_LEASE=%q is not a duration; use a value such as 15s",
			os.Getenv("RECORON_INSTANCE_LEASE"))
	}
	fs.DurationVar(&cfg.instanceLease, "instance-lease", leaseDefault,
		"on PostgreSQL, how long an instance may go silent before the others mark its runs in flight interrupted (env RECORON_INSTANCE_LEASE)")
	fs.StringVar(&cfg.logLevel, "log-level", envOr("RECORON_LOG_LEVEL", "info"),
		"log level: debug, info, warn or error (env RECORON_LOG_LEVEL)")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs, serveUsage)
		} else {
			printUsage(stderr, fs, serveUsage)
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; serve takes only flags, and other commands must come before any flag; run recoron-server -h for the commands and flags", fs.Arg(0))
	}
	if cfg.shutdownTimeout <= 0 {
		return nil, fmt.Errorf("--shutdown-timeout %s must be positive, such as 30s", cfg.shutdownTimeout)
	}
	if cfg.instanceLease < 3*time.Second {
		return nil, fmt.Errorf("--instance-lease %s is too short; use 3s or more, such as 15s", cfg.instanceLease)
	}
	return cfg, nil
}

// openStore opens the database named by dsn: "memory" for the go-memdb
// store, a sqlite: or PostgreSQL DSN for the SQL store. With existing set,
// a SQL database without ReCoron's tables is an error instead of being
// set up.
func openStore(ctx context.Context, dsn, schema string, logger *slog.Logger, existing bool) (store.Store, error) {
	switch {
	case dsn == "memory":
		return memstore.New(), nil
	case strings.HasPrefix(dsn, "sqlite:"), !singleInstance(dsn):
		return sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: logger, Schema: schema, Existing: existing})
	}
	return nil, fmt.Errorf("unsupported database %q in --db or RECORON_DB; use sqlite:PATH, postgres://USER@HOST:PORT/DB or memory",
		redactDSN(dsn))
}

// singleInstance reports whether dsn names a database that only one server
// process uses at a time.
func singleInstance(dsn string) bool {
	return !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://")
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid log level %q; use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// checkBootstrapToken applies the rule of [service.CheckToken] to the
// value of RECORON_BOOTSTRAP_TOKEN, with a message that names the variable
// and never contains the token.
func checkBootstrapToken(token string) error {
	if service.CheckToken(token) != nil {
		return fmt.Errorf("RECORON_BOOTSTRAP_TOKEN must be at least %d characters without spaces", service.MinTokenLength)
	}
	return nil
}

func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "recoron-server:", err)
		return 2
	}
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "recoron-server:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer notifyStopSignals(cfg, logger, cancel)()

	if err := serve(ctx, cfg, logger, stdout); err != nil {
		logger.Error("server failed", slog.Any("err", err))
		return 1
	}
	return 0
}

// notifyStopSignals calls cancel at the first SIGINT or SIGTERM, which
// starts a graceful stop, and exits the process with status 1 at the
// second. The returned function stops watching for signals.
func notifyStopSignals(cfg *serveConfig, logger *slog.Logger, cancel context.CancelFunc) (release func()) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go watchSignals(signals, done,
		func(sig os.Signal) {
			logger.Info("stop signal received; send it again to exit without waiting for runs in flight",
				slog.String("signal", sig.String()))
			cancel()
		},
		func(sig os.Signal) {
			logger.Warn("second stop signal received; exiting without waiting for runs in flight",
				slog.String("signal", sig.String()), slog.String("abandoned_runs", abandonedRunsNote(cfg)))
			os.Exit(1)
		})
	return func() {
		signal.Stop(signals)
		close(done)
	}
}

// watchSignals calls stop at the first signal and abort at the second,
// and returns after the second signal or when done is closed.
func watchSignals(signals <-chan os.Signal, done <-chan struct{}, stop, abort func(os.Signal)) {
	select {
	case sig := <-signals:
		stop(sig)
	case <-done:
		return
	}
	select {
	case sig := <-signals:
		abort(sig)
	case <-done:
	}
}

// abandonedRunsNote returns what becomes of the runs in flight when the
// server exits without waiting for them.
func abandonedRunsNote(cfg *serveConfig) string {
	switch {
	case cfg.db == "memory":
		return "they are lost with the in-memory database"
	case singleInstance(cfg.db):
		return "the next start on this database records them as interrupted"
	}
	return fmt.Sprintf("the instances sharing this database record them as interrupted once the lease of this instance (%s) lapses",
		cfg.instanceLease)
}

func serve(ctx context.Context, cfg *serveConfig, logger *slog.Logger, stdout io.Writer) (err error) {
	bootstrapToken := os.Getenv("RECORON_BOOTSTRAP_TOKEN")
	if bootstrapToken != "" {
		if err := checkBootstrapToken(bootstrapToken); err != nil {
			return err
		}
	}
	// Listen first, so a bad address fails before anything is written.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	defer ln.Close()

	plans := metering.DefaultPlans()
	if cfg.plansFile != "" {
		if plans, err = metering.LoadPlans(cfg.plansFile); err != nil {
			return err
		}
	}
	logger.Info("opening database", dbAttrs(cfg)...)
	st, err := openStore(ctx, cfg.db, cfg.dbSchema, logger, false)
	if err != nil {
		return err
	}
	defer st.Close()

	if cfg.allowPrivate {
		logger.Warn("target guard is off: jobs may call loopback and private addresses")
	}
	svc, err := service.New(service.Config{Store: st, Plans: plans, Logger: logger,
		AllowPrivateTargets: cfg.allowPrivate, SharedStore: !singleInstance(cfg.db),
		InstanceLease: cfg.instanceLease})
	if err != nil {
		return err
	}
	token, err := svc.Bootstrap(ctx, bootstrapToken)
	if err != nil {
		return fmt.Errorf("creating first user: %w", err)
	}
	switch {
	case token != "" && bootstrapToken == "":
		fmt.Fprintf(stdout, "Created the first user. API token (shown once, store it now):\n%s\n", token)
	case token != "":
		logger.Info("created the first user with RECORON_BOOTSTRAP_TOKEN")
	}

	api, err := httpapi.New(httpapi.Config{Service: svc, Prefix: "/api", Logger: logger})
	if err != nil {
		return err
	}
	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.HandleFunc("/", notFound)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"starting"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ok"}`)
	})

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	if err := svc.Start(ctx); err != nil {
		_ = srv.Close()
		return err
	}
	ready.Store(true)
	started := append([]any{slog.String("addr", ln.Addr().String())}, dbAttrs(cfg)...)
	logger.Info("server started", started...)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	}

	logger.Info("server stopping", slog.Duration("timeout", cfg.shutdownTimeout))
	ready.Store(false)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("http shutdown incomplete", slog.Any("err", err))
	}
	stopErr := svc.Stop(shutdownCtx)
	logger.Info("server stopped")
	if stopErr != nil {
		return fmt.Errorf("runs in flight did not finish within %s and were cancelled: %w",
			cfg.shutdownTimeout, stopErr)
	}
	return nil
}

// notFound responds to paths outside the API with the API's JSON envelope.
func notFound(w http.ResponseWriter, r *http.Request) {
	type errorBody struct {
		Code    string `json:"code"`
		Details any    `json:"details"`
	}
	body, _ := json.Marshal(struct {
		Success bool      `json:"success"`
		Message string    `json:"message"`
		Data    any       `json:"data"`
		Error   errorBody `json:"error"`
	}{
		Message: notFoundMessage(r),
		Error:   errorBody{Code: "not_found"},
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write(append(body, '\n'))
}

// dbAttrs returns the log attributes that name the database, with the
// schema on PostgreSQL, and no password.
func dbAttrs(cfg *serveConfig) []any {
	attrs := []any{slog.String("db", redactDSN(cfg.db))}
	if !singleInstance(cfg.db) {
		schema := cfg.dbSchema
		if schema == "" {
			schema = "public"
		}
		attrs = append(attrs, slog.String("schema", schema))
	}
	return attrs
}

// notFoundMessage returns the message for a path outside the API, in
// Japanese unless the request prefers English, as API messages are.
func notFoundMessage(r *http.Request) string {
	if httpapi.PrefersEnglish(r) {
		return fmt.Sprintf("not found: %s; the API is under /api/ and health at /healthz", r.URL.Path)
	}
	return fmt.Sprintf("%s が見つかりません。API は /api/ 以下に、ヘルスチェックは /healthz にあります", r.URL.Path)
}

// redactDSN hides every password in dsn, so logs and messages never
// show one.
func redactDSN(dsn string) string { return sqlstore.RedactDSN(dsn) }
