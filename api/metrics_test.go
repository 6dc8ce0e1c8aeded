package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

func TestReadyzCheckGetsDeadline(t *testing.T) {
	s := newRouter(t)
	var deadline time.Time
	s.ready.AddCheck("store", func(ctx context.Context) (string, error) {
		deadline, _ = ctx.Deadline()
		return "ok", nil
	})
	before := time.Now()
	if w := send(t, s, http.MethodGet, "/readyz", ""); w.Code != http.StatusOK {
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
			s := newRouter(t, withMetricsToken(tt.token))
			h := map[string]string{}
			if tt.header != "" {
				h["Authorization"] = tt.header
			}
			w := send(t, s, http.MethodGet, "/metrics", "", header(h))
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
	h := newRouter(t, withMetricsToken(token), withLimiter(limited(t, 2)))
	for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
		w := send(t, h, http.MethodGet, "/metrics", "", header(bearer("guess-0123456789abcd")))
		if w.Code != want {
			t.Fatalf("guess %d = %d, want %d", i+1, w.Code, want)
		}
		if p := problem(t, w, want); want == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After: %v", p)
		}
	}
	if w := send(t, h, http.MethodGet, "/metrics", "", header(bearer(token))); w.Code != http.StatusOK {
		t.Errorf("scrape with the token after the guesses = %d, want 200", w.Code)
	}
}

func TestMetricsCountByRoutePattern(t *testing.T) {
	s := newRouter(t)
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
		send(t, s, r.method, r.target, r.body)
	}
	// Browsers' preflights, to a route and to no route.
	for _, target := range []string{"/rtm/carol", "/v1/tokens/rtc/", "/no/such/path"} {
		send(t, s, http.MethodOptions, target, "", header(map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}))
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
	m := metrics.New(testVersion)
	s := newRouter(t, withMetrics(m))
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
	s.GET("/test/guarded/:kind", middleware.Guard(nil, nil, m), refuse)
	s.GET("/test/open/:kind", refuse)
	for _, kind := range []string{"unauthorized", "forbidden", "forbidden-to-identity", "forbidden-to-identity", "limited", "limited"} {
		send(t, s, http.MethodGet, "/test/guarded/"+kind, "", lenient())
	}
	for _, kind := range []string{"unauthorized", "forbidden", "limited"} {
		send(t, s, http.MethodGet, "/test/open/"+kind, "", lenient())
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
	policy := withPolicy(service.Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`)})
	m := withMetrics(metrics.New(testVersion))
	jwtServer := newRouter(t, policy, m, withMetricsToken("ops-metrics-token"), withAuth(verifier))
	openServer := newRouter(t, policy, m, withMetricsToken("ops-metrics-token"))

	bearer := map[string]string{"Authorization": "Bearer " + idToken}
	requests := []struct {
		s      *testRouter
		target string
		header map[string]string
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
		if w := send(t, r.s, http.MethodGet, r.target, "", header(r.header)); w.Code != r.want {
			t.Fatalf("GET %s = %d, want %d: %s", r.target, w.Code, r.want, w.Body)
		}
	}
	got := openServer.scrape(t, map[string]string{"Authorization": "Bearer ops-metrics-token"})
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
