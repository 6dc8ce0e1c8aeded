package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

// With a shared rate limit, /readyz and the gauge
// token_server_rate_limit_store_up report whether Redis answers, from the
// first probe and without any token request to find out. The server
// stays ready while Redis is down: each server then limits on its own.
func TestReadyzReportsTheRateLimitStore(t *testing.T) {
	tests := []struct {
		name        string
		downAtStart bool
		outages     int // logged over the test
	}{
		{"Redis up at start", false, 1},
		{"Redis down at start", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redis := redistest.Start(t)
			if tt.downAtStart {
				redis.Stop()
			}
			s := startGuardedServer(t, map[string]string{"RATE_LIMIT": "1000/s", "REDIS_URL": redis.URL(), "LOG_FORMAT": "json"})

			want := func(state string) {
				t.Helper()
				r := s.send(t, "GET", "/readyz", "", nil)
				var body struct{ Checks map[string]string }
				_ = json.Unmarshal([]byte(r.body), &body)
				if r.status != 200 || body.Checks["redis"] != state || body.Checks["config"] != "ok" {
					t.Fatalf("/readyz = %d %s, want 200 with redis %s", r.status, r.body, state)
				}
				gauge := "token_server_rate_limit_store_up 1"
				if state == "fallback" {
					gauge = "token_server_rate_limit_store_up 0"
				}
				if m := s.send(t, "GET", "/metrics", "", nil); !strings.Contains(m.body, "\n"+gauge+"\n") {
					t.Fatalf("redis %s, but /metrics lacks %q", state, gauge)
				}
			}
			// waitFor polls /readyz until it reports state.
			waitFor := func(state string) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(s.send(t, "GET", "/readyz", "", nil).body, `"redis":"`+state+`"`) {
					if time.Now().After(deadline) {
						t.Fatalf("/readyz does not report redis %s 10 s on", state)
					}
					time.Sleep(100 * time.Millisecond)
				}
				want(state)
			}

			// Right from the first probe, before any token request.
			if tt.downAtStart {
				want("fallback")
				redis.Start()
				waitFor("ok")
			} else {
				want("ok")
			}
			redis.Stop()
			waitFor("fallback")
			redis.Start()
			waitFor("ok")

			if n := strings.Count(s.logged(), "rate limit store unreachable"); n != tt.outages {
				t.Errorf("logged %d outages, want one per outage:\n%s", n, s.logged())
			}
			if r := s.send(t, "GET", "/rtm/after-the-outage", "", nil); r.status != 200 {
				t.Errorf("token request after Redis returned = %d", r.status)
			}
		})
	}
}
