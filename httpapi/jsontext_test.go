package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestFindInvalidText(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		offset int    // -1 when the text is valid
		escape string // the reported escape, empty for a byte
	}{
		{"ASCII", `{"a":"b"}`, -1, ""},
		{"multibyte", `"日本語"`, -1, ""},
		{"replacement character", "\"\uFFFD\"", -1, ""},
		{"escaped replacement character", `"\uFFFD"`, -1, ""},
		{"surrogate pair", `"\ud83d\ude00"`, -1, ""},
		{"highest pair", `"\uDBFF\uDFFF"`, -1, ""},
		{"escaped backslash", `"\\ud800"`, -1, ""},
		{"malformed escape", `"\u12"`, -1, ""},
		{"lone high", `"\ud800"`, 1, `\ud800`},
		{"lone low", `"x\udc00"`, 2, `\udc00`},
		{"high then high then low", `"\ud800\ud800\udc00"`, 1, `\ud800`},
		{"high then other escape", `"\ud800\n"`, 1, `\ud800`},
		{"high at end", `"\ud800`, 1, `\ud800`},
		{"invalid byte", "\"a\xffb\"", 2, ""},
		{"encoded surrogate", "\"\xed\xa0\x80\"", 1, ""},
		{"overlong encoding", "\"\xc0\xaf\"", 1, ""},
		{"truncated sequence", "\"\xe6\x97\"", 1, ""},
		{"backslash before invalid byte", "\"\\\xff\"", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problem, found := findInvalidText([]byte(tc.text))
			if tc.offset < 0 {
				if found {
					t.Fatalf("findInvalidText(%q) reports %+v, want no problem", tc.text, problem)
				}
				return
			}
			if !found {
				t.Fatalf("findInvalidText(%q) reports no problem, want one at offset %d", tc.text, tc.offset)
			}
			if problem.offset != tc.offset {
				t.Errorf("findInvalidText(%q) offset is %d, want %d", tc.text, problem.offset, tc.offset)
			}
			if problem.escape != tc.escape {
				t.Errorf("findInvalidText(%q) escape is %q, want %q", tc.text, problem.escape, tc.escape)
			}
		})
	}
}

// FuzzFindInvalidText checks findInvalidText against utf8.Valid on every
// input, and against encoding/json on valid JSON. encoding/json replaces
// exactly the invalid bytes and unpaired surrogate escapes with U+FFFD.
// So a text without U+FFFD of its own decodes to strings with U+FFFD if
// and only if findInvalidText reports a problem.
func FuzzFindInvalidText(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","headers":{"X-A":"b"}}`, `"\ud800"`, `"\udc00"`, `"\ud83d\ude00"`, `"\\ud800"`,
		`"\ud800\ud800\udc00"`, `"\ud800\u0041"`, `"\u"`, `\`, `"\ud800\u`, "\"\xed\xa0\x80\"", "\xff",
		`["\uDBFF\uDFFF", {"\ud800": 1}]`, "\"\uFFFD\"", `"\ufffd"`, "\"\xc3\"", `[1e999, "\udfff"]`,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, text []byte) {
		problem, found := findInvalidText(text)
		if !found {
			if !utf8.Valid(text) {
				t.Fatalf("findInvalidText(%q) reports no problem, but utf8.Valid is false", text)
			}
		} else {
			checkProblem(t, text, problem)
			// Naming the field must work on any text.
			if err := textError(text, problem); err == nil {
				t.Fatalf("textError(%q, %+v) returned nil", text, problem)
			}
		}

		if !json.Valid(text) || hasOwnReplacement(text) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decoding valid JSON %q: %v", text, err)
		}
		if replaced := containsReplacement(v); replaced != found {
			t.Fatalf("findInvalidText(%q) reports a problem: %v, but encoding/json replaced characters: %v",
				text, found, replaced)
		}
	})
}

// checkProblem checks that problem is the first invalid place in text.
func checkProblem(t *testing.T, text []byte, problem textProblem) {
	t.Helper()
	if problem.offset < 0 || problem.offset >= len(text) {
		t.Fatalf("findInvalidText(%q) offset %d is outside the text", text, problem.offset)
	}
	if !utf8.Valid(text[:problem.offset]) {
		t.Fatalf("findInvalidText(%q) offset %d is after an invalid byte", text, problem.offset)
	}
	if problem.escape == "" {
		r, size := utf8.DecodeRune(text[problem.offset:])
		if r != utf8.RuneError || size != 1 {
			t.Fatalf("findInvalidText(%q) reports byte offset %d, where %q is valid UTF-8", text, problem.offset, r)
		}
		if text[problem.offset] != problem.invalidByte {
			t.Fatalf("findInvalidText(%q) reports byte 0x%02X, want 0x%02X",
				text, problem.invalidByte, text[problem.offset])
		}
		return
	}
	if !bytes.HasPrefix(text[problem.offset:], []byte(problem.escape)) || len(problem.escape) != 6 {
		t.Fatalf("findInvalidText(%q) reports escape %q at offset %d, which is not there",
			text, problem.escape, problem.offset)
	}
}

// hasOwnReplacement reports whether text contains U+FFFD, as UTF-8 or as
// an escape in any case, which encoding/json decodes like a replaced
// character.
func hasOwnReplacement(text []byte) bool {
	if bytes.Contains(text, []byte("\uFFFD")) {
		return true
	}
	lower := make([]byte, len(text))
	for i, c := range text {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return bytes.Contains(lower, []byte(`fffd`))
}

// containsReplacement reports whether any string or object key in v, as
// encoding/json decodes it into an any, contains U+FFFD.
func containsReplacement(v any) bool {
	switch v := v.(type) {
	case string:
		return bytes.ContainsRune([]byte(v), utf8.RuneError)
	case []any:
		for _, item := range v {
			if containsReplacement(item) {
				return true
			}
		}
	case map[string]any:
		for key, item := range v {
			if containsReplacement(key) || containsReplacement(item) {
				return true
			}
		}
	}
	return false
}
