package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// pathStep is one step of a path into a JSON document: an object key, or
// an array index when isIndex is set.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// formatPath writes a path as field names in error details: keys joined
// by dots and indexes in brackets, such as "retry.maxAttempts",
// "headers.X-A" or "scopes[1]". The empty path is the whole document and
// formats as "".
func formatPath(path []pathStep) string {
	var b strings.Builder
	for _, step := range path {
		if step.isIndex {
			b.WriteString("[" + strconv.Itoa(step.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(step.key)
	}
	return b.String()
}

// tokenVisit describes one token of a JSON document to a walkTokens
// callback.
type tokenVisit struct {
	// path leads to the value the token starts, or for an object key to
	// the object that contains the key. The callback must not keep it.
	path  []pathStep
	isKey bool
	token json.Token
	// start and end are byte offsets into the document. The span from
	// start to end covers the token and the whitespace, colon or comma
	// before it.
	start, end int64
}

// container is an object or array that walkTokens is inside.
type container struct {
	object bool
	// expectKey is set in an object when the next token is a key or the
	// closing brace.
	expectKey bool
	// count is the number of values read so far in an array.
	count int
}

// walkTokens calls visit for each token of the JSON document in body,
// except closing braces and brackets, until visit returns false. It stops
// silently at the first syntax error, so callers can use it on a body
// that is malformed after the part they look for.
func walkTokens(body []byte, visit func(tokenVisit) bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	// Numbers stay text, so a number too large for float64 does not stop
	// the walk.
	dec.UseNumber()
	var (
		stack []container
		path  []pathStep
	)
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()

		if delim, ok := tok.(json.Delim); ok && (delim == '}' || delim == ']') {
			stack = stack[:len(stack)-1]
			// The closed container was the value of the step on top of
			// path, unless it was the whole document.
			if len(stack) > 0 {
				path = path[:len(path)-1]
				finishValue(stack)
			}
			continue
		}

		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			key, _ := tok.(string)
			if !visit(tokenVisit{path: path, isKey: true, token: tok, start: start, end: end}) {
				return
			}
			path = append(path, pathStep{key: key})
			stack[n-1].expectKey = false
			continue
		}

		if n := len(stack); n > 0 && !stack[n-1].object {
			path = append(path, pathStep{index: stack[n-1].count, isIndex: true})
		}
		if !visit(tokenVisit{path: path, token: tok, start: start, end: end}) {
			return
		}
		if delim, ok := tok.(json.Delim); ok {
			stack = append(stack, container{object: delim == '{', expectKey: delim == '{'})
			continue
		}
		if len(stack) > 0 {
			path = path[:len(path)-1]
			finishValue(stack)
		}
	}
}

// finishValue records that the innermost container of stack has read one
// more value.
func finishValue(stack []container) {
	top := &stack[len(stack)-1]
	if top.object {
		top.expectKey = true
		return
	}
	top.count++
}

// fieldAt returns the path of the value whose token contains the byte at
// offset. For a byte inside an object key it returns the path of the
// object, because the key itself is what is wrong. It reports false when
// no token contains offset, such as when the byte is between tokens.
func fieldAt(body []byte, offset int64) (string, bool) {
	var (
		field string
		found bool
	)
	walkTokens(body, func(v tokenVisit) bool {
		if offset < v.start || offset >= v.end {
			return true
		}
		field, found = formatPath(v.path), true
		return false
	})
	return field, found
}

// fieldEndingAt returns the path of the value whose first token ends at
// offset. encoding/json reports a type mismatch at that offset: the end of
// a string, number or literal, or the byte after the opening brace or
// bracket of an object or array.
func fieldEndingAt(body []byte, offset int64) (string, bool) {
	var (
		field string
		found bool
	)
	walkTokens(body, func(v tokenVisit) bool {
		if !v.isKey && v.end == offset {
			field, found = formatPath(v.path), true
			return false
		}
		return v.end <= offset
	})
	return field, found
}

// unknownFieldPath returns the path of the first object key named name
// that the Go type at its place in target has no field for, as
// encoding/json reports it in "json: unknown field" errors without the
// path. target is the value passed to the decoder.
func unknownFieldPath(body []byte, target any, name string) (string, bool) {
	root := reflect.TypeOf(target)
	var (
		field string
		found bool
	)
	walkTokens(body, func(v tokenVisit) bool {
		if !v.isKey || v.token != name {
			return true
		}
		t := typeAt(root, v.path)
		if t == nil || t.Kind() != reflect.Struct || hasJSONField(t, name) {
			return true
		}
		field = formatPath(append(v.path[:len(v.path):len(v.path)], pathStep{key: name}))
		found = true
		return false
	})
	return field, found
}

// typeAt returns the Go type that encoding/json decodes the value at path
// into, starting from root, or nil when the path leaves the types that it
// follows: structs, maps, slices, arrays and pointers.
func typeAt(root reflect.Type, path []pathStep) reflect.Type {
	t := root
	for _, step := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case step.isIndex && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case !step.isIndex && t.Kind() == reflect.Map:
			t = t.Elem()
		case !step.isIndex && t.Kind() == reflect.Struct:
			f, ok := jsonField(t, step.key)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonField returns the field of struct type t that encoding/json fills
// from the object key name: the exact name first, then a case-insensitive
// match. It does not follow embedded structs, which the request types do
// not use.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	var folded reflect.StructField
	foundFolded := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f, true
		}
		if !foundFolded && strings.EqualFold(tag, name) {
			folded, foundFolded = f, true
		}
	}
	return folded, foundFolded
}

// hasJSONField reports whether struct type t has a field for the object
// key name.
func hasJSONField(t reflect.Type, name string) bool {
	_, ok := jsonField(t, name)
	return ok
}
