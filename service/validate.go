package service

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/recoron/recoron/scheduler"
	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/store"
)

// Size limits of job fields.
const (
	maxNameLen        = 200
	maxURLLen         = 2048
	maxScheduleLen    = 256
	maxHeaders        = 50
	maxHeaderNameLen  = 256
	maxHeaderValueLen = 4096
	maxBodyLen        = 64 << 10
	// MaxBatch is the largest number of jobs in one batch create.
	MaxBatch = 500
)

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// forbiddenHeaders may not be set by users: the transport owns them.
var forbiddenHeaders = map[string]bool{
	"Host": true, "Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Proxy-Authorization": true, "Proxy-Authenticate": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
	"User-Agent": true, "Idempotency-Key": true,
}

var zoneCache sync.Map // zone name -> *time.Location

// LoadLocation returns the IANA zone name, caching loaded zones. It
// rejects "Local", whose meaning depends on the server's host.
func LoadLocation(name string) (*time.Location, error) {
	if v, ok := zoneCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as UTC or Asia/Tokyo", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as UTC or Asia/Tokyo", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// ZoneMessageJA returns the Japanese message for a zone name that
// [LoadLocation] rejects, for callers outside this package.
func ZoneMessageJA(name string) string { return zoneMessageJA(name) }

// zoneMessageJA returns the Japanese message for a zone name that
// [LoadLocation] rejects.
func zoneMessageJA(name string) string {
	return fmt.Sprintf("タイムゾーン %q は使用できません。UTC や Asia/Tokyo のような IANA のタイムゾーン名を指定してください", name)
}

// compileSchedule compiles a job's schedule in its zone, anchored at its
// creation time for @every.
func compileSchedule(expr, zone string, created time.Time) (*cron.Schedule, error) {
	loc, err := LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	return cron.Compile(expr, cron.Options{Location: loc, Anchor: created})
}

func validName(v *ValidationError, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.add("name", "name is required", "name が指定されていません。ジョブの名前を指定してください")
	case len(name) > maxNameLen:
		v.add("name", fmt.Sprintf("name is %d bytes long; the maximum is %d", len(name), maxNameLen),
			fmt.Sprintf("name が %d バイトあります。%d バイト以内にしてください", len(name), maxNameLen))
	}
}

func validURL(v *ValidationError, raw string, allowPrivate bool) {
	switch {
	case raw == "":
		v.add("url", "url is required",
			"url が指定されていません。https://example.com/hook のような呼び出し先の URL を指定してください")
	case len(raw) > maxURLLen:
		v.add("url", fmt.Sprintf("url is %d bytes long; the maximum is %d", len(raw), maxURLLen),
			fmt.Sprintf("url が %d バイトあります。%d バイト以内にしてください", len(raw), maxURLLen))
	default:
		if err := scheduler.CheckTargetURL(raw, allowPrivate); err != nil {
			v.add("url", targetMessage(err), targetMessageJA(raw, err))
		}
	}
}

func targetMessage(err error) string {
	msg := err.Error()
	if strings.Contains(msg, scheduler.ErrBlockedTarget.Error()) {
		msg += "; jobs may only call public addresses unless private targets are allowed: start recoron-server with --allow-private-targets (RECORON_ALLOW_PRIVATE_TARGETS=true), or set AllowPrivateTargets in service.Config when embedding ReCoron"
	}
	return msg
}

