package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

// Managed Redis services hand out rediss:// URLs whose certificates sign
// themselves, as Heroku's Key-Value Store does. With REDIS_TLS_CA_FILE or
// REDIS_TLS_SKIP_VERIFY two servers share one limit over TLS. Without
// them the certificate is refused: /readyz and the gauge say fallback,
// the log says what to set, and each server counts on its own.
func TestSharedLimitOverTLS(t *testing.T) {
	otherCA, _ := redistest.SelfSigned(t, t.TempDir())
	tests := []struct {
		name   string
		env    func(redis *redistest.Server) map[string]string
		shared bool
	}{
		{"REDIS_TLS_CA_FILE names the CA", func(r *redistest.Server) map[string]string { return map[string]string{"REDIS_TLS_CA_FILE": r.CAFile()} }, true},
		{"REDIS_TLS_SKIP_VERIFY", func(*redistest.Server) map[string]string { return map[string]string{"REDIS_TLS_SKIP_VERIFY": "true"} }, true},
		{"no TLS setting", func(*redistest.Server) map[string]string { return nil }, false},
		{"REDIS_TLS_CA_FILE names another CA", func(*redistest.Server) map[string]string { return map[string]string{"REDIS_TLS_CA_FILE": otherCA} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redis := redistest.StartTLS(t)
			if !strings.HasPrefix(redis.URL(), "rediss://") {
				t.Fatalf("URL %s does not ask for TLS", redis.URL())
			}
			env := map[string]string{"RATE_LIMIT": "3/h", "REDIS_URL": redis.URL(), "LOG_FORMAT": "json"}
			maps.Copy(env, tt.env(redis))
			servers := []*guardedServer{startGuardedServer(t, env), startGuardedServer(t, env)}

			state, gauge := "fallback", "token_server_rate_limit_store_up 0"
			if tt.shared {
				state, gauge = "ok", "token_server_rate_limit_store_up 1"
			}
			for i, s := range servers {
				r := s.send(t, "GET", "/readyz", "", nil)
				var body struct{ Checks map[string]string }
				_ = json.Unmarshal([]byte(r.body), &body)
				if r.status != 200 || body.Checks["redis"] != state {
					t.Errorf("server %d: /readyz = %d %s, want 200 with redis %s", i, r.status, r.body, state)
				}
				if m := s.send(t, "GET", "/metrics", "", nil); !strings.Contains(m.body, "\n"+gauge+"\n") {
					t.Errorf("server %d: /metrics lacks %q", i, gauge)
				}
			}

			// Both servers see the same client, 127.0.0.1: with a shared
			// limit the second server has what the first left.
			allowed := func(s *guardedServer, n int) int {
				ok := 0
				for range n {
					switch r := s.send(t, "GET", "/rtm/alice", "", nil); r.status {
					case 200:
						ok++
					case 429:
					default:
						t.Fatalf("GET /rtm/alice = %d %s", r.status, r.body)
					}
				}
				return ok
			}
			first, second := allowed(servers[0], 2), allowed(servers[1], 5)
			wantSecond := 3
			if tt.shared {
				wantSecond = 1
			}
			if first != 2 || second != wantSecond {
				t.Errorf("allowed %d on the first server and %d on the second, want 2 and %d", first, second, wantSecond)
			}

			for i, s := range servers {
				logged := s.logged()
				outages := strings.Count(logged, "rate limit store unreachable")
				hinted := strings.Contains(logged, "REDIS_TLS_SKIP_VERIFY=true")
				if tt.shared && (outages != 0 || hinted) {
					t.Errorf("server %d logged an outage over TLS that works:\n%s", i, logged)
				}
				if !tt.shared && (outages != 1 || !hinted) {
					t.Errorf("server %d: want one outage line saying which setting to use, got:\n%s", i, logged)
				}
			}
		})
	}
}
