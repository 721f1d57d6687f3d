package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/recoron/recoron/service"
)

// requestField names the request as a whole in validation details, for
// errors that belong to no field, such as malformed JSON. The job field
// "body" would be ambiguous there.
const requestField = "request"

// readBody reads the request body, which serve caps at Config.MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: CodePayloadTooLarge,
				ja: fmt.Sprintf("リクエスト本文が大きすぎます (上限 %d バイト)", mbe.Limit),
				en: fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit)}
		}
		// A body cut short or sent with broken chunked encoding is the
		// client's error.
		return nil, invalidJA(requestField,
			fmt.Sprintf("request body could not be read: %v; send the whole body again", err),
			"リクエスト本文を最後まで読み取れませんでした。本文全体をもう一度送ってください")
	}
	return body, nil
}

// checkContentType rejects a request body whose Content-Type is not JSON:
// application/json or a type with the +json suffix, with any parameters.
// A missing Content-Type passes, because curl users often leave it out.
func checkContentType(r *http.Request) error {
	values := r.Header.Values("Content-Type")
	if len(values) == 0 {
		return nil
	}
	sent := strings.Join(values, ", ")
	mediaType, params, err := mime.ParseMediaType(values[0])
	if len(values) == 1 && (err == nil || errors.Is(err, mime.ErrInvalidMediaParameter)) && isJSONType(mediaType) {
		charset, ok := params["charset"]
		if !ok || strings.EqualFold(charset, "utf-8") {
			return nil
		}
		en := fmt.Sprintf("charset %q is not supported; send the JSON body in UTF-8, with Content-Type: application/json", charset)
		ja := fmt.Sprintf("文字コード %q には対応していません。JSON の本文を UTF-8 で、Content-Type: application/json を付けて送ってください", charset)
		return &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMediaType, ja: ja, en: en,
			details: map[string]any{"contentType": sent, "supported": []string{"application/json", "application/*+json"}}}
	}

	en := fmt.Sprintf("Content-Type %q is not supported; send the JSON body with Content-Type: application/json", sent)
	ja := fmt.Sprintf("Content-Type %q には対応していません。JSON の本文を Content-Type: application/json で送ってください", sent)
	if mediaType == "application/x-www-form-urlencoded" {
		// curl -d sends this type unless the command sets another.
		en += `, such as with curl -H "Content-Type: application/json"`
		ja += `。curl では -H "Content-Type: application/json" を付けてください`
	}
	return &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMediaType, ja: ja, en: en,
		details: map[string]any{"contentType": sent, "supported": []string{"application/json", "application/*+json"}}}
}

// isJSONType reports whether mediaType is application/json or a type with
// the +json suffix, such as application/merge-patch+json.
func isJSONType(mediaType string) bool {
	if mediaType == "application/json" {
		return true
	}
	top, sub, ok := strings.Cut(mediaType, "/")
	return ok && top == "application" && strings.HasSuffix(sub, "+json") && len(sub) > len("+json")
}

// decodeJSON reads the body into v strictly: a non-JSON Content-Type,
// invalid UTF-8, unpaired surrogate escapes, unknown fields, trailing
// data and type mismatches are errors, which name the field where they
// can.
func decodeJSON(r *http.Request, v any) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		if err := checkContentType(r); err != nil {
			return nil, err
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, invalidJA(requestField, "request body is empty; send a JSON value",
			"リクエスト本文が空です。JSON の値を送ってください")
	}
	if problem, found := findInvalidText(body); found {
		// A problem in data after the value belongs to no field of it.
		if end, trailing := firstValueEnd(body); trailing && int64(problem.offset) >= end {
			return nil, textErrorAt(requestField, problem)
		}
		return nil, textError(body, problem)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err, body, v)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData()
	}
	if err := checkKeyCase(body, v); err != nil {
		return nil, err
	}
	return body, nil
}

// firstValueEnd returns the byte offset where the first JSON value of
// body ends, and whether more data follows it.
func firstValueEnd(body []byte) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return 0, false // the decode of the request reports it
	}
	end := dec.InputOffset()
	_, err := dec.Token()
	return end, err != io.EOF
}

// errTrailingData reports data after the JSON value of a request.
func errTrailingData() error {
	return invalidJA(requestField, "unexpected data after the JSON value",
		"JSON の値の後に余分なデータがあります。JSON の値を 1 つだけ送ってください")
}

