package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/service"
)

type usageView struct {
	Current struct {
		Jobs    int `json:"jobs"`
		APIKeys int `json:"apiKeys"`
	} `json:"current"`
	Monthly struct {
		Year         int     `json:"year"`
		Month        int     `json:"month"`
		Executions   int64   `json:"executions"`
		APICalls     int64   `json:"apiCalls"`
		BilledAmount float64 `json:"billedAmount"`
		Paid         bool    `json:"paid"`
	} `json:"monthly"`
	Daily struct {
		Date            string `json:"date"`
		Executions      int64  `json:"executions"`
		APICalls        int64  `json:"apiCalls"`
		PeakJobCount    int64  `json:"peakJobCount"`
		PeakAPIKeyCount int64  `json:"peakApiKeyCount"`
	} `json:"daily"`
	TodayActivity struct {
		JobsCreated    int64 `json:"jobsCreated"`
		JobsDeleted    int64 `json:"jobsDeleted"`
		APIKeysCreated int64 `json:"apiKeysCreated"`
		APIKeysDeleted int64 `json:"apiKeysDeleted"`
	} `json:"todayActivity"`
	Plan planView `json:"plan"`
}

// planView is a plan as GET /usage shows it. A count limit that does not
// apply is null rather than the 0 that plans files use for it, and the
// timeout and history limits are the ones in force.
type planView struct {
	Name               string  `json:"name"`
	MaxJobs            *int64  `json:"maxJobs"`
	MaxAPIKeys         *int64  `json:"maxApiKeys"`
	MonthlyExecutions  *int64  `json:"monthlyExecutions"`
	DailyAPICalls      *int64  `json:"dailyApiCalls"`
	RequestsPerMinute  *int64  `json:"requestsPerMinute"`
	MinIntervalSeconds int     `json:"minIntervalSeconds"`
	MaxTimeoutSeconds  int     `json:"maxTimeoutSeconds"`
	HistoryRetention   int     `json:"historyRetention"`
	MonthlyPrice       float64 `json:"monthlyPrice"`
	IncludedExecutions int64   `json:"includedExecutions"`
	OveragePrice       float64 `json:"overagePrice"`
}

// newPlanView returns the usage view of plan.
func newPlanView(plan metering.Plan) planView {
	limit := func(n int64) *int64 {
		if n <= 0 {
			return nil
		}
		return &n
	}
	return planView{
		Name:               plan.Name,
		MaxJobs:            limit(int64(plan.MaxJobs)),
		MaxAPIKeys:         limit(int64(plan.MaxAPIKeys)),
		MonthlyExecutions:  limit(plan.MonthlyExecutions),
		DailyAPICalls:      limit(plan.DailyAPICalls),
		RequestsPerMinute:  limit(int64(plan.RequestsPerMinute)),
		MinIntervalSeconds: plan.MinIntervalSeconds,
		MaxTimeoutSeconds:  service.MaxTimeoutSeconds(plan),
		HistoryRetention:   service.HistoryRetention(plan),
		MonthlyPrice:       plan.MonthlyPrice,
		IncludedExecutions: plan.IncludedExecutions,
		OveragePrice:       plan.OveragePrice,
	}
}

