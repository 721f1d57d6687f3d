package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// previewRuns returns the nextRuns of a successful preview.
func previewRuns(t *testing.T, res *response) []string {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	var runs []string
	for _, run := range res.object(t)["nextRuns"].([]any) {
		runs = append(runs, run.(string))
	}
	return runs
}

func TestPreviewZoneConflictMatchesCreate(t *testing.T) {
	t.Parallel()
	h := setup(t)

	for _, schedule := range []string{"CRON_TZ=Asia/Tokyo 0 9 * * *", "cron_tz=Asia/Tokyo 0 9 * * *", "tz=Asia/Tokyo @daily"} {
		t.Run(schedule, func(t *testing.T) {
			query := url.Values{"schedule": {schedule}, "timezone": {"Europe/Berlin"}}
			previewJA, previewEN := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + query.Encode(), token: h.token})
			createJA, createEN := h.sendBoth(t, request{method: "POST", path: "/jobs", token: h.token,
				body: h.jobInput(map[string]any{"schedule": schedule, "timezone": "Europe/Berlin"})})

			want := "timezone Europe/Berlin conflicts with the schedule's prefix for Asia/Tokyo; " +
				"drop the prefix or set timezone to Asia/Tokyo"
			wantFieldMessages(t, createJA, createEN, "timezone", want, "Europe/Berlin", "Asia/Tokyo", "一致しません")
			wantFieldMessages(t, previewJA, previewEN, "timezone", want, "Europe/Berlin", "Asia/Tokyo", "一致しません")
			if previewJA.message != createJA.message {
				t.Errorf("preview message %q differs from POST /jobs message %q", previewJA.message, createJA.message)
			}
			if previewEN.message != createEN.message {
				t.Errorf("preview message %q differs from POST /jobs message %q", previewEN.message, createEN.message)
			}
		})
	}
	if n := h.countJobs(t, h.token); n != 0 {
		t.Errorf("GET /jobs lists %d jobs after conflicting requests, want 0", n)
	}
}

func TestPreviewPrefixZone(t *testing.T) {
	t.Parallel()
	h := setup(t)

	// Like a job, a preview takes the prefix's zone when timezone is
	// absent, UTC or the same zone.
	for _, timezone := range []string{"", "UTC", "Asia/Tokyo"} {
		t.Run("timezone="+timezone, func(t *testing.T) {
			query := url.Values{"schedule": {"cron_tz=Asia/Tokyo 0 9 * * *"}, "count": {"1"}}
			overrides := map[string]any{"schedule": "cron_tz=Asia/Tokyo 0 9 * * *"}
			if timezone != "" {
				query.Set("timezone", timezone)
				overrides["timezone"] = timezone
			}
			res := h.call(t, "GET", "/schedules/next?"+query.Encode(), h.token, nil)
			runs := previewRuns(t, res)
			if zone := res.object(t)["timezone"]; zone != "Asia/Tokyo" {
				t.Errorf("preview timezone is %v, want Asia/Tokyo", zone)
			}
			if want := "2025-11-05T00:00:00.000Z"; !slices.Equal(runs, []string{want}) {
				t.Errorf("nextRuns is %v, want [%s]", runs, want)
			}

			job := h.createJob(t, h.token, overrides)
			if job["timezone"] != "Asia/Tokyo" {
				t.Errorf("job timezone is %v, want Asia/Tokyo", job["timezone"])
			}
		})
	}
}