// checkKeyCase rejects object keys that match a field of v only when case
// is ignored, as encoding/json matches them. Field names are
// case-sensitive here, so {"Name": ...} cannot slip past the checks that
// look fields up by their exact names.
func checkKeyCase(body []byte, v any) error {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil // decoding into v has already accepted the body
	}
	if field, want, ok := wrongCase(doc, reflect.TypeOf(v), ""); ok {
		field = clip(field)
		return invalidJA(field,
			fmt.Sprintf("unknown field %q; field names are case-sensitive, so write %q", field, want),
			fmt.Sprintf("フィールド %q は存在しません。フィールド名は大文字と小文字を区別します。%q と書いてください", field, want))
	}
	return nil
}

// wrongCase walks doc, a decoded JSON value, along the Go type t and
// returns the path of the first key whose case differs from the field it
// matches, with the field's JSON name.
func wrongCase(doc any, t reflect.Type, path string) (field, want string, found bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch value := doc.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return "", "", false
		}
		fields := map[string]reflect.StructField{}
		folded := map[string]string{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f
			folded[strings.ToLower(name)] = name
		}
		for _, key := range slices.Sorted(maps.Keys(value)) {
			keyPath := key
			if path != "" {
				keyPath = path + "." + key
			}
			if f, ok := fields[key]; ok {
				if field, want, found := wrongCase(value[key], f.Type, keyPath); found {
					return field, want, true
				}
				continue
			}
			if name, ok := folded[strings.ToLower(key)]; ok {
				return keyPath, name, true
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return "", "", false
		}
		for i, item := range value {
			if field, want, found := wrongCase(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); found {
				return field, want, true
			}
		}
	}
	return "", "", false
}

// maxEchoed bounds the length of a value from the request that a message
// repeats, so a huge key or number cannot make a huge response.
const maxEchoed = 200

// clip returns s, shortened to maxEchoed bytes with a trailing ellipsis
// when longer.
func clip(s string) string {
	if len(s) <= maxEchoed {
		return s
	}
	cut := maxEchoed
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// readEmptyBody accepts an empty body or an empty JSON object, which many
// clients send by default, for a route that takes no request body. It
// rejects any other body.
func readEmptyBody(r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	if err := checkContentType(r); err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err == nil && fields != nil && len(fields) == 0 {
		if _, err := dec.Token(); err == io.EOF {
			return nil
		}
	}
	return invalidJA(requestField, "this route takes no request body; send no body or {}",
		"このルートはリクエスト本文を受け付けません。本文を空にするか、{} を送ってください")
}

// strictQuery parses the query string of r and rejects it when it is
// malformed, where r.URL.Query would drop the pairs it cannot read. It
// also rejects parameters that are not in allowed, as decodeJSON rejects
// unknown JSON fields, and parameters given more than once, where
// r.URL.Query().Get would quietly use the first. Each such parameter gets
// its own field error.
func strictQuery(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, invalidJA("query",
			fmt.Sprintf("query string is malformed: %v; percent-encode special characters, such as %%2B for +", err),
			"クエリ文字列を解析できません。+ は %2B のように、特殊な文字をパーセントエンコードしてください")
	}

	names := slices.Sorted(maps.Keys(q))
	var fields []service.FieldError
	for _, name := range names {
		switch {
		case name == "":
			fields = append(fields, service.FieldError{Field: "query",
				Message:   "query string has a parameter without a name, such as ?=x or a stray &=; remove it",
				MessageJA: "クエリ文字列に名前のないパラメーター (?=x など) があります。削除してください"})
		case !slices.Contains(allowed, name):
			fields = append(fields, unknownParam(name, allowed))
		case len(q[name]) > 1:
			fields = append(fields, service.FieldError{Field: name,
				Message: fmt.Sprintf("query parameter %q is given %d times; give it once", name, len(q[name])),
				MessageJA: fmt.Sprintf("クエリパラメーター %q が %d 回指定されています。1 回だけ指定してください",
					name, len(q[name]))})
		}
	}
	if len(fields) > 0 {
		return nil, &service.ValidationError{Fields: fields}
	}
	return q, nil
}

// unknownParam returns the field error for a query parameter that the
// route does not accept, listing the ones it does.
func unknownParam(name string, allowed []string) service.FieldError {
	if len(allowed) == 0 {
		return service.FieldError{Field: name,
			Message: fmt.Sprintf("unknown query parameter %q; remove it (this route accepts no query parameters)", name),
			MessageJA: fmt.Sprintf("クエリパラメーター %q は存在しません。削除してください (このルートはクエリパラメーターを受け付けません)",
				name)}
	}
	list := strings.Join(allowed, ", ")
	if n := len(allowed); n > 1 {
		list = strings.Join(allowed[:n-1], ", ") + " and " + allowed[n-1]
	}
	return service.FieldError{Field: name,
		Message: fmt.Sprintf("unknown query parameter %q; remove it (this route accepts %s)", name, list),
		MessageJA: fmt.Sprintf("クエリパラメーター %q は存在しません。削除してください (使用できるのは %s です)",
			name, strings.Join(allowed, "、"))}
}

