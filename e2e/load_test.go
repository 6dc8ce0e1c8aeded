package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// The load test's bounds: it stops at whichever comes first.
const (
	loadBudget      = 20000            // requests
	loadDuration    = 10 * time.Second // wall time
	loadConcurrency = 16
	// loadPeakRSS bounds the server's peak resident memory over the whole
	// run; it measured 39 to 45 MiB here, with API keys and rate limits on.
	loadPeakRSS = 64 << 20
)

const loadMetricsToken = "load-test-metrics-token"

// The load runs against a server that asks for API keys and limits
// every client. Callers with a valid key are spread over loadKeys, and
// callers without one over loadClientIPs (sent in X-Forwarded-For from a
// trusted proxy), so that none of them reaches the limit; one more key,
// spentKey, has its allowance spent before the load starts, so that all
// of its requests get 429.
var (
	loadKeys      = func() []string { return numbered("load-test-api-key-%02d", 20) }()
	loadClientIPs = func() []string { return numbered("198.51.100.%d", 20) }()
	spentKey      = "load-test-spent-api-key"
)

func numbered(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i+1)
	}
	return out
}

// caller is who sends a request of the mix to a route that mints tokens.
type caller int

const (
	anyone   caller = iota // a route open to all: no credential
	keyed                  // one of loadKeys
	keyless                // no credential, from one of loadClientIPs
	wrongKey               // a key the server does not know, from one of loadClientIPs
	spent                  // spentKey, whose allowance is gone
)

// loadCase is one kind of request in the mix and what it must get.
type loadCase struct {
	name   string
	method string
	path   func(n int) string
	body   func(n int) string
	header http.Header
	caller caller
	status int
	tokens [][]string // where the tokens are in a 200 body
	// check, when set, judges a 200 JSON body further.
	check func(doc map[string]any) error
}

func get(path string) func(int) string { return func(int) string { return path } }

// inspected is a token the load's server signed, for /v1/tokens/inspect.
var inspected = func() string {
	minted, err := service.New(testkit.AppID, testkit.Certificate, service.Options{}).Issue(context.Background(), service.Bundle{RTMUserID: "inspected", Expire: new(uint64(3600))})
	if err != nil {
		panic(err)
	}
	return minted[0].Value
}()

func signatureIs(want string) func(map[string]any) error {
	return func(doc map[string]any) error {
		if doc["signature"] != want {
			return fmt.Errorf("signature %v, want %s", doc["signature"], want)
		}
		return nil
	}
}

