package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/logging"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	opsAppID = "970ca35de60c44645bbae8a215061b33"
	opsCert  = "5cfd2fd1755d40ecb72977518be15d3b"
	// opsVersion is the release the test router reports.
	opsVersion = "v0.9.1-test"
)

// opsServer is the whole router as run() builds it, with its log, its
// metrics and its readiness at hand.
type opsServer struct {
	router *gin.Engine
	logs   *bytes.Buffer
	ready  *Readiness
}

func newOpsServer(t *testing.T, metricsToken string) *opsServer {
	t.Helper()
	logs := &bytes.Buffer{}
	m := metrics.New()
	ready := NewReadiness()
	tokens := service.New(opsAppID, opsCert, service.Options{Observer: m})
	router := New(Config{
		Tokens:       tokens,
		CORSOrigins:  []string{"*"},
		Logger:       logging.New(logs, logging.JSON, slog.LevelDebug),
		Metrics:      m,
		MetricsToken: metricsToken,
		Ready:        ready,
		Version:      opsVersion,
	})
	return &opsServer{router: router, logs: logs, ready: ready}
}

// do sends one request through the router and holds the exchange to the
// OpenAPI contract, except on the routes a test adds under /test/.
func (s *opsServer) do(t *testing.T, method, target, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	sent := req.Header.Clone()
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, req)
	if !strings.HasPrefix(target, "/test/") {
		checkContract(t, method, target, body, sent, w)
	}
	return w
}

// logLines decodes every JSON log line written so far.
func (s *opsServer) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.logs.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, sc.Text())
		}
		lines = append(lines, line)
	}
	return lines
}

// scrape reads /metrics into a map from "name{labels}" to value.
func (s *opsServer) scrape(t *testing.T, header http.Header) map[string]float64 {
	t.Helper()
	w := s.do(t, http.MethodGet, "/metrics", "", header)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", w.Code, w.Body)
	}
	return testkit.ParseMetrics(t, w.Body)
}

// verifyToken checks that an AccessToken2 is signed with the test
// certificate and returns it parsed by Agora's package.
func verifyToken(t *testing.T, token string) *accesstoken2.AccessToken {
	t.Helper()
	return testkit.Verify007(t, token, opsAppID, opsCert)
}

