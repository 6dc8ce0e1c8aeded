package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/ratelimit"
)

func limited(t *testing.T, burst int) *ratelimit.Memory {
	t.Helper()
	return ratelimit.NewMemory(ratelimit.Rate{Count: burst, Period: time.Hour}, ratelimit.MemoryOptions{})
}

func TestRateLimit(t *testing.T) {
	h := newRouter(t, withLimiter(limited(t, 2)))

	for i, wantRemaining := range []string{"1", "0"} {
		w := send(t, h, "GET", "/rtm/alice", "", from("198.51.100.1:4000"))
		if w.Code != 200 {
			t.Fatalf("request %d: status %d", i+1, w.Code)
		}
		if got := w.Header().Get("RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: RateLimit-Remaining %q, want %q", i+1, got, wantRemaining)
		}
	}
	w := send(t, h, "GET", "/rtm/alice", "", from("198.51.100.1:4000"))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("third request: status %d, want 429", w.Code)
	}
	problem(t, w, http.StatusTooManyRequests)
	headers := map[string]string{"RateLimit-Limit": "2", "RateLimit-Remaining": "0", "RateLimit-Reset": "3600", "Retry-After": "1800"}
	for k, want := range headers {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// /ping is not limited, and another address has its own allowance.
	if w := send(t, h, "GET", "/ping", "", from("198.51.100.1:4000")); w.Code != 200 {
		t.Errorf("/ping: status %d", w.Code)
	}
	if w := send(t, h, "GET", "/rtm/alice", "", from("198.51.100.2:4000")); w.Code != 200 {
		t.Errorf("another address: status %d", w.Code)
	}
}

func TestRateLimitPerIdentity(t *testing.T) {
	r := newRouter(t, withAuth(keysAuth(t)), withLimiter(limited(t, 1)))
	asKey := func(h map[string]string) int {
		return send(t, r, "GET", "/rtm/alice", "", from("203.0.113.9:1"), header(h)).Code
	}
	// Two keys behind one address are two clients.
	if a, b := asKey(bearer(apiKey)), asKey(map[string]string{"X-API-Key": apiKey2}); a != 200 || b != 200 {
		t.Errorf("first request of each key: %d and %d, want 200", a, b)
	}
	if got := asKey(bearer(apiKey)); got != 429 {
		t.Errorf("second request of a key: %d, want 429", got)
	}
	// Guessing keys spends the guesser's address's allowance.
	if got := asKey(bearer("guess-0000000000000001")); got != 401 {
		t.Errorf("first guess: %d, want 401", got)
	}
	if got := asKey(bearer("guess-0000000000000002")); got != 429 {
		t.Errorf("second guess: %d, want 429", got)
	}
}

func TestTrustedProxies(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		remote  string
		// wantSame: do two requests with different X-Forwarded-For share
		// one allowance?
		wantSame bool
	}{
		{"no proxy trusted: the header is ignored", nil, "10.1.2.3:5000", true},
		{"request from a trusted proxy", []string{"10.0.0.0/8"}, "10.1.2.3:5000", false},
		{"request from elsewhere", []string{"10.0.0.0/8"}, "192.0.2.50:5000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRouter(t, withLimiter(limited(t, 1)), withTrustedProxies(tt.proxies...))
			first := send(t, h, "GET", "/rtm/a", "", from(tt.remote), header(map[string]string{"X-Forwarded-For": "198.51.100.10"}))
			second := send(t, h, "GET", "/rtm/a", "", from(tt.remote), header(map[string]string{"X-Forwarded-For": "198.51.100.11"}))
			if first.Code != 200 {
				t.Fatalf("first request: %d", first.Code)
			}
			if got := second.Code == 429; got != tt.wantSame {
				t.Errorf("second request %d: shared allowance = %t, want %t", second.Code, got, tt.wantSame)
			}
		})
	}
}

// An IPv6 client can pick any address in the /64 it is given, so the
// /64 is the client; IPv4 clients are told apart by their address.
func TestRateLimitByAddress(t *testing.T) {
	tests := []struct {
		name          string
		first, second string
		wantShared    bool
	}{
		{"same IPv6 /64", "[2001:db8:1:2::1]:4000", "[2001:db8:1:2:ffff:ffff:ffff:fffe]:4000", true},
		{"neighbouring IPv6 /64", "[2001:db8:1:2::1]:4000", "[2001:db8:1:3::1]:4000", false},
		{"IPv4 address and its mapped IPv6 form", "198.51.100.7:4000", "[::ffff:198.51.100.7]:4000", true},
		{"neighbouring IPv4 addresses", "198.51.100.7:4000", "198.51.100.8:4000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRouter(t, withLimiter(limited(t, 1)))
			if w := send(t, h, "GET", "/rtm/a", "", from(tt.first)); w.Code != 200 {
				t.Fatalf("first request: status %d", w.Code)
			}
			second := send(t, h, "GET", "/rtm/a", "", from(tt.second))
			if got := second.Code == 429; got != tt.wantShared {
				t.Errorf("second request %d: shared allowance = %t, want %t", second.Code, got, tt.wantShared)
			}
		})
	}
}

// Only X-Forwarded-For names the client behind a trusted proxy: the
// Heroku and Render routers append to it, while X-Real-IP passes through
// from the client untouched, so a client could pick its own address.
func TestTrustedProxyIgnoresXRealIP(t *testing.T) {
	r := newRouter(t, withLimiter(limited(t, 1)), withTrustedProxies("10.0.0.0/8"))
	for i, h := range []map[string]string{
		{"X-Real-IP": "198.51.100.10"},
		{"X-Real-IP": "198.51.100.11"},
		{"X-Real-IP": "198.51.100.12", "X-Forwarded-For": "not-an-address"},
	} {
		w := send(t, r, "GET", "/rtm/a", "", from("10.1.2.3:5000"), header(h))
		if want := map[bool]int{true: 200, false: 429}[i == 0]; w.Code != want {
			t.Errorf("request %d with %v: status %d, want %d: every one comes from the proxy's address", i+1, h, w.Code, want)
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	// 10/s with a burst of 1: the next request is 100 ms away, which a
	// client must read as 1 s, not 0.
	h := newRouter(t, withLimiter(ratelimit.NewMemory(ratelimit.Rate{Count: 10, Period: time.Second, Burst: 1}, ratelimit.MemoryOptions{})))
	send(t, h, "GET", "/rtm/a", "")
	w := send(t, h, "GET", "/rtm/a", "")
	if w.Code != 429 {
		t.Fatalf("status %d, want 429", w.Code)
	}
	if got, _ := strconv.Atoi(w.Header().Get("Retry-After")); got != 1 {
		t.Errorf("Retry-After = %q, want 1", w.Header().Get("Retry-After"))
	}
}