var loadMix = []loadCase{
	// Valid requests on every route.
	{name: "ping", method: "GET", path: get("/ping"), status: 200},
	{name: "healthz", method: "GET", path: get("/healthz"), status: 200},
	{name: "readyz", method: "GET", path: get("/readyz"), status: 200},
	{name: "metrics", method: "GET", path: get("/metrics"), header: http.Header{"Authorization": {"Bearer " + loadMetricsToken}}, status: 200},
	{name: "openapi.yaml", method: "GET", path: get("/openapi.yaml"), status: 200},
	{name: "openapi.json", method: "GET", path: get("/openapi.json/"), status: 200},
	{name: "docs page", method: "GET", path: get("/docs"), status: 200},
	{name: "docs asset", method: "GET", path: get("/docs/swagger-ui.css"), status: 200},
	{name: "rtc uid", method: "GET", path: func(n int) string { return fmt.Sprintf("/rtc/room-%d/publisher/uid/%d", n%97, n) }, caller: keyed, status: 200, tokens: [][]string{{"rtcToken"}}},
	{name: "rtc account", method: "GET", path: func(n int) string {
		return fmt.Sprintf("/rtc/room-%d/subscriber/userAccount/user-%d/?expiry=600", n%97, n)
	}, caller: keyed, status: 200, tokens: [][]string{{"rtcToken"}}},
	{name: "rtm", method: "GET", path: func(n int) string { return fmt.Sprintf("/rtm/user-%d?expireTime=120", n) }, caller: keyed, status: 200, tokens: [][]string{{"rtmToken"}}},
	{name: "rte", method: "GET", path: func(n int) string { return fmt.Sprintf("/rte/room-%d/publisher/uid/%d", n%97, n+1) }, caller: keyed, status: 200, tokens: [][]string{{"rtcToken"}, {"rtmToken"}}},
	{name: "rte rtm uid", method: "GET", path: func(n int) string { return fmt.Sprintf("/rte/room-%d/audience/uid/0/rtm-%d", n%97, n) }, caller: keyed, status: 200, tokens: [][]string{{"rtcToken"}, {"rtmToken"}}},
	{name: "chat user", method: "GET", path: func(n int) string { return fmt.Sprintf("/chat/account/user-%d", n) }, caller: keyed, status: 200, tokens: [][]string{{"chatToken"}}},
	{name: "getToken rtc", method: "POST", path: get("/getToken"), body: func(n int) string {
		return fmt.Sprintf(`{"tokenType":"rtc","channel":"room-%d","uid":%d,"role":"publisher","expire":900}`, n%97, n)
	}, caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "getToken rtm", method: "POST", path: get("/getToken"), body: func(n int) string { return fmt.Sprintf(`{"tokenType":"rtm","uid":"user-%d"}`, n) }, caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "getToken chat", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"chat","uid":"user"}`), caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "generate", method: "POST", path: get("/token/generate"), body: func(n int) string {
		return fmt.Sprintf(`{"channelName":"room-%d","uid":"%d","tokenExpireTs":3600,"serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},"serviceChat":{"enableUser":true,"userUuid":"u-%d"}}`, n%97, n+1, n)
	}, caller: keyed, status: 200, tokens: [][]string{{"data", "token"}}},
	{name: "v1 rtc", method: "POST", path: get("/v1/tokens/rtc"), body: func(n int) string {
		return fmt.Sprintf(`{"channel":"room-%d","uid":%d,"role":"publisher","expire":900,"rtm":{"userId":"user-%d"}}`, n%97, n, n)
	}, caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "v1 rtm", method: "POST", path: get("/v1/tokens/rtm/"), body: func(n int) string { return fmt.Sprintf(`{"userId":"user-%d"}`, n) }, caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "v1 chat", method: "POST", path: get("/v1/tokens/chat"), body: get(`{"userId":"user"}`), caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "v1 fpa", method: "POST", path: get("/v1/tokens/fpa"), body: get(`{"expire":600}`), caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "v1 apaas", method: "POST", path: get("/v1/tokens/apaas"), body: func(n int) string {
		return fmt.Sprintf(`{"privilege":"roomUser","roomUuid":"room-%d","userUuid":"user-%d","role":2}`, n%97, n)
	}, caller: keyed, status: 200, tokens: [][]string{{"token"}}},
	{name: "v1 inspect", method: "POST", path: get("/v1/tokens/inspect"), body: get(`{"token":"` + inspected + `"}`), caller: keyed, status: 200, check: signatureIs("valid")},
	{name: "preflight", method: "OPTIONS", path: get("/getToken"), header: http.Header{
		"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type,x-api-key"},
	}, status: 204},

	// Invalid requests: each gets its 4xx.
	{name: "metrics without token", method: "GET", path: get("/metrics"), status: 401},
	{name: "no document", method: "GET", path: get("/docs/nothing.js"), status: 404},
	{name: "rtc bad role", method: "GET", path: get("/rtc/room/admin/uid/1"), caller: keyed, status: 400},
	{name: "rtc uid overflow", method: "GET", path: get("/rtc/room/publisher/uid/4294967296"), caller: keyed, status: 400},
	{name: "rtc channel too long", method: "GET", path: get("/rtc/" + strings.Repeat("c", 64) + "/publisher/uid/1"), caller: keyed, status: 400},
	{name: "rtm expiry zero", method: "GET", path: get("/rtm/user?expiry=0"), caller: keyed, status: 400},
	{name: "rte no rtm user", method: "GET", path: get("/rte/room/publisher/uid/0"), caller: keyed, status: 400},
	{name: "getToken unknown type", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"video"}`), caller: keyed, status: 400},
	{name: "getToken broken JSON", method: "POST", path: get("/getToken"), body: get(`{"tokenType":`), caller: keyed, status: 400},
	{name: "getToken too big", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"rtm","uid":"` + strings.Repeat("x", 70<<10) + `"}`), caller: keyed, status: 413},
	{name: "generate nothing", method: "POST", path: get("/token/generate"), body: get(`{}`), caller: keyed, status: 400},
	{name: "v1 rtc uid and account", method: "POST", path: get("/v1/tokens/rtc"), body: get(`{"channel":"room","uid":1,"account":"a","role":"publisher"}`), caller: keyed, status: 400},
	{name: "v1 rtm unknown field", method: "POST", path: get("/v1/tokens/rtm"), body: get(`{"userId":"u","expiry":60}`), caller: keyed, status: 400},
	{name: "chat app not allowed", method: "GET", path: get("/chat/app"), caller: keyed, status: 403},
	{name: "v1 chat 006", method: "POST", path: get("/v1/tokens/chat"), body: get(`{"version":"006"}`), caller: keyed, status: 400},
	{name: "v1 inspect garbage", method: "POST", path: get("/v1/tokens/inspect"), body: get(`{"token":"007garbage"}`), caller: keyed, status: 400},
	{name: "v1 too big", method: "POST", path: get("/v1/tokens/rtm"), body: get(`{"userId":"` + strings.Repeat("x", 70<<10) + `"}`), caller: keyed, status: 413},
	{name: "no credential", method: "GET", path: get("/rtm/user"), caller: keyless, status: 401},
	{name: "wrong key", method: "POST", path: get("/v1/tokens/rtm"), body: get(`{"userId":"u"}`), caller: wrongKey, status: 401},
	{name: "spent allowance", method: "GET", path: func(n int) string { return fmt.Sprintf("/rtm/spent-%d", n) }, caller: spent, status: 429},
	{name: "no route", method: "GET", path: func(n int) string { return fmt.Sprintf("/nothing/%d", n) }, status: 404},
	{name: "wrong method", method: "DELETE", path: get("/rtm/user"), status: 405},
	{name: "origin not allowed", method: "GET", path: get("/rtm/user"), header: http.Header{"Origin": {"https://evil.example"}}, status: 403},
}