func (a *API) usage(r *http.Request, p *service.Principal) (int, any, error) {
	rep, err := a.svc.Usage(r.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	var v usageView
	u := rep.Usage
	v.Current.Jobs, v.Current.APIKeys = rep.Jobs, rep.APIKeys
	v.Monthly.Year, v.Monthly.Month = u.Month.Year, int(u.Month.Month)
	v.Monthly.Executions, v.Monthly.APICalls = u.Month.Executions, u.Month.APICalls
	v.Monthly.BilledAmount, v.Monthly.Paid = rep.BilledAmount, u.Month.Paid
	v.Daily.Date = formatTime(u.Day.Date)
	v.Daily.Executions, v.Daily.APICalls = u.Day.Executions, u.Day.APICalls
	v.Daily.PeakJobCount, v.Daily.PeakAPIKeyCount = u.Day.PeakJobs, u.Day.PeakAPIKeys
	v.TodayActivity.JobsCreated, v.TodayActivity.JobsDeleted = u.Day.JobsCreated, u.Day.JobsDeleted
	v.TodayActivity.APIKeysCreated, v.TodayActivity.APIKeysDeleted = u.Day.APIKeysCreated, u.Day.APIKeysDeleted
	v.Plan = newPlanView(rep.Plan)
	return http.StatusOK, v, nil
}

// maxPreview is the largest count accepted by the schedule preview.
const maxPreview = 100

// maxPreviewYear is the last year of the fire times a preview lists, the
// last one RFC 3339 can write.
const maxPreviewYear = 9999

// previewParams are the query parameters of the schedule preview.
var previewParams = []string{"schedule", "timezone", "count", "after"}

// previewSchedule lists the next fire times of a schedule. The query
// parameter after (RFC 3339, default now) is the instant to list them
// after and the start of @every schedules. Job creation reads schedule
// and timezone the same way, so a timezone that conflicts with a CRON_TZ=
// or TZ= prefix gets the same error here. Unknown query parameters are
// rejected, as unknown JSON fields are in request bodies.
func (a *API) previewSchedule(r *http.Request, p *service.Principal) (int, any, error) {
	q, err := strictQuery(r, previewParams...)
	if err != nil {
		return 0, nil, err
	}
	expr := q.Get("schedule")
	if expr == "" {
		return 0, nil, invalidJA("schedule", "schedule is required, such as ?schedule=0+9+*+*+*",
			"schedule が指定されていません。?schedule=0+9+*+*+* のように、クエリでスケジュールを指定してください")
	}
	zone := q.Get("timezone")
	if zone == "" {
		zone = "UTC"
	}
	loc, err := service.LoadLocation(zone)
	if err != nil {
		return 0, nil, invalidJA("timezone", err.Error(), service.ZoneMessageJA(zone))
	}
	count, err := previewCount(q.Get("count"))
	if err != nil {
		return 0, nil, err
	}
	after, err := previewAfter(q.Get("after"), a.svc.Now())
	if err != nil {
		return 0, nil, err
	}

	sched, err := cron.Compile(expr, cron.Options{Location: loc, Anchor: after})
	if err != nil {
		return 0, nil, invalidJA("schedule", err.Error(), service.ScheduleMessageJA(expr, err))
	}
	zone, err = service.ScheduleZone(zone, sched)
	if err != nil {
		return 0, nil, err
	}

	// RFC 3339 writes years with four digits, so the list ends with the
	// year 9999 and may hold fewer than count times.
	runs := make([]string, 0, count)
	t := sched.Next(after)
	for ; !t.IsZero() && t.UTC().Year() <= maxPreviewYear && len(runs) < count; t = sched.Next(t) {
		runs = append(runs, formatTime(t))
	}
	if len(runs) == 0 && !t.IsZero() {
		return 0, nil, invalidJA("schedule",
			fmt.Sprintf("schedule %q does not fire again before the year 10000, the end of RFC 3339 times; "+
				"use an earlier after", expr),
			fmt.Sprintf("スケジュール %q は、RFC 3339 で表せる範囲の終わりである 10000 年より前にもう実行されません。"+
				"after にもっと前の時刻を指定してください", expr))
	}
	return http.StatusOK, map[string]any{"schedule": expr, "timezone": zone, "nextRuns": runs}, nil
}

// previewCount parses the count query parameter, 5 when it is empty.
func previewCount(v string) (int, error) {
	if v == "" {
		return 5, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPreview {
		return 0, invalidJA("count", fmt.Sprintf("count %q is invalid; use an integer from 1 to %d", v, maxPreview),
			fmt.Sprintf("count %q は正しくありません。1〜%d の整数を指定してください", v, maxPreview))
	}
	return n, nil
}

// previewAfter parses the after query parameter, now when it is empty.
func previewAfter(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err == nil && t.UTC().Year() < 0 {
		utc := t.UTC().Format(time.RFC3339Nano)
		return time.Time{}, invalidJA("after",
			fmt.Sprintf("after %q is %s in UTC, before the year 0 that RFC 3339 can write; use a later time", v, utc),
			fmt.Sprintf("after %q は UTC で %s となり、RFC 3339 で表せる 0 年より前です。もっと後の時刻を指定してください", v, utc))
	}
	if err == nil && t.UTC().Year() > maxPreviewYear {
		utc := t.UTC().Format(time.RFC3339Nano)
		return time.Time{}, invalidJA("after",
			fmt.Sprintf("after %q is %s in UTC, past the year 9999 that RFC 3339 can write; "+
				"use a time up to 9999-12-31T23:59:59Z", v, utc),
			fmt.Sprintf("after %q は UTC で %s となり、RFC 3339 で表せる 9999 年を過ぎています。"+
				"9999-12-31T23:59:59Z 以前の時刻を指定してください", v, utc))
	}
	if err == nil {
		return t, nil
	}

	en := fmt.Sprintf("after %q is invalid; use an RFC 3339 time such as 2025-11-04T09:00:00Z", v)
	ja := fmt.Sprintf("after %q は正しくありません。2025-11-04T09:00:00Z のような RFC 3339 形式の時刻を指定してください", v)
	if strings.Contains(v, " ") {
		// A + in a query string decodes as a space, so an offset such as
		// +09:00 arrives as " 09:00" unless the client encodes it.
		en += ", and write a + in the offset as %2B"
		ja += "。オフセットの + は %2B と書いてください"
	}
	return time.Time{}, invalidJA("after", en, ja)
}
