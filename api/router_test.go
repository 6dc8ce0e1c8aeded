package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/logging"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// Every API test builds its router with newRouter and sends its requests
// with send, so that each exchange is held to docs/openapi.yaml.

// The clock, salt and release of every test router, unless a test sets
// its own: fixed, so that tokens and pages can be checked to the value.
var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const (
	testSalt    = 7
	testVersion = "v0.9.1-test"
)

// testRouter is the whole router as run() builds it, with what it reports
// through at hand.
type testRouter struct {
	*gin.Engine
	// logs holds the JSON log lines, when built withLogs.
	logs  *bytes.Buffer
	ready *Readiness
}

// routerSetup is what the options of newRouter change.
type routerSetup struct {
	cfg       Config
	app, cert string
	now       time.Time
	policy    service.Policy
	logs      *bytes.Buffer
}

type routerOption func(*routerSetup)

// newRouter builds the router like a server run with the test
// credentials, no authentication, no rate limit, CORS open to every
// origin and the server's default policy, on a fixed clock and salt.
func newRouter(t testing.TB, opts ...routerOption) *testRouter {
	t.Helper()
	s := routerSetup{
		cfg:  Config{CORSOrigins: []string{"*"}, Version: testVersion, Ready: NewReadiness(), Metrics: metrics.New(testVersion)},
		app:  testkit.AppID,
		cert: testkit.Certificate,
		now:  testNow,
	}
	for _, o := range opts {
		o(&s)
	}
	s.cfg.Tokens = service.New(s.app, s.cert, service.Options{
		Now:      func() time.Time { return s.now },
		Salt:     func() uint32 { return testSalt },
		Observer: s.cfg.Metrics,
		Policy:   &s.policy,
	})
	if s.logs != nil {
		s.cfg.Logger = logging.New(s.logs, logging.JSON, slog.LevelDebug)
	}
	return &testRouter{Engine: New(s.cfg), logs: s.logs, ready: s.cfg.Ready}
}

// withCredentials signs with another project's App ID and certificate.
func withCredentials(appID, certificate string) routerOption {
	return func(s *routerSetup) { s.app, s.cert = appID, certificate }
}

// withClock fixes the service's clock at now.
func withClock(now time.Time) routerOption {
	return func(s *routerSetup) { s.now = now }
}

// withPolicy replaces the server's default policy.
func withPolicy(p service.Policy) routerOption {
	return func(s *routerSetup) { s.policy = p }
}

// withAppTokens issues app tokens too, as ALLOW_APP_TOKENS=true and
// --dev do.
func withAppTokens() routerOption {
	return func(s *routerSetup) { s.policy.AllowAppTokens = true }
}

// withAuth checks every token request's credential with a.
func withAuth(a middleware.Authenticator) routerOption {
	return func(s *routerSetup) { s.cfg.Auth = a }
}

// withLimiter rate-limits the token requests and /metrics.
func withLimiter(l middleware.RateLimiter) routerOption {
	return func(s *routerSetup) { s.cfg.Limiter = l }
}

// withTrustedProxies believes the X-Forwarded-For of these addresses.
func withTrustedProxies(proxies ...string) routerOption {
	return func(s *routerSetup) { s.cfg.TrustedProxies = proxies }
}

// withCORS allows these origins only.
func withCORS(origins ...string) routerOption {
	return func(s *routerSetup) { s.cfg.CORSOrigins = origins }
}

// withMetricsToken makes /metrics ask for this bearer token.
func withMetricsToken(token string) routerOption {
	return func(s *routerSetup) { s.cfg.MetricsToken = token }
}

// withMetrics counts into m, which two routers may share.
func withMetrics(m *metrics.Metrics) routerOption {
	return func(s *routerSetup) { s.cfg.Metrics = m }
}

// withVersion reports another release.
func withVersion(v string) routerOption {
	return func(s *routerSetup) { s.cfg.Version = v }
}

// withDevCredentials says, as --dev does, that the credentials are made up.
func withDevCredentials() routerOption {
	return func(s *routerSetup) { s.cfg.DevCredentials = true }
}

// withLogs keeps the log, JSON from DEBUG up, in the router's logs.
func withLogs() routerOption {
	return func(s *routerSetup) { s.logs = &bytes.Buffer{} }
}

// outgoing is one request as send builds it.
type outgoing struct {
	req      *http.Request
	contract contractCheck
}

type sendOption func(*outgoing)

// header sets the request's headers, after send's own Content-Type.
func header(h map[string]string) sendOption {
	return func(o *outgoing) {
		for k, v := range h {
			o.req.Header.Set(k, v)
		}
	}
}

// contentType replaces the Content-Type send gives a body; "" sends none.
func contentType(ct string) sendOption {
	return func(o *outgoing) {
		if ct == "" {
			o.req.Header.Del("Content-Type")
			return
		}
		o.req.Header.Set("Content-Type", ct)
	}
}

// from sends the request from remote, an address and port.
func from(remote string) sendOption {
	return func(o *outgoing) { o.req.RemoteAddr = remote }
}

// streamed sends the body without declaring its length, as a chunked
// request does.
func streamed() sendOption {
	return func(o *outgoing) { o.req.ContentLength = -1 }
}

// lenient is for a request the contract leaves out on purpose: one it
// does not describe (a lenient field, a path no client should build) or a
// route that only a test adds. The response alone is held to the
// contract, wherever the contract knows the route.
func lenient() sendOption {
	return func(o *outgoing) { o.contract = responseOnly }
}

// timed is for a benchmark or a timing, which measure the router alone:
// the contract's validation would be most of what they measure.
func timed() sendOption {
	return func(o *outgoing) { o.contract = unchecked }
}

// send sends one request through h, with a JSON Content-Type when it
// has a body, and holds the request and the response to the contract.
func send(t testing.TB, h http.Handler, method, target, body string, opts ...sendOption) *httptest.ResponseRecorder {
	t.Helper()
	o := outgoing{req: httptest.NewRequest(method, target, strings.NewReader(body))}
	if body != "" {
		o.req.Header.Set("Content-Type", "application/json")
	}
	for _, opt := range opts {
		opt(&o)
	}
	sent := o.req.Header.Clone()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, o.req)
	checkContract(t, o.contract, method, target, body, sent, w)
	return w
}

// logLines decodes every JSON log line written so far.
func (r *testRouter) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(r.logs.Bytes()))
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
func (r *testRouter) scrape(t *testing.T, h map[string]string) map[string]float64 {
	t.Helper()
	w := send(t, r, http.MethodGet, "/metrics", "", header(h))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", w.Code, w.Body)
	}
	return testkit.ParseMetrics(t, w.Body)
}

// problem checks the RFC 9457 document every error answers with, its
// status and media type included, and returns its members.
func problem(t *testing.T, w *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d", w.Code, status)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if p["status"] != float64(status) || p["title"] != http.StatusText(status) || p["type"] == nil {
		t.Errorf("problem = %v", p)
	}
	if d, _ := p["detail"].(string); d == "" {
		t.Errorf("problem has no detail: %v", p)
	}
	return p
}
