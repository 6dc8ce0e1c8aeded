package api

import (
	"net/http"
	"strings"
	"testing"
)

// Clients of the older servers read their own members of an error
// whatever went wrong, including what the middleware refuses before any
// route runs: a body too large, an origin not allowed, a wrong method, a
// path that does not exist.
func TestErrorsSpeakTheDialectOfThePath(t *testing.T) {
	const (
		standard  = "standard"
		community = "community"
		reference = "reference"
	)
	big := `{"tokenType":"rtm","uid":"` + strings.Repeat("a", 70<<10) + `"}`
	evil := map[string]string{"Origin": "https://evil.example"}
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		header  map[string]string
		status  int
		dialect string
	}{
		{"getToken body too large", "POST", "/getToken", big, nil, http.StatusRequestEntityTooLarge, community},
		{"rtm from an origin not allowed", "GET", "/rtm/bob", "", evil, http.StatusForbidden, community},
		{"getToken wrong method", "DELETE", "/getToken", "", nil, http.StatusMethodNotAllowed, community},
		{"rtc path too short", "GET", "/rtc/room", "", nil, http.StatusNotFound, community},
		{"chat unknown path", "GET", "/chat/nope/x", "", nil, http.StatusNotFound, community},
		{"rte from an origin not allowed", "GET", "/rte/room/publisher/uid/5", "", evil, http.StatusForbidden, community},
		{"generate body too large", "POST", "/token/generate", big, nil, http.StatusRequestEntityTooLarge, reference},
		{"generate wrong method", "PUT", "/token/generate/", "", nil, http.StatusMethodNotAllowed, reference},
		{"generate from an origin not allowed", "POST", "/token/generate", `{}`, evil, http.StatusForbidden, reference},
		{"v1 wrong method", "DELETE", "/v1/tokens/rtm", "", nil, http.StatusMethodNotAllowed, standard},
		{"v1 body too large", "POST", "/v1/tokens/rtm", big, nil, http.StatusRequestEntityTooLarge, standard},
		{"unknown path", "GET", "/nope", "", nil, http.StatusNotFound, standard},
		{"a prefix is not a route's", "GET", "/rtcx/room", "", nil, http.StatusNotFound, standard},
	}
	r := newRouter(t, withCORS("https://app.example.com"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, tt.method, tt.path, tt.body, header(tt.header))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			body := problem(t, w, tt.status)
			_, hasError := body["error"]
			_, hasCode := body["code"]
			_, hasMessage := body["message"]
			var got string
			switch {
			case hasError && !hasCode && !hasMessage && body["error"] == body["detail"]:
				got = community
			case !hasError && body["code"] == -1.0 && body["message"] == body["detail"]:
				got = reference
			case !hasError && !hasCode && !hasMessage:
				got = standard
			default:
				got = "mixed"
			}
			if got != tt.dialect {
				t.Errorf("dialect = %s, want %s: %v", got, tt.dialect, body)
			}
		})
	}
}
