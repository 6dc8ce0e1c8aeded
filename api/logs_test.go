package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/logging"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
)

func TestMetricsCountTheGuardsRefusals(t *testing.T) {
	const key = "ops-test-api-key-0123456789"
	keys, err := auth.NewKeys([]string{key}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newRouter(t, withAuth(keys), withLimiter(ratelimit.NewMemory(ratelimit.Rate{Count: 2, Period: time.Hour}, ratelimit.MemoryOptions{})))
	good := map[string]string{"X-Api-Key": key}
	bad := map[string]string{"X-Api-Key": "wrong-key"}
	// A caller with a good key is limited by its key, one with a bad key
	// by its address: two requests each per hour.
	want := []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests, http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests}
	for i, h := range []map[string]string{good, good, good, bad, bad, bad} {
		if w := send(t, s, http.MethodGet, "/rtm/ivy", "", header(h)); w.Code != want[i] {
			t.Fatalf("request %d = %d, want %d", i, w.Code, want[i])
		}
	}
	got := s.scrape(t, nil)
	for key, v := range map[string]float64{
		`token_server_auth_failures_total{reason="unauthenticated",route="/rtm/:uid"}`: 2,
		`token_server_rate_limited_requests_total{route="/rtm/:uid"}`:                  2,
		`token_server_tokens_issued_total{kind="rtm",version="007"}`:                   2,
	} {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	tests := []struct {
		name   string
		sent   string
		echoed bool // the response carries the sent ID back
	}{
		{"client ID kept", "3f2a-77:b.c_d+e/f=", true},
		{"none sent", "", false},
		{"too long", strings.Repeat("a", middleware.MaxRequestIDLen+1), false},
		{"unsafe characters", `abc" forged=1`, false},
		{"newline", "abc\nlevel=ERROR", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRouter(t, withLogs())
			h := map[string]string{}
			if tt.sent != "" {
				h["X-Request-ID"] = tt.sent
			}
			w := send(t, s, http.MethodGet, "/rtm/erin?expiry=120", "", header(h))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			id := w.Header().Get("X-Request-ID")
			if tt.echoed && id != tt.sent {
				t.Errorf("X-Request-ID = %q, want the client's %q", id, tt.sent)
			}
			if !tt.echoed && (id == "" || id == tt.sent) {
				t.Errorf("X-Request-ID = %q, want a fresh ID", id)
			}

			lines := s.logLines(t)
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want one access line: %v", len(lines), lines)
			}
			want := map[string]any{
				"msg": "request", "level": "INFO", "method": "GET", "route": "/rtm/:uid",
				"status": float64(200), "client_ip": "192.0.2.1", "request_id": id,
			}
			for k, v := range want {
				if lines[0][k] != v {
					t.Errorf("log %s = %v, want %v", k, lines[0][k], v)
				}
			}
			if ms, ok := lines[0]["latency_ms"].(float64); !ok || ms < 0 {
				t.Errorf("latency_ms = %v, want a duration in milliseconds", lines[0]["latency_ms"])
			}
		})
	}
}

// The access line names the client as the rate limit does: the peer,
// unless the peer is a trusted proxy, whose X-Forwarded-For is believed.
func TestAccessLogNamesTheClient(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		want    string
	}{
		{"no proxy trusted", nil, "192.0.2.1"},
		{"the peer is a trusted proxy", []string{"192.0.2.0/24"}, "203.0.113.9"},
		{"the peer is not a trusted proxy", []string{"10.0.0.0/8"}, "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRouter(t, withLogs(), withTrustedProxies(tt.proxies...))
			if w := send(t, s, http.MethodGet, "/ping", "", header(map[string]string{"X-Forwarded-For": "203.0.113.9"})); w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			lines := s.logLines(t)
			if len(lines) != 1 || lines[0]["client_ip"] != tt.want {
				t.Errorf("logged %v, want one access line with client_ip %s", lines, tt.want)
			}
		})
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	s := newRouter(t, withLogs(), withMetricsToken("metrics-secret"))
	const apiKey = "Bearer api-key-that-must-not-leak"
	h := map[string]string{"Authorization": apiKey}
	requests := []struct{ method, target, body string }{
		{http.MethodGet, "/rtc/secret-channel/publisher/userAccount/secret-user?expiry=77777", ""},
		{http.MethodPost, "/getToken", `{"tokenType":"rtm","uid":"secret-body-user"}`},
		{http.MethodGet, "/nothing-here/secret-path?token=secret-query", ""},
		{http.MethodGet, "/metrics", ""},
	}
	var issued []string
	for _, r := range requests {
		w := send(t, s, r.method, r.target, r.body, header(h))
		var body map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		for _, k := range []string{"rtcToken", "token"} {
			if tok, ok := body[k].(string); ok {
				issued = append(issued, tok)
			}
		}
	}
	if len(issued) != 2 {
		t.Fatalf("issued %d tokens, want 2", len(issued))
	}
	logs := s.logs.String()
	forbidden := append([]string{"secret-channel", "secret-user", "77777", "secret-body-user", "secret-path", "secret-query",
		"api-key-that-must-not-leak", "metrics-secret", testkit.Certificate}, issued...)
	for _, secret := range forbidden {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %.30q:\n%s", secret, logs)
		}
	}
	if n := len(s.logLines(t)); n != len(requests) {
		t.Errorf("logged %d lines, want one per request (%d)", n, len(requests))
	}
}

