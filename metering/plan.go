package metering

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
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

// LoadPlans reads a JSON array of plans from path. The result replaces the
// built-in plans, so it must contain every plan that users are on.
func LoadPlans(path string) (Plans, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading plans file: %w", err)
	}
	// A misspelt limit must not pass silently as "unlimited".
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []Plan
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("parsing plans file %s: %w", path, err)
	}
	plans := make(Plans, len(list))
	for i, p := range list {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("plans file %s: plan %d: %w", path, i, err)
		}
		if _, dup := plans[p.Name]; dup {
			return nil, fmt.Errorf("plans file %s: plan %q is defined twice", path, p.Name)
		}
		plans[p.Name] = p
	}
	return plans, nil
}
