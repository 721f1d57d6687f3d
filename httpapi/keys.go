package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/recoron/recoron/service"
)

type keyRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt *string  `json:"expiresAt"`
}

func keyErr(err error) error {
	if err == service.ErrNotFound {
		return errNotFound("API key")
	}
	return err
}

func (a *API) createKey(r *http.Request, p *service.Principal) (int, any, error) {
	var kr keyRequest
	if _, err := decodeJSON(r, &kr); err != nil {
		return 0, nil, err
	}
	in := service.KeyInput{Name: kr.Name, Scopes: kr.Scopes}
	if kr.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *kr.ExpiresAt)
		if err != nil {
			return 0, nil, invalidJA("expiresAt",
				fmt.Sprintf("expiresAt %q is not an RFC 3339 time; use a form such as 2026-12-31T00:00:00.000Z", *kr.ExpiresAt),
				fmt.Sprintf("expiresAt %q は RFC 3339 形式の時刻ではありません。2026-12-31T00:00:00.000Z のような形式で指定するか、期限を設けない場合は省略してください",
					*kr.ExpiresAt))
		}
		in.ExpiresAt = t
	}
	key, token, err := a.svc.CreateKey(r.Context(), p, in)
	if err != nil {
		return 0, nil, err
	}
	v := viewKey(key)
	v.Token = token
	return http.StatusCreated, v, nil
}

func (a *API) listKeys(r *http.Request, p *service.Principal) (int, any, error) {
	keys, err := a.svc.ListKeys(r.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]keyView, len(keys))
	for i, k := range keys {
		out[i] = viewKey(k)
	}
	return http.StatusOK, out, nil
}

func (a *API) getKey(r *http.Request, p *service.Principal) (int, any, error) {
	k, err := a.svc.GetKey(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return 0, nil, keyErr(err)
	}
	return http.StatusOK, viewKey(k), nil
}

func (a *API) deleteKey(r *http.Request, p *service.Principal) (int, any, error) {
	if err := a.svc.DeleteKey(r.Context(), p, r.PathValue("id")); err != nil {
		return 0, nil, keyErr(err)
	}
	return http.StatusOK, nil, nil
}

type secretView struct {
	Secret            string  `json:"secret"`
	PreviousSecret    *string `json:"previousSecret"`
	PreviousExpiresAt *string `json:"previousExpiresAt"`
}

func viewSecrets(s *service.SigningSecrets) secretView {
	return secretView{Secret: s.Secret, PreviousSecret: optString(s.PreviousSecret),
		PreviousExpiresAt: optTime(s.PreviousExpiresAt)}
}

func (a *API) getSigningSecret(r *http.Request, p *service.Principal) (int, any, error) {
	s, err := a.svc.SigningSecret(r.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewSecrets(s), nil
}

func (a *API) rotateSigningSecret(r *http.Request, p *service.Principal) (int, any, error) {
	if err := readEmptyBody(r); err != nil {
		return 0, nil, err
	}
	s, err := a.svc.RotateSigningSecret(r.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewSecrets(s), nil
}