// invalidJA returns a validation error for one field with its English and
// Japanese messages.
func invalidJA(field, en, ja string) error {
	return &service.ValidationError{Fields: []service.FieldError{{Field: field, Message: en, MessageJA: ja}}}
}

// jsonError converts an error from decoding body into target into a
// validation error. It names the field by its whole path, such as
// retry.maxAttempts or headers.X-A, where encoding/json gives only the
// last key or the map.
func jsonError(err error, body []byte, target any) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return invalidJA(requestField,
			fmt.Sprintf("malformed JSON at byte %d: %s; send a JSON body with Content-Type: application/json",
				syn.Offset, syn.Error()),
			fmt.Sprintf("JSON の %d バイト目に構文の誤りがあります。Content-Type: application/json で正しい JSON を送ってください",
				syn.Offset))
	case errors.As(err, &typ):
		field, ok := fieldEndingAt(body, typ.Offset)
		if !ok {
			field = typ.Field
		}
		if field == "" {
			field = requestField
		}
		field = clip(field)
		en, ja := typeName(typ.Type.String())
		value := clip(typ.Value)
		if field == requestField {
			// The whole value has the wrong type, so the message names no
			// field: in a batch, the item's index replaces "request".
			return invalidJA(field, fmt.Sprintf("expected %s, got JSON %s", en, value),
				fmt.Sprintf("%sを指定してください。JSON の%sが送られています",
					strings.TrimSpace(spaceASCII(ja)), spaceASCII(jsonValueJA(value))))
		}
		return invalidJA(field, fmt.Sprintf("expected %s, got JSON %s", en, value),
			fmt.Sprintf("%s には%sを指定してください。JSON の%sが送られています",
				field, spaceASCII(ja), spaceASCII(jsonValueJA(value))))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJA(requestField, "malformed JSON: unexpected end of input",
			"JSON が途中で終わっています。括弧や引用符が閉じているか確認してください")
	}
	if quoted, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, err := strconv.Unquote(quoted)
		if err != nil {
			name = strings.Trim(quoted, `"`)
		}
		field, ok := unknownFieldPath(body, target, name)
		if !ok {
			field = name
		}
		field = clip(field)
		return invalidJA(field, fmt.Sprintf("unknown field %q; remove it", field),
			fmt.Sprintf("フィールド %q は存在しません。削除してください", field))
	}
	return invalidJA(requestField, "malformed JSON: "+err.Error(),
		"JSON を解析できません。Content-Type: application/json で正しい JSON を送ってください")
}

// typeName returns the English and Japanese names of the JSON value that
// a Go type decodes.
func typeName(goType string) (en, ja string) {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string", "文字列"
	case "bool":
		return "true or false", "true か false"
	case "int", "int64":
		return "an integer", "整数"
	case "map[string]string":
		return "an object of string values", "値がすべて文字列のオブジェクト"
	case "[]string":
		return "an array of strings", "文字列の配列"
	case "[]httpapi.jobRequest", "[]json.RawMessage":
		return "an array of jobs", "ジョブの配列"
	}
	if strings.HasPrefix(goType, "httpapi.") || strings.HasPrefix(goType, "*httpapi.") {
		// The request types and the objects inside them.
		return "an object", "オブジェクト"
	}
	return goType, goType + " 型の値"
}

// jsonValueJA returns the Japanese name of the JSON value that
// encoding/json describes in UnmarshalTypeError.Value, such as "number"
// or "number 1.5".
func jsonValueJA(value string) string {
	kind, literal, _ := strings.Cut(value, " ")
	names := map[string]string{"string": "文字列", "number": "数値", "bool": "真偽値",
		"array": "配列", "object": "オブジェクト"}
	name, ok := names[kind]
	if !ok {
		return value
	}
	if literal != "" {
		return name + " " + literal
	}
	return name
}

// spaceASCII puts a space next to each end of s that is an ASCII
// character, which sets words such as true or 1.5 apart from the
// Japanese text around them.
func spaceASCII(s string) string {
	if s == "" {
		return s
	}
	if s[0] < utf8.RuneSelf {
		s = " " + s
	}
	if s[len(s)-1] < utf8.RuneSelf {
		s += " "
	}
	return s
}