func TestPreviewAfter(t *testing.T) {
	t.Parallel()
	h := setup(t)

	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"UTC instant", url.Values{"schedule": {"0 9 * * *"}, "timezone": {"Asia/Tokyo"}, "count": {"2"},
			"after": {"2030-01-01T00:00:00Z"}},
			[]string{"2030-01-02T00:00:00.000Z", "2030-01-03T00:00:00.000Z"}},
		{"offset", url.Values{"schedule": {"0 9 * * *"}, "timezone": {"Asia/Tokyo"}, "count": {"2"},
			"after": {"2030-01-01T08:59:59+09:00"}},
			[]string{"2030-01-01T00:00:00.000Z", "2030-01-02T00:00:00.000Z"}},
		{"fraction", url.Values{"schedule": {"*/30 * * * * *"}, "count": {"2"},
			"after": {"2030-01-01T00:00:29.999Z"}},
			[]string{"2030-01-01T00:00:30.000Z", "2030-01-01T00:01:00.000Z"}},
		{"in the past", url.Values{"schedule": {"@daily"}, "count": {"1"}, "after": {"2001-02-03T04:05:06Z"}},
			[]string{"2001-02-04T00:00:00.000Z"}},
		{"anchors every", url.Values{"schedule": {"@every 90m"}, "count": {"2"}, "after": {"2030-01-01T00:10:00Z"}},
			[]string{"2030-01-01T01:40:00.000Z", "2030-01-01T03:10:00.000Z"}},
		{"empty is now", url.Values{"schedule": {"@hourly"}, "count": {"1"}, "after": {""}},
			[]string{apiTime(start.Truncate(time.Hour).Add(time.Hour))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := previewRuns(t, h.call(t, "GET", "/schedules/next?"+tc.query.Encode(), h.token, nil))
			if !slices.Equal(runs, tc.want) {
				t.Errorf("nextRuns is %v, want %v", runs, tc.want)
			}
		})
	}
}

func TestPreviewRejectsBadAfter(t *testing.T) {
	t.Parallel()
	h := setup(t)

	tests := []struct {
		name   string
		query  string
		wantEN string
		wantJA []string
	}{
		{"not a time", "schedule=%40daily&after=tomorrow",
			`after "tomorrow" is invalid; use an RFC 3339 time such as 2025-11-04T09:00:00Z`,
			[]string{`after "tomorrow" は正しくありません`, "RFC 3339"}},
		{"date only", "schedule=%40daily&after=2030-01-01",
			`after "2030-01-01" is invalid; use an RFC 3339 time such as 2025-11-04T09:00:00Z`,
			[]string{`"2030-01-01"`, "RFC 3339"}},
		{"no offset", "schedule=%40daily&after=2030-01-01T09:00:00",
			`after "2030-01-01T09:00:00" is invalid; use an RFC 3339 time such as 2025-11-04T09:00:00Z`,
			[]string{`"2030-01-01T09:00:00"`, "RFC 3339"}},
		{"unencoded plus", "schedule=%40daily&after=2030-01-01T09:00:00+09:00",
			`after "2030-01-01T09:00:00 09:00" is invalid; use an RFC 3339 time such as 2025-11-04T09:00:00Z, ` +
				`and write a + in the offset as %2B`,
			[]string{"RFC 3339", "%2B"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + tc.query, token: h.token})
			wantFieldMessages(t, ja, en, "after", tc.wantEN, tc.wantJA...)
		})
	}
}

