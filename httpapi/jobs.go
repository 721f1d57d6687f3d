package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/recoron/recoron/service"
	"github.com/recoron/recoron/store"
)

// jobRequest is the JSON body of job create and update requests.
type jobRequest struct {
	Name           *string           `json:"name"`
	URL            *string           `json:"url"`
	Method         *string           `json:"method"`
	Schedule       *string           `json:"schedule"`
	Timezone       *string           `json:"timezone"`
	Enabled        *bool             `json:"enabled"`
	Headers        map[string]string `json:"headers"`
	Body           *string           `json:"body"`
	TimeoutSeconds *int              `json:"timeoutSeconds"`
	OverlapPolicy  *string           `json:"overlapPolicy"`
	MisfirePolicy  *string           `json:"misfirePolicy"`
	CatchUpSeconds *int              `json:"catchUpSeconds"`
	JitterSeconds  *int              `json:"jitterSeconds"`
	Retry          *retryRequest     `json:"retry"`
}

type retryRequest struct {
	MaxAttempts       *int `json:"maxAttempts"`
	InitialIntervalMs *int `json:"initialIntervalMs"`
	MaxIntervalMs     *int `json:"maxIntervalMs"`
}

// input converts the request; raw holds the fields as sent, to tell an
// explicit null from an absent field.
func (jr *jobRequest) input(raw map[string]json.RawMessage) service.JobInput {
	in := service.JobInput{
		Name: jr.Name, URL: jr.URL, Method: jr.Method, Schedule: jr.Schedule,
		Timezone: jr.Timezone, Enabled: jr.Enabled, Body: jr.Body, TimeoutSeconds: jr.TimeoutSeconds,
		Overlap: jr.OverlapPolicy, Misfire: jr.MisfirePolicy, CatchUpSeconds: jr.CatchUpSeconds,
		JitterSeconds: jr.JitterSeconds,
	}
	if jr.Retry != nil {
		in.Retry = &service.RetryInput{MaxAttempts: jr.Retry.MaxAttempts,
			InitialIntervalMs: jr.Retry.InitialIntervalMs, MaxIntervalMs: jr.Retry.MaxIntervalMs}
	}
	if _, ok := raw["headers"]; ok {
		in.Headers = &jr.Headers
	}
	// An explicit null sets an optional field back to its default.
	isNull := func(field string) bool {
		v, ok := raw[field]
		return ok && string(v) == "null"
	}
	str := func(v string) *string { return &v }
	num := func(v int) *int { return &v }
	if isNull("body") {
		in.Body = str("")
	}
	if isNull("timezone") {
		in.Timezone = str("UTC")
	}
	if isNull("timeoutSeconds") {
		in.TimeoutSeconds = num(service.DefaultTimeoutSeconds)
	}
	if isNull("overlapPolicy") {
		in.Overlap = str(service.OverlapAllow)
	}
	if isNull("misfirePolicy") {
		in.Misfire = str(service.MisfireRunOnce)
	}
	if isNull("catchUpSeconds") {
		in.CatchUpSeconds = num(service.DefaultCatchUpSeconds)
	}
	if isNull("jitterSeconds") {
		in.JitterSeconds = num(0)
	}
	if isNull("enabled") {
		enabled := true
		in.Enabled = &enabled
	}
	if isNull("retry") {
		in.Retry = &service.RetryInput{MaxAttempts: num(service.DefaultRetryMaxAttempts),
			InitialIntervalMs: num(service.DefaultRetryInitialMs), MaxIntervalMs: num(service.DefaultRetryMaxMs)}
	}
	var retry map[string]json.RawMessage
	if in.Retry != nil && json.Unmarshal(raw["retry"], &retry) == nil {
		for _, f := range []struct {
			name  string
			field **int
			value int
		}{
			{"maxAttempts", &in.Retry.MaxAttempts, service.DefaultRetryMaxAttempts},
			{"initialIntervalMs", &in.Retry.InitialIntervalMs, service.DefaultRetryInitialMs},
			{"maxIntervalMs", &in.Retry.MaxIntervalMs, service.DefaultRetryMaxMs},
		} {
			if v, ok := retry[f.name]; ok && string(v) == "null" {
				*f.field = num(f.value)
			}
		}
	}
	return in
}

// nullFields rejects explicit nulls for the fields that every job needs.
func nullFields(raw map[string]json.RawMessage, prefix string) []service.FieldError {
	var out []service.FieldError
	for _, f := range []string{"name", "url", "method", "schedule"} {
		if v, ok := raw[f]; ok && string(v) == "null" {
			out = append(out, service.FieldError{Field: prefix + f,
				Message:   f + " cannot be null because every job needs one; give a value, or leave the field out to keep the current one",
				MessageJA: f + " はすべてのジョブに必要なため null は指定できません。値を指定するか、フィールドを省略して今の値のままにしてください"})
		}
	}
	return out
}