func TestHealthz(t *testing.T) {
	s := newOpsServer(t, "")
	for _, path := range []string{"/healthz", "/healthz/"} {
		t.Run(path, func(t *testing.T) {
			w := s.do(t, http.MethodGet, path, "", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			var body struct{ Status, Version string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != "ok" || body.Version != opsVersion {
				t.Errorf("body = %+v, want status ok and version %s", body, opsVersion)
			}
		})
	}
}

func TestHealthzReportsTheRelease(t *testing.T) {
	r := New(Config{Tokens: service.New(opsAppID, opsCert, service.Options{}), CORSOrigins: []string{"*"}, Version: "v9.8.7"})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got, want := w.Body.String(), `{"status":"ok","version":"v9.8.7"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestReadyz(t *testing.T) {
	failing := errors.New("dial tcp 127.0.0.1:6379: connection refused")
	tests := []struct {
		name       string
		checks     map[string]error // nil: the check says ok
		drain      bool
		wantStatus int
		wantDetail string
	}{
		{name: "ready", wantStatus: http.StatusOK},
		{name: "passing check", checks: map[string]error{"redis": nil}, wantStatus: http.StatusOK},
		{name: "draining", drain: true, wantStatus: http.StatusServiceUnavailable, wantDetail: "not ready: shutting down"},
		{name: "failing check", checks: map[string]error{"redis": failing}, wantStatus: http.StatusServiceUnavailable, wantDetail: "not ready: redis failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOpsServer(t, "")
			for name, err := range tt.checks {
				s.ready.AddCheck(name, func(context.Context) (string, error) { return "ok", err })
			}
			if tt.drain {
				s.ready.Drain()
			}
			w := s.do(t, http.MethodGet, "/readyz", "", nil)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == http.StatusOK {
				var body struct {
					Status string
					Checks map[string]string
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				if body.Status != "ready" || body.Checks["config"] != "ok" || len(body.Checks) != len(tt.checks)+1 {
					t.Errorf("body = %+v, want ready with config and every check ok", body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p middleware.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.wantDetail)
			}
			if strings.Contains(w.Body.String(), "6379") {
				t.Errorf("body %s shows the check's error; it belongs in the log only", w.Body)
			}
			// A probe is asked every few seconds, and not being ready is
			// what it is there to report: no line above INFO.
			for _, line := range s.logLines(t) {
				if line["level"] != "INFO" && line["level"] != "DEBUG" {
					t.Errorf("a 503 from /readyz logged %v", line)
				}
			}
		})
	}
}

func TestReadyzCheckGetsDeadline(t *testing.T) {
	s := newOpsServer(t, "")
	var deadline time.Time
	s.ready.AddCheck("store", func(ctx context.Context) (string, error) {
		deadline, _ = ctx.Deadline()
		return "ok", nil
	})
	before := time.Now()
	if w := s.do(t, http.MethodGet, "/readyz", "", nil); w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", w.Code)
	}
	if deadline.IsZero() || deadline.After(before.Add(readyCheckTimeout+time.Second)) {
		t.Errorf("check deadline = %v, want within %v of the probe", deadline, readyCheckTimeout)
	}
}

func TestMetricsToken(t *testing.T) {
	const token = "s3cret-metrics-token"
	tests := []struct {
		name   string
		token  string // configured
		header string // Authorization sent
		want   int
	}{
		{"open", "", "", http.StatusOK},
		{"open ignores a header", "", "Bearer whatever", http.StatusOK},
		{"missing", token, "", http.StatusUnauthorized},
		{"wrong", token, "Bearer nope", http.StatusUnauthorized},
		{"prefix of the token", token, "Bearer s3cret", http.StatusUnauthorized},
		{"wrong scheme", token, "Basic " + token, http.StatusUnauthorized},
		{"right", token, "Bearer " + token, http.StatusOK},
		{"scheme in lower case", token, "bearer " + token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOpsServer(t, tt.token)
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			w := s.do(t, http.MethodGet, "/metrics", "", h)
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusUnauthorized {
				if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
				}
				if strings.Contains(w.Body.String(), token) {
					t.Errorf("401 body shows the token: %s", w.Body)
				}
				return
			}
			if !strings.Contains(w.Body.String(), "go_goroutines") || !strings.Contains(w.Body.String(), "process_resident_memory_bytes") {
				t.Errorf("metrics lack the Go runtime or process collectors")
			}
		})
	}
}

// Wrong guesses at METRICS_TOKEN spend the guesser's allowance, as bad
// credentials do on the token routes; the scraper holding the token is
// never held back.
func TestMetricsTokenGuessesAreRateLimited(t *testing.T) {
	const token = "s3cret-metrics-token"
	h := router(t, Config{MetricsToken: token, Limiter: limited(t, 2)})
	guess := call{method: http.MethodGet, path: "/metrics", header: bearer("guess-0123456789abcd")}
	for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
		w := do(t, h, guess)
		if w.Code != want {
			t.Fatalf("guess %d = %d, want %d", i+1, w.Code, want)
		}
		if p := problem(t, w); want == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After: %v", p)
		}
	}
	if w := do(t, h, call{method: http.MethodGet, path: "/metrics", header: bearer(token)}); w.Code != http.StatusOK {
		t.Errorf("scrape with the token after the guesses = %d, want 200", w.Code)
	}
}

func TestMetricsCountByRoutePattern(t *testing.T) {
	s := newOpsServer(t, "")
	requests := []struct{ method, target, body string }{
		{http.MethodGet, "/rtc/alpha/publisher/uid/1", ""},
		{http.MethodGet, "/rtc/beta/subscriber/userAccount/bob?expiry=60", ""},
		{http.MethodGet, "/rtc/beta/nobody/uid/1", ""},
		{http.MethodGet, "/rtm/carol", ""},
		{http.MethodGet, "/rte/gamma/publisher/uid/7", ""},
		{http.MethodGet, "/chat/app", ""},
		{http.MethodGet, "/chat/account/dave", ""},
		{http.MethodPost, "/getToken", `{"tokenType":"rtc","channel":"delta","uid":5}`},
		{http.MethodPost, "/token/generate", `{"channelName":"eps","uid":"9","serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true}}`},
		{http.MethodGet, "/no/such/channel-name", ""},
		{"BREW", "/rtm/carol", ""},
		// The same routes with the trailing slash they also accept.
		{http.MethodGet, "/rtm/carol/", ""},
		{http.MethodPost, "/token/generate/", `{"channelName":"eps","uid":"9","serviceRtc":{"enable":true,"role":1}}`},
		// An OPTIONS that is not a preflight has no route to answer it.
		{http.MethodOptions, "/rtm/carol", ""},
	}
	for _, r := range requests {
		s.do(t, r.method, r.target, r.body, nil)
	}
	// Browsers' preflights, to a route and to no route.
	for _, target := range []string{"/rtm/carol", "/v1/tokens/rtc/", "/no/such/path"} {
		s.do(t, http.MethodOptions, target, "", http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}})
	}
	got := s.scrape(t, nil)

	want := map[string]float64{
		`token_server_http_requests_total{method="GET",route="/rtc/:channelName/:role/:tokenType/:uid",status="200"}`: 2,
		`token_server_http_requests_total{method="GET",route="/rtc/:channelName/:role/:tokenType/:uid",status="400"}`: 1,
		`token_server_http_requests_total{method="GET",route="/rtm/:uid",status="200"}`:                               2,
		`token_server_http_requests_total{method="POST",route="/token/generate",status="200"}`:                        2,
		`token_server_http_requests_total{method="GET",route="unmatched",status="404"}`:                               1,
		`token_server_http_requests_total{method="OTHER",route="unmatched",status="405"}`:                             1,
		`token_server_http_requests_total{method="OPTIONS",route="unmatched",status="405"}`:                           1,
		`token_server_http_requests_total{method="OPTIONS",route="preflight",status="204"}`:                           3,
		`token_server_http_request_duration_seconds_count{method="GET",route="/rtm/:uid"}`:                            2,
		// Only the scrape itself is in flight while the metrics are read.
		`token_server_http_requests_in_flight`: 1,
		// RTE mints two tokens; /token/generate one carrying two services.
		`token_server_tokens_issued_total{kind="rtc",version="007"}`: 5,
		`token_server_tokens_issued_total{kind="rtm",version="007"}`: 3,
		// The Chat app token is refused: the server does not allow them.
		`token_server_tokens_issued_total{kind="chat",version="007"}`:         1,
		`token_server_tokens_issued_total{kind="rtc+rtm",version="007"}`:      1,
		`token_server_auth_failures_total{reason="policy",route="/chat/app"}`: 1,
	}
	for key, v := range want {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
	}
	for key := range got {
		if strings.Contains(key, `/",`) || strings.Contains(key, `/"}`) {
			t.Errorf("metric %s names a route with its trailing slash", key)
		}
		for _, raw := range []string{"alpha", "beta", "carol", "/no/such", "BREW"} {
			if strings.Contains(key, raw) {
				t.Errorf("metric %s carries the raw request value %q", key, raw)
			}
		}
	}
}

