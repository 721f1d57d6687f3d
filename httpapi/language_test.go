package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recoron/recoron/httpapi"
)

func TestDefaultLanguage(t *testing.T) {
	t.Parallel()
	svc := newPrefixService(t)
	if _, err := httpapi.New(httpapi.Config{Service: svc, DefaultLanguage: "fr"}); err == nil {
		t.Error(`New accepted DefaultLanguage "fr"`)
	}

	for _, tc := range []struct {
		defaultLanguage, acceptLanguage string
		wantEnglish                     bool
	}{
		{"", "", false},
		{"en", "", true},
		{"en", "de, fr", true},
		{"en", "ja", false},
		{"ja", "en-US", true},
	} {
		api, err := httpapi.New(httpapi.Config{Service: svc, DefaultLanguage: tc.defaultLanguage})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(api)
		req, err := http.NewRequest("GET", srv.URL+"/jobs", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.acceptLanguage != "" {
			req.Header.Set("Accept-Language", tc.acceptLanguage)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Message string }
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if english := !strings.Contains(body.Message, "認証"); english != tc.wantEnglish {
			t.Errorf("DefaultLanguage %q, Accept-Language %q: message %q, want English %v",
				tc.defaultLanguage, tc.acceptLanguage, body.Message, tc.wantEnglish)
		}
	}
}
