package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/recoron/recoron/signature"
)

// Version is the ReCoron version sent in the User-Agent header.
const Version = "0.1.0"

// UserAgent is sent with every HTTP call.
const UserAgent = "ReCoron/" + Version

// Headers sent with every HTTP call.
const (
	HeaderJobID       = "X-Recoron-Job-Id"
	HeaderExecutionID = "X-Recoron-Execution-Id"
	HeaderScheduledAt = "X-Recoron-Scheduled-At"
	HeaderAttempt     = "X-Recoron-Attempt"
)

// HTTPClientConfig configures [NewHTTPClient].
type HTTPClientConfig struct {
	// AllowPrivateTargets turns the target guard off, so jobs may call
	// loopback and private addresses. The default (false) blocks them.
	AllowPrivateTargets bool
	// MaxRedirects is the number of redirects followed for GET and HEAD
	// calls; the default is 5. Calls with other methods never follow a
	// redirect, which could repeat or drop their body; the 3xx response is
	// their result. Every redirect target passes the guard again at
	// connect time.
	MaxRedirects int
	// MaxConnsPerHost bounds concurrent connections to one host; the
	// default is 64.
	MaxConnsPerHost int
	// CheckAddr, when set, replaces CheckTargetAddr as the guard's test of
	// each address the dialer connects to. Tests use it to block a
	// loopback address of their choosing.
	CheckAddr func(netip.Addr) error
}

// NewHTTPClient returns a client for [HTTPExecutor] with the target guard
// installed in its dialer.
func NewHTTPClient(cfg HTTPClientConfig) *http.Client {
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 5
	}
	if cfg.MaxConnsPerHost <= 0 {
		cfg.MaxConnsPerHost = 64
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivateTargets {
		dialer.Control = GuardedDialControl
		if cfg.CheckAddr != nil {
			dialer.Control = dialControl(cfg.CheckAddr)
		}
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   cfg.MaxConnsPerHost,
		MaxConnsPerHost:       cfg.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	maxRedirects := cfg.MaxRedirects
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
				return http.ErrUseLastResponse
			}
			// via holds the requests made so far, so the n-th redirect
			// comes with n of them.
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// RetryPolicy controls retries of failed HTTP attempts. Attempts are
// retried on transport errors, timeouts, 429 and 5xx responses, never on
// other statuses, and never past the job's next slot: a retry is made
// only when its wait ends at least 250ms (or its whole timeout, when
// shorter) before [Run.NextAt], and its timeout is cut so that it ends at
// [Run.NextAt]. Those checks read the clock of
// [ClockFromContext], the scheduler's clock for scheduled runs. The waits
// themselves, like attempt timeouts, are wall-clock time.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts; 0 or 1 means no retry.
	MaxAttempts int
	// InitialInterval is the first backoff; the default is 1s.
	InitialInterval time.Duration
	// MaxInterval caps each backoff and any Retry-After wait; the default
	// is 60s.
	MaxInterval time.Duration
}

// Signer returns the value of the X-Recoron-Signature header for one
// attempt of run with the given body, signed at time at.
type Signer interface {
	Sign(ctx context.Context, run Run, body []byte, at time.Time) (string, error)
}

// HTTPExecutor calls a URL. Its zero Client means [http.DefaultClient],
// which has no target guard; servers should pass [NewHTTPClient].
type HTTPExecutor struct {
	Client *http.Client
	Method string
	URL    string
	Header map[string]string
	Body   string
	// Timeout bounds each attempt; the default is 30s.
	Timeout time.Duration
	Retry   RetryPolicy
	// MaxExcerpt caps the response excerpt in bytes; the default is 1024.
	MaxExcerpt int
	// Signer, when set, signs every attempt.
	Signer Signer
	// Hosts, when set, bounds the calls to each host; it is shared by the
	// executors of all jobs. Runs with an Owner are counted per owner and
	// host, so one owner's slow endpoint never holds back the calls of
	// other owners to the same host.
	Hosts *HostLimits
}