// targetMessageJA returns the Japanese message for raw, a URL that
// scheduler.CheckTargetURL rejected with err.
//
// NOTE: of its errors CheckTargetURL wraps only ErrBlockedTarget, so this
// function finds the other causes by repeating its checks in order. A
// check added there gets the last, general message here.
func targetMessageJA(raw string, err error) string {
	u, parseErr := url.Parse(raw)
	if errors.Is(err, scheduler.ErrBlockedTarget) && parseErr == nil {
		return fmt.Sprintf("呼び出し先のホスト %s は公開アドレスではありません。ジョブが呼び出せるのは公開アドレスだけです。"+
			"内部のアドレスを呼び出すには、recoron-server を --allow-private-targets (RECORON_ALLOW_PRIVATE_TARGETS=true) で起動するか、"+
			"ReCoron を組み込む場合は service.Config の AllowPrivateTargets を設定してください",
			u.Hostname())
	}
	switch {
	case parseErr != nil:
		return fmt.Sprintf("URL %q を解析できません。https://example.com/hook のような絶対 URL を指定してください", raw)
	case u.Scheme == "":
		suggestion, hasHost := absoluteURL(raw)
		if suggestion == "" {
			return fmt.Sprintf("URL %q は絶対 URL ではありません。https://example.com/hook のように、スキームとホストを含む完全な URL を書いてください", raw)
		}
		if !hasHost {
			return fmt.Sprintf("URL %q にスキームとホストがありません。%s のように、呼び出し先のホストを含む完全な URL を書いてください",
				raw, suggestion)
		}
		return fmt.Sprintf("URL %q にスキームがありません。%s のように省略せずに書いてください", raw, suggestion)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("URL のスキーム %q には対応していません。http か https を使ってください", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("URL %q にホストがありません。https://example.com/hook のような絶対 URL を指定してください", raw)
	case u.User != nil:
		return "URL にユーザー名やパスワードを含めることはできません。URL から取り除き、ヘッダーで送ってください"
	case !validPort(u.Port()):
		return fmt.Sprintf("URL のポート %q が正しくありません。1〜65535 を指定してください", u.Port())
	}
	return fmt.Sprintf("URL のホスト %q は使用できない形式です。数値のアドレスは 203.0.113.7 のようなドット区切りの形式で書いてください",
		u.Hostname())
}

// absoluteURL returns the absolute URL that scheduler.CheckTargetURL
// suggests for raw, a URL without a scheme. hasHost is false when raw has
// no host either, such as /hook, and the suggestion uses example.com. The
// suggestion is empty when no URL made from raw parses.
func absoluteURL(raw string) (suggestion string, hasHost bool) {
	rest := strings.TrimPrefix(raw, "//")
	guess, err := url.Parse("https://" + rest)
	if err != nil {
		return "", false
	}
	if guess.Hostname() == "" {
		return "https://example.com/" + strings.TrimLeft(rest, "/"), false
	}
	return "https://" + rest, true
}

// validPort reports whether port is empty or a number from 1 to 65535.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

func validMethod(v *ValidationError, m string) {
	list := strings.Join(methods, ", ")
	if m == "" {
		v.add("method", "method is required; use one of "+list,
			"method が指定されていません。"+list+" のいずれかを指定してください")
		return
	}
	for _, ok := range methods {
		if m == ok {
			return
		}
	}
	v.add("method", fmt.Sprintf("method %q is not supported; use one of %s", m, list),
		fmt.Sprintf("method %q には対応していません。%s のいずれかを指定してください", m, list))
}

func validHeaders(v *ValidationError, headers map[string]string) {
	if len(headers) > maxHeaders {
		v.add("headers", fmt.Sprintf("%d headers given; the maximum is %d", len(headers), maxHeaders),
			fmt.Sprintf("headers に %d 個のヘッダーがあります。%d 個以内にしてください", len(headers), maxHeaders))
		return
	}
	seen := make(map[string]string, len(headers))
	for name, value := range headers {
		field := "headers." + name
		canon := http.CanonicalHeaderKey(name)
		if other, dup := seen[canon]; dup {
			v.add(field, fmt.Sprintf("header %q repeats %q; header names ignore case, so keep one", name, other),
				fmt.Sprintf("ヘッダー %q は %q と重複しています。ヘッダー名は大文字と小文字を区別しないため、どちらか一方だけにしてください", name, other))
			continue
		}
		seen[canon] = name
		switch {
		case name == "" || len(name) > maxHeaderNameLen || !isToken(name):
			v.add(field, fmt.Sprintf("header name %q is invalid; use letters, digits and - (an HTTP token)", name),
				fmt.Sprintf("ヘッダー名 %q が正しくありません。英字、数字、- など HTTP のトークンに使える文字で %d バイト以内にしてください",
					name, maxHeaderNameLen))
		case forbiddenHeaders[canon] || strings.HasPrefix(canon, "X-Recoron-"):
			v.add(field, fmt.Sprintf("header %s is set by ReCoron and cannot be overridden", canon),
				fmt.Sprintf("ヘッダー %s は ReCoron が設定するため上書きできません。このヘッダーを削除してください", canon))
		case len(value) > maxHeaderValueLen:
			v.add(field, fmt.Sprintf("header value is %d bytes long; the maximum is %d", len(value), maxHeaderValueLen),
				fmt.Sprintf("ヘッダー %q の値が %d バイトあります。%d バイト以内にしてください", name, len(value), maxHeaderValueLen))
		case strings.ContainsAny(value, "\r\n\x00"):
			v.add(field, "header value contains a line break or NUL byte",
				fmt.Sprintf("ヘッダー %q の値に改行か NUL 文字が含まれています。これらの文字を取り除いてください", name))
		}
	}
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func validPolicies(v *ValidationError, j *store.Job) {
	if j.Overlap != OverlapAllow && j.Overlap != OverlapSkip {
		v.add("overlapPolicy",
			fmt.Sprintf("overlapPolicy %q is invalid; use %q or %q", j.Overlap, OverlapAllow, OverlapSkip),
			fmt.Sprintf("overlapPolicy %q は正しくありません。%q か %q を指定してください", j.Overlap, OverlapAllow, OverlapSkip))
	}
	if j.Misfire != MisfireRunOnce && j.Misfire != MisfireSkip {
		v.add("misfirePolicy",
			fmt.Sprintf("misfirePolicy %q is invalid; use %q or %q", j.Misfire, MisfireRunOnce, MisfireSkip),
			fmt.Sprintf("misfirePolicy %q は正しくありません。%q か %q を指定してください", j.Misfire, MisfireRunOnce, MisfireSkip))
	}
	if j.CatchUpSeconds < 1 || j.CatchUpSeconds > maxCatchUpSeconds {
		v.add("catchUpSeconds",
			fmt.Sprintf("catchUpSeconds %d is out of range; use 1 to %d", j.CatchUpSeconds, maxCatchUpSeconds),
			fmt.Sprintf("catchUpSeconds %d は範囲外です。1〜%d を指定してください", j.CatchUpSeconds, maxCatchUpSeconds))
	}
	if j.JitterSeconds < 0 || j.JitterSeconds > maxJitterSeconds {
		v.add("jitterSeconds",
			fmt.Sprintf("jitterSeconds %d is out of range; use 0 to %d", j.JitterSeconds, maxJitterSeconds),
			fmt.Sprintf("jitterSeconds %d は範囲外です。0〜%d を指定してください", j.JitterSeconds, maxJitterSeconds))
	}
	if j.RetryMaxAttempts < 1 || j.RetryMaxAttempts > maxRetryAttempts {
		v.add("retry.maxAttempts",
			fmt.Sprintf("maxAttempts %d is out of range; use 1 to %d", j.RetryMaxAttempts, maxRetryAttempts),
			fmt.Sprintf("retry.maxAttempts %d は範囲外です。1〜%d を指定してください", j.RetryMaxAttempts, maxRetryAttempts))
	}
	if j.RetryInitialIntervalMs < minRetryInitialMs || j.RetryInitialIntervalMs > maxRetryIntervalMs {
		v.add("retry.initialIntervalMs",
			fmt.Sprintf("initialIntervalMs %d is out of range; use %d to %d",
				j.RetryInitialIntervalMs, minRetryInitialMs, maxRetryIntervalMs),
			fmt.Sprintf("retry.initialIntervalMs %d は範囲外です。%d〜%d を指定してください",
				j.RetryInitialIntervalMs, minRetryInitialMs, maxRetryIntervalMs))
	}
	if j.RetryMaxIntervalMs < j.RetryInitialIntervalMs || j.RetryMaxIntervalMs > maxRetryIntervalMs {
		v.add("retry.maxIntervalMs",
			fmt.Sprintf("maxIntervalMs %d is out of range; use initialIntervalMs (%d) to %d",
				j.RetryMaxIntervalMs, j.RetryInitialIntervalMs, maxRetryIntervalMs),
			fmt.Sprintf("retry.maxIntervalMs %d は範囲外です。initialIntervalMs (%d) 以上 %d 以下を指定してください",
				j.RetryMaxIntervalMs, j.RetryInitialIntervalMs, maxRetryIntervalMs))
	}
}

// rejectControl adds an error for each named text field that holds a NUL
// byte or invalid UTF-8, which no store can keep as text.
func rejectControl(v *ValidationError, fields map[string]string) {
	for name, value := range fields {
		switch {
		case strings.ContainsRune(value, 0):
			v.add(name, fmt.Sprintf("%s contains a NUL character (\\u0000); remove it", name),
				fmt.Sprintf("%s に NUL 文字 (\\u0000) が含まれています。取り除いてください", name))
		case !utf8.ValidString(value):
			v.add(name, fmt.Sprintf("%s is not valid UTF-8", name),
				fmt.Sprintf("%s が正しい UTF-8 ではありません。UTF-8 で符号化した文字列を送ってください", name))
		}
	}
}

// cronField describes one time field of a cron expression for the
// Japanese messages of [scheduleMessageJA]. The ranges and names are those
// that scheduler/cron accepts.
type cronField struct {
	label    string // Japanese name, followed by the field's English name
	min, max int
	// starMax is the last value that * covers. It is 6 in the day-of-week
	// field, where 7 is a second name for Sunday.
	starMax int
	names   []string // accepted names in value order, starting at min
}

var cronFields = map[string]*cronField{
	"second":       {label: "秒 (second)", min: 0, max: 59, starMax: 59},
	"minute":       {label: "分 (minute)", min: 0, max: 59, starMax: 59},
	"hour":         {label: "時 (hour)", min: 0, max: 23, starMax: 23},
	"day-of-month": {label: "日 (day-of-month)", min: 1, max: 31, starMax: 31},
	"month": {label: "月 (month)", min: 1, max: 12, starMax: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	"day-of-week": {label: "曜日 (day-of-week)", min: 0, max: 7, starMax: 6,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

const (
	// maxFromLast is the largest n in the day-of-month item L-n.
	maxFromLast = 30
	// maxNumberDigits is the most digits that scheduler/cron reads as a
	// number. It reports a longer run of digits as out of range.
	maxNumberDigits = 4
)

// hint returns the Japanese advice for a value outside the field.
func (f *cronField) hint() string {
	if f.names == nil {
		return fmt.Sprintf("%d〜%d の数値を指定してください", f.min, f.max)
	}
	return fmt.Sprintf("%d〜%d の数値か %s〜%s の名前を指定してください", f.min, f.max, f.names[0], f.names[len(f.names)-1])
}

// value parses a number or a name of the field. A Sunday that ends a
// day-of-week range means 7, as in scheduler/cron.
func (f *cronField) value(text string, rangeEnd bool) (int, bool) {
	if isDigits(text) {
		n, err := strconv.Atoi(text)
		return n, err == nil
	}
	i := slices.Index(f.names, strings.ToUpper(text))
	if i < 0 {
		return 0, false
	}
	if rangeEnd && f == cronFields["day-of-week"] && i == 0 {
		return 7, true
	}
	return f.min + i, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ScheduleMessageJA returns the Japanese message for err, the error that
// cron.Compile returned for expr, for callers outside this package. It
// names the field, the value and the fix when err is a *cron.Error.
func ScheduleMessageJA(expr string, err error) string { return scheduleMessageJA(expr, err) }

// scheduleMessageJA returns the Japanese message for err, the error that
// compiling expr returned. It reads the field, the value and the kind of
// problem from a *cron.Error.
func scheduleMessageJA(expr string, err error) string {
	var ce *cron.Error
	if !errors.As(err, &ce) {
		return fmt.Sprintf("スケジュール %q を解釈できません。\"0 9 * * *\" や \"@hourly\" のような cron 式を指定してください", expr)
	}
	if f, ok := cronFields[ce.Field]; ok {
		switch {
		case errors.Is(ce, cron.ErrOutOfRange):
			return f.outOfRangeJA(ce.Value)
		case errors.Is(ce, cron.ErrZeroStep):
			return fmt.Sprintf("%s の項目 %s のステップが 0 です。*/5 のように、1 以上のステップを指定してください", f.label, ce.Value)
		case errors.Is(ce, cron.ErrReversedRange):
			return f.reversedJA(ce.Value)
		case errors.Is(ce, cron.ErrNeverFires):
			return neverFiresJA(expr, ce.Value)
		case errors.Is(ce, cron.ErrSyntax):
			return f.syntaxJA(ce.Value)
		}
	}
	return expressionMessageJA(expr, ce)
}

// expressionMessageJA returns the Japanese message for an error about the
// whole expression rather than one of its time fields.
func expressionMessageJA(expr string, ce *cron.Error) string {
	value := ce.Value
	const everyExample = "@every 90s や @every 1h30m のように書いてください"
	switch {
	case errors.Is(ce, cron.ErrUnknownZone):
		return fmt.Sprintf("スケジュールの接頭辞のタイムゾーン %q は使用できません。"+
			"CRON_TZ=Asia/Tokyo のように、IANA のタイムゾーン名を大文字と小文字も正確に指定してください", value)
	case ce.Field == "prefix":
		return fmt.Sprintf("スケジュールの接頭辞 %s は使用できません。"+
			"CRON_TZ=Europe/Berlin 0 9 * * * のように、CRON_TZ=タイムゾーン名 か TZ=タイムゾーン名 で始めてください", value)
	case errors.Is(ce, cron.ErrEveryTooShort):
		return fmt.Sprintf("@every の間隔 %s は 1 秒未満です。1s 以上の間隔を指定してください", value)
	case ce.Field == "expression" && strings.TrimSpace(value) == "":
		return "スケジュールが空です。5 つか 6 つのフィールド、または @daily のような記述子を書いてください"
	case ce.Field == "expression":
		return fmt.Sprintf("スケジュール %q のフィールドが %d 個あります。5 つのフィールド (分 時 日 月 曜日) か、先頭に秒を加えた 6 つのフィールドで書いてください",
			value, len(strings.Fields(value)))
	case ce.Field == "descriptor" && strings.Contains(value, " "):
		return fmt.Sprintf("記述子 %q の後に余分なフィールドがあります。%s だけを書くか、記述子を使わずにフィールドで書いてください",
			value, strings.Fields(value)[0])
	case ce.Field == "descriptor":
		return fmt.Sprintf("記述子 %s は存在しません。@yearly、@annually、@monthly、@weekly、@daily、@midnight、@hourly、@every <間隔> のいずれかを使ってください", value)
	case ce.Field == "@every" && value == "":
		return "@every の後に間隔がありません。" + everyExample
	case ce.Field == "@every" && strings.Contains(value, " "):
		return fmt.Sprintf("@every に指定できる間隔は 1 つだけですが、%q が指定されています。%s", value, everyExample)
	case ce.Field == "@every":
		return fmt.Sprintf("@every の間隔 %q を解釈できません。%s", value, everyExample)
	case ce.Field == "anchor":
		return fmt.Sprintf("@every の基準時刻 %s が扱える範囲 (-730 億年〜730 億年) の外にあります。この範囲内の時刻を基準にしてください", value)
	}
	return fmt.Sprintf("スケジュール %q の %s の値 %q を解釈できません。\"0 9 * * *\" や \"@hourly\" のような cron 式を指定してください",
		expr, ce.Field, value)
}

// outOfRangeJA returns the Japanese message for item, a list item with a
// number outside the field.
func (f *cronField) outOfRangeJA(item string) string {
	upper := strings.ToUpper(item)
	if f == cronFields["day-of-month"] && strings.HasPrefix(upper, "L-") {
		return fmt.Sprintf("%s の項目 %s のオフセットは範囲外です。L-0〜L-%d を指定してください", f.label, item, maxFromLast)
	}
	// The step after / may exceed the field, and the k of w#k has its own
	// range, so only the numbers before them are checked here.
	body, _, _ := strings.Cut(item, "/")
	weekday, _, nth := strings.Cut(body, "#")
	for _, part := range strings.FieldsFunc(weekday, func(r rune) bool { return r < '0' || r > '9' }) {
		n, err := strconv.Atoi(part)
		if err == nil && len(part) <= maxNumberDigits && n >= f.min && n <= f.max {
			continue
		}
		if part == item {
			return fmt.Sprintf("%s の値 %s は範囲外です。%s", f.label, part, f.hint())
		}
		return fmt.Sprintf("%s の項目 %s にある値 %s は範囲外です。%s", f.label, item, part, f.hint())
	}
	if nth {
		return fmt.Sprintf("%s の項目 %s の # の後の回数は範囲外です。1〜5 を指定してください", f.label, item)
	}
	return fmt.Sprintf("%s の項目 %s に範囲外の値があります。%s", f.label, item, f.hint())
}

// reversedJA returns the Japanese message for item, a range a-b or a-b/n
// whose start is after its end. It suggests the list that the range would mean
// if it wrapped around the end of the field.
func (f *cronField) reversedJA(item string) string {
	msg := fmt.Sprintf("%s の範囲 %s は開始が終了より後になっている逆順の範囲です。", f.label, item)
	if list, ok := f.unwrap(item); ok {
		return msg + "代わりに " + list + " と書いてください"
	}
	return msg + "終了をまたぐ範囲は、カンマで区切った 2 つの範囲に分けて書いてください"
}

// unwrap returns the list that a wrapping range lo-hi/step means, such as
// 22-23,0-5 for 22-5.
func (f *cronField) unwrap(item string) (string, bool) {
	body, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		if !isDigits(stepText) {
			return "", false
		}
		// Any step above the field's maximum selects the start alone, and
		// one that overflows an int is such a step too.
		n, err := strconv.Atoi(stepText)
		if err != nil {
			n = f.max + 1
		}
		step = max(1, min(n, f.max+1))
	}
	startText, endText, _ := strings.Cut(body, "-")
	lo, ok := f.value(startText, false)
	if !ok {
		return "", false
	}
	hi, ok := f.value(endText, lo > 0)
	if !ok || lo <= hi {
		return "", false
	}
	// In the day-of-week field 7 is Sunday again, so 7-n is 0-n.
	if f == cronFields["day-of-week"] && lo == 7 {
		return spanText(0, hi, step), true
	}
	head := spanText(lo, f.starMax-(f.starMax-lo)%step, step)
	// The wrapped part continues the step sequence past the field's end.
	next := lo + ((f.starMax-lo)/step+1)*step - (f.starMax - f.min + 1)
	if next > hi {
		return head, true
	}
	return head + "," + spanText(next, hi, step), true
}

// spanText writes lo-hi/step in its shortest form.
func spanText(lo, hi, step int) string {
	switch {
	case lo+step > hi:
		return strconv.Itoa(lo)
	case step == 1:
		return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi) + "/" + strconv.Itoa(step)
}

// neverFiresJA returns the Japanese message for an expression whose day
// fields match no day of the months it names.
func neverFiresJA(expr, monthDays string) string {
	const fix = "このスケジュールは決して実行されません。その月に存在する日を指定してください"
	fields := strings.Fields(expr)
	if len(fields) > 0 && hasZonePrefix(fields[0]) {
		fields = fields[1:]
	}
	if len(fields) == 5 {
		fields = append([]string{"0"}, fields...)
	}
	if len(fields) != 6 {
		return fmt.Sprintf("スケジュール %q の日 (day-of-month) %s はどの月にも存在しないため、%s", expr, monthDays, fix)
	}
	months, weekdays := fields[4], fields[5]
	if weekdays == "*" || weekdays == "?" {
		return fmt.Sprintf("日 (day-of-month) %s は月 (month) %s に存在しないため、%s", monthDays, months, fix)
	}
	return fmt.Sprintf("日 (day-of-month) %s と曜日 (day-of-week) %s は月 (month) %s のどの日にも当てはまらないため、%s",
		monthDays, weekdays, months, fix)
}

// hasZonePrefix reports whether token is a CRON_TZ= or TZ= prefix, whose
// keys scheduler/cron reads in any case.
func hasZonePrefix(token string) bool {
	key, _, found := strings.Cut(token, "=")
	return found && (strings.EqualFold(key, "CRON_TZ") || strings.EqualFold(key, "TZ"))
}

// syntaxJA returns the Japanese message for value, a list item or whole
// field that is not cron syntax. The checks follow the order in which
// scheduler/cron parses an item.
func (f *cronField) syntaxJA(value string) string {
	upper := strings.ToUpper(value)
	dayOfMonth, dayOfWeek := f == cronFields["day-of-month"], f == cronFields["day-of-week"]
	switch {
	case slices.Contains(strings.Split(value, ","), ""):
		return fmt.Sprintf("%s のリスト %s に空の項目があります。余分なカンマを削除してください", f.label, value)
	case value == "?" && (dayOfMonth || dayOfWeek):
		return fmt.Sprintf("%s の ? はフィールド全体に単独で書いてください。ほかの項目か ? を削除してください", f.label)
	case value == "?":
		return fmt.Sprintf("%s に ? は使えません。? は日と曜日のフィールドでのみ使えるため、すべての値を表すには * を使ってください", f.label)
	case dayOfWeek && upper == "L":
		return fmt.Sprintf("%s の L の前には曜日が必要です。月の最終金曜日なら 5L と書いてください", f.label)
	case dayOfMonth && strings.HasPrefix(upper, "L-"):
		return fmt.Sprintf("%s の項目 %s が正しくありません。L-3 のように、L-n (n は 0〜%d) の形で書いてください", f.label, value, maxFromLast)
	case dayOfMonth && strings.ContainsAny(upper, "LW"):
		return fmt.Sprintf("%s の項目 %s が正しくありません。L、L-n、LW、nW は範囲やステップと組み合わせず、単独で書いてください", f.label, value)
	case dayOfWeek && (strings.Contains(upper, "#") || strings.HasSuffix(upper, "L")):
		return f.weekdaySyntaxJA(value, upper)
	}
	return f.spanSyntaxJA(value)
}

// weekdaySyntaxJA returns the Japanese message for the day-of-week items
// wL and w#k.
func (f *cronField) weekdaySyntaxJA(item, upper string) string {
	weekday, _, nth := strings.Cut(upper, "#")
	if !nth {
		weekday = strings.TrimSuffix(upper, "L")
	}
	if strings.ContainsAny(weekday, "-/*,") {
		return fmt.Sprintf("%s の項目 %s が正しくありません。L と # の前には 5L や FRI#2 のように曜日を 1 つだけ書いてください", f.label, item)
	}
	if _, ok := f.value(weekday, false); !ok {
		return f.badValueJA(item, weekday)
	}
	return fmt.Sprintf("%s の項目 %s が正しくありません。1#2 (第 2 月曜日) のように、# の後に 1〜5 の数を書いてください", f.label, item)
}

// spanSyntaxJA returns the Japanese message for the list items *, */n,
// a, a-b, a-b/n and a/n.
func (f *cronField) spanSyntaxJA(item string) string {
	body, stepText, hasStep := strings.Cut(item, "/")
	if hasStep && !isDigits(stepText) {
		return fmt.Sprintf("%s の項目 %s のステップが正しくありません。*/5 のように、スラッシュの後に 1 以上の整数を書いてください", f.label, item)
	}
	if body == "*" {
		return fmt.Sprintf("%s の項目 %s を解釈できません。%s", f.label, item, f.hint())
	}
	if !strings.Contains(body, "-") {
		return f.badValueJA(item, body)
	}
	start, end, _ := strings.Cut(body, "-")
	if start == "" || end == "" || strings.Contains(end, "-") {
		return fmt.Sprintf("%s の範囲 %s の書き方が誤っています。%d-%d のように 開始-終了 の形で書いてください", f.label, item, f.min, f.min+1)
	}
	lo, ok := f.value(start, false)
	if !ok {
		return f.badValueJA(item, start)
	}
	if _, ok := f.value(end, lo > 0); !ok {
		return f.badValueJA(item, end)
	}
	return fmt.Sprintf("%s の項目 %s を解釈できません。%s", f.label, item, f.hint())
}

// badValueJA returns the Japanese message for text, a part of item that
// is neither a number nor a name of the field.
func (f *cronField) badValueJA(item, text string) string {
	switch {
	case text == "":
		return fmt.Sprintf("%s の項目 %s に値がありません。%s", f.label, item, f.hint())
	case text == item:
		return fmt.Sprintf("%s の値 %q は正しくありません。%s", f.label, text, f.hint())
	}
	return fmt.Sprintf("%s の項目 %s にある値 %q は正しくありません。%s", f.label, item, text, f.hint())
}
