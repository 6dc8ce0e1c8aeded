package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestPing(t *testing.T) {
	r := newRouter(t)
	for _, path := range []string{"/ping", "/ping/"} {
		w := send(t, r, "GET", path, "")
		if w.Code != http.StatusOK || w.Body.String() != `{"message":"pong"}` {
			t.Errorf("GET %s = %d %s", path, w.Code, w.Body)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, got)
		}
		if w.Header().Get("Location") != "" {
			t.Errorf("GET %s redirects", path)
		}
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
		allow  string
	}{
		{"unknown path", "GET", "/nope", http.StatusNotFound, ""},
		{"rtc without uid type", "GET", "/rtc/room", http.StatusNotFound, ""},
		{"double slash is not redirected", "GET", "/rtm//x", http.StatusNotFound, ""},
		{"delete ping", "DELETE", "/ping", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"post rtm", "POST", "/rtm/u/", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"get getToken", "GET", "/getToken", http.StatusMethodNotAllowed, "POST"},
		{"put token generate", "PUT", "/token/generate/", http.StatusMethodNotAllowed, "POST"},
	}
	r := newRouter(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, tt.method, tt.path, "")
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			problem(t, w, tt.status)
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	const allowed = "https://app.example.com"
	r := newRouter(t, withCORS(allowed, "https://*.preview.example.com"))
	preflight := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"}
	}

	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		status     int
		allowOrign string
	}{
		{"preflight from allowed origin", "OPTIONS", "/getToken", preflight(allowed), http.StatusNoContent, allowed},
		{"preflight from wildcard origin", "OPTIONS", "/rtc/a/publisher/uid/1", preflight("https://pr-9.preview.example.com"), http.StatusNoContent, "https://pr-9.preview.example.com"},
		{"preflight from other origin", "OPTIONS", "/getToken", preflight("https://evil.example"), http.StatusForbidden, ""},
		{"get from allowed origin", "GET", "/rtm/u", map[string]string{"Origin": allowed}, http.StatusOK, allowed},
		{"get from other origin", "GET", "/rtm/u", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, ""},
		{"get from two labels under the wildcard", "GET", "/rtm/u", map[string]string{"Origin": "https://a.pr-9.preview.example.com"}, http.StatusOK, "https://a.pr-9.preview.example.com"},
		// Matched as strings, these passed "https://*" ... ".preview.example.com".
		{"host that only ends like the wildcard", "GET", "/rtm/u", map[string]string{"Origin": "https://evil.com/.preview.example.com"}, http.StatusForbidden, ""},
		{"user info before the wildcard's host", "GET", "/rtm/u", map[string]string{"Origin": "https://evil.com@x.preview.example.com"}, http.StatusForbidden, ""},
		{"no label in place of the wildcard", "GET", "/rtm/u", map[string]string{"Origin": "https://.preview.example.com"}, http.StatusForbidden, ""},
		{"another port under the wildcard", "GET", "/rtm/u", map[string]string{"Origin": "https://pr-9.preview.example.com:8443"}, http.StatusForbidden, ""},
		{"another scheme under the wildcard", "GET", "/rtm/u", map[string]string{"Origin": "http://pr-9.preview.example.com"}, http.StatusForbidden, ""},
		{"host glued to the wildcard's", "GET", "/rtm/u", map[string]string{"Origin": "https://evilpreview.example.com"}, http.StatusForbidden, ""},
		{"no origin: native app, curl", "GET", "/rtm/u", nil, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, tt.method, tt.path, "", header(tt.header))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.allowOrign {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.allowOrign)
			}
			switch {
			case tt.status == http.StatusForbidden:
				problem(t, w, tt.status)
			case tt.method == "OPTIONS":
				methods := w.Header().Get("Access-Control-Allow-Methods")
				headers := w.Header().Get("Access-Control-Allow-Headers")
				for _, m := range []string{"GET", "POST", "OPTIONS"} {
					if !strings.Contains(methods, m) {
						t.Errorf("Access-Control-Allow-Methods = %q lacks %s", methods, m)
					}
				}
				for _, h := range []string{"Content-Type", "Authorization"} {
					if !strings.Contains(headers, h) {
						t.Errorf("Access-Control-Allow-Headers = %q lacks %s", headers, h)
					}
				}
			}
		})
	}

	w := send(t, newRouter(t), "GET", "/rtm/u", "", header(map[string]string{"Origin": "https://anyone.example"}))
	if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("with origins *: %d, ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}