func TestMetricsCountAuthFailuresAndRateLimits(t *testing.T) {
	s := newOpsServer(t, "")
	// Stand-ins for the layers that refuse requests: they report through
	// c.Error like every handler. Those behind the Guard refuse a token
	// client; the same kinds elsewhere, as the refusal of a /metrics
	// scrape or of a browser's origin, are nobody's auth failure.
	refuse := func(c *gin.Context) {
		switch c.Param("kind") {
		case "unauthorized":
			_ = c.Error(&service.Error{Kind: service.Unauthorized, Message: "no API key"})
		case "forbidden":
			_ = c.Error(&service.Error{Kind: service.Forbidden, Message: "not this channel"})
		case "forbidden-to-identity":
			ctx := service.WithPrincipal(c.Request.Context(), service.Principal{Binding: &service.Binding{UserClaim: "sub", UserID: "amy"}})
			c.Request = c.Request.WithContext(ctx)
			_ = c.Error(&service.Error{Kind: service.Forbidden, Message: "not this user"})
		case "limited":
			_ = c.Error(&service.Error{Kind: service.TooManyRequests, Message: "slow down"})
		}
	}
	s.router.GET("/test/guarded/:kind", middleware.Guard(nil, nil), refuse)
	s.router.GET("/test/open/:kind", refuse)
	for _, kind := range []string{"unauthorized", "forbidden", "forbidden-to-identity", "forbidden-to-identity", "limited", "limited"} {
		s.do(t, http.MethodGet, "/test/guarded/"+kind, "", nil)
	}
	for _, kind := range []string{"unauthorized", "forbidden", "limited"} {
		s.do(t, http.MethodGet, "/test/open/"+kind, "", nil)
	}
	got := s.scrape(t, nil)
	want := map[string]float64{
		`token_server_auth_failures_total{reason="unauthenticated",route="/test/guarded/:kind"}`: 1,
		`token_server_auth_failures_total{reason="policy",route="/test/guarded/:kind"}`:          1,
		`token_server_auth_failures_total{reason="forbidden",route="/test/guarded/:kind"}`:       2,
		`token_server_rate_limited_requests_total{route="/test/guarded/:kind"}`:                  2,
	}
	for key, v := range want {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
	}
	if n := countOf(got, "token_server_auth_failures_total{"); n != 4 {
		t.Errorf("auth failures = %v, want 4: refusals off the token routes are not auth failures", n)
	}
	if n := countOf(got, "token_server_rate_limited_requests_total{"); n != 2 {
		t.Errorf("rate limited = %v, want 2", n)
	}
}

