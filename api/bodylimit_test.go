package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// Every route that takes a body has the same limit, and says the same
// when a body passes it, whether its length is declared or not.
func TestOneBodyLimitForEveryRoute(t *testing.T) {
	r := newRouter(t)
	// padded is a valid body for the route, made size bytes long with
	// spaces that JSON ignores.
	padded := func(body string, size int) string {
		return body[:len(body)-1] + strings.Repeat(" ", size-len(body)) + "}"
	}
	routes := []struct{ path, body string }{
		{"/getToken", `{"tokenType":"rtm","uid":"ann"}`},
		{"/token/generate", `{"uid":"ann","serviceRtm":{"enable":true}}`},
		{"/v1/tokens/rtc", `{"channel":"lobby","uid":7,"role":"publisher"}`},
		{"/v1/tokens/rtm", `{"userId":"ann"}`},
		{"/v1/tokens/chat", `{"userId":"ann"}`},
		{"/v1/tokens/inspect", `{"token":"007abc"}`},
	}
	wantDetail := "the body is larger than 65536 bytes"
	for _, rt := range routes {
		for _, declared := range []bool{true, false} {
			name := rt.path + " streamed"
			if declared {
				name = rt.path + " with Content-Length"
			}
			t.Run(name, func(t *testing.T) {
				post := func(body string) *httptest.ResponseRecorder {
					if !declared {
						return send(t, r, http.MethodPost, rt.path, body, streamed())
					}
					return send(t, r, http.MethodPost, rt.path, body)
				}
				// 20 KiB is well within the limit.
				if w := post(padded(rt.body, 20<<10)); w.Code == http.StatusRequestEntityTooLarge {
					t.Errorf("a 20 KiB body got 413: %s", w.Body)
				}
				w := post(padded(rt.body, middleware.MaxBodyBytes+1))
				var p middleware.Problem
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
					t.Fatalf("body %s: %v", w.Body, err)
				}
				if w.Code != http.StatusRequestEntityTooLarge || p.Detail != wantDetail {
					t.Errorf("a body one byte over the limit = %d %q, want 413 %q", w.Code, p.Detail, wantDetail)
				}
			})
		}
	}
}

// A browser's script can read the 413 too: the CORS headers are set
// before the body limit refuses the request, whether the body declared
// its length or not.
func TestTooLargeCarriesCORSHeaders(t *testing.T) {
	const origin = "https://app.example.com"
	r := newRouter(t, withCORS(origin))
	body := `{"tokenType":"rtm","uid":"` + strings.Repeat("a", middleware.MaxBodyBytes) + `"}`
	for _, declared := range []bool{true, false} {
		opts := []sendOption{header(map[string]string{"Origin": origin})}
		if !declared {
			opts = append(opts, streamed())
		}
		w := send(t, r, http.MethodPost, "/getToken", body, opts...)
		if got := w.Header().Get("Access-Control-Allow-Origin"); w.Code != http.StatusRequestEntityTooLarge || got != origin {
			t.Errorf("declared length %t: %d with Access-Control-Allow-Origin %q, want 413 with %q", declared, w.Code, got, origin)
		}
		if got := w.Header().Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") && !strings.Contains(got, "X-Request-ID") {
			t.Errorf("declared length %t: Access-Control-Expose-Headers = %q, want the request ID exposed", declared, got)
		}
	}
}