func (a *API) decodeJob(r *http.Request) (service.JobInput, error) {
	var jr jobRequest
	body, err := decodeJSON(r, &jr)
	if err != nil {
		return service.JobInput{}, err
	}
	in, err := decodeJobItem(body)
	// An error about the whole item is an error about the whole request.
	var verr *service.ValidationError
	if errors.As(err, &verr) {
		for i := range verr.Fields {
			if verr.Fields[i].Field == "" {
				verr.Fields[i].Field = requestField
			}
		}
	}
	return in, err
}

func (a *API) createJob(r *http.Request, p *service.Principal) (int, any, error) {
	in, err := a.decodeJob(r)
	if err != nil {
		return 0, nil, err
	}
	jobs, err := a.svc.CreateJobs(r.Context(), p, []service.JobInput{in}, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, viewJob(jobs[0]), nil
}

func (a *API) createBatch(r *http.Request, p *service.Principal) (int, any, error) {
	var items []json.RawMessage
	if _, err := decodeJSON(r, &items); err != nil {
		return 0, nil, err
	}
	// The body is a bare array, so its size is an error of the whole
	// request.
	if items == nil {
		return 0, nil, invalidJA(requestField,
			fmt.Sprintf("expected an array of 1 to %d jobs, got null", service.MaxBatch),
			fmt.Sprintf("1〜%d 件のジョブの配列を送ってください。null が送られています", service.MaxBatch))
	}
	if len(items) == 0 {
		return 0, nil, invalidJA(requestField,
			fmt.Sprintf("the array of jobs is empty; send an array of 1 to %d jobs", service.MaxBatch),
			fmt.Sprintf("ジョブの配列が空です。1〜%d 件のジョブを配列で送ってください", service.MaxBatch))
	}
	if len(items) > service.MaxBatch {
		return 0, nil, invalidJA(requestField,
			fmt.Sprintf("the array has %d jobs; send 1 to %d jobs in one request and the rest in further requests",
				len(items), service.MaxBatch),
			fmt.Sprintf("ジョブが %d 件あります。一度に作成できるのは 1〜%d 件なので、配列を分けて送ってください",
				len(items), service.MaxBatch))
	}
	inputs := make([]service.JobInput, len(items))
	var problems []service.FieldError
	for i, item := range items {
		in, err := decodeJobItem(item)
		var verr *service.ValidationError
		switch {
		case errors.As(err, &verr):
			problems = append(problems, verr.Prefixed("["+strconv.Itoa(i)+"]")...)
		case err != nil:
			return 0, nil, err
		}
		inputs[i] = in
	}
	if len(problems) > 0 {
		return 0, nil, &service.ValidationError{Fields: problems}
	}
	jobs, err := a.svc.CreateJobs(r.Context(), p, inputs, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"count": len(jobs), "jobs": viewJobs(jobs)}, nil
}

// decodeJobItem decodes one job object strictly.
func decodeJobItem(item json.RawMessage) (service.JobInput, error) {
	var jr jobRequest
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		err = jsonError(err, item, &jr)
		// An error about the whole item is named by the item's index alone.
		var verr *service.ValidationError
		if errors.As(err, &verr) {
			for i := range verr.Fields {
				if verr.Fields[i].Field == requestField {
					verr.Fields[i].Field = ""
				}
			}
		}
		return service.JobInput{}, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(item, &raw); err != nil || raw == nil {
		return service.JobInput{}, invalidJA("", "expected a JSON object for the job, got "+clip(string(bytes.TrimSpace(item))),
			"ジョブは JSON のオブジェクトで指定してください")
	}
	if err := checkKeyCase(item, &jr); err != nil {
		return service.JobInput{}, err
	}
	if nulls := nullFields(raw, ""); len(nulls) > 0 {
		return service.JobInput{}, &service.ValidationError{Fields: nulls}
	}
	return jr.input(raw), nil
}

// idKind describes the ids of one kind of list item, which the after
// cursor of that list must be.
type idKind struct {
	// prefix is the text before the underscore and the ULID in the ids
	// that scheduler.NewID makes, such as "job".
	prefix string
	// name and nameJA name the kind in English and Japanese messages.
	name, nameJA string
	// article is the English indefinite article before name.
	article string
}

var (
	jobIDs       = idKind{prefix: "job", name: "job", nameJA: "ジョブ", article: "a"}
	executionIDs = idKind{prefix: "exe", name: "execution", nameJA: "実行履歴", article: "an"}
)

// pageFrom reads the limit and after query parameters of a list whose
// items have ids of the given kind.
func pageFrom(r *http.Request, kind idKind) (store.Page, error) {
	var page store.Page
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return page, invalidJA("limit", "limit "+strconv.Quote(v)+" is invalid; use an integer from 1 to 1000",
				"limit "+strconv.Quote(v)+" は正しくありません。1〜1000 の整数を指定してください")
		}
		page.Limit = n
	}

	page.After = q.Get("after")
	if page.After != "" && !kind.valid(page.After) {
		return page, invalidJA("after",
			fmt.Sprintf("after %q is not %s %s id (%s_ and a 26-character ULID); pass the id of the last %s of the previous page",
				page.After, kind.article, kind.name, kind.prefix, kind.name),
			fmt.Sprintf("after %q は%sの ID (%s_ と 26 文字の ULID) ではありません。前のページの最後の%sの ID を指定してください",
				page.After, kind.nameJA, kind.prefix, kind.nameJA))
	}
	return page, nil
}

