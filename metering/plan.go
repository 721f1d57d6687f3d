package metering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"reflect"
	"strings"
	"time"
)

// Plan is a set of limits and prices. A limit of 0 means unlimited.
type Plan struct {
	Name string `json:"name"`
	// MaxJobs is the number of jobs a user may hold.
	MaxJobs int `json:"maxJobs"`
	// MaxAPIKeys is the number of API keys a user may hold.
	MaxAPIKeys int `json:"maxApiKeys"`
	// MonthlyExecutions is the number of runs per UTC calendar month.
	MonthlyExecutions int64 `json:"monthlyExecutions"`
	// DailyAPICalls is the number of authenticated requests per UTC day.
	DailyAPICalls int64 `json:"dailyApiCalls"`
	// RequestsPerMinute is the request rate allowed per API key.
	RequestsPerMinute int `json:"requestsPerMinute"`
	// MinIntervalSeconds is the shortest gap allowed between two runs.
	MinIntervalSeconds int `json:"minIntervalSeconds"`
	// MaxTimeoutSeconds caps a job's per-attempt timeout.
	MaxTimeoutSeconds int `json:"maxTimeoutSeconds"`
	// HistoryRetention is the number of executions kept per job.
	HistoryRetention int `json:"historyRetention"`
	// MonthlyPrice is charged every month.
	MonthlyPrice float64 `json:"monthlyPrice"`
	// IncludedExecutions are covered by MonthlyPrice; 0 means all
	// executions within MonthlyExecutions.
	IncludedExecutions int64 `json:"includedExecutions"`
	// OveragePrice is charged per execution beyond IncludedExecutions.
	OveragePrice float64 `json:"overagePrice"`
}

// MinInterval returns MinIntervalSeconds as a duration.
func (p Plan) MinInterval() time.Duration {
	return time.Duration(p.MinIntervalSeconds) * time.Second
}

// Bill returns the amount due for a month with the given executions,
// rounded to two decimals.
func (p Plan) Bill(executions int64) float64 {
	amount := p.MonthlyPrice
	if p.IncludedExecutions > 0 && executions > p.IncludedExecutions {
		amount += float64(executions-p.IncludedExecutions) * p.OveragePrice
	}
	return math.Round(amount*100) / 100
}

func (p Plan) validate() error {
	if p.Name == "" {
		return fmt.Errorf("plan has no name")
	}
	negative := p.MaxJobs < 0 || p.MaxAPIKeys < 0 || p.MonthlyExecutions < 0 || p.DailyAPICalls < 0 ||
		p.RequestsPerMinute < 0 || p.MinIntervalSeconds < 0 || p.MaxTimeoutSeconds < 0 ||
		p.HistoryRetention < 0 || p.MonthlyPrice < 0 || p.IncludedExecutions < 0 || p.OveragePrice < 0
	if negative {
		return fmt.Errorf("plan %q has a negative limit or price; use 0 for unlimited", p.Name)
	}
	return nil
}

// Plan names built into the server.
const (
	PlanFree      = "free"
	PlanPro       = "pro"
	PlanUnlimited = "unlimited"
)

// Plans maps plan names to plans.
type Plans map[string]Plan

// DefaultPlans returns the built-in plans.
func DefaultPlans() Plans {
	return Plans{
		PlanFree: {Name: PlanFree, MaxJobs: 5, MaxAPIKeys: 2, MonthlyExecutions: 1000,
			DailyAPICalls: 1000, RequestsPerMinute: 60, MinIntervalSeconds: 60,
			MaxTimeoutSeconds: 30, HistoryRetention: 20},
		PlanPro: {Name: PlanPro, MaxJobs: 100, MaxAPIKeys: 20, MonthlyExecutions: 100000,
			DailyAPICalls: 100000, RequestsPerMinute: 600, MinIntervalSeconds: 1,
			MaxTimeoutSeconds: 120, HistoryRetention: 100, MonthlyPrice: 20,
			IncludedExecutions: 100000, OveragePrice: 0.0002},
		PlanUnlimited: {Name: PlanUnlimited, MaxTimeoutSeconds: 300, HistoryRetention: 100},
	}
}

