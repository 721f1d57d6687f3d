package service

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
)

// englishSentence matches three lowercase English words in a row, which a
// Japanese message contains only where English prose leaked into it.
var englishSentence = regexp.MustCompile(`\b[a-z]+ [a-z]+ [a-z]+\b`)

// checkJapanese reports a message that has no Japanese text or that
// contains an English sentence.
func checkJapanese(t *testing.T, label, msg string) {
	t.Helper()
	if !strings.ContainsFunc(msg, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Han) }) {
		t.Errorf("%s: message %q has no Japanese text", label, msg)
	}
	if m := englishSentence.FindString(msg); m != "" {
		t.Errorf("%s: message %q contains the English words %q", label, msg, m)
	}
}

func compileError(t *testing.T, expr string) error {
	t.Helper()
	_, err := cron.Compile(expr, cron.Options{Location: time.UTC, Anchor: time.Unix(0, 0)})
	if err == nil {
		t.Fatalf("Compile(%q) succeeded, want an error", expr)
	}
	return err
}

func TestScheduleMessageJA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		want []string // substrings of the Japanese message
	}{
		{"", []string{"スケジュールが空です"}},
		{"every day", []string{`"every day"`, "2 個", "5 つのフィールド"}},
		{"61 * * * *", []string{"分 (minute)", "61", "範囲外", "0〜59"}},
		{"0 5-75 * * * *", []string{"分 (minute)", "5-75", "値 75", "範囲外"}},
		{"0 0 32W * *", []string{"日 (day-of-month)", "32W", "値 32", "1〜31"}},
		{"00000 * * * *", []string{"00000", "範囲外"}},
		{"0 0 L-31 * *", []string{"L-31", "L-0〜L-30"}},
		{"0 0 * * 8#2", []string{"曜日 (day-of-week)", "値 8", "SUN〜SAT"}},
		{"0 0 * * 1#6", []string{"1#6", "# の後の回数", "1〜5"}},
		{"*/0 * * * *", []string{"分 (minute)", "*/0", "ステップが 0", "1 以上"}},
		{"0 0 * JAN-MAR/0 *", []string{"月 (month)", "JAN-MAR/0", "ステップが 0"}},
		{"0 22-5 * * *", []string{"時 (hour)", "22-5", "逆順の範囲", "22-23,0-5 と書いてください"}},
		{"0 0 * * FRI-MON", []string{"FRI-MON", "逆順の範囲", "5-6,0-1"}},
		{"0 0 * * 7-2", []string{"7-2", "0-2 と書いてください"}},
		{"0 0 * NOV-FEB *", []string{"NOV-FEB", "11-12,1-2"}},
		{"0 0 30 2 *", []string{"日 (day-of-month) 30", "月 (month) 2", "決して実行されません"}},
		{"CRON_TZ=Asia/Tokyo 0 0 31 2,4 *", []string{"31", "2,4", "決して実行されません"}},
		{"1,,2 * * * *", []string{"1,,2", "空の項目", "カンマ"}},
		{"? * * * *", []string{"分 (minute)", "? は使えません", "*"}},
		{"0 0 1,? * *", []string{"日 (day-of-month)", "単独"}},
		{"0 0 * * L", []string{"5L"}},
		{"0 0 L-x * *", []string{"L-x", "L-n"}},
		{"0 0 5W-9 * *", []string{"5W-9", "単独"}},
		{"0 0 * * 1-5L", []string{"1-5L", "曜日を 1 つだけ"}},
		{"0 0 * * X#2", []string{"X#2", `"X"`, "正しくありません"}},
		{"0 0 * * 1#x", []string{"1#x", "1〜5"}},
		{"0 0 * * #2", []string{"#2", "値がありません"}},
		{"*/x * * * *", []string{"*/x", "ステップが正しくありません"}},
		{"-5 * * * *", []string{"-5", "開始-終了"}},
		{"1-2-3 * * * *", []string{"1-2-3", "開始-終了"}},
		{"abc * * * *", []string{`"abc"`, "0〜59"}},
		{"1-abc * * * *", []string{"1-abc", `"abc"`}},
		{"/5 * * * *", []string{"/5", "値がありません"}},
		{"0 0 * FOO *", []string{`"FOO"`, "JAN〜DEC"}},
		{"@foo", []string{"@foo", "存在しません", "@daily"}},
		{"@daily 1", []string{`"@daily 1"`, "余分なフィールド"}},
		{"@every", []string{"間隔がありません", "@every 90s"}},
		{"@every 1 2", []string{`"1 2"`, "1 つだけ"}},
		{"@every xyz", []string{`"xyz"`, "解釈できません"}},
		{"@every 500ms", []string{"500ms", "1 秒未満", "1s 以上"}},
		{"CRON_TZ=Mars/Olympus 0 * * * *", []string{`"Mars/Olympus"`, "IANA"}},
		{"TZ=Local 0 * * * *", []string{`"Local"`, "使用できません"}},
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

// TestReversedRangeSuggestion checks the Japanese suggestion for every
// reversed range against the one in the schedule engine's English message.
func TestReversedRangeSuggestion(t *testing.T) {
	t.Parallel()
	// Position of each field in a six-field expression.
	positions := map[string]int{"second": 0, "minute": 1, "hour": 2, "day-of-month": 3, "month": 4, "day-of-week": 5}
	suggestion := regexp.MustCompile(`write (\S+) instead`)
	checked := 0
	for name, pos := range positions {
		f := cronFields[name]
		for lo := f.min; lo <= f.max; lo++ {
			for hi := f.min; hi < lo; hi++ {
				for _, step := range []string{"", "/1", "/2", "/3", "/5", "/7", "/13", "/60", "/99999999999999999999"} {
					fields := []string{"0", "0", "0", "1", "1", "*"}
					fields[pos] = fmt.Sprintf("%d-%d%s", lo, hi, step)
					expr := strings.Join(fields, " ")
					err := compileError(t, expr)
					if !errors.Is(err, cron.ErrReversedRange) {
						t.Fatalf("%q: error %v, want a reversed range", expr, err)
					}
					m := suggestion.FindStringSubmatch(err.Error())
					if m == nil {
						t.Fatalf("%q: English message %q has no suggestion", expr, err)
					}
					got, ok := f.unwrap(fields[pos])
					if !ok || got != m[1] {
						t.Errorf("%q: Japanese suggestion is %q (ok %v), want the engine's %q", expr, got, ok, m[1])
					}
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no reversed range was checked")
	}
}

func TestTargetMessageJA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"http://exa mple.com/", []string{`"http://exa mple.com/"`, "解析できません"}},
		{"example.com/hook", []string{"スキームがありません", "https://example.com/hook"}},
		{"//example.com/hook", []string{"スキームがありません", "https://example.com/hook"}},
		{"/hook", []string{`"/hook"`, "スキームとホストがありません", "https://example.com/hook"}},
		{"?id=1", []string{"スキームとホストがありません", "https://example.com/?id=1"}},
		{"x y", []string{`"x y"`, "絶対 URL ではありません", "https://example.com/hook"}},
		{"ftp://example.com/file", []string{`"ftp"`, "http か https"}},
		{"http:///hook", []string{"ホストがありません"}},
		{"http://user:secret@example.com/", []string{"パスワード", "ヘッダー"}},
		{"http://example.com:99999/", []string{`"99999"`, "1〜65535"}},
		{"http://127.0.0.1/hook", []string{"127.0.0.1", "公開アドレス", "--allow-private-targets"}},
		{"http://api.localhost/hook", []string{"api.localhost", "公開アドレス"}},
		{"http://[64:ff9b::a00:1]/", []string{"64:ff9b::a00:1", "公開アドレス"}},
		{"http://2130706433/", []string{`"2130706433"`, "203.0.113.7"}},
	} {
		err := scheduler.CheckTargetURL(tc.url, false)
		if err == nil {
			t.Errorf("CheckTargetURL(%q) accepted the URL, want an error", tc.url)
			continue
		}
		msg := targetMessageJA(tc.url, err)
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: message %q does not contain %q (English: %v)", tc.url, msg, want, err)
			}
		}
		checkJapanese(t, tc.url, msg)
	}
}

// TestSchemeSuggestion checks the Japanese suggestion for a URL without a
// scheme against the one in scheduler.CheckTargetURL's English message.
func TestSchemeSuggestion(t *testing.T) {
	t.Parallel()
	suggestion := regexp.MustCompile(`such as (\S+)$`)
	for _, raw := range []string{"example.com/hook", "example.com", "//example.com/hook", "hook",
		"/hook", "///hook", "/", "", "?id=1", "#top", "x y"} {
		err := scheduler.CheckTargetURL(raw, false)
		if err == nil {
			t.Errorf("CheckTargetURL(%q) accepted the URL, want an error", raw)
			continue
		}
		m := suggestion.FindStringSubmatch(err.Error())
		if m == nil {
			t.Errorf("%q: English message %q has no suggestion", raw, err)
			continue
		}
		if strings.Contains(m[1], ":///") {
			t.Errorf("%q: English suggestion %q has no host", raw, m[1])
		}
		msg := targetMessageJA(raw, err)
		if !strings.Contains(msg, m[1]+" のように") {
			t.Errorf("%q: message %q does not suggest CheckTargetURL's %q", raw, msg, m[1])
		}
		checkJapanese(t, raw, msg)
	}
}