// Execute implements [Executor]. Manual runs make a single attempt. The
// times in the result and its attempts come from the clock of
// [ClockFromContext].
func (e *HTTPExecutor) Execute(ctx context.Context, run Run) Result {
	clock := ClockFromContext(ctx)
	res := Result{StartedAt: clock.Now()}
	attempts := max(e.Retry.MaxAttempts, 1)
	if run.Trigger == TriggerManual {
		attempts = 1
	}
	policy := e.backoff()

	for n := 1; ; n++ {
		run.Attempt = n
		// A retry must end by the next slot, so its timeout is cut to the
		// time left until then.
		var limit time.Duration
		if n > 1 && !run.NextAt.IsZero() {
			if limit = run.NextAt.Sub(clock.Now()); limit <= 0 {
				break
			}
		}
		att, retryAfter, retryable := e.attempt(ctx, clock, run, &res, limit)
		res.Attempts = append(res.Attempts, att)
		if !retryable || n >= attempts {
			break
		}
		wait := fullJitter(policy.NextBackOff())
		if retryAfter >= 0 {
			wait = min(retryAfter, e.maxInterval())
		}
		// NextAt comes from the scheduler's clock, so the cut-off reads
		// the same clock. A fake clock in the past would otherwise drop
		// every retry.
		if !run.NextAt.IsZero() && clock.Now().Add(wait+min(e.timeout(), minRetryTime)).After(run.NextAt) {
			break
		}
		if !sleepCtx(ctx, wait) {
			break
		}
		if stopped(ctx) {
			res.Error += "; not retried because the scheduler is stopping"
			break
		}
	}
	res.FinishedAt = clock.Now()
	res.Duration = res.FinishedAt.Sub(res.StartedAt)
	return res
}

// minRetryTime is the least time a retry must have before the job's
// next slot, or its whole timeout when that is shorter. A retry cut
// shorter could hardly succeed, and its timeout would hide the previous
// attempt's outcome.
const minRetryTime = 250 * time.Millisecond

// timeout returns the bound on each attempt.
func (e *HTTPExecutor) timeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return 30 * time.Second
}

func (e *HTTPExecutor) maxInterval() time.Duration {
	if e.Retry.MaxInterval > 0 {
		return e.Retry.MaxInterval
	}
	return time.Minute
}

// backoff returns the exponential sequence of retry intervals: the initial
// interval, doubled after each retry up to the maximum. fullJitter then
// draws each wait from it.
func (e *HTTPExecutor) backoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = time.Second
	if e.Retry.InitialInterval > 0 {
		b.InitialInterval = e.Retry.InitialInterval
	}
	b.MaxInterval = e.maxInterval()
	b.Multiplier = 2
	b.RandomizationFactor = 0
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}

// fullJitter returns a wait drawn uniformly from 0 to interval, so that
// jobs failing together do not retry together.
func fullJitter(interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(interval) + 1))
}

// sleepCtx waits for d and reports whether it did. It returns early, with
// true, when the scheduler begins to stop, and with false when ctx is
// done.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-StopRequested(ctx):
		return true
	case <-ctx.Done():
		return false
	}
}

