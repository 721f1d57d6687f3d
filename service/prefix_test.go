package service

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recoron/recoron/scheduler/cron"
)

func TestZonePrefixMessageJA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		want []string // substrings of the Japanese message
	}{
		{"cron_tz=Asia/Tokyo 0 0 0 31 2,4 *", []string{"日 (day-of-month) 31", "月 (month) 2,4", "決して実行されません"}},
		{"Tz=Asia/Tokyo 0 0 30 2 */7", []string{"日 (day-of-month) 30", "曜日 (day-of-week) */7", "月 (month) 2"}},
		{"TIMEZONE=UTC 0 9 * * *", []string{"接頭辞 TIMEZONE=UTC", "使用できません", "CRON_TZ=", "TZ="}},
		{"CRONTZ=Asia/Tokyo 0 9 * * *", []string{"接頭辞 CRONTZ=Asia/Tokyo", "使用できません"}},
		{"cron_tz=Mars/Olympus 0 9 * * *", []string{`"Mars/Olympus"`, "大文字と小文字", "IANA"}},
	} {
		err := compileError(t, tc.expr)
		msg := scheduleMessageJA(tc.expr, err)
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: message %q does not contain %q (English: %v)", tc.expr, msg, want, err)
			}
		}
		checkJapanese(t, tc.expr, msg)
	}
}

func TestScheduleZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr, timezone string
		want           string // the zone, or empty for a conflict
	}{
		{"0 9 * * *", "UTC", "UTC"},
		{"0 9 * * *", "Europe/Berlin", "Europe/Berlin"},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", "UTC", "Asia/Tokyo"},
		{"cron_tz=Asia/Tokyo 0 9 * * *", "UTC", "Asia/Tokyo"},
		{"tz=Asia/Tokyo @daily", "Asia/Tokyo", "Asia/Tokyo"},
		{"CRON_TZ=UTC 0 9 * * *", "UTC", "UTC"},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", "Europe/Berlin", ""},
		{"cron_tz=Asia/Tokyo 0 9 * * *", "Europe/Berlin", ""},
		{"CRON_TZ=UTC 0 9 * * *", "Europe/Berlin", ""},
	} {
		loc, err := LoadLocation(tc.timezone)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := cron.Compile(tc.expr, cron.Options{Location: loc, Anchor: time.Unix(0, 0)})
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.expr, err)
		}

		zone, err := ScheduleZone(tc.timezone, sched)
		if tc.want != "" {
			if err != nil || zone != tc.want {
				t.Errorf("ScheduleZone(%s, %q) = %q, %v; want %s", tc.timezone, tc.expr, zone, err, tc.want)
			}
			continue
		}

		var verr *ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != "timezone" {
			t.Errorf("ScheduleZone(%s, %q) error %v, want one timezone field error", tc.timezone, tc.expr, err)
			continue
		}
		if !strings.Contains(verr.Fields[0].Message, "conflicts with the schedule's prefix") {
			t.Errorf("ScheduleZone(%s, %q) message %q does not report the conflict", tc.timezone, tc.expr, verr.Fields[0].Message)
		}
		checkJapanese(t, tc.expr, verr.Fields[0].MessageJA)
	}
}
