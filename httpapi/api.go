// Package httpapi serves the ReCoron REST API as an [http.Handler].
//
// Every response is a JSON envelope:
//
//	{"success": true, "message": "success", "data": ...}
//	{"success": false, "message": "...", "data": null, "error": {"code": "...", "details": ...}}
//
// Error messages are Japanese unless the request prefers English through
// Accept-Language, or Config.DefaultLanguage is "en". Requests
// authenticate with "Authorization: Bearer <token>", and each route
// requires one scope. The routes, under Config.Prefix:
//
//	GET    /jobs                                   read:jobs  the caller's jobs (limit, after)
//	POST   /jobs                                   write:jobs create a job
//	POST   /jobs/batch                             write:jobs create up to 500 jobs, all or none
//	GET    /jobs/{id}                              read:jobs  one job
//	PATCH  /jobs/{id}                              write:jobs change some fields of a job
//	DELETE /jobs/{id}                              write:jobs delete a job and its history
//	POST   /jobs/{id}/execute                      write:jobs run a job now, one attempt
//	GET    /jobs/{id}/executions                   read:jobs  a job's runs, latest slot first (limit, after)
//	GET    /jobs/{id}/executions/{executionId}     read:jobs  one run with its attempts
//	GET    /schedules/next                         read:jobs  preview fire times (schedule, timezone, count, after)
//	GET    /keys, /keys/{id}                       read:keys  API keys, never their tokens
//	POST   /keys                                   write:keys create a key; its token is shown once
//	DELETE /keys/{id}                              write:keys revoke a key at once
//	GET    /usage                                  read:usage counts for today and this month, and the plan
//	GET    /signing-secret                         write:keys the secret that signs calls
//	POST   /signing-secret/rotate                  write:keys replace the secret
//
// Query parameters other than those listed are rejected, as are unknown
// fields in JSON bodies.
package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/recoron/recoron/service"
)

// Config configures an [API].
type Config struct {
	// Service does the work. Required.
	Service *service.Service
	// Prefix is prepended to every route, such as "/api"; the default is
	// no prefix. It must start with "/" and be a clean path without
	// whitespace, "{" or "}". One trailing "/" is dropped, so "/api/" is
	// the same as "/api".
	Prefix string
	// MaxBodyBytes caps request bodies; the default is 1 MiB.
	MaxBodyBytes int64
	// Logger receives unexpected errors; the default is slog.Default().
	Logger *slog.Logger
	// DefaultLanguage is the language of error messages for requests whose
	// Accept-Language names neither Japanese nor English: "ja", the
	// default, or "en".
	DefaultLanguage string
}

// API is the REST handler. Create it with [New].
type API struct {
	svc     *service.Service
	prefix  string
	maxBody int64
	logger  *slog.Logger
	// englishDefault reports whether errors are in English when the
	// request does not choose a language.
	englishDefault bool
	mux            *http.ServeMux
	limiters       sync.Map // key id -> *keyLimiter
}

// endpoint handles an authenticated request and returns the status and
// data of a success, or an error.
type endpoint func(r *http.Request, p *service.Principal) (int, any, error)

type route struct {
	scope   string
	handler endpoint
	// query lists the query parameters that the route accepts. serve
	// rejects any other parameter, and any parameter given twice.
	query []string
}