var loadBurstValue = loadBurst()

// loadBurst is a RATE_LIMIT_BURST no caller of the mix reaches: case i
// runs in rounds n/len(loadMix), and each round sends one caller's
// requests, so a caller's share is its rounds times its cases.
func loadBurst() int {
	rounds := (loadBudget + len(loadMix) - 1) / len(loadMix)
	perKey := (rounds + len(loadKeys) - 1) / len(loadKeys)
	perIP := (rounds + len(loadClientIPs) - 1) / len(loadClientIPs)
	most := 0
	for _, who := range []caller{keyed, keyless, wrongKey} {
		cases := 0
		for _, lc := range loadMix {
			if lc.caller == who {
				cases++
			}
		}
		share := perIP
		if who == keyed {
			share = perKey
		}
		most = max(most, share*cases)
	}
	return most + 1
}

type loadResult struct {
	transportErrors atomic.Int64
	serverErrors    atomic.Int64 // 5xx
	wrong           atomic.Int64 // any other unexpected answer
	tokens          atomic.Int64
	sent            atomic.Int64
	mu              sync.Mutex
	firstFailures   []string
	perCase         []atomic.Int64
}

func (r *loadResult) fail(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.firstFailures) < 10 {
		r.firstFailures = append(r.firstFailures, fmt.Sprintf(format, args...))
	}
}

func TestLoadMixedRoutes(t *testing.T) {
	burst := loadBurstValue
	s := start(t, "METRICS_TOKEN="+loadMetricsToken, "CORS_ALLOW_ORIGINS=https://app.example",
		"AUTH_MODE=apikey", "API_KEYS="+strings.Join(append([]string{spentKey}, loadKeys...), ","),
		"RATE_LIMIT=1/h", "RATE_LIMIT_BURST="+strconv.Itoa(burst), "TRUSTED_PROXIES=127.0.0.1")
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: loadConcurrency, MaxConnsPerHost: loadConcurrency},
	}
	// Spend spentKey's allowance: burst tokens, then 429.
	warmup := spendAllowance(t, client, s, burst)
	res := &loadResult{perCase: make([]atomic.Int64, len(loadMix))}
	var next atomic.Int64
	stop := time.Now().Add(loadDuration)
	start := time.Now()

	var wg sync.WaitGroup
	for range loadConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= loadBudget || time.Now().After(stop) {
					return
				}
				i := n % len(loadMix)
				res.sent.Add(1)
				res.perCase[i].Add(1)
				loadOne(client, s, loadMix[i], n, res)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := s.peakRSS(t)

	sent := res.sent.Load()
	t.Logf("%d requests in %v (%.0f/s) over %d connections; %d tokens checked; peak RSS %.1f MiB; RATE_LIMIT_BURST %d",
		sent, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(), loadConcurrency, res.tokens.Load(), float64(peak)/(1<<20), burst)
	for _, f := range res.firstFailures {
		t.Error(f)
	}
	if n := res.transportErrors.Load(); n != 0 {
		t.Errorf("transport errors = %d, want 0", n)
	}
	if n := res.serverErrors.Load(); n != 0 {
		t.Errorf("5xx answers = %d, want 0", n)
	}
	if n := res.wrong.Load(); n != 0 {
		t.Errorf("unexpected answers = %d, want 0", n)
	}
	for i := range loadMix {
		if res.perCase[i].Load() == 0 {
			t.Errorf("case %q never ran", loadMix[i].name)
		}
	}
	if peak > loadPeakRSS {
		t.Errorf("peak RSS = %d MiB, want at most %d MiB", peak>>20, loadPeakRSS>>20)
	}

	// The server's own counts agree with what the clients saw.
	m := s.scrape(t, client, http.Header{"Authorization": {"Bearer " + loadMetricsToken}})
	var issued, answered, fivexx float64
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "token_server_tokens_issued_total{"):
			issued += v
		case strings.HasPrefix(k, "token_server_http_requests_total{"):
			answered += v
			if strings.Contains(k, `status="5`) {
				fivexx += v
			}
		}
	}
	if int64(issued) != res.tokens.Load()+int64(burst) {
		t.Errorf("server counted %v tokens issued, clients received %d (and %d before the load)", issued, res.tokens.Load(), burst)
	}
	// The scrape that reads the counts is not counted yet.
	if int64(answered) != sent+int64(warmup) {
		t.Errorf("server counted %v requests, clients sent %d (and %d before the load)", answered, sent, warmup)
	}
	if fivexx != 0 {
		t.Errorf("server counted %v 5xx answers", fivexx)
	}

	s.signal(t, syscall.SIGTERM)
	if code := s.waitExit(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after the load = %d, want 0", code)
	}
}

