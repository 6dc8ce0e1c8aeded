package main

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

func TestTwoReplicasShareOneRedis(t *testing.T) {
	redis := redistest.Start(t)
	env := map[string]string{"RATE_LIMIT": "4/h", "REDIS_URL": redis.URL()}
	a := startGuardedServer(t, env)
	b := startGuardedServer(t, env)

	counts := map[int]int{}
	for i := range 12 {
		s := a
		if i%2 == 1 {
			s = b
		}
		counts[s.send(t, "GET", "/rtm/alice", "", nil).status]++
	}
	if counts[200] != 4 || counts[429] != 8 {
		t.Errorf("statuses %v across two replicas, want 4 × 200 and 8 × 429", counts)
	}

	// Redis goes away: both replicas keep answering, each with its own
	// limit, promptly, and say so in the log once.
	redis.Stop()
	start := time.Now()
	for _, s := range []*guardedServer{a, b} {
		for range 10 {
			if got := s.send(t, "GET", "/rtm/bob", "", nil).status; got != 200 && got != 429 {
				t.Errorf("with Redis down: status %d, want 200 or 429", got)
			}
		}
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("20 requests took %v with Redis down", took)
	}
	for name, s := range map[string]*guardedServer{"a": a, "b": b} {
		if n := strings.Count(s.logged(), "rate limit store unreachable"); n != 1 {
			t.Errorf("replica %s logged the outage %d times, want once", name, n)
		}
	}
}

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

// A Redis that answers PING but refuses writes (a replica after a
// failover, or out of memory with noeviction) cannot share the limit:
// /readyz and the gauge say fallback for as long as it refuses, however
// many checks pass, the log says so once, and both come back once Redis
// writes again.
func TestReadyzStaysFallbackWhileRedisRefusesWrites(t *testing.T) {
	tests := []struct {
		name  string
		how   redistest.Refusal
		error string // what Redis answers a write with
	}{
		{"a replica", redistest.AsReplica, "READONLY"},
		{"out of memory with noeviction", redistest.AsFull, "OOM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redis := redistest.Start(t)
			s := startGuardedServer(t, map[string]string{"RATE_LIMIT": "1000/s", "REDIS_URL": redis.URL(), "LOG_FORMAT": "json"})
			state := func() (string, string) {
				t.Helper()
				var body struct{ Checks map[string]string }
				_ = json.Unmarshal([]byte(s.send(t, "GET", "/readyz", "", nil).body), &body)
				gauge := "none"
				for line := range strings.Lines(s.send(t, "GET", "/metrics", "", nil).body) {
					if v, ok := strings.CutPrefix(strings.TrimSpace(line), "token_server_rate_limit_store_up "); ok {
						gauge = v
					}
				}
				return body.Checks["redis"], gauge
			}
			// refused is how many writes Redis has refused so far: the
			// server's checks, once a second, each add one or two.
			refused := func() int {
				n, _ := strconv.Atoi(strings.TrimPrefix(redis.Info("errorstat_"+tt.error), "count="))
				return n
			}
			poll := func(what string, done func() bool) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for !done() {
					if time.Now().After(deadline) {
						t.Fatalf("not %s 10 s on:\n%s", what, s.logged())
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			if got, gauge := state(); got != "ok" || gauge != "1" {
				t.Fatalf("with Redis writing: redis %q, gauge %s; want ok and 1", got, gauge)
			}

			redis.RefuseWrites(tt.how)
			// A request finds out first, or a check does.
			if r := s.send(t, "GET", "/rtm/finds-out", "", nil); r.status != 200 {
				t.Errorf("token request as Redis starts refusing writes = %d", r.status)
			}
			poll("fallback", func() bool { got, _ := state(); return got == "fallback" })
			// Several checks later, Redis still answers PING, and the state
			// has not moved.
			from := refused()
			poll("checked three more times", func() bool {
				if got, gauge := state(); got != "fallback" || gauge != "0" {
					t.Fatalf("while Redis refuses writes: redis %q, gauge %s; want fallback and 0", got, gauge)
				}
				return refused() >= from+3
			})
			if r := s.send(t, "GET", "/rtm/while-refused", "", nil); r.status != 200 {
				t.Errorf("token request while Redis refuses writes = %d", r.status)
			}

			redis.AcceptWrites()
			poll("ok again", func() bool { got, gauge := state(); return got == "ok" && gauge == "1" })
			logged := s.logged()
			if n := strings.Count(logged, "rate limit store unreachable"); n != 1 || !strings.Contains(logged, tt.error) {
				t.Errorf("logged %d outages, want one naming %s:\n%s", n, tt.error, logged)
			}
			if n := strings.Count(logged, "rate limit store answers again"); n != 1 {
				t.Errorf("logged %d recoveries, want one:\n%s", n, logged)
			}
		})
	}
}
