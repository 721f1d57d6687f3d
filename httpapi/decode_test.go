package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
)

func TestInvalidUTF8Rejected(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	valid := `{"name":"a","url":"` + h.sink.url("/") + `","method":"GET","schedule":"@daily"`

	tests := []struct {
		name, method, path, body string
		field                    string
		wantEN                   string
		wantJA                   []string
	}{
		{"raw byte in body", "POST", "/jobs", valid + `,"body":"x` + "\xff" + `y"}`, "body",
			"invalid UTF-8 byte 0xFF at byte offset " + strconv.Itoa(len(valid+`,"body":"x`)) + "; encode the text as UTF-8",
			[]string{"0xFF", "UTF-8 でエンコード"}},
		{"truncated sequence", "PATCH", "/jobs/" + jobID, `{"name":"caf` + "\xc3" + `"}`, "name",
			"invalid UTF-8 byte 0xC3 at byte offset 12; encode the text as UTF-8", []string{"0xC3"}},
		{"lone high surrogate", "PATCH", "/jobs/" + jobID, `{"name":"\ud800"}`, "name",
			`unpaired surrogate escape \ud800 at byte offset 9; ` +
				`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			[]string{`\ud800`, "対になるエスケープがありません"}},
		{"lone low surrogate", "PATCH", "/jobs/" + jobID, `{"name":"a\uDC00b"}`, "name",
			`unpaired surrogate escape \uDC00 at byte offset 10; ` +
				`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			[]string{`\uDC00`}},
		{"high surrogate then letter", "PATCH", "/jobs/" + jobID, `{"name":"\ud83d\u0041"}`, "name",
			`unpaired surrogate escape \ud83d at byte offset 9; ` +
				`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			[]string{`\ud83d`}},
		{"header value", "PATCH", "/jobs/" + jobID, `{"headers":{"X-A":"` + "\xfe" + `"}}`, "headers.X-A",
			"invalid UTF-8 byte 0xFE at byte offset 19; encode the text as UTF-8", []string{"0xFE"}},
		{"header name", "PATCH", "/jobs/" + jobID, `{"headers":{"X-` + "\xff" + `":"v"}}`, "headers",
			"invalid UTF-8 byte 0xFF at byte offset 15; encode the text as UTF-8", []string{"0xFF"}},
		{"batch item", "POST", "/jobs/batch", `[{}, {"retry":{"maxAttempts":1},"name":"\udfff"}]`, "[1].name",
			`unpaired surrogate escape \udfff at byte offset 40; ` +
				`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			[]string{`\udfff`}},
		{"key scopes", "POST", "/keys", `{"name":"k","scopes":["read:jobs","\ud800"]}`, "scopes[1]",
			`unpaired surrogate escape \ud800 at byte offset 35; ` +
				`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			[]string{`\ud800`}},
		{"outside strings", "PATCH", "/jobs/" + jobID, `{"enabled":false}` + "\xff", "request",
			"invalid UTF-8 byte 0xFF at byte offset 17; encode the text as UTF-8", []string{"0xFF"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: tc.method, path: tc.path, token: h.token, body: tc.body})
			wantFieldMessages(t, ja, en, tc.field, tc.wantEN, tc.wantJA...)
		})
	}

	// Nothing was stored.
	if n := h.countJobs(t, h.token); n != 1 {
		t.Errorf("GET /jobs lists %d jobs after rejected requests, want 1", n)
	}
	job := h.call(t, "GET", "/jobs/"+jobID, h.token, nil).object(t)
	if name := str(t, job, "name"); name != "nightly report" {
		t.Errorf("job name is %q after rejected updates, want nightly report", name)
	}
}

func TestValidUnicodeKept(t *testing.T) {
	t.Parallel()
	h := setup(t)

	tests := []struct {
		name, raw, want string
	}{
		{"surrogate pair", `\ud83d\ude00`, "😀"},
		{"upper-case pair", `\uD83D\uDE00`, "😀"},
		{"replacement character", "\uFFFD", "\uFFFD"},
		{"escaped replacement character", `\ufffd`, "\uFFFD"},
		{"escaped backslash before u", `\\ud800`, `\ud800`},
		{"Japanese", "日本語", "日本語"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"name":"` + tc.raw + `","url":"` + h.sink.url("/") + `","method":"GET","schedule":"@daily",` +
				`"headers":{"X-A":"` + tc.raw + `"}}`
			res := h.call(t, "POST", "/jobs", h.token, body)
			wantStatus(t, res, http.StatusCreated)
			job := res.object(t)
			if name := str(t, job, "name"); name != tc.want {
				t.Errorf("name is %q, want %q", name, tc.want)
			}
			if header := sub(t, job, "headers")["X-A"]; header != tc.want {
				t.Errorf("header X-A is %q, want %q", header, tc.want)
			}
		})
	}
}

