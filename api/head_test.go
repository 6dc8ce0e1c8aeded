package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// HEAD works wherever GET does, as HTTP expects and as uptime monitors
// and load balancers probe: the same status and headers, and no body.
// A real server is used, since it is net/http that leaves the body out.
func TestHeadAnswersLikeGet(t *testing.T) {
	srv := httptest.NewServer(newRouter(t, withAppTokens()))
	defer srv.Close()
	paths := []string{
		"/", "/ping", "/ping/", "/healthz", "/readyz/", "/metrics",
		"/openapi.json", "/openapi.yaml", "/docs", "/docs/", "/docs/swagger-ui.css", "/docs/init.js",
		"/rtc/room/publisher/uid/5", "/rtm/bob", "/rte/room/publisher/uid/5/bob", "/chat/app", "/chat/account/bob/",
		"/rtm/bob?expiry=0", "/nope",
	}
	fetch := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			get, getBody := fetch(http.MethodGet, path)
			head, headBody := fetch(http.MethodHead, path)
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD = %d, GET = %d", head.StatusCode, get.StatusCode)
			}
			if len(headBody) != 0 || len(getBody) == 0 {
				t.Errorf("HEAD sent %d bytes and GET %d; want none and some", len(headBody), len(getBody))
			}
			for _, h := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options"} {
				if head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("%s: HEAD %q, GET %q", h, head.Header.Get(h), get.Header.Get(h))
				}
			}
		})
	}

	// A route that takes no GET takes no HEAD, and says which it takes.
	for path, allow := range map[string]string{"/getToken": "POST", "/v1/tokens/rtc/": "POST"} {
		res, _ := fetch(http.MethodHead, path)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != allow {
			t.Errorf("HEAD %s = %d, Allow %q; want 405, Allow %q", path, res.StatusCode, res.Header.Get("Allow"), allow)
		}
	}
	res, _ := fetch(http.MethodPut, "/healthz")
	if got := res.Header.Get("Allow"); !strings.Contains(got, "HEAD") {
		t.Errorf("PUT /healthz: Allow = %q, want HEAD listed", got)
	}
}
