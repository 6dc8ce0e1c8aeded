package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

// syncBuffer is a log sink the limiter may write to from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newShared(t *testing.T, url string, r Rate, log *slog.Logger) *Shared {
	t.Helper()
	s, err := NewShared(url, r, NewMemory(r, MemoryOptions{}), SharedOptions{RetryEvery: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func countAllowed(l Limiter, key string, n int) int {
	allowed := 0
	for range n {
		if l.Allow(context.Background(), key).Allowed {
			allowed++
		}
	}
	return allowed
}

func TestSharedLimitHoldsAcrossReplicas(t *testing.T) {
	redis := redistest.Start(t)
	r := Rate{Count: 5, Period: time.Hour}
	a := newShared(t, redis.URL(), r, nil)
	b := newShared(t, redis.URL(), r, nil)

	got := countAllowed(a, "ip:198.51.100.7", 3) + countAllowed(b, "ip:198.51.100.7", 10) + countAllowed(a, "ip:198.51.100.7", 10)
	if got != 5 {
		t.Errorf("two replicas allowed %d requests together, want the limit of 5", got)
	}
	if res := b.Allow(context.Background(), "ip:198.51.100.7"); res.Allowed || res.RetryAfter <= 0 || res.Limit != 5 {
		t.Errorf("over the limit: got %+v, want refused with a RetryAfter and Limit 5", res)
	}
	if got := countAllowed(b, "ip:198.51.100.8", 10); got != 5 {
		t.Errorf("another client was allowed %d, want its own 5", got)
	}
	if a.Degraded() || b.Degraded() {
		t.Error("a replica says Redis is down while it answers")
	}
}

func TestSharedFallsBackWhileRedisIsDownAndRecovers(t *testing.T) {
	redis := redistest.Start(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	r := Rate{Count: 3, Period: time.Hour}
	a := newShared(t, redis.URL(), r, log)
	b := newShared(t, redis.URL(), r, log)

	if got := countAllowed(a, "alice", 1); got != 1 {
		t.Fatalf("with Redis up: allowed %d, want 1", got)
	}
	redis.Stop()

	// Every request is answered, promptly, by the local limiter: it has
	// its own allowance of 3 for alice, and it still refuses the rest.
	start := time.Now()
	if got := countAllowed(a, "alice", 50); got != 3 {
		t.Errorf("with Redis down: allowed %d of 50, want the local limit of 3", got)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("50 requests took %v with Redis down; the fallback must not wait on Redis", took)
	}
	if !a.Degraded() {
		t.Error("Degraded() = false while Redis is down")
	}
	if n := strings.Count(logs.String(), "rate limit store unreachable"); n != 1 {
		t.Errorf("logged the outage %d times, want once:\n%s", n, logs.String())
	}

	redis.Start()
	deadline := time.Now().Add(5 * time.Second)
	for a.Degraded() && time.Now().Before(deadline) {
		a.Allow(context.Background(), "probe")
		time.Sleep(20 * time.Millisecond)
	}
	if a.Degraded() {
		t.Fatal("still degraded 5 s after Redis returned")
	}
	if n := strings.Count(logs.String(), "rate limit store answers again"); n != 1 {
		t.Errorf("logged the recovery %d times, want once:\n%s", n, logs.String())
	}
	// Shared again: what one replica spends, the other cannot.
	if got := countAllowed(a, "bob", 3) + countAllowed(b, "bob", 3); got != 3 {
		t.Errorf("after recovery two replicas allowed bob %d, want 3", got)
	}
}

func TestNewSharedKeepsTheURLOutOfErrors(t *testing.T) {
	_, err := NewShared("http://user:hunter2-secret@example.invalid", Rate{Count: 1, Period: time.Second}, nil, SharedOptions{})
	if err == nil {
		t.Fatal("NewShared accepted an http:// URL")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q repeats the password", err)
	}
}

func TestSharedDoesNotWaitOnAHungRedis(t *testing.T) {
	redis := redistest.Start(t)
	var logs syncBuffer
	r := Rate{Count: 5, Period: time.Hour}
	a := newShared(t, redis.URL(), r, slog.New(slog.NewTextHandler(&logs, nil)))
	if got := countAllowed(a, "carol", 1); got != 1 {
		t.Fatalf("with Redis up: allowed %d, want 1", got)
	}

	redis.Pause()
	start := time.Now()
	got := countAllowed(a, "carol", 40)
	took := time.Since(start)
	redis.Resume()
	if got != 5 {
		t.Errorf("with Redis hung: allowed %d of 40, want the local limit of 5", got)
	}
	// One request pays the read timeout (250 ms), perhaps one retry per
	// second; the rest go straight to the local limiter.
	if took > 3*time.Second {
		t.Errorf("40 requests took %v with Redis hung", took)
	}
	if n := strings.Count(logs.String(), "rate limit store unreachable"); n != 1 {
		t.Errorf("logged the outage %d times, want once", n)
	}

	deadline := time.Now().Add(5 * time.Second)
	for a.Degraded() && time.Now().Before(deadline) {
		a.Allow(context.Background(), "probe")
		time.Sleep(20 * time.Millisecond)
	}
	if a.Degraded() {
		t.Error("still degraded 5 s after Redis resumed")
	}
}
