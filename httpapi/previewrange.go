package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/service"
)

// previewScheduleInRange serves the schedule preview with every time in
// RFC 3339, whose years have four digits. It rejects an after parameter
// past the year 9999 in UTC, and it drops fire times after
// 9999-12-31T23:59:59.999Z, so a preview may list fewer than count times.
// When no fire time is left, it returns a 400.
func (a *API) previewScheduleInRange(r *http.Request, p *service.Principal) (int, any, error) {
	if v := r.URL.Query().Get("after"); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil && t.UTC().Year() > 9999 {
			return 0, nil, invalidJA("after",
				fmt.Sprintf("after %q is %s in UTC, past the year 9999 that RFC 3339 can write; "+
					"use a time up to 9999-12-31T23:59:59Z", v, formatUTC(t)),
				fmt.Sprintf("after %q は UTC で %s となり、RFC 3339 で表せる 9999 年を過ぎています。"+
					"9999-12-31T23:59:59Z 以前の時刻を指定してください", v, formatUTC(t)))
		}
	}

	status, data, err := a.previewSchedule(r, p)
	if err != nil {
		return 0, nil, err
	}
	// NOTE: previewSchedule returns the fire times already formatted, so
	// the bound is applied to the text. Stopping its loop after the year
	// 9999 would avoid the second pass.
	preview, ok := data.(map[string]any)
	if !ok {
		return 0, nil, fmt.Errorf("schedule preview returned data of type %T, want map[string]any", data)
	}
	runs, ok := preview["nextRuns"].([]string)
	if !ok {
		return 0, nil, fmt.Errorf("schedule preview returned nextRuns of type %T, want []string", preview["nextRuns"])
	}

	// Fire times come in order, so the first one that does not parse with
	// four-digit years ends the list.
	inRange := 0
	for _, run := range runs {
		if _, err := time.Parse(scheduler.TimeFormat, run); err != nil {
			break
		}
		inRange++
	}
	if inRange == 0 && len(runs) > 0 {
		schedule := r.URL.Query().Get("schedule")
		return 0, nil, invalidJA("schedule",
			fmt.Sprintf("schedule %q does not fire again before the year 10000, the end of RFC 3339 times; "+
				"use an earlier after", schedule),
			fmt.Sprintf("スケジュール %q は、RFC 3339 で表せる範囲の終わりである 10000 年より前にもう実行されません。"+
				"after にもっと前の時刻を指定してください", schedule))
	}
	preview["nextRuns"] = runs[:inRange]
	return status, preview, nil
}

// formatUTC writes t in UTC with as many fraction digits as it needs, and
// with a year of more than four digits past the year 9999.
func formatUTC(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