// New returns the API handler.
func New(cfg Config) (*API, error) {
	if cfg.Service == nil {
		return nil, fmt.Errorf("httpapi: config has no service")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	prefix, err := checkPrefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	if cfg.DefaultLanguage != "" && cfg.DefaultLanguage != "ja" && cfg.DefaultLanguage != "en" {
		return nil, fmt.Errorf("httpapi: DefaultLanguage %q is not supported; use \"ja\" or \"en\"", cfg.DefaultLanguage)
	}
	a := &API{
		svc:     cfg.Service,
		prefix:  prefix,
		maxBody: cfg.MaxBodyBytes,
		logger:  cfg.Logger,
		mux:     http.NewServeMux(),

		englishDefault: cfg.DefaultLanguage == "en",
	}
	a.routes()
	return a, nil
}

// checkPrefix returns Config.Prefix without its trailing "/", or an error
// when the prefix would not work as the start of a ServeMux pattern.
func checkPrefix(raw string) (string, error) {
	prefix := strings.TrimSuffix(raw, "/")
	if prefix == "" {
		return "", nil
	}
	if !strings.HasPrefix(prefix, "/") {
		return "", fmt.Errorf("httpapi: Prefix %q must start with \"/\", such as %q", raw, "/"+prefix)
	}
	// ServeMux reads a space or tab as the end of a method, and braces as
	// a wildcard.
	for _, r := range prefix {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '{' || r == '}' {
			return "", fmt.Errorf("httpapi: Prefix %q contains %q; use a path without whitespace, control characters, \"{\" or \"}\"",
				raw, string(r))
		}
	}
	// ServeMux redirects request paths with empty, "." or ".." segments to
	// their clean form, which a prefix with such segments never matches.
	if clean := strings.TrimSuffix(path.Clean(prefix), "/"); clean != prefix {
		return "", fmt.Errorf("httpapi: Prefix %q is not a clean path; use %q", raw, clean)
	}
	return prefix, nil
}

func (a *API) routes() {
	read, write := service.ScopeReadJobs, service.ScopeWriteJobs
	readKeys, writeKeys := service.ScopeReadKeys, service.ScopeWriteKeys
	page := []string{"limit", "after"}
	a.handle("/jobs", map[string]route{
		"GET":  {scope: read, handler: a.listJobs, query: page},
		"POST": {scope: write, handler: a.createJob}})
	a.handle("/jobs/batch", map[string]route{"POST": {scope: write, handler: a.createBatch}})
	a.handle("/jobs/{id}", map[string]route{
		"GET":    {scope: read, handler: a.getJob},
		"PATCH":  {scope: write, handler: a.updateJob},
		"DELETE": {scope: write, handler: a.deleteJob}})
	a.handle("/jobs/{id}/execute", map[string]route{"POST": {scope: write, handler: a.executeJob}})
	a.handle("/jobs/{id}/executions", map[string]route{
		"GET": {scope: read, handler: a.listExecutions, query: page}})
	a.handle("/jobs/{id}/executions/{executionId}", map[string]route{
		"GET": {scope: read, handler: a.getExecution}})
	a.handle("/schedules/next", map[string]route{
		"GET": {scope: read, handler: a.previewSchedule, query: previewParams}})
	a.handle("/keys", map[string]route{
		"GET":  {scope: readKeys, handler: a.listKeys},
		"POST": {scope: writeKeys, handler: a.createKey}})
	a.handle("/keys/{id}", map[string]route{
		"GET":    {scope: readKeys, handler: a.getKey},
		"DELETE": {scope: writeKeys, handler: a.deleteKey}})
	a.handle("/usage", map[string]route{"GET": {scope: service.ScopeReadUsage, handler: a.usage}})
	a.handle("/signing-secret", map[string]route{"GET": {scope: writeKeys, handler: a.getSigningSecret}})
	a.handle("/signing-secret/rotate", map[string]route{
		"POST": {scope: writeKeys, handler: a.rotateSigningSecret}})

	a.mux.HandleFunc(a.prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, errNoRoute(r))
	})
}

func (a *API) handle(pattern string, methods map[string]route) {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")

	a.mux.HandleFunc(a.prefix+pattern, func(w http.ResponseWriter, r *http.Request) {
		rt, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", allow)
			a.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed,
				ja: "このメソッドは使用できません: " + r.Method + " (使用可能: " + allow + ")",
				en: "method " + r.Method + " not allowed; use " + allow})
			return
		}
		a.serve(w, r, rt)
	})
}

// ServeHTTP implements [http.Handler].
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.logger.ErrorContext(r.Context(), "handler panicked", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			a.writeError(w, r, errInternal())
		}
	}()
	a.mux.ServeHTTP(w, r)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt route) {
	p, apiErr := a.authenticate(r)
	if apiErr != nil {
		a.writeError(w, r, apiErr)
		return
	}
	if apiErr := a.admit(w, r, p); apiErr != nil {
		a.writeError(w, r, apiErr)
		return
	}
	a.svc.Meter().CountAPICall(p.User.ID, p.Key.ID)

	if !p.HasScope(rt.scope) {
		a.writeError(w, r, &apiError{status: http.StatusForbidden, code: CodeForbidden,
			ja:      "権限がありません: この操作にはスコープ " + rt.scope + " が必要です",
			en:      "forbidden: this request needs scope " + rt.scope,
			details: map[string]string{"requiredScope": rt.scope}})
		return
	}

	if _, err := strictQuery(r, rt.query...); err != nil {
		a.writeError(w, r, a.fromError(r, err))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.maxBody)
	status, data, err := rt.handler(r, p)
	if err != nil {
		a.writeError(w, r, a.fromError(r, err))
		return
	}
	writeData(w, status, data)
}

func (a *API) authenticate(r *http.Request) (*service.Principal, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, errAuth("missing")
	}
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return nil, errAuth("malformed")
	}
	p, err := a.svc.Authenticate(r.Context(), token)
	if err != nil {
		return nil, a.fromError(r, err)
	}
	return p, nil
}
