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
	// CodeUnsupportedMediaType rejects a request body whose Content-Type
	// is not JSON.
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeInternal             = "internal_error"
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
	if english(r, a.englishDefault) {
		msg = e.en
	}
	writeJSON(w, e.status, envelope{Message: msg, Error: &errorBody{Code: e.code, Details: e.details}})
}

// PrefersEnglish reports whether r's Accept-Language prefers English to
// Japanese. It is false when the header names neither, because messages
// are Japanese by default. Servers use it to respond to requests outside the
// API in the same language.
func PrefersEnglish(r *http.Request) bool { return english(r, false) }

// english reports whether the client prefers English to Japanese, or
// whether fallback is set when it names neither.
func english(r *http.Request, fallback bool) bool {
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
	if bestLang == "" {
		return fallback
	}
	return bestLang == "en"
}

// notFoundNames gives the Japanese name of each kind of resource.
var notFoundNames = map[string]string{
	"job": "ジョブ", "API key": "APIキー", "execution": "実行履歴", "resource": "リソース",
}

// errNotFound reports a missing resource of a kind. The message does not
// repeat the id, so a response never carries another user's id.
func errNotFound(kind string) *apiError {
	return &apiError{status: http.StatusNotFound, code: CodeNotFound,
		ja: fmt.Sprintf("%sが見つかりません。IDと、そのIDを作成したユーザーのトークンを使っているかを確認してください", notFoundNames[kind]),
		en: fmt.Sprintf("%s not found; check the id and that the token belongs to the user who created it", kind)}
}

func errNoRoute(r *http.Request) *apiError {
	return &apiError{status: http.StatusNotFound, code: CodeNotFound,
		ja: fmt.Sprintf("ルートが見つかりません: %s %s。使用できるルートは API リファレンスを参照してください", r.Method, r.URL.Path),
		en: fmt.Sprintf("no route for %s %s; see the API reference for the routes", r.Method, r.URL.Path)}
}

// errValidation reports invalid fields. The message quotes the first
// field's error, and error.details lists every field with its English
// message.
func errValidation(fields []service.FieldError) *apiError {
	firstJA, firstEN := "", ""
	if len(fields) > 0 {
		f := fields[0]
		// A field error without MessageJA shows its English message.
		ja := f.MessageJA
		if ja == "" {
			ja = f.Message
		}
		firstJA, firstEN = f.Field+": "+ja, f.Field+": "+f.Message
	}
	return &apiError{status: http.StatusBadRequest, code: CodeValidationFailed,
		ja: "入力内容に誤りがあります (" + firstJA + ")", en: "invalid request (" + firstEN + ")",
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

// limitTexts gives, per limit, the Japanese and English sentences after
// the common prefix; %[1]s is the plan and %[2]d the limit.
var limitTexts = map[string][2]string{
	service.LimitJobs: {"プラン %[1]s のジョブ数の上限は %[2]d 件です。不要なジョブを削除するか、プランを変更してください",
		"plan %[1]s allows at most %[2]d jobs; delete a job or change the plan"},
	service.LimitAPIKeys: {"プラン %[1]s のAPIキー数の上限は %[2]d 個です。不要なキーを削除するか、プランを変更してください",
		"plan %[1]s allows at most %[2]d API keys; delete a key or change the plan"},
	service.LimitMonthlyExecutions: {"プラン %[1]s の月間実行回数の上限 %[2]d 回に達しました。翌月 (UTC) まで待つか、プランを変更してください",
		"plan %[1]s allows %[2]d executions a month (UTC) and they are used; wait for next month or change the plan"},
	service.LimitMinInterval: {"プラン %[1]s では実行間隔を %[2]d 秒以上にする必要があります。スケジュールの間隔を広げるか、プランを変更してください",
		"plan %[1]s needs at least %[2]d seconds between runs; space the schedule out or change the plan"},
	service.LimitTimeout: {"プラン %[1]s のタイムアウトの上限は %[2]d 秒です。timeoutSeconds を小さくするか、プランを変更してください",
		"plan %[1]s allows a timeout of at most %[2]d seconds; lower timeoutSeconds or change the plan"},
}

func errLimit(le *service.LimitError) *apiError {
	texts, ok := limitTexts[le.Limit]
	if !ok {
		texts = [2]string{"プラン %[1]s の上限 %[2]d に達しました。プランを変更してください", "plan %[1]s limit of %[2]d reached"}
	}
	ja := "プランの上限に達しました: " + fmt.Sprintf(texts[0], le.Plan, le.Value)
	en := "plan limit reached: " + fmt.Sprintf(texts[1], le.Plan, le.Value)
	if le.Detail != "" {
		en += " (" + le.Detail + ")"
		detailJA := le.DetailJA
		if detailJA == "" {
			detailJA = le.Detail
		}
		ja += " (" + detailJA + ")"
	}
	return &apiError{status: http.StatusForbidden, code: CodePlanLimitExceeded, ja: ja, en: en,
		details: map[string]any{"limit": le.Limit, "value": le.Value, "plan": le.Plan}}
}

// errGrantScope reports a request to create a key with a scope that the
// caller's key lacks.
func errGrantScope(se *service.ScopeError) *apiError {
	return &apiError{status: http.StatusForbidden, code: CodeForbidden,
		ja: fmt.Sprintf("権限がありません: このキーにはスコープ %[1]s がないため、新しいキーに %[1]s を付与できません。"+
			"%[1]s を持つキーで作成するか、scopes から %[1]s を外してください", se.Scope),
		en:      se.Error(),
		details: map[string]string{"requiredScope": se.Scope}}
}

// fromError converts a service error into a response and logs unexpected
// ones.
func (a *API) fromError(r *http.Request, err error) *apiError {
	var (
		ae  *apiError
		ve  *service.ValidationError
		le  *service.LimitError
		aue *service.AuthError
		se  *service.ScopeError
		fe  *service.ForbiddenError
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
	case errors.As(err, &se):
		return errGrantScope(se)
	case errors.As(err, &fe):
		return &apiError{status: http.StatusForbidden, code: CodeForbidden, ja: fe.MessageJA, en: fe.Message}
	case errors.Is(err, service.ErrForbidden):
		return &apiError{status: http.StatusForbidden, code: CodeForbidden,
			ja: "権限がありません。この操作に必要なスコープを持つキーを使ってください", en: err.Error()}
	case errors.Is(err, service.ErrNotFound):
		return errNotFound("resource")
	}
	a.logger.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Any("err", err))
	return errInternal()
}
