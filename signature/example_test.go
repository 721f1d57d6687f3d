package signature_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/recoron/recoron/signature"
)

// This example shows a net/http handler that accepts only calls signed
// with the account's signing secret. It calls the handler with
// httptest.NewRequest, so no server is started.
func ExampleVerifyRequest() {
	const secret = "whsec_example" // Load the real secret from configuration.

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := signature.VerifyRequest(r, secret, signature.DefaultTolerance, time.Now())
		switch {
		case errors.Is(err, signature.ErrBodyTooLarge):
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "ran job with %s", body)
	})

	// Sign a call the way ReCoron does.
	body := `{"task":"cleanup"}`
	header, err := signature.Header([]string{secret}, time.Now(), []byte(body))
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, sig := range []string{header, "t=1,v1=forged"} {
		r := httptest.NewRequest(http.MethodPost, "/hooks/cleanup", strings.NewReader(body))
		r.Header.Set(signature.HeaderName, sig)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 200 ran job with {"task":"cleanup"}
	// 401 invalid signature
}
