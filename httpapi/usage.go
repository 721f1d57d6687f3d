package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

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
	Plan metering.Plan `json:"plan"`
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
	v.Plan = rep.Plan
	return http.StatusOK, v, nil
}

// maxPreview is the largest count accepted by the schedule preview.
const maxPreview = 100

func (a *API) previewSchedule(r *http.Request, p *service.Principal) (int, any, error) {
	q := r.URL.Query()
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
	count := 5
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPreview {
			return 0, nil, invalidJA("count", fmt.Sprintf("count %q is invalid; use an integer from 1 to %d", v, maxPreview),
				fmt.Sprintf("count %q は正しくありません。1〜%d の整数を指定してください", v, maxPreview))
		}
		count = n
	}
	now := a.svc.Now()
	sched, err := cron.Compile(expr, cron.Options{Location: loc, Anchor: now})
	if err != nil {
		return 0, nil, invalidJA("schedule", err.Error(), service.ScheduleMessageJA(expr, err))
	}
	runs := make([]string, 0, count)
	for t := sched.Next(now); !t.IsZero() && len(runs) < count; t = sched.Next(t) {
		runs = append(runs, formatTime(t))
	}
	return http.StatusOK, map[string]any{"schedule": expr, "timezone": sched.Location().String(),
		"nextRuns": runs}, nil
}
