package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/recoron/recoron/service"
)

// keyLimiter is the request-rate limiter of one API key, rebuilt when the
// plan's rate changes.
type keyLimiter struct {
	perMinute int
	limiter   *rate.Limiter
}

func (a *API) limiterFor(keyID string, perMinute int) *rate.Limiter {
	if v, ok := a.limiters.Load(keyID); ok {
		kl := v.(*keyLimiter)
		if kl.perMinute == perMinute {
			return kl.limiter
		}
	}
	kl := &keyLimiter{perMinute: perMinute,
		limiter: rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)}
	actual, _ := a.limiters.LoadOrStore(keyID, kl)
	if actual.(*keyLimiter).perMinute != perMinute {
		a.limiters.Store(keyID, kl)
		return kl.limiter
	}
	return actual.(*keyLimiter).limiter
}

func errRate(ja, en string, limit string, value int64, retryAfter time.Duration) *apiError {
	secs := int64(math.Ceil(retryAfter.Seconds()))
	secs = max(secs, 1)
	h := http.Header{}
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	return &apiError{status: http.StatusTooManyRequests, code: CodeRateLimited, ja: ja, en: en,
		header:  h,
		details: map[string]any{"limit": limit, "value": value, "retryAfterSeconds": secs}}
}

// admit enforces the per-key request rate and the daily API-call quota,
// and sets RateLimit-* headers. They describe the per-key rate:
// RateLimit-Reset is the number of seconds until the key's allowance is
// full again, and Retry-After on a 429 is the wait for the next request.
// A 429 for the daily quota describes the quota instead, which resets at
// 00:00 UTC.
func (a *API) admit(w http.ResponseWriter, r *http.Request, p *service.Principal) *apiError {
	plan := a.svc.Plan(p.User)
	now := a.svc.Now()

	if perMinute := plan.RequestsPerMinute; perMinute > 0 {
		lim := a.limiterFor(p.Key.ID, perMinute)
		res := lim.ReserveN(now, 1)
		delay := res.DelayFrom(now)
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(perMinute))
		if delay > 0 {
			res.CancelAt(now)
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", strconv.Itoa(untilFull(perMinute, lim.TokensAt(now))))
			return errRate(
				fmt.Sprintf("リクエスト数の上限に達しました: APIキーごとに1分あたり %d 回までです", perMinute),
				fmt.Sprintf("rate limit reached: %d requests per minute per API key", perMinute),
				service.LimitRequestsPerMinute, int64(perMinute), delay)
		}
		tokens := lim.TokensAt(now)
		h.Set("RateLimit-Remaining", strconv.Itoa(max(int(tokens), 0)))
		h.Set("RateLimit-Reset", strconv.Itoa(untilFull(perMinute, tokens)))
	}

	if quota := plan.DailyAPICalls; quota > 0 {
		used, err := a.svc.DailyAPICalls(r.Context(), p.User.ID, now)
		if err != nil {
			return a.fromError(r, err)
		}
		if used >= quota {
			tomorrow := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			h := w.Header()
			h.Set("RateLimit-Limit", strconv.FormatInt(quota, 10))
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(tomorrow.Sub(now).Seconds())), 10))
			return errRate(
				fmt.Sprintf("1日のAPI呼び出し数の上限 %d 回に達しました (UTC 0時にリセット)", quota),
				fmt.Sprintf("daily API call limit of %d reached; it resets at 00:00 UTC", quota),
				service.LimitDailyAPICalls, quota, tomorrow.Sub(now))
		}
	}
	return nil
}

// untilFull returns the whole seconds until a bucket of perMinute requests
// a minute that holds tokens now is full again.
func untilFull(perMinute int, tokens float64) int {
	missing := float64(perMinute) - max(tokens, 0)
	return int(math.Ceil(missing * 60 / float64(perMinute)))
}