// requiredPlans are the plans that every plans file must define. Users
// created without a plan and users on an unknown plan get free, and the
// first user gets unlimited.
var requiredPlans = []string{PlanFree, PlanUnlimited}

// plansFileExample is a minimal valid plans file, shown in errors.
const plansFileExample = `[{"name":"free","maxJobs":5},{"name":"unlimited"}]`

// LoadPlans reads a JSON array of plans from path. The result replaces the
// built-in plans, so it must define the plans free and unlimited. It should
// define every plan that users are on too, because a user on a missing plan
// gets the limits of free. Every error names path.
func LoadPlans(path string) (Plans, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, fmt.Errorf("failed to read plans file %s: %w", path, err)
	}
	// A misspelt limit must not pass silently as "unlimited".
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []Plan
	if err := dec.Decode(&list); err != nil {
		return nil, explainDecodeError(path, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid plans file %s: unexpected data after the array of plans at line %d; the file must contain one JSON array, such as %s",
			path, lineAt(data, dec.InputOffset()), plansFileExample)
	}

	plans := make(Plans, len(list))
	for i, p := range list {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("invalid plans file %s: plan number %d in the array: %w", path, i+1, err)
		}
		if _, dup := plans[p.Name]; dup {
			return nil, fmt.Errorf("invalid plans file %s: plan %q is defined twice", path, p.Name)
		}
		plans[p.Name] = p
	}
	for _, name := range requiredPlans {
		if _, ok := plans[name]; !ok {
			return nil, fmt.Errorf("invalid plans file %s: no plan is named %q; the file replaces the built-in plans and must define the plans %q and %q, such as %s",
				path, name, PlanFree, PlanUnlimited, plansFileExample)
		}
	}
	return plans, nil
}

// explainDecodeError turns an error of json.Decoder into one that names
// the file, the line and the expected shape.
func explainDecodeError(path string, data []byte, err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("invalid plans file %s: the file is empty; it must contain a JSON array of plans, such as %s",
			path, plansFileExample)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("invalid plans file %s: the JSON ends early; check for a missing ] or }", path)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid plans file %s: invalid JSON at line %d: %w", path, lineAt(data, syntaxErr.Offset), err)
	case errors.As(err, &typeErr) && typeErr.Type == reflect.TypeFor[[]Plan]():
		return fmt.Errorf("invalid plans file %s: the file contains a JSON %s, but it must contain a JSON array of plans, such as %s",
			path, typeErr.Value, plansFileExample)
	case errors.As(err, &typeErr) && typeErr.Type == reflect.TypeFor[Plan]():
		return fmt.Errorf("invalid plans file %s: line %d has a JSON %s in the array, but each element must be a plan object, such as %s",
			path, lineAt(data, typeErr.Offset), typeErr.Value, `{"name":"free","maxJobs":5}`)
	case errors.As(err, &typeErr):
		return fmt.Errorf("invalid plans file %s: line %d: field %q is a JSON %s, but it must be a %s",
			path, lineAt(data, typeErr.Offset), typeErr.Field, typeErr.Value, jsonKind(typeErr.Type))
	}
	// encoding/json reports an unknown field with an unexported error type,
	// so the message is the only way to recognize it.
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("invalid plans file %s: unknown plan field %s; the plan fields are %s",
			path, field, strings.Join(planFields(), ", "))
	}
	return fmt.Errorf("invalid plans file %s: %w", path, err)
}

// jsonKind returns the JSON kind of value that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	}
	return t.String()
}

// planFields returns the JSON names of the fields of [Plan].
func planFields() []string {
	t := reflect.TypeFor[Plan]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// lineAt returns the 1-based line of data that contains the byte at offset.
func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
