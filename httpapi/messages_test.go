package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/recoron/recoron/scheduler/cron"
)

// englishSentence matches three lowercase English words in a row, which a
// Japanese message contains only where English prose leaked into it.
var englishSentence = regexp.MustCompile(`\b[a-z]+ [a-z]+ [a-z]+\b`)

func isJapanese(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }

// wantJapanese checks that the message of res has Japanese text and no
// English sentence.
func wantJapanese(t *testing.T, res *response) {
	t.Helper()
	if !strings.ContainsFunc(res.message, isJapanese) {
		t.Errorf("%s: message %q has no Japanese text", res, res.message)
	}
	if m := englishSentence.FindString(res.message); m != "" {
		t.Errorf("%s: Japanese message %q contains the English words %q", res, res.message, m)
	}
}

// wantEnglish checks that the message of res has no Japanese text.
func wantEnglish(t *testing.T, res *response) {
	t.Helper()
	if strings.ContainsFunc(res.message, isJapanese) {
		t.Errorf("%s: English message %q contains Japanese text", res, res.message)
	}
}

// wantValidationMessages checks the Japanese response ja and the English
// response en to the same invalid request.
func wantValidationMessages(t *testing.T, ja, en *response) {
	t.Helper()
	wantError(t, ja, http.StatusBadRequest, "validation_failed")
	wantError(t, en, http.StatusBadRequest, "validation_failed")
	if !strings.HasPrefix(ja.message, "入力内容に誤りがあります (") {
		t.Errorf("%s: message %q is not the Japanese validation message", ja, ja.message)
	}
	wantJapanese(t, ja)

	fields := fieldErrors(t, en)
	if len(fields) == 0 {
		t.Fatalf("%s: error.details lists no field", en)
	}
	want := "invalid request (" + fields[0].Field + ": " + fields[0].Message + ")"
	if en.message != want {
		t.Errorf("%s: English message is %q, want %q", en, en.message, want)
	}
	wantEnglish(t, en)

	// Each detail keeps exactly the keys field and message, with the
	// English message in either language.
	var details []map[string]string
	if err := json.Unmarshal(ja.details, &details); err != nil {
		t.Fatalf("%s: error.details is not a list of objects with string values: %v", ja, err)
	}
	for _, d := range details {
		if _, ok := d["field"]; !ok || len(d) != 2 {
			t.Errorf("%s: detail %v does not have exactly the keys field and message", ja, d)
		}
		if strings.ContainsFunc(d["message"], isJapanese) {
			t.Errorf("%s: detail message %q is not the English message", ja, d["message"])
		}
	}
}

// wantFieldMessages checks the Japanese response ja and the English
// response en to the same invalid request, whose first field error must
// be field with the English message wantEN. The Japanese message must
// contain each of wantJA.
func wantFieldMessages(t *testing.T, ja, en *response, field, wantEN string, wantJA ...string) {
	t.Helper()
	wantValidationMessages(t, ja, en)
	fields := fieldErrors(t, en)
	if len(fields) == 0 {
		return // wantValidationMessages has reported it
	}
	if fields[0].Field != field {
		t.Errorf("%s: first field error names %q, want %q", en, fields[0].Field, field)
	}
	if fields[0].Message != wantEN {
		t.Errorf("%s: English message is %q, want %q", en, fields[0].Message, wantEN)
	}
	for _, want := range wantJA {
		if !strings.Contains(ja.message, want) {
			t.Errorf("%s: message %q does not contain %q", ja, ja.message, want)
		}
	}
}

// sendBoth sends req without Accept-Language and with Accept-Language: en,
// keeping its other headers.
func (h *harness) sendBoth(t *testing.T, req request) (ja, en *response) {
	t.Helper()
	ja = h.send(t, req)
	req.header = maps.Clone(req.header)
	if req.header == nil {
		req.header = map[string]string{}
	}
	req.header["Accept-Language"] = "en"
	en = h.send(t, req)
	return ja, en
}

func TestJobValidationMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	headers := make(map[string]string, 51)
	for i := range 51 {
		headers[fmt.Sprintf("X-H%d", i)] = "v"
	}
	tests := []struct {
		name string
		body any
	}{
		{"empty body", ""},
		{"malformed JSON", `{"name" 1}`},
		{"truncated JSON", `{"name":`},
		{"trailing data", `{} {}`},
		{"unknown field", `{"nope": 1}`},
		{"string for integer", `{"timeoutSeconds": "30"}`},
		{"fraction for integer", `{"timeoutSeconds": 1.5}`},
		{"integer for string", `{"name": 1}`},
		{"array for headers", `{"headers": []}`},
		{"null name", `{"name": null}`},
		{"blank name", map[string]any{"name": " "}},
		{"long name", map[string]any{"name": strings.Repeat("n", 201)}},
		{"NUL in name", map[string]any{"name": "a\x00b"}},
		{"missing url", map[string]any{"url": nil}},
		{"long url", map[string]any{"url": "https://example.com/?q=" + strings.Repeat("a", 2048)}},
		{"ftp url", map[string]any{"url": "ftp://example.com/file"}},
		{"relative url", map[string]any{"url": "/hook"}},
		{"url without host", map[string]any{"url": "http:///hook"}},
		{"url with credentials", map[string]any{"url": "http://user:secret@example.com/"}},
		{"url with bad port", map[string]any{"url": "http://example.com:0/"}},
		{"missing method", map[string]any{"method": nil}},
		{"unknown method", map[string]any{"method": "FETCH"}},
		{"too many headers", map[string]any{"headers": headers}},
		{"repeated header", map[string]any{"headers": map[string]string{"X-Note": "a", "x-note": "b"}}},
		{"invalid header name", map[string]any{"headers": map[string]string{"Bad Name": "x"}}},
		{"reserved header", map[string]any{"headers": map[string]string{"Host": "example.com"}}},
		{"long header value", map[string]any{"headers": map[string]string{"X-Note": strings.Repeat("v", 4097)}}},
		{"header value with newline", map[string]any{"headers": map[string]string{"X-Note": "a\r\nb"}}},
		{"long body", map[string]any{"body": strings.Repeat("b", 64<<10+1)}},
		{"timeout zero", map[string]any{"timeoutSeconds": 0}},
		{"unknown overlap policy", map[string]any{"overlapPolicy": "queue"}},
		{"unknown misfire policy", map[string]any{"misfirePolicy": "later"}},
		{"catch-up zero", map[string]any{"catchUpSeconds": 0}},
		{"negative jitter", map[string]any{"jitterSeconds": -1}},
		{"retry attempts zero", map[string]any{"retry": map[string]any{"maxAttempts": 0}}},
		{"retry initial interval zero", map[string]any{"retry": map[string]any{"initialIntervalMs": 0}}},
		{"retry max below initial", map[string]any{"retry": map[string]any{"initialIntervalMs": 5000, "maxIntervalMs": 1000}}},
		{"unknown timezone", map[string]any{"timezone": "Mars/Olympus"}},
		{"local timezone", map[string]any{"timezone": "Local"}},
		{"zone conflicts with prefix", map[string]any{"schedule": "CRON_TZ=Asia/Tokyo 0 9 * * *", "timezone": "America/New_York"}},
		{"missing schedule", map[string]any{"schedule": nil}},
		{"long schedule", map[string]any{"schedule": strings.Repeat("1,", 128) + "1 * * * *"}},
		{"minute out of range", map[string]any{"schedule": "61 * * * *"}},
		{"zero step", map[string]any{"schedule": "*/0 * * * *"}},
		{"reversed range", map[string]any{"schedule": "0 22-5 * * *"}},
		{"never fires", map[string]any{"schedule": "0 0 30 2 *"}},
		{"empty list item", map[string]any{"schedule": "1,,2 * * * *"}},
		{"unknown month name", map[string]any{"schedule": "0 0 1 FOO *"}},
		{"question mark in minute", map[string]any{"schedule": "? * * * *"}},
		{"wrong field count", map[string]any{"schedule": "every day"}},
		{"unknown descriptor", map[string]any{"schedule": "@fortnightly"}},
		{"every too short", map[string]any{"schedule": "@every 500ms"}},
		{"every not a duration", map[string]any{"schedule": "@every soon"}},
		{"unknown prefix zone", map[string]any{"schedule": "CRON_TZ=Mars/Olympus 0 9 * * *"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if overrides, ok := body.(map[string]any); ok {
				body = h.jobInput(overrides)
			}
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs", token: h.token, body: body})
			wantValidationMessages(t, ja, en)
		})
	}

	t.Run("PATCH", func(t *testing.T) {
		id := str(t, h.createJob(t, h.token, nil), "id")
		ja, en := h.sendBoth(t, request{method: "PATCH", path: "/jobs/" + id, token: h.token,
			body: map[string]any{"schedule": "0 22-5 * * *"}})
		wantValidationMessages(t, ja, en)
	})
}

func TestBatchValidationMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tooMany := make([]any, 501)
	for i := range tooMany {
		tooMany[i] = map[string]any{}
	}
	tests := []struct {
		name string
		body any
	}{
		{"empty batch", []any{}},
		{"too many jobs", tooMany},
		{"object instead of array", map[string]any{}},
		{"item not an object", []any{1}},
		{"null field in item", []any{map[string]any{"name": nil}}},
		{"invalid item field", []any{h.jobInput(nil), h.jobInput(map[string]any{"schedule": "0 0 * * 7-2"})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs/batch", token: h.token, body: tc.body})
			wantValidationMessages(t, ja, en)
		})
	}
}

func TestBlockedTargetMessages(t *testing.T) {
	t.Parallel()
	h := setupWith(t, options{guard: true})
	for _, url := range []string{"http://127.0.0.1/hook", "http://localhost/hook", "http://2130706433/hook"} {
		t.Run(url, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs", token: h.token,
				body: h.jobInput(map[string]any{"url": url})})
			wantValidationMessages(t, ja, en)
		})
	}
}

func TestKeyAndPageValidationMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, lone := h.newUser(t, "single key user", "free")
	keys := h.call(t, "GET", "/keys", lone, nil)
	wantStatus(t, keys, http.StatusOK)
	list := keys.list(t)
	if len(list) != 1 {
		t.Fatalf("new user has %d keys, want 1", len(list))
	}
	loneKey := str(t, list[0], "id")

	tests := []struct {
		name string
		req  request
	}{
		{"key without name", request{method: "POST", path: "/keys", token: h.token,
			body: map[string]any{"scopes": []string{"read:jobs"}}}},
		{"key with long name", request{method: "POST", path: "/keys", token: h.token,
			body: map[string]any{"name": strings.Repeat("k", 201), "scopes": []string{"read:jobs"}}}},
		{"key without scopes", request{method: "POST", path: "/keys", token: h.token,
			body: map[string]any{"name": "ci"}}},
		{"key with unknown scope", request{method: "POST", path: "/keys", token: h.token,
			body: map[string]any{"name": "ci", "scopes": []string{"read:everything"}}}},
		{"key expiring in the past", request{method: "POST", path: "/keys", token: h.token,
			body: map[string]any{"name": "ci", "scopes": []string{"read:jobs"}, "expiresAt": "2020-01-01T00:00:00Z"}}},
		{"last key of a user", request{method: "DELETE", path: "/keys/" + loneKey, token: lone}},
		{"page limit zero", request{method: "GET", path: "/jobs?limit=0", token: h.token}},
		{"page cursor not an id", request{method: "GET", path: "/jobs?after=a%2Fb", token: h.token}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, tc.req)
			wantValidationMessages(t, ja, en)
		})
	}
}

func TestPlanLimitMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, free := h.newUser(t, "free user", "free")
	for i := range 5 {
		h.createJob(t, free, map[string]any{"name": fmt.Sprintf("job %d", i)})
	}
	h.createKey(t, free, "second key", "read:jobs")

	tests := []struct {
		name string
		req  request
		want string // Japanese text that the message must contain
	}{
		{"job count", request{method: "POST", path: "/jobs", token: free, body: h.jobInput(nil)}, "ジョブ数"},
		{"key count", request{method: "POST", path: "/keys", token: free,
			body: map[string]any{"name": "third key", "scopes": []string{"read:jobs"}}}, "APIキー数"},
		{"timeout", request{method: "POST", path: "/jobs/batch", token: free,
			body: []any{h.jobInput(map[string]any{"timeoutSeconds": 31})}}, "timeoutSeconds を小さく"},
		{"interval", request{method: "POST", path: "/jobs/batch", token: free,
			body: []any{h.jobInput(map[string]any{"schedule": "*/10 * * * * *"})}}, `"*/10 * * * * *" は最短 10 秒`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, tc.req)
			wantError(t, ja, http.StatusForbidden, "plan_limit_exceeded")
			wantError(t, en, http.StatusForbidden, "plan_limit_exceeded")
			if !strings.Contains(ja.message, "上限") {
				t.Errorf("%s: message %q does not contain 上限", ja, ja.message)
			}
			if !strings.Contains(ja.message, tc.want) {
				t.Errorf("%s: message %q does not contain %q", ja, ja.message, tc.want)
			}
			wantJapanese(t, ja)
			if !strings.HasPrefix(en.message, "plan limit reached: ") {
				t.Errorf("%s: English message %q does not start with %q", en, en.message, "plan limit reached: ")
			}
			wantEnglish(t, en)
		})
	}
}

func TestKeyExpiryFormatMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, value := range []string{"tomorrow", "2026-12-31", "2026-12-31 00:00:00Z", ""} {
		t.Run(fmt.Sprintf("%q", value), func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/keys", token: h.token,
				body: map[string]any{"name": "ci", "scopes": []string{"read:jobs"}, "expiresAt": value}})
			wantFieldMessages(t, ja, en, "expiresAt",
				fmt.Sprintf("expiresAt %q is not an RFC 3339 time; use a form such as 2026-12-31T00:00:00.000Z", value),
				fmt.Sprintf("expiresAt %q は RFC 3339 形式の時刻ではありません", value), "2026-12-31T00:00:00.000Z")
		})
	}
}

func TestSchedulePreviewMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	engine := func(expr string) string {
		_, err := cron.Compile(expr, cron.Options{Location: time.UTC, Anchor: start})
		if err == nil {
			t.Fatalf("cron.Compile(%q) accepted the expression", expr)
		}
		return err.Error()
	}
	tests := []struct {
		name   string
		query  url.Values
		field  string
		wantEN string
		wantJA []string // substrings of the Japanese message
	}{
		{"missing schedule", url.Values{}, "schedule",
			"schedule is required, such as ?schedule=0+9+*+*+*",
			[]string{"schedule が指定されていません", "?schedule=0+9+*+*+*"}},
		{"unknown timezone", url.Values{"schedule": {"@daily"}, "timezone": {"Mars/Olympus"}}, "timezone",
			`unknown time zone "Mars/Olympus"; use an IANA name such as UTC or Asia/Tokyo`,
			[]string{`タイムゾーン "Mars/Olympus" は使用できません`, "IANA"}},
		{"local timezone", url.Values{"schedule": {"@daily"}, "timezone": {"Local"}}, "timezone",
			`unknown time zone "Local"; use an IANA name such as UTC or Asia/Tokyo`,
			[]string{`"Local"`, "IANA"}},
		{"count zero", url.Values{"schedule": {"@daily"}, "count": {"0"}}, "count",
			`count "0" is invalid; use an integer from 1 to 100`,
			[]string{`count "0" は正しくありません`, "1〜100"}},
		{"count over maximum", url.Values{"schedule": {"@daily"}, "count": {"101"}}, "count",
			`count "101" is invalid; use an integer from 1 to 100`,
			[]string{`count "101"`, "1〜100"}},
		{"count not a number", url.Values{"schedule": {"@daily"}, "count": {"many"}}, "count",
			`count "many" is invalid; use an integer from 1 to 100`,
			[]string{`count "many"`, "1〜100"}},
		{"hour out of range", url.Values{"schedule": {"0 25 * * *"}}, "schedule",
			engine("0 25 * * *"), []string{"時 (hour)", "25", "範囲外", "0〜23"}},
		{"zero step", url.Values{"schedule": {"*/0 * * * *"}}, "schedule",
			engine("*/0 * * * *"), []string{"分 (minute)", "ステップが 0"}},
		{"reversed range", url.Values{"schedule": {"0 22-5 * * *"}}, "schedule",
			engine("0 22-5 * * *"), []string{"逆順の範囲", "22-23,0-5 と書いてください"}},
		{"never fires", url.Values{"schedule": {"0 0 30 2 *"}}, "schedule",
			engine("0 0 30 2 *"), []string{"決して実行されません"}},
		{"question mark in minute", url.Values{"schedule": {"? * * * *"}}, "schedule",
			engine("? * * * *"), []string{"? は使えません"}},
		{"wrong field count", url.Values{"schedule": {"every day"}}, "schedule",
			engine("every day"), []string{`"every day"`, "5 つのフィールド"}},
		{"unknown descriptor", url.Values{"schedule": {"@fortnightly"}}, "schedule",
			engine("@fortnightly"), []string{"@fortnightly", "存在しません"}},
		{"every too short", url.Values{"schedule": {"@every 500ms"}}, "schedule",
			engine("@every 500ms"), []string{"500ms", "1 秒未満"}},
		{"unknown prefix zone", url.Values{"schedule": {"CRON_TZ=Mars/Olympus 0 9 * * *"}}, "schedule",
			engine("CRON_TZ=Mars/Olympus 0 9 * * *"), []string{`"Mars/Olympus"`, "CRON_TZ=Asia/Tokyo"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "GET", path: "/schedules/next?" + tc.query.Encode(), token: h.token})
			wantFieldMessages(t, ja, en, tc.field, tc.wantEN, tc.wantJA...)
		})
	}
}

func TestSchemelessURLMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tests := []struct {
		url    string
		wantEN string
		wantJA []string
	}{
		{"/hook", `URL "/hook" has no scheme or host; write the full URL with the host to call, such as https://example.com/hook`,
			[]string{`URL "/hook" にスキームとホストがありません`, "https://example.com/hook のように"}},
		{"///hook", `URL "///hook" has no scheme or host; write the full URL with the host to call, such as https://example.com/hook`,
			[]string{"スキームとホストがありません", "https://example.com/hook のように"}},
		{"example.com/hook", `URL "example.com/hook" has no scheme; write it in full, such as https://example.com/hook`,
			[]string{`URL "example.com/hook" にスキームがありません`, "https://example.com/hook のように"}},
		{"//example.com/hook", `URL "//example.com/hook" has no scheme; write it in full, such as https://example.com/hook`,
			[]string{"スキームがありません", "https://example.com/hook のように"}},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs", token: h.token,
				body: h.jobInput(map[string]any{"url": tc.url})})
			wantFieldMessages(t, ja, en, "url", tc.wantEN, tc.wantJA...)
			for _, res := range []*response{ja, en} {
				if strings.Contains(res.message, ":///") {
					t.Errorf("%s: message %q suggests a URL without a host", res, res.message)
				}
			}
		})
	}
}

func TestGrantScopeMessages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, limited := h.createKey(t, h.token, "key admin", "write:keys", "read:jobs")
	tests := []struct {
		scopes  []string
		missing string
	}{
		{[]string{"write:jobs"}, "write:jobs"},
		{[]string{"read:jobs", "read:usage"}, "read:usage"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.scopes, ","), func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/keys", token: limited,
				body: map[string]any{"name": "escalate", "scopes": tc.scopes}})
			wantError(t, ja, http.StatusForbidden, "forbidden")
			wantError(t, en, http.StatusForbidden, "forbidden")
			for _, want := range []string{"権限がありません", "スコープ " + tc.missing + " がない",
				tc.missing + " を持つキーで作成"} {
				if !strings.Contains(ja.message, want) {
					t.Errorf("%s: message %q does not contain %q", ja, ja.message, want)
				}
			}
			wantJapanese(t, ja)
			wantEN := "forbidden: a key cannot grant scope " + tc.missing + ", which it does not hold"
			if en.message != wantEN {
				t.Errorf("%s: English message is %q, want %q", en, en.message, wantEN)
			}
			wantEnglish(t, en)
			for _, res := range []*response{ja, en} {
				if got := detailsObject(t, res)["requiredScope"]; got != tc.missing {
					t.Errorf("%s: requiredScope is %v, want %s", res, got, tc.missing)
				}
			}
		})
	}
}