// valid reports whether id has the form that scheduler.NewID gives ids of
// this kind: the prefix, an underscore and a ULID in upper case. Other
// spellings of the same ULID would sort differently from the stored ids,
// so they are not valid cursors.
func (k idKind) valid(id string) bool {
	text, ok := strings.CutPrefix(id, k.prefix+"_")
	if !ok {
		return false
	}
	parsed, err := ulid.ParseStrict(text)
	return err == nil && parsed.String() == text
}

// listJobs lists the caller's jobs oldest first, which is id order.
// after is the id of the last job of the previous page, and the page
// starts with the first job whose id sorts after it. A well-formed job id
// that matches no job of the caller works the same way, as a position in
// that order. Like listExecutions, it rejects a cursor that is not a job
// id with a 400.
func (a *API) listJobs(r *http.Request, p *service.Principal) (int, any, error) {
	page, err := pageFrom(r, jobIDs)
	if err != nil {
		return 0, nil, err
	}
	jobs, err := a.svc.ListJobs(r.Context(), p, page)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewJobs(jobs), nil
}

func (a *API) getJob(r *http.Request, p *service.Principal) (int, any, error) {
	j, err := a.svc.GetJob(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return 0, nil, jobErr(err)
	}
	return http.StatusOK, viewJob(j), nil
}

// jobErr reports a missing job as a 404.
func jobErr(err error) error {
	if err == service.ErrNotFound {
		return errNotFound("job")
	}
	return err
}

func (a *API) updateJob(r *http.Request, p *service.Principal) (int, any, error) {
	// Look the job up first, so an unknown id gets 404 whatever the body.
	if _, err := a.svc.GetJob(r.Context(), p, r.PathValue("id")); err != nil {
		return 0, nil, jobErr(err)
	}
	in, err := a.decodeJob(r)
	if err != nil {
		return 0, nil, err
	}
	j, err := a.svc.UpdateJob(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return 0, nil, jobErr(err)
	}
	return http.StatusOK, viewJob(j), nil
}

func (a *API) deleteJob(r *http.Request, p *service.Principal) (int, any, error) {
	if err := a.svc.DeleteJob(r.Context(), p, r.PathValue("id")); err != nil {
		return 0, nil, jobErr(err)
	}
	return http.StatusOK, nil, nil
}

type resultView struct {
	Status          string  `json:"status"`
	StatusCode      *int    `json:"statusCode"`
	DurationMs      int64   `json:"durationMs"`
	Error           *string `json:"error"`
	ResponseExcerpt string  `json:"responseExcerpt"`
}

// executeJob runs a job now. The route takes no input, but it accepts an
// empty JSON object, which many clients send with every POST.
func (a *API) executeJob(r *http.Request, p *service.Principal) (int, any, error) {
	// Look the job up first, so an unknown id gets 404 whatever the body,
	// as in updateJob.
	if _, err := a.svc.GetJob(r.Context(), p, r.PathValue("id")); err != nil {
		return 0, nil, jobErr(err)
	}
	if err := readEmptyBody(r); err != nil {
		return 0, nil, err
	}
	e, err := a.svc.ExecuteJob(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return 0, nil, jobErr(err)
	}
	return http.StatusOK, map[string]any{
		"jobId": e.JobID,
		"result": resultView{Status: e.Status, StatusCode: optInt(e.StatusCode), DurationMs: e.DurationMs,
			Error: optString(e.Error), ResponseExcerpt: e.ResponseExcerpt},
		"execution": viewExecution(e),
	}, nil
}

// listExecutions lists a job's runs newest first, which is reverse id
// order, 100 per page unless the limit parameter sets another size. after is
// the id of the last run of the previous page, and the page starts with
// the first run whose id sorts before it. As in listJobs, a well-formed
// execution id that matches no run of the job works as a position in that
// order, and a cursor that is not an execution id gets a 400.
func (a *API) listExecutions(r *http.Request, p *service.Principal) (int, any, error) {
	page, err := pageFrom(r, executionIDs)
	if err != nil {
		return 0, nil, err
	}
	if page.Limit == 0 {
		page.Limit = 100
	}
	list, err := a.svc.ListExecutions(r.Context(), p, r.PathValue("id"), page)
	if err != nil {
		return 0, nil, jobErr(err)
	}
	out := make([]executionView, len(list))
	for i, e := range list {
		out[i] = viewExecution(e)
	}
	return http.StatusOK, out, nil
}

func (a *API) getExecution(r *http.Request, p *service.Principal) (int, any, error) {
	e, err := a.svc.GetExecution(r.Context(), p, r.PathValue("id"), r.PathValue("executionId"))
	if err == service.ErrNotFound {
		return 0, nil, errNotFound("execution")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewExecution(e), nil
}