func TestPanicRecovered(t *testing.T) {
	s := newRouter(t, withLogs())
	s.GET("/test/panic", func(c *gin.Context) { panic("handler bug") })

	w := send(t, s, http.MethodGet, "/test/panic", "", lenient(), header(map[string]string{"X-Request-Id": "panic-42"}))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if got := w.Header().Get("X-Request-ID"); got != "panic-42" {
		t.Errorf("X-Request-ID = %q, want panic-42", got)
	}
	var p middleware.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 500 || strings.Contains(w.Body.String(), "handler bug") {
		t.Errorf("problem = %+v, want a 500 that keeps the panic to the log", p)
	}

	var panicLine, accessLine map[string]any
	for _, l := range s.logLines(t) {
		switch l["msg"] {
		case "panic in handler":
			panicLine = l
		case "request":
			accessLine = l
		}
	}
	if panicLine == nil {
		t.Fatal("no log line for the panic")
	}
	if panicLine["request_id"] != "panic-42" || panicLine["panic"] != "handler bug" || panicLine["level"] != "ERROR" {
		t.Errorf("panic line = %v, want level ERROR, the request ID and the panic value", panicLine)
	}
	if stack, _ := panicLine["stack"].(string); !strings.Contains(stack, "logs_test.go") {
		t.Errorf("panic line's stack does not reach the handler: %.200q", stack)
	}
	if accessLine == nil || accessLine["status"] != float64(500) || accessLine["request_id"] != "panic-42" {
		t.Errorf("access line = %v, want status 500 and the request ID", accessLine)
	}
	if got := s.scrape(t, nil)[`token_server_http_requests_total{method="GET",route="/test/panic",status="500"}`]; got != 1 {
		t.Errorf("500s counted = %v, want 1", got)
	}

	// The server goes on serving.
	w = send(t, s, http.MethodGet, "/rtm/frank", "")
	if w.Code != http.StatusOK {
		t.Fatalf("after the panic, status = %d, want 200", w.Code)
	}
	var body struct{ RtmToken string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	decodeToken(t, body.RtmToken)
}

func TestRequestIDThroughCORS(t *testing.T) {
	s := newRouter(t)
	pre := send(t, s, http.MethodOptions, "/rtm/gina", "", header(map[string]string{
		"Origin":                         "https://app.example",
		"Access-Control-Request-Method":  "GET",
		"Access-Control-Request-Headers": "x-request-id",
	}))
	if pre.Code != http.StatusNoContent {
		t.Fatalf("preflight status = %d, want 204", pre.Code)
	}
	if got := strings.ToLower(pre.Header().Get("Access-Control-Allow-Headers")); !strings.Contains(got, "x-request-id") {
		t.Errorf("Access-Control-Allow-Headers = %q, want it to allow X-Request-ID", got)
	}
	w := send(t, s, http.MethodGet, "/rtm/gina", "", header(map[string]string{"Origin": "https://app.example", "X-Request-Id": "from-browser"}))
	if got := strings.ToLower(w.Header().Get("Access-Control-Expose-Headers")); !strings.Contains(got, "x-request-id") {
		t.Errorf("Access-Control-Expose-Headers = %q, want X-Request-ID readable by scripts", got)
	}
	if got := w.Header().Get("X-Request-ID"); got != "from-browser" {
		t.Errorf("X-Request-ID = %q, want from-browser", got)
	}
}

// The access log names routes as the metrics do: one name per route,
// and preflights apart from requests that match nothing.
func TestAccessLogRouteNames(t *testing.T) {
	preflight := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
	tests := []struct {
		method, target string
		header         map[string]string
		want           string
	}{
		{http.MethodGet, "/rtm/erin", nil, "/rtm/:uid"},
		{http.MethodGet, "/rtm/erin/", nil, "/rtm/:uid"},
		{http.MethodPost, "/v1/tokens/rtm/", nil, "/v1/tokens/rtm"},
		{http.MethodGet, "/healthz/", nil, "/healthz"},
		{http.MethodOptions, "/rtm/erin", preflight, "preflight"},
		{http.MethodOptions, "/nowhere/at/all", preflight, "preflight"},
		{http.MethodOptions, "/rtm/erin", nil, "unmatched"},
		{http.MethodGet, "/nowhere/at/all", nil, "unmatched"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			s := newRouter(t, withLogs())
			send(t, s, tt.method, tt.target, "", header(tt.header))
			lines := s.logLines(t)
			if len(lines) != 1 || lines[0]["route"] != tt.want {
				t.Errorf("access log = %v, want one line with route %q", lines, tt.want)
			}
		})
	}
}

// Above info the access log writes nothing, and the errors still reach
// the log with their request's ID.
func TestAccessLogFollowsTheLevel(t *testing.T) {
	var logs bytes.Buffer
	s := newRouter(t, func(s *routerSetup) { s.cfg.Logger = logging.New(&logs, logging.JSON, slog.LevelWarn) })
	s.GET("/test/panic", func(c *gin.Context) { panic("handler bug") })

	if w := send(t, s, http.MethodGet, "/rtc/room/publisher/uid/7", ""); w.Code != http.StatusOK {
		t.Fatalf("GET /rtc = %d", w.Code)
	}
	if logs.Len() != 0 {
		t.Errorf("at warn a 200 logged %q", logs.String())
	}
	send(t, s, http.MethodGet, "/test/panic", "", lenient(), header(map[string]string{"X-Request-Id": "panic-43"}))
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("at warn a panic logged %q, want one JSON line: %v", logs.String(), err)
	}
	if line["msg"] != "panic in handler" || line["request_id"] != "panic-43" {
		t.Errorf("at warn a panic logged %v, want its panic line with its request ID", line)
	}
}
