package httpapi

import (
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/store"
)

func formatTime(t time.Time) string { return t.UTC().Format(scheduler.TimeFormat) }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

type jobView struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	Schedule       string            `json:"schedule"`
	Timezone       string            `json:"timezone"`
	Enabled        bool              `json:"enabled"`
	Headers        map[string]string `json:"headers"`
	Body           string            `json:"body"`
	TimeoutSeconds int               `json:"timeoutSeconds"`
	Retry          retryView         `json:"retry"`
	OverlapPolicy  string            `json:"overlapPolicy"`
	MisfirePolicy  string            `json:"misfirePolicy"`
	CatchUpSeconds int               `json:"catchUpSeconds"`
	JitterSeconds  int               `json:"jitterSeconds"`
	NextRunAt      *string           `json:"nextRunAt"`
	LastRunAt      *string           `json:"lastRunAt"`
	CreatedAt      string            `json:"createdAt"`
	UpdatedAt      string            `json:"updatedAt"`
	UserID         string            `json:"userId"`
}

type retryView struct {
	MaxAttempts       int `json:"maxAttempts"`
	InitialIntervalMs int `json:"initialIntervalMs"`
	MaxIntervalMs     int `json:"maxIntervalMs"`
}

func viewJob(j *store.Job) jobView {
	headers := j.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	return jobView{
		ID: j.ID, Name: j.Name, URL: j.URL, Method: j.Method, Schedule: j.Schedule,
		Timezone: j.Timezone, Enabled: j.Enabled, Headers: headers, Body: j.Body,
		TimeoutSeconds: j.TimeoutSeconds,
		Retry: retryView{MaxAttempts: j.RetryMaxAttempts, InitialIntervalMs: j.RetryInitialIntervalMs,
			MaxIntervalMs: j.RetryMaxIntervalMs},
		OverlapPolicy: j.Overlap, MisfirePolicy: j.Misfire, CatchUpSeconds: j.CatchUpSeconds,
		JitterSeconds: j.JitterSeconds,
		NextRunAt:     optTime(j.NextRunAt), LastRunAt: optTime(j.LastRunAt),
		CreatedAt: formatTime(j.CreatedAt), UpdatedAt: formatTime(j.UpdatedAt), UserID: j.UserID,
	}
}

func viewJobs(jobs []*store.Job) []jobView {
	out := make([]jobView, len(jobs))
	for i, j := range jobs {
		out[i] = viewJob(j)
	}
	return out
}

type keyView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	Prefix     string   `json:"prefix"`
	CreatedAt  string   `json:"createdAt"`
	LastUsedAt *string  `json:"lastUsedAt"`
	ExpiresAt  *string  `json:"expiresAt"`
	UserID     string   `json:"userId"`
	// Token is set only in the response that creates the key.
	Token string `json:"token,omitempty"`
}

func viewKey(k *store.APIKey) keyView {
	return keyView{ID: k.ID, Name: k.Name, Scopes: k.Scopes, Prefix: k.Prefix,
		CreatedAt: formatTime(k.CreatedAt), LastUsedAt: optTime(k.LastUsedAt),
		ExpiresAt: optTime(k.ExpiresAt), UserID: k.UserID}
}

type attemptView struct {
	Number     int     `json:"number"`
	StartedAt  string  `json:"startedAt"`
	DurationMs int64   `json:"durationMs"`
	StatusCode *int    `json:"statusCode"`
	Error      *string `json:"error"`
}

type executionView struct {
	ID              string        `json:"id"`
	JobID           string        `json:"jobId"`
	Trigger         string        `json:"trigger"`
	ScheduledAt     string        `json:"scheduledAt"`
	StartedAt       string        `json:"startedAt"`
	FinishedAt      *string       `json:"finishedAt"`
	Status          string        `json:"status"`
	StatusCode      *int          `json:"statusCode"`
	DurationMs      int64         `json:"durationMs"`
	Error           *string       `json:"error"`
	ResponseExcerpt string        `json:"responseExcerpt"`
	Attempts        []attemptView `json:"attempts"`
}

func optInt(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func viewExecution(e *store.Execution) executionView {
	v := executionView{
		ID: e.ID, JobID: e.JobID, Trigger: e.Trigger, ScheduledAt: formatTime(e.ScheduledAt),
		StartedAt: formatTime(e.StartedAt), FinishedAt: optTime(e.FinishedAt), Status: e.Status,
		StatusCode: optInt(e.StatusCode), DurationMs: e.DurationMs, Error: optString(e.Error),
		ResponseExcerpt: e.ResponseExcerpt, Attempts: []attemptView{},
	}
	for _, a := range e.Attempts {
		v.Attempts = append(v.Attempts, attemptView{Number: a.Number, StartedAt: formatTime(a.StartedAt),
			DurationMs: a.DurationMs, StatusCode: optInt(a.StatusCode), Error: optString(a.Error)})
	}
	return v
}