func TestPreviewRejectsUnknownParams(t *testing.T) {
	t.Parallel()
	h := setup(t)

	accepts := "(this route accepts schedule, timezone, count and after)"
	tests := []struct {
		name   string
		query  string
		fields []string // every field named in error.details, in order
		wantEN string   // the message of the first field
		wantJA []string
	}{
		{"one", "schedule=%40daily&tz=Asia%2FTokyo", []string{"tz"},
			`unknown query parameter "tz"; remove it ` + accepts,
			[]string{`クエリパラメーター "tz" は存在しません`, "schedule、timezone、count、after"}},
		{"wrong case", "Schedule=%40daily", []string{"Schedule"},
			`unknown query parameter "Schedule"; remove it ` + accepts,
			[]string{`"Schedule"`, "存在しません"}},
		{"several", "schedule=%40daily&zone=UTC&limit=3&start=now", []string{"limit", "start", "zone"},
			`unknown query parameter "limit"; remove it ` + accepts,
			[]string{`"limit"`, "存在しません"}},
		{"without value", "schedule=%40daily&verbose", []string{"verbose"},
			`unknown query parameter "verbose"; remove it ` + accepts,
			[]string{`"verbose"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + tc.query, token: h.token})
			wantFieldMessages(t, ja, en, tc.fields[0], tc.wantEN, tc.wantJA...)
			var named []string
			for _, f := range fieldErrors(t, en) {
				named = append(named, f.Field)
			}
			if !slices.Equal(named, tc.fields) {
				t.Errorf("error.details names %v, want %v", named, tc.fields)
			}
		})
	}
}

func TestPreviewRejectsMalformedQuery(t *testing.T) {
	t.Parallel()
	h := setup(t)

	for _, query := range []string{"schedule=%40daily&after=%zz", "schedule=%40daily;count=3"} {
		t.Run(query, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + query, token: h.token})
			wantValidationMessages(t, ja, en)
			fe := wantInvalid(t, en, "query")
			if want := "percent-encode special characters, such as %2B for +"; !strings.Contains(fe.Message, want) {
				t.Errorf("message %q does not contain %q", fe.Message, want)
			}
		})
	}
}

func TestPreviewStopsAtYear9999(t *testing.T) {
	t.Parallel()
	h := setup(t)

	hourly := make([]string, 23)
	for i := range hourly {
		hourly[i] = apiTime(time.Date(9999, 12, 31, i+1, 0, 0, 0, time.UTC))
	}
	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"count fits", url.Values{"schedule": {"@hourly"}, "count": {"2"}, "after": {"9999-12-31T00:00:00Z"}},
			hourly[:2]},
		{"fewer than count", url.Values{"schedule": {"@hourly"}, "count": {"100"}, "after": {"9999-12-31T00:00:00Z"}},
			hourly},
		{"last second", url.Values{"schedule": {"* * * * * *"}, "count": {"5"}, "after": {"9999-12-31T23:59:58Z"}},
			[]string{"9999-12-31T23:59:59.000Z"}},
		{"zone", url.Values{"schedule": {"0 9 * * *"}, "timezone": {"Pacific/Kiritimati"}, "count": {"3"},
			"after": {"9999-12-29T00:00:00Z"}},
			[]string{"9999-12-29T19:00:00.000Z", "9999-12-30T19:00:00.000Z", "9999-12-31T19:00:00.000Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := previewRuns(t, h.call(t, "GET", "/schedules/next?"+tc.query.Encode(), h.token, nil))
			if !slices.Equal(runs, tc.want) {
				t.Errorf("nextRuns is %v, want %v", runs, tc.want)
			}
			for _, run := range runs {
				if !timePattern.MatchString(run) {
					t.Errorf("fire time %q is not RFC 3339 with milliseconds", run)
				}
			}
		})
	}
}

func TestPreviewRejectsPastYear9999(t *testing.T) {
	t.Parallel()
	h := setup(t)

	tests := []struct {
		name   string
		query  url.Values
		field  string
		wantEN string
		wantJA []string
	}{
		{"no fire time left", url.Values{"schedule": {"0 0 1 1 *"}, "after": {"9999-12-31T00:00:00Z"}}, "schedule",
			`schedule "0 0 1 1 *" does not fire again before the year 10000, the end of RFC 3339 times; use an earlier after`,
			[]string{`"0 0 1 1 *"`, "10000 年より前にもう実行されません"}},
		{"after the last second", url.Values{"schedule": {"@every 1s"}, "after": {"9999-12-31T23:59:59.999Z"}},
			"schedule",
			`schedule "@every 1s" does not fire again before the year 10000, the end of RFC 3339 times; use an earlier after`,
			[]string{"10000 年"}},
		{"after past 9999 in UTC", url.Values{"schedule": {"@hourly"}, "after": {"9999-12-31T23:00:00-05:00"}}, "after",
			`after "9999-12-31T23:00:00-05:00" is 10000-01-01T04:00:00Z in UTC, past the year 9999 that RFC 3339 can write; ` +
				"use a time up to 9999-12-31T23:59:59Z",
			[]string{"10000-01-01T04:00:00Z", "9999-12-31T23:59:59Z 以前"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + tc.query.Encode(), token: h.token})
			wantFieldMessages(t, ja, en, tc.field, tc.wantEN, tc.wantJA...)
		})
	}
}
