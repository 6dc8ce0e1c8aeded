package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

func TestMetricsAreIndependent(t *testing.T) {
	a, b := New("v1.0.0"), New("v1.0.0")
	a.TokenIssued("rtc", "007")
	a.TokenIssued("rtc", "007")
	a.AuthFailure("/v1/token", "unauthenticated")
	a.RateLimited("/v1/token")
	a.RequestStarted()
	a.RequestStarted()
	a.RequestFinished()

	gotA := scrape(t, a)
	for _, want := range []string{
		`token_server_tokens_issued_total{kind="rtc",version="007"} 2`,
		`token_server_auth_failures_total{reason="unauthenticated",route="/v1/token"} 1`,
		`token_server_rate_limited_requests_total{route="/v1/token"} 1`,
		`token_server_http_requests_in_flight 1`,
		`go_build_info{`,
	} {
		if !strings.Contains(gotA, want) {
			t.Errorf("first set lacks %s", want)
		}
	}
	if gotB := scrape(t, b); strings.Contains(gotB, "token_server_tokens_issued_total{") {
		t.Errorf("second set counted the first one's tokens")
	}
}

func TestObserveRequestBoundsMethods(t *testing.T) {
	tests := []struct{ method, want string }{
		{"GET", "GET"},
		{"OPTIONS", "OPTIONS"},
		{"BREW", "OTHER"},
		{"get", "OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			m := New("v1.0.0")
			m.ObserveRequest(tt.method, "/ping", 200, 3*time.Millisecond)
			got := scrape(t, m)
			want := `token_server_http_requests_total{method="` + tt.want + `",route="/ping",status="200"} 1`
			if !strings.Contains(got, want) {
				t.Errorf("metrics lack %s", want)
			}
			want = `token_server_http_request_duration_seconds_bucket{method="` + tt.want + `",route="/ping",le="0.005"} 1`
			if !strings.Contains(got, want) {
				t.Errorf("metrics lack %s", want)
			}
		})
	}
}

// Each method, route and status has its own series, and a request seen
// again adds to the one it had.
func TestObserveRequestSeries(t *testing.T) {
	m := New("v1.0.0")
	requests := []struct {
		method, route string
		status, times int
	}{
		{"GET", "/ping", 200, 3},
		{"GET", "/ping", 503, 1},
		{"HEAD", "/ping", 200, 2},
		{"GET", "/rtm/:uid", 200, 4},
		{"BREW", "/ping", 200, 1},
		{"PURR", "/ping", 200, 1},
	}
	for _, r := range requests {
		for range r.times {
			m.ObserveRequest(r.method, r.route, r.status, time.Millisecond)
		}
	}
	got := scrape(t, m)
	for _, want := range []string{
		`token_server_http_requests_total{method="GET",route="/ping",status="200"} 3`,
		`token_server_http_requests_total{method="GET",route="/ping",status="503"} 1`,
		`token_server_http_requests_total{method="HEAD",route="/ping",status="200"} 2`,
		`token_server_http_requests_total{method="GET",route="/rtm/:uid",status="200"} 4`,
		`token_server_http_requests_total{method="OTHER",route="/ping",status="200"} 2`,
		`token_server_http_request_duration_seconds_count{method="GET",route="/ping"} 4`,
		`token_server_http_request_duration_seconds_count{method="HEAD",route="/ping"} 2`,
		`token_server_http_request_duration_seconds_count{method="GET",route="/rtm/:uid"} 4`,
		`token_server_http_request_duration_seconds_count{method="OTHER",route="/ping"} 2`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRateLimitStoreGauge(t *testing.T) {
	m := New("v1.0.0")
	if got := scrape(t, m); strings.Contains(got, "token_server_rate_limit_store_up") {
		t.Errorf("a server without a shared store exports its gauge")
	}
	var up atomic.Bool
	m.WatchRateLimitStore(up.Load)
	for _, state := range []bool{false, true, false} {
		up.Store(state)
		want := "token_server_rate_limit_store_up 0"
		if state {
			want = "token_server_rate_limit_store_up 1"
		}
		if got := scrape(t, m); !strings.Contains(got, want) {
			t.Errorf("store up = %t: metrics lack %q", state, want)
		}
	}
}

// go_build_info names the release the server reports at /healthz, however
// the binary was built: a test binary's module version is "(devel)".
func TestBuildInfoNamesTheRelease(t *testing.T) {
	const release = "v4.5.6-stamped"
	var lines []string
	for line := range strings.Lines(scrape(t, New(release))) {
		if strings.HasPrefix(line, "go_build_info{") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `version="`+release+`"`) || !strings.HasSuffix(lines[0], "} 1") {
		t.Errorf("go_build_info lines %q, want one with version %q and the value 1", lines, release)
	}
}

// BenchmarkObserveRequest is what counting a request costs the server.
func BenchmarkObserveRequest(b *testing.B) {
	m := New("v1.0.0")
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest(http.MethodGet, "/rtc/:channelName/:role/:tokenType/:uid", http.StatusOK, time.Millisecond)
	}
}