// attempt makes one call, records its outcome in res and reports whether
// it may be retried, with the server's Retry-After, or -1 if it sent none.
// The attempt's times come from clock, but its timeout is wall-clock time.
func (e *HTTPExecutor) attempt(ctx context.Context, clock Clock, run Run, res *Result, limit time.Duration) (Attempt, time.Duration, bool) {
	att := Attempt{Number: run.Attempt, StartedAt: clock.Now()}
	timeout := e.timeout()
	cut := limit > 0 && limit < timeout
	if cut {
		timeout = limit
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	resp, err := e.limitedDo(actx, run)
	if err != nil {
		att.Duration = clock.Now().Sub(att.StartedAt)
		att.Error = err.Error()
		res.Status, res.StatusCode, res.Error, res.ResponseExcerpt = StatusFailure, 0, err.Error(), ""
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			res.Status = StatusTimeout
			att.Error = fmt.Sprintf("timed out after %s", timeout)
			if cut {
				att.Error += ", when the job's next slot came"
			}
			res.Error = att.Error
		}
		return att, -1, ctx.Err() == nil && !errors.Is(err, ErrBlockedTarget)
	}
	defer resp.Body.Close()

	excerpt, readErr := e.readExcerpt(resp.Body)
	att.Duration = clock.Now().Sub(att.StartedAt)
	att.StatusCode = resp.StatusCode
	res.StatusCode = resp.StatusCode
	res.ResponseExcerpt = excerpt
	res.Status, res.Error = StatusSuccess, ""
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.Status = StatusFailure
		res.Error = fmt.Sprintf("target returned HTTP %d", resp.StatusCode)
		att.Error = res.Error
	} else if readErr != nil {
		res.Status, res.Error = StatusFailure, "reading response: "+readErr.Error()
		att.Error = res.Error
	}
	retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	return att, parseRetryAfter(resp.Header.Get("Retry-After")), retryable
}

// limitedDo makes the call within the host limits. The host slot is held
// until the response headers arrive.
func (e *HTTPExecutor) limitedDo(ctx context.Context, run Run) (*http.Response, error) {
	host := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		host = u.Host
	}
	key := host
	if run.Owner != "" {
		key = run.Owner + " " + host
	}
	release, err := e.Hosts.acquire(ctx, key)
	if err != nil {
		return nil, err
	}
	defer release()
	return e.do(ctx, run)
}

func (e *HTTPExecutor) do(ctx context.Context, run Run) (*http.Response, error) {
	var body io.Reader
	if e.Body != "" {
		body = strings.NewReader(e.Body)
	}
	req, err := http.NewRequestWithContext(ctx, e.Method, e.URL, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for k, v := range e.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderJobID, run.JobID)
	req.Header.Set(HeaderExecutionID, run.ExecutionID)
	req.Header.Set(HeaderScheduledAt, run.ScheduledAt.UTC().Format(TimeFormat))
	req.Header.Set(HeaderAttempt, strconv.Itoa(run.Attempt))
	req.Header.Set("Idempotency-Key", run.ExecutionID)
	if e.Signer != nil {
		// The receiver checks the signing time against its own clock, so
		// it is wall-clock time whatever clock the scheduler uses.
		sig, err := e.Signer.Sign(ctx, run, []byte(e.Body), time.Now())
		if err != nil {
			return nil, fmt.Errorf("signing request: %w", err)
		}
		req.Header.Set(signature.HeaderName, sig)
	}

	client := e.Client
	if client == nil {
		client = http.DefaultClient
	}
	return client.Do(req)
}

// TimeFormat is RFC 3339 in UTC with milliseconds, as JavaScript's
// toISOString prints it.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// drainLimit bounds how much of a long response is read past the excerpt
// so the connection can be reused.
const drainLimit = 64 << 10

func (e *HTTPExecutor) readExcerpt(body io.Reader) (string, error) {
	limit := e.MaxExcerpt
	if limit <= 0 {
		limit = 1024
	}
	var buf bytes.Buffer
	_, err := io.CopyN(&buf, body, int64(limit))
	if err == io.EOF {
		err = nil
	}
	_, _ = io.CopyN(io.Discard, body, drainLimit)
	// Stores keep text columns; NUL bytes and invalid UTF-8 cannot go in
	// every one of them (PostgreSQL rejects NUL in text).
	return strings.ReplaceAll(strings.ToValidUTF8(buf.String(), "\uFFFD"), "\x00", "\uFFFD"), err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP
// date. It returns -1 for a missing or unreadable value.
// maxRetryAfter is the largest Retry-After that parseRetryAfter returns.
const maxRetryAfter = 365 * 24 * time.Hour

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return -1
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		// Values too large for a Duration mean "much later than any cap".
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return -1
}

// stopped reports whether the scheduler running the run of ctx has begun
// to stop.
func stopped(ctx context.Context) bool {
	select {
	case <-StopRequested(ctx):
		return true
	default:
		return false
	}
}
