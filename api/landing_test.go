package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// A browser's Accept header, as Chrome and Firefox send it for a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func TestLandingPageHTML(t *testing.T) {
	s := newRouter(t)
	tests := []struct {
		name, method, accept string
	}{
		{"a browser", http.MethodGet, browserAccept},
		{"no Accept at all", http.MethodGet, ""},
		{"anything", http.MethodGet, "*/*"},
		{"HTML before JSON", http.MethodGet, "text/html, application/json"},
		{"an uptime monitor's HEAD", http.MethodHead, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accept := map[string]string{}
			if tt.accept != "" {
				accept["Accept"] = tt.accept
			}
			w := send(t, s, tt.method, "/", "", header(accept))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
			}
			for name, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Vary":                   "Accept",
				"X-Frame-Options":        "DENY",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := w.Header().Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if tt.method == http.MethodHead {
				return // net/http leaves the body out: TestHeadAnswersLikeGet
			}
			checkLandingHTML(t, w, true)
		})
	}
}

// checkLandingHTML checks the page's facts, that it runs no script, and
// that its CSP allows its one inline style and nothing else.
func checkLandingHTML(t *testing.T, w *httptest.ResponseRecorder, configured bool) {
	t.Helper()
	page := w.Body.String()
	for _, want := range []string{
		"<title>agora-token-server</title>",
		"<code>" + testVersion + "</code>",
		`href="/docs"`, `href="/openapi.yaml"`, `href="/healthz"`, `href="/check"`,
		`href="` + exampleRequest + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s:\n%s", want, page)
		}
	}
	if says := strings.Contains(page, "credentials: configured"); says != configured {
		t.Errorf("the page says the credentials are configured: %t, want %t", says, configured)
	}
	for _, secret := range []string{testkit.AppID, testkit.Certificate} {
		if strings.Contains(strings.ToLower(page), strings.ToLower(secret)) {
			t.Errorf("the page shows a credential %s", secret)
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") || strings.Contains(page, "style=") {
		t.Error("the page has a script or a style attribute, which its CSP forbids")
	}

	csp := w.Header().Get("Content-Security-Policy")
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	_, style, ok := strings.Cut(page, "<style>")
	style, _, closed := strings.Cut(style, "</style>")
	if !ok || !closed || strings.Count(page, "<style") != 1 {
		t.Fatalf("want one <style> element in the page:\n%s", page)
	}
	sum := sha256.Sum256([]byte(style))
	for name, want := range map[string]string{
		"default-src":     "'none'",
		"style-src":       "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("CSP %s = %q, want %q (CSP: %s)", name, got, want, csp)
		}
	}
	if len(directives) != 5 {
		t.Errorf("CSP %q has directives beyond the five expected", csp)
	}
}

func TestLandingPageJSON(t *testing.T) {
	s := newRouter(t)
	for _, accept := range []string{"application/json", "application/json, text/html;q=0.9"} {
		t.Run(accept, func(t *testing.T) {
			w := send(t, s, http.MethodGet, "/", "", header(map[string]string{"Accept": accept}))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := w.Header().Get("Vary"); got != "Accept" {
				t.Errorf("Vary = %q, want Accept", got)
			}
			var got landing
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := landing{Name: "agora-token-server", Version: testVersion, CredentialsConfigured: true,
				Links: map[string]string{"docs": "/docs", "openapi": "/openapi.yaml", "health": "/healthz", "check": "/check"}, Example: exampleRequest}
			if got.Name != want.Name || got.Version != want.Version || got.CredentialsConfigured != want.CredentialsConfigured ||
				got.Example != want.Example || len(got.Links) != 4 || got.Links["docs"] != "/docs" || got.Links["check"] != "/check" ||
				got.Links["openapi"] != "/openapi.yaml" || got.Links["health"] != "/healthz" {
				t.Errorf("body = %+v, want %+v", got, want)
			}
		})
	}
}

// The example the page shows is a request that works, and the links go
// where they say.
func TestLandingPageLinksAnswer(t *testing.T) {
	s := newRouter(t)
	for _, path := range []string{exampleRequest, "/docs", "/openapi.yaml", "/healthz", "/check"} {
		if w := send(t, s, http.MethodGet, path, ""); w.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, w.Code)
		}
	}
	w := send(t, s, http.MethodGet, exampleRequest, "")
	var body struct{ RTCToken string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || !strings.HasPrefix(body.RTCToken, "007") {
		t.Errorf("the example request answered %s, want an RTC token", w.Body)
	}
}

// A server with made-up credentials says so, on the page and in JSON.
func TestLandingPageInDevMode(t *testing.T) {
	r := newRouter(t, withDevCredentials())
	w := send(t, r, http.MethodGet, "/", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	checkLandingHTML(t, w, false)
	if !strings.Contains(w.Body.String(), "dev mode") {
		t.Errorf("the page does not say the credentials are made up:\n%s", w.Body)
	}

	w = send(t, r, http.MethodGet, "/", "", header(map[string]string{"Accept": "application/json"}))
	var got landing
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.CredentialsConfigured {
		t.Errorf("JSON = %s, want credentialsConfigured false", w.Body)
	}
}
