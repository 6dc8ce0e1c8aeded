package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

// With a shared rate limit, /readyz reports whether Redis answers, and
// stays ready while it does not: each server then limits on its own.
func TestReadyzReportsTheRateLimitStore(t *testing.T) {
	redis := redistest.Start(t)
	s := startGuardedServer(t, map[string]string{"RATE_LIMIT": "1000/s", "REDIS_URL": redis.URL()})

	ready := func() (int, map[string]string) {
		t.Helper()
		r := s.send(t, "GET", "/readyz", "", nil)
		var body struct{ Checks map[string]string }
		_ = json.Unmarshal([]byte(r.body), &body)
		return r.status, body.Checks
	}
	mint := func() {
		t.Helper()
		if r := s.send(t, "GET", "/rtm/ready-check", "", nil); r.status != 200 {
			t.Fatalf("token request = %d: %s", r.status, r.body)
		}
	}

	mint()
	if status, checks := ready(); status != 200 || checks["redis"] != "ok" || checks["config"] != "ok" {
		t.Fatalf("with Redis up: /readyz = %d %v, want 200 with redis ok", status, checks)
	}

	redis.Stop()
	mint() // finds Redis gone and falls back
	if status, checks := ready(); status != 200 || checks["redis"] != "fallback" {
		t.Fatalf("with Redis down: /readyz = %d %v, want 200 with redis fallback", status, checks)
	}

	redis.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mint() // tries Redis again once its retry interval has passed
		if _, checks := ready(); checks["redis"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz still reports the fallback 10 s after Redis came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
