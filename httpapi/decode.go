package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/recoron/recoron/service"
)

// decodeJSON reads the body into v strictly: unknown fields, trailing data
// and type mismatches are errors that name the field.
func decodeJSON(r *http.Request, v any) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: CodePayloadTooLarge,
				ja: fmt.Sprintf("リクエスト本文が大きすぎます (上限 %d バイト)", mbe.Limit),
				en: fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit)}
		}
		return nil, fmt.Errorf("reading request body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, invalid("body", "request body is empty; send a JSON value")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("body", "unexpected data after the JSON value")
	}
	return body, nil
}

func invalid(field, msg string) error {
	return &service.ValidationError{Fields: []service.FieldError{{Field: field, Message: msg}}}
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return invalid("body", fmt.Sprintf("malformed JSON at byte %d: %s; send a JSON body with Content-Type: application/json",
			syn.Offset, syn.Error()))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalid(field, fmt.Sprintf("expected %s, got JSON %s", typeName(typ.Type.String()), typ.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("body", "malformed JSON: unexpected end of input")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, fmt.Sprintf("unknown field %q; remove it", name))
	}
	return invalid("body", "malformed JSON: "+err.Error())
}

func typeName(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64":
		return "an integer"
	case "map[string]string":
		return "an object of string values"
	case "[]string":
		return "an array of strings"
	case "[]httpapi.jobRequest", "[]json.RawMessage":
		return "an array of jobs"
	case "httpapi.jobRequest", "httpapi.keyRequest":
		return "an object"
	}
	return goType
}
