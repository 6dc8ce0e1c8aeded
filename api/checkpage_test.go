package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestCheckPage reads the token doctor's page as a browser gets it: a
// form and its script, with a CSP that allows exactly its inline style and
// script and connections to this server.
func TestCheckPage(t *testing.T) {
	r := newRouter(t)
	for _, path := range []string{"/check", "/check/"} {
		t.Run(path, func(t *testing.T) {
			w := send(t, r, http.MethodGet, path, "", header(map[string]string{"Accept": browserAccept}))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			for name, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"X-Frame-Options":        "DENY",
				"X-Content-Type-Options": "nosniff",
			} {
				if got := w.Header().Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			page := w.Body.String()
			for _, want := range []string{`<form id="ask"`, `id="token"`, `id="channel"`, `id="userKind"`, `id="role"`, `id="rtmUserId"`, `id="at"`, `"/v1/tokens/check"`, `href="/"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]+(src|href)=`).MatchString(page) || strings.Contains(page, "style=") {
				t.Error("the page loads something, or has a style attribute, which its CSP forbids")
			}
			inline := func(tag string) string {
				_, body, ok := strings.Cut(page, "<"+tag+">")
				body, _, closed := strings.Cut(body, "</"+tag+">")
				if !ok || !closed || strings.Count(page, "<"+tag) != 1 {
					t.Fatalf("want one <%s> element in the page", tag)
				}
				return body
			}
			directives := map[string]string{}
			for d := range strings.SplitSeq(w.Header().Get("Content-Security-Policy"), ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = value
			}
			want := map[string]string{
				"default-src":     "'none'",
				"script-src":      hashSource(inline("script")),
				"style-src":       hashSource(inline("style")),
				"connect-src":     "'self'",
				"base-uri":        "'none'",
				"form-action":     "'none'",
				"frame-ancestors": "'none'",
			}
			for name, v := range want {
				if directives[name] != v {
					t.Errorf("CSP %s = %q, want %q", name, directives[name], v)
				}
			}
			if len(directives) != len(want) {
				t.Errorf("CSP %v has directives beyond %v", directives, want)
			}
		})
	}
}
