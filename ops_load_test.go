package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The load test's bounds: it stops at whichever comes first.
const (
	loadBudget      = 20000            // requests
	loadDuration    = 10 * time.Second // wall time
	loadConcurrency = 16
	// loadPeakRSS bounds the server's peak resident memory over the whole
	// run; it measured 35 to 45 MiB here.
	loadPeakRSS = 64 << 20
)

const loadMetricsToken = "load-test-metrics-token"

// loadCase is one kind of request in the mix and what it must get.
type loadCase struct {
	name   string
	method string
	path   func(n int) string
	body   func(n int) string
	header http.Header
	status int
	tokens [][]string // where the tokens are in a 200 body
}

func get(path string) func(int) string { return func(int) string { return path } }

var loadMix = []loadCase{
	// Valid requests on every route.
	{name: "ping", method: "GET", path: get("/ping"), status: 200},
	{name: "healthz", method: "GET", path: get("/healthz"), status: 200},
	{name: "readyz", method: "GET", path: get("/readyz"), status: 200},
	{name: "metrics", method: "GET", path: get("/metrics"), header: http.Header{"Authorization": {"Bearer " + loadMetricsToken}}, status: 200},
	{name: "rtc uid", method: "GET", path: func(n int) string { return fmt.Sprintf("/rtc/room-%d/publisher/uid/%d", n%97, n) }, status: 200, tokens: [][]string{{"rtcToken"}}},
	{name: "rtc account", method: "GET", path: func(n int) string {
		return fmt.Sprintf("/rtc/room-%d/subscriber/userAccount/user-%d/?expiry=600", n%97, n)
	}, status: 200, tokens: [][]string{{"rtcToken"}}},
	{name: "rtm", method: "GET", path: func(n int) string { return fmt.Sprintf("/rtm/user-%d?expireTime=120", n) }, status: 200, tokens: [][]string{{"rtmToken"}}},
	{name: "rte", method: "GET", path: func(n int) string { return fmt.Sprintf("/rte/room-%d/publisher/uid/%d", n%97, n+1) }, status: 200, tokens: [][]string{{"rtcToken"}, {"rtmToken"}}},
	{name: "rte rtm uid", method: "GET", path: func(n int) string { return fmt.Sprintf("/rte/room-%d/audience/uid/0/rtm-%d", n%97, n) }, status: 200, tokens: [][]string{{"rtcToken"}, {"rtmToken"}}},
	{name: "chat app", method: "GET", path: get("/chat/app"), status: 200, tokens: [][]string{{"chatToken"}}},
	{name: "chat user", method: "GET", path: func(n int) string { return fmt.Sprintf("/chat/account/user-%d", n) }, status: 200, tokens: [][]string{{"chatToken"}}},
	{name: "getToken rtc", method: "POST", path: get("/getToken"), body: func(n int) string {
		return fmt.Sprintf(`{"tokenType":"rtc","channel":"room-%d","uid":%d,"role":"publisher","expire":900}`, n%97, n)
	}, status: 200, tokens: [][]string{{"token"}}},
	{name: "getToken rtm", method: "POST", path: get("/getToken"), body: func(n int) string { return fmt.Sprintf(`{"tokenType":"rtm","uid":"user-%d"}`, n) }, status: 200, tokens: [][]string{{"token"}}},
	{name: "getToken chat", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"chat"}`), status: 200, tokens: [][]string{{"token"}}},
	{name: "generate", method: "POST", path: get("/token/generate"), body: func(n int) string {
		return fmt.Sprintf(`{"channelName":"room-%d","uid":"%d","tokenExpireTs":3600,"serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},"serviceChat":{"enableUser":true,"userUuid":"u-%d"}}`, n%97, n+1, n)
	}, status: 200, tokens: [][]string{{"data", "token"}}},
	{name: "preflight", method: "OPTIONS", path: get("/getToken"), header: http.Header{
		"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"},
	}, status: 204},

	// Invalid requests: each gets its 4xx.
	{name: "metrics without token", method: "GET", path: get("/metrics"), status: 401},
	{name: "rtc bad role", method: "GET", path: get("/rtc/room/admin/uid/1"), status: 400},
	{name: "rtc uid overflow", method: "GET", path: get("/rtc/room/publisher/uid/4294967296"), status: 400},
	{name: "rtc channel too long", method: "GET", path: get("/rtc/" + strings.Repeat("c", 64) + "/publisher/uid/1"), status: 400},
	{name: "rtm expiry zero", method: "GET", path: get("/rtm/user?expiry=0"), status: 400},
	{name: "rte no rtm user", method: "GET", path: get("/rte/room/publisher/uid/0"), status: 400},
	{name: "getToken unknown type", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"video"}`), status: 400},
	{name: "getToken broken JSON", method: "POST", path: get("/getToken"), body: get(`{"tokenType":`), status: 400},
	{name: "getToken too big", method: "POST", path: get("/getToken"), body: get(`{"tokenType":"rtm","uid":"` + strings.Repeat("x", 70<<10) + `"}`), status: 413},
	{name: "generate nothing", method: "POST", path: get("/token/generate"), body: get(`{}`), status: 400},
	{name: "no route", method: "GET", path: func(n int) string { return fmt.Sprintf("/nothing/%d", n) }, status: 404},
	{name: "wrong method", method: "DELETE", path: get("/rtm/user"), status: 405},
	{name: "origin not allowed", method: "GET", path: get("/rtm/user"), header: http.Header{"Origin": {"https://evil.example"}}, status: 403},
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
	s := startLive(t, "METRICS_TOKEN="+loadMetricsToken, "CORS_ALLOW_ORIGINS=https://app.example")
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: loadConcurrency, MaxConnsPerHost: loadConcurrency},
	}
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
	t.Logf("%d requests in %v (%.0f/s) over %d connections; %d tokens checked; peak RSS %.1f MiB",
		sent, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(), loadConcurrency, res.tokens.Load(), float64(peak)/(1<<20))
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
	if int64(issued) != res.tokens.Load() {
		t.Errorf("server counted %v tokens issued, clients received %d", issued, res.tokens.Load())
	}
	// The scrape that reads the counts is not counted yet.
	if int64(answered) != sent {
		t.Errorf("server counted %v requests, clients sent %d", answered, sent)
	}
	if fivexx != 0 {
		t.Errorf("server counted %v 5xx answers", fivexx)
	}

	s.signal(t, syscall.SIGTERM)
	if code := s.waitExit(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after the load = %d, want 0", code)
	}
}

func loadOne(client *http.Client, s *liveServer, lc loadCase, n int, res *loadResult) {
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
	}
	if len(lc.tokens) == 0 {
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		res.fail(&res.wrong, "%s: body is not JSON: %v", lc.name, err)
		return
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
