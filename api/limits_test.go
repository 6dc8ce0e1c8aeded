package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	h := newRouter(t)
	big := `{"tokenType":"rtm","uid":"alice","pad":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name    string
		chunked bool
	}{{"declared length", false}, {"chunked", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []sendOption
			if tt.chunked {
				opts = append(opts, streamed())
			}
			w := send(t, h, "POST", "/getToken", big, opts...)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %s", w.Code, w.Body)
			}
			if p := problem(t, w, http.StatusRequestEntityTooLarge); p["detail"] != "the body is larger than 65536 bytes" {
				t.Errorf("detail %q", p["detail"])
			}
		})
	}
	small := send(t, h, "POST", "/getToken", `{"tokenType":"rtm","uid":"alice"}`)
	if small.Code != 200 {
		t.Errorf("a small body: %d %s", small.Code, small.Body)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newRouter(t, withAuth(keysAuth(t)), withLimiter(limited(t, 1)))
	calls := []call{
		{method: "GET", path: "/ping"},
		{method: "GET", path: "/nowhere"},
		{method: "DELETE", path: "/ping"},
		{method: "GET", path: "/rtm/alice", header: bearer(apiKey)},
		{method: "GET", path: "/rtm/alice", header: bearer(apiKey)},
		{method: "GET", path: "/rtm/alice"},
		{method: "GET", path: "/rtc/lobby/boss/uid/1", header: bearer(apiKey2)},
		{method: "POST", path: "/getToken", body: strings.Repeat("x", 70<<10)},
	}
	seen := map[int]bool{}
	for _, c := range calls {
		w := send(t, h, c.method, c.path, c.body, header(c.header))
		seen[w.Code] = true
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s %s (%d): headers %v", c.method, c.path, w.Code, w.Header())
		}
	}
	for _, code := range []int{200, 400, 401, 404, 405, 413, 429} {
		if !seen[code] {
			t.Errorf("no response with status %d was checked", code)
		}
	}
}