// spendAllowance sends spentKey's whole allowance of burst requests, each
// of which must get a token, then one more, which must be refused. It
// returns how many requests it sent.
func spendAllowance(t *testing.T, client *http.Client, s *server, burst int) int {
	t.Helper()
	for i := range burst + 1 {
		req, _ := http.NewRequest(http.MethodGet, s.url("/rtm/warm-up"), nil)
		req.Header.Set("X-API-Key", spentKey)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := http.StatusOK
		if i == burst {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("spending the allowance: request %d = %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	return burst + 1
}

func loadOne(client *http.Client, s *server, lc loadCase, n int, res *loadResult) {
	var body io.Reader
	if lc.body != nil {
		body = strings.NewReader(lc.body(n))
	}
	req, err := http.NewRequest(lc.method, s.url(lc.path(n)), body)
	if err != nil {
		res.fail(&res.wrong, "%s: %v", lc.name, err)
		return
	}
	for k, v := range lc.header {
		req.Header[k] = v
	}
	round := n / len(loadMix)
	switch lc.caller {
	case keyed:
		req.Header.Set("X-API-Key", loadKeys[round%len(loadKeys)])
	case keyless:
		req.Header.Set("X-Forwarded-For", loadClientIPs[round%len(loadClientIPs)])
	case wrongKey:
		req.Header.Set("X-Forwarded-For", loadClientIPs[round%len(loadClientIPs)])
		req.Header.Set("Authorization", "Bearer not-a-key-of-this-server")
	case spent:
		req.Header.Set("X-API-Key", spentKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		res.fail(&res.transportErrors, "%s: %v", lc.name, err)
		return
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		res.fail(&res.transportErrors, "%s: reading body: %v", lc.name, err)
		return
	case resp.StatusCode >= 500:
		res.fail(&res.serverErrors, "%s: %d %s", lc.name, resp.StatusCode, raw)
		return
	case resp.StatusCode != lc.status:
		res.fail(&res.wrong, "%s: status %d, want %d: %.200s", lc.name, resp.StatusCode, lc.status, raw)
		return
	case resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json":
		res.fail(&res.wrong, "%s: %d with Content-Type %q", lc.name, resp.StatusCode, resp.Header.Get("Content-Type"))
		return
	case resp.Header.Get("X-Request-ID") == "":
		res.fail(&res.wrong, "%s: no X-Request-ID", lc.name)
		return
	case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "":
		res.fail(&res.wrong, "%s: 429 without Retry-After", lc.name)
		return
	case resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "":
		res.fail(&res.wrong, "%s: 401 without WWW-Authenticate", lc.name)
		return
	// A body refused for its declared length never reaches the limiter.
	case lc.caller != anyone && resp.StatusCode != http.StatusRequestEntityTooLarge && resp.Header.Get("RateLimit-Limit") != strconv.Itoa(loadBurstValue):
		res.fail(&res.wrong, "%s: RateLimit-Limit %q, want %d", lc.name, resp.Header.Get("RateLimit-Limit"), loadBurstValue)
		return
	}
	if len(lc.tokens) == 0 && lc.check == nil {
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		res.fail(&res.wrong, "%s: body is not JSON: %v", lc.name, err)
		return
	}
	if lc.check != nil {
		if err := lc.check(doc); err != nil {
			res.fail(&res.wrong, "%s: %v", lc.name, err)
			return
		}
	}
	for _, path := range lc.tokens {
		var v any = doc
		for _, key := range path {
			m, _ := v.(map[string]any)
			v = m[key]
		}
		tok, _ := v.(string)
		if err := checkToken(tok); err != nil {
			res.fail(&res.wrong, "%s: token at %v: %v", lc.name, path, err)
			return
		}
		res.tokens.Add(1)
	}
}