// countOf sums the samples whose key starts with prefix.
func countOf(samples map[string]float64, prefix string) float64 {
	var n float64
	for k, v := range samples {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Refusals by the real layers, each with its reason: a missing or bad
// credential, an identity token's claims, the server's own policy. A
// scrape of /metrics without its token is no token client's failure.
func TestMetricsGiveTheReasonOfAuthFailures(t *testing.T) {
	const jwtSecret = "ops-test-jwt-secret-0123456789abcdef"
	verifier, err := auth.NewJWT(context.Background(), auth.JWTOptions{Secret: []byte(jwtSecret)})
	if err != nil {
		t.Fatal(err)
	}
	idToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "42", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(jwtSecret))
	if err != nil {
		t.Fatal(err)
	}
	policy := &service.Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`)}
	m := metrics.New()
	cfg := Config{
		Tokens:       service.New(opsAppID, opsCert, service.Options{Observer: m, Policy: policy}),
		CORSOrigins:  []string{"*"},
		Metrics:      m,
		MetricsToken: "ops-metrics-token",
		Auth:         verifier,
	}
	jwtServer := &opsServer{router: New(cfg), logs: &bytes.Buffer{}, ready: NewReadiness()}
	cfg.Auth = nil
	openServer := &opsServer{router: New(cfg), logs: &bytes.Buffer{}, ready: NewReadiness()}

	bearer := http.Header{"Authorization": {"Bearer " + idToken}}
	requests := []struct {
		s      *opsServer
		target string
		header http.Header
		want   int
	}{
		{jwtServer, "/rtc/room-1/publisher/uid/42", bearer, http.StatusOK},
		{jwtServer, "/rtc/room-1/publisher/uid/42", nil, http.StatusUnauthorized},
		{jwtServer, "/rtc/room-1/publisher/uid/43", bearer, http.StatusForbidden},
		{jwtServer, "/rtm/43", bearer, http.StatusForbidden},
		{openServer, "/rtc/lobby/publisher/uid/42", nil, http.StatusForbidden},
		{openServer, "/metrics", nil, http.StatusUnauthorized},
	}
	for _, r := range requests {
		if w := r.s.do(t, http.MethodGet, r.target, "", r.header); w.Code != r.want {
			t.Fatalf("GET %s = %d, want %d: %s", r.target, w.Code, r.want, w.Body)
		}
	}
	got := openServer.scrape(t, http.Header{"Authorization": {"Bearer ops-metrics-token"}})
	want := map[string]float64{
		`token_server_auth_failures_total{reason="unauthenticated",route="/rtc/:channelName/:role/:tokenType/:uid"}`: 1,
		`token_server_auth_failures_total{reason="forbidden",route="/rtc/:channelName/:role/:tokenType/:uid"}`:       1,
		`token_server_auth_failures_total{reason="forbidden",route="/rtm/:uid"}`:                                     1,
		`token_server_auth_failures_total{reason="policy",route="/rtc/:channelName/:role/:tokenType/:uid"}`:          1,
		`token_server_http_requests_total{method="GET",route="/metrics",status="401"}`:                               1,
	}
	for key, v := range want {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
	}
	if n := countOf(got, "token_server_auth_failures_total{"); n != 4 {
		t.Errorf("auth failures = %v, want 4", n)
	}
}

func TestMetricsCountTheGuardsRefusals(t *testing.T) {
	const key = "ops-test-api-key-0123456789"
	keys, err := auth.NewKeys([]string{key}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	r := New(Config{
		Tokens:      service.New(opsAppID, opsCert, service.Options{Observer: m}),
		CORSOrigins: []string{"*"},
		Metrics:     m,
		Auth:        keys,
		Limiter:     ratelimit.NewMemory(ratelimit.Rate{Count: 2, Period: time.Hour}, ratelimit.MemoryOptions{}),
	})
	s := &opsServer{router: r, logs: &bytes.Buffer{}, ready: NewReadiness()}
	good := http.Header{"X-Api-Key": {key}}
	bad := http.Header{"X-Api-Key": {"wrong-key"}}
	// A caller with a good key is limited by its key, one with a bad key
	// by its address: two requests each per hour.
	want := []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests, http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests}
	for i, h := range []http.Header{good, good, good, bad, bad, bad} {
		if w := s.do(t, http.MethodGet, "/rtm/ivy", "", h); w.Code != want[i] {
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
			s := newOpsServer(t, "")
			h := http.Header{}
			if tt.sent != "" {
				h.Set("X-Request-ID", tt.sent)
			}
			w := s.do(t, http.MethodGet, "/rtm/erin?expiry=120", "", h)
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

func TestLogsHoldNoSecrets(t *testing.T) {
	s := newOpsServer(t, "metrics-secret")
	const apiKey = "Bearer api-key-that-must-not-leak"
	h := http.Header{"Authorization": {apiKey}}
	requests := []struct{ method, target, body string }{
		{http.MethodGet, "/rtc/secret-channel/publisher/userAccount/secret-user?expiry=77777", ""},
		{http.MethodPost, "/getToken", `{"tokenType":"rtm","uid":"secret-body-user"}`},
		{http.MethodGet, "/nothing-here/secret-path?token=secret-query", ""},
		{http.MethodGet, "/metrics", ""},
	}
	var issued []string
	for _, r := range requests {
		w := s.do(t, r.method, r.target, r.body, h)
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
		"api-key-that-must-not-leak", "metrics-secret", opsCert}, issued...)
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
	s := newOpsServer(t, "")
	s.router.GET("/test/panic", func(c *gin.Context) { panic("handler bug") })

	w := s.do(t, http.MethodGet, "/test/panic", "", http.Header{"X-Request-Id": {"panic-42"}})
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
	if stack, _ := panicLine["stack"].(string); !strings.Contains(stack, "ops_test.go") {
		t.Errorf("panic line's stack does not reach the handler: %.200q", stack)
	}
	if accessLine == nil || accessLine["status"] != float64(500) || accessLine["request_id"] != "panic-42" {
		t.Errorf("access line = %v, want status 500 and the request ID", accessLine)
	}
	if got := s.scrape(t, nil)[`token_server_http_requests_total{method="GET",route="/test/panic",status="500"}`]; got != 1 {
		t.Errorf("500s counted = %v, want 1", got)
	}

	// The server goes on serving.
	w = s.do(t, http.MethodGet, "/rtm/frank", "", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("after the panic, status = %d, want 200", w.Code)
	}
	var body struct{ RtmToken string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	verifyToken(t, body.RtmToken)
}

func TestRequestIDThroughCORS(t *testing.T) {
	s := newOpsServer(t, "")
	pre := s.do(t, http.MethodOptions, "/rtm/gina", "", http.Header{
		"Origin":                         {"https://app.example"},
		"Access-Control-Request-Method":  {"GET"},
		"Access-Control-Request-Headers": {"x-request-id"},
	})
	if pre.Code != http.StatusNoContent {
		t.Fatalf("preflight status = %d, want 204", pre.Code)
	}
	if got := strings.ToLower(pre.Header().Get("Access-Control-Allow-Headers")); !strings.Contains(got, "x-request-id") {
		t.Errorf("Access-Control-Allow-Headers = %q, want it to allow X-Request-ID", got)
	}
	w := s.do(t, http.MethodGet, "/rtm/gina", "", http.Header{"Origin": {"https://app.example"}, "X-Request-Id": {"from-browser"}})
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
	preflight := http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}}
	tests := []struct {
		method, target string
		header         http.Header
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
			s := newOpsServer(t, "")
			s.do(t, tt.method, tt.target, "", tt.header)
			lines := s.logLines(t)
			if len(lines) != 1 || lines[0]["route"] != tt.want {
				t.Errorf("access log = %v, want one line with route %q", lines, tt.want)
			}
		})
	}
}
