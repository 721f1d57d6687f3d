package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/recoron/recoron/service"
)

// Error codes sent in error.code.
const (
	CodeUnauthorized      = "unauthorized"
	CodeForbidden         = "forbidden"
	CodeNotFound          = "not_found"
	CodeValidationFailed  = "validation_failed"
	CodePlanLimitExceeded = "plan_limit_exceeded"
	CodeRateLimited       = "rate_limited"
	CodePayloadTooLarge   = "payload_too_large"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeInternal          = "internal_error"
)

type envelope struct {
	Success bool       `json:"success"`
	Message string     `json:"message"`
	Data    any        `json:"data"`
	Error   *errorBody `json:"error,omitempty"`
}

type errorBody struct {
	Code    string `json:"code"`
	Details any    `json:"details"`
}

// apiError is an error response ready to send.
type apiError struct {
	status  int
	code    string
	ja, en  string
	details any
	header  http.Header
}

func (e *apiError) Error() string { return e.en }

func writeJSON(w http.ResponseWriter, status int, v envelope) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone away; nothing to do
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, envelope{Success: true, Message: "success", Data: data})
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	msg := e.ja
	if english(r) {
		msg = e.en
	}
	writeJSON(w, e.status, envelope{Message: msg, Error: &errorBody{Code: e.code, Details: e.details}})
}

// english reports whether the client prefers English to Japanese.
func english(r *http.Request) bool {
	bestLang, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		// q=0 marks a language as not acceptable.
		if (lang == "en" || lang == "ja") && q > 0 && q > bestQ {
			bestLang, bestQ = lang, q
		}
	}
	return bestLang == "en"
}

func errNotFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: CodeNotFound,
		ja: what + "が見つかりません", en: what + " not found"}
}

func errValidation(fields []service.FieldError) *apiError {
	first := ""
	if len(fields) > 0 {
		first = fields[0].Field + ": " + fields[0].Message
	}
	return &apiError{status: http.StatusBadRequest, code: CodeValidationFailed,
		ja: "入力内容に誤りがあります (" + first + ")", en: "invalid request (" + first + ")",
		details: fields}
}

func errInternal() *apiError {
	return &apiError{status: http.StatusInternalServerError, code: CodeInternal,
		ja: "サーバー内部でエラーが発生しました", en: "internal server error"}
}

var authReasons = map[string][2]string{
	"missing":   {"認証が必要です: Authorization: Bearer <token> ヘッダーを付けてください", "authentication required: send an Authorization: Bearer <token> header"},
	"malformed": {"認証に失敗しました: Authorization ヘッダーは Bearer <token> の形式にしてください", "authentication failed: the Authorization header must be Bearer <token>"},
	"invalid":   {"認証に失敗しました: トークンが無効か、削除されています", "authentication failed: the token is invalid or has been revoked"},
	"expired":   {"認証に失敗しました: トークンの有効期限が切れています", "authentication failed: the token has expired"},
}

func errAuth(reason string) *apiError {
	m, ok := authReasons[reason]
	if !ok {
		m = authReasons["invalid"]
	}
	return &apiError{status: http.StatusUnauthorized, code: CodeUnauthorized, ja: m[0], en: m[1],
		details: map[string]string{"reason": reason},
		header:  http.Header{"Www-Authenticate": {`Bearer realm="recoron"`}}}
}

var limitNames = map[string]string{
	service.LimitJobs:              "ジョブ数",
	service.LimitAPIKeys:           "APIキー数",
	service.LimitMonthlyExecutions: "月間実行回数",
	service.LimitMinInterval:       "最短実行間隔(秒)",
	service.LimitDailyAPICalls:     "1日のAPI呼び出し数",
	service.LimitRequestsPerMinute: "1分あたりのリクエスト数",
	service.LimitTimeout:           "タイムアウト(秒)",
}

func errLimit(le *service.LimitError) *apiError {
	ja := fmt.Sprintf("プランの上限に達しました: %s の上限は %d です (プラン %s)", limitNames[le.Limit], le.Value, le.Plan)
	en := fmt.Sprintf("plan limit reached: %s is limited to %d on plan %s", le.Limit, le.Value, le.Plan)
	if le.Detail != "" {
		ja += " - " + le.Detail
		en += " - " + le.Detail
	}
	return &apiError{status: http.StatusForbidden, code: CodePlanLimitExceeded, ja: ja, en: en,
		details: map[string]any{"limit": le.Limit, "value": le.Value, "plan": le.Plan}}
}

// fromError converts a service error into a response and logs unexpected
// ones.
func (a *API) fromError(r *http.Request, err error) *apiError {
	var (
		ae  *apiError
		ve  *service.ValidationError
		le  *service.LimitError
		aue *service.AuthError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return errValidation(ve.Fields)
	case errors.As(err, &le):
		return errLimit(le)
	case errors.As(err, &aue):
		return errAuth(aue.Reason)
	case errors.Is(err, service.ErrForbidden):
		return &apiError{status: http.StatusForbidden, code: CodeForbidden,
			ja: "権限がありません: " + err.Error(), en: err.Error()}
	case errors.Is(err, service.ErrNotFound):
		return errNotFound("resource")
	}
	a.logger.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Any("err", err))
	return errInternal()
}