func TestDecodeErrorsNameNestedField(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	patch := "/jobs/" + jobID

	tests := []struct {
		name, method, path, body string
		field, wantEN            string
	}{
		{"unknown field in retry", "PATCH", patch, `{"retry":{"foo":1}}`, "retry.foo",
			`unknown field "retry.foo"; remove it`},
		{"header key is not an unknown field", "PATCH", patch, `{"headers":{"foo":"x"},"retry":{"foo":1}}`,
			"retry.foo", `unknown field "retry.foo"; remove it`},
		{"unknown top-level field", "PATCH", patch, `{"colour":"red"}`, "colour",
			`unknown field "colour"; remove it`},
		{"header value not a string", "PATCH", patch, `{"headers":{"X-A":1}}`, "headers.X-A",
			"expected a string, got JSON number"},
		{"second header value", "PATCH", patch, `{"headers":{"X-A":"ok", "X-B" : {"c":1}}}`, "headers.X-B",
			"expected a string, got JSON object"},
		{"headers not an object", "PATCH", patch, `{"headers":[]}`, "headers",
			"expected an object of string values, got JSON array"},
		{"retry field type", "PATCH", patch, `{"retry":{"maxAttempts":"3"}}`, "retry.maxAttempts",
			"expected an integer, got JSON string"},
		{"batch item unknown field", "POST", "/jobs/batch", `[{}, {"retry":{"foo":1}}]`, "[1].retry.foo",
			`unknown field "retry.foo"; remove it`},
		{"batch item header", "POST", "/jobs/batch", `[{}, {"headers":{"X-A":true}}]`, "[1].headers.X-A",
			"expected a string, got JSON bool"},
		{"key scope type", "POST", "/keys", `{"name":"k","scopes":["read:jobs",1]}`, "scopes[1]",
			"expected a string, got JSON number"},
		{"whole body type", "PATCH", patch, `[1]`, "request", "expected an object, got JSON array"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: tc.method, path: tc.path, token: h.token, body: tc.body})
			wantFieldMessages(t, ja, en, tc.field, tc.wantEN)
		})
	}
}

func TestBatchSizeIsRequestError(t *testing.T) {
	t.Parallel()
	h := setup(t)
	tooMany := make([]any, 501)
	for i := range tooMany {
		tooMany[i] = map[string]any{}
	}

	tests := []struct {
		name   string
		body   any
		wantEN string
		wantJA []string
	}{
		{"empty", []any{}, "the array of jobs is empty; send an array of 1 to 500 jobs",
			[]string{"ジョブの配列が空です", "1〜500 件"}},
		{"too many", tooMany, "the array has 501 jobs; send 1 to 500 jobs in one request and the rest in further requests",
			[]string{"501 件", "1〜500 件"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ja, en := h.sendBoth(t, request{method: "POST", path: "/jobs/batch", token: h.token, body: tc.body})
			wantFieldMessages(t, ja, en, "request", tc.wantEN, tc.wantJA...)
		})
	}
}
