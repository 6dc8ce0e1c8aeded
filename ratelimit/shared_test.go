package ratelimit

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/logging"
)

// newShared returns a Shared limiter whose Watch runs until the test ends.
func newShared(t *testing.T, url string, r Rate, log *slog.Logger) *Shared {
	t.Helper()
	s := newUnwatched(t, url, r, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Watch(ctx)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// newUnwatched returns a Shared limiter without its Watch: only requests
// find out about Redis.
func newUnwatched(t *testing.T, url string, r Rate, log *slog.Logger) *Shared {
	t.Helper()
	s, err := NewShared(url, r, NewMemory(r, MemoryOptions{}), SharedOptions{CheckEvery: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countAllowed(l interface {
	Allow(context.Context, string) Result
}, key string, n int) int {
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

// The state moves only through Allow and Check, called here in turn, so
// that nothing depends on when a Watch's ticker fires.
func TestSharedFallsBackWhileRedisIsDownAndRecovers(t *testing.T) {
	redis := redistest.Start(t)
	ctx := context.Background()
	var logsA, logsB testkit.Buffer
	r := Rate{Count: 3, Period: time.Hour}
	a := newUnwatched(t, redis.URL(), r, slog.New(slog.NewTextHandler(&logsA, nil)))
	b := newUnwatched(t, redis.URL(), r, slog.New(slog.NewTextHandler(&logsB, nil)))
	sent := countCommands(a)

	if got := countAllowed(a, "alice", 1); got != 1 {
		t.Fatalf("with Redis up: allowed %d, want 1", got)
	}
	redis.Stop()

	// Every request is answered by the local limiter: it has its own
	// allowance of 3 for alice, and it still refuses the rest. Only the
	// first asks Redis; the others do not wait on it.
	before := sent.Load()
	if got := countAllowed(a, "alice", 50); got != 3 {
		t.Errorf("with Redis down: allowed %d of 50, want the local limit of 3", got)
	}
	if n := sent.Load() - before; n != 1 {
		t.Errorf("50 requests with Redis down sent it %d commands, want 1: the first finds it gone, the rest must not wait on it", n)
	}
	if !a.Degraded() {
		t.Error("Degraded() = false while Redis is down")
	}
	// b had no request: a check finds the outage. Further checks while
	// Redis is down change nothing and log nothing.
	b.Check(ctx)
	if !b.Degraded() {
		t.Error("Degraded() = false after a check with Redis down")
	}
	a.Check(ctx)
	b.Check(ctx)
	for name, logs := range map[string]*testkit.Buffer{"a": &logsA, "b": &logsB} {
		if n := strings.Count(logs.String(), "rate limit store unreachable"); n != 1 {
			t.Errorf("%s logged the outage %d times, want once:\n%s", name, n, logs.String())
		}
	}

	// A check, with no request to help it, finds Redis back.
	redis.Start()
	a.Check(ctx)
	b.Check(ctx)
	if a.Degraded() || b.Degraded() {
		t.Fatalf("Degraded() = %v, %v after Redis returned, want false", a.Degraded(), b.Degraded())
	}
	a.Check(ctx)
	for name, logs := range map[string]*testkit.Buffer{"a": &logsA, "b": &logsB} {
		if n := strings.Count(logs.String(), "rate limit store answers again"); n != 1 {
			t.Errorf("%s logged the recovery %d times, want once:\n%s", name, n, logs.String())
		}
	}
	// Shared again: what one replica spends, the other cannot.
	if got := countAllowed(a, "bob", 3) + countAllowed(b, "bob", 3); got != 3 {
		t.Errorf("after recovery two replicas allowed bob %d, want 3", got)
	}
}

// A Redis that answers PING but refuses writes cannot share a limit: the
// limiter stays in fallback, says so once, and comes back only once a
// write succeeds.
func TestSharedStaysInFallbackWhileRedisRefusesWrites(t *testing.T) {
	tests := []struct {
		name  string
		how   redistest.Refusal
		error string // in the outage line, from Redis
	}{
		{"a replica", redistest.AsReplica, "READONLY"},
		{"out of memory with noeviction", redistest.AsFull, "OOM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redis := redistest.Start(t)
			ctx := context.Background()
			var logs testkit.Buffer
			r := Rate{Count: 3, Period: time.Hour}
			a := newUnwatched(t, redis.URL(), r, logging.New(&logs, logging.JSON, slog.LevelInfo))
			b := newUnwatched(t, redis.URL(), r, nil)
			a.Check(ctx)
			if a.Degraded() {
				t.Fatalf("Degraded() with Redis accepting writes:\n%s", logs.String())
			}

			redis.RefuseWrites(tt.how)
			// A check finds out with no request; checks and requests
			// that follow keep the state, and the log, as they are.
			a.Check(ctx)
			for i := range 5 {
				if got := countAllowed(a, "alice", 1); got != 1 && i < 3 {
					t.Errorf("request %d while Redis refuses writes: refused, want allowed by the local limiter", i+1)
				}
				a.Check(ctx)
				if !a.Degraded() {
					t.Fatalf("check %d: Degraded() = false while Redis refuses writes", i+2)
				}
			}
			line := logLine(t, &logs, "rate limit store unreachable")
			if e, _ := line["error"].(string); !strings.Contains(e, tt.error) {
				t.Errorf("outage line = %v, want the error Redis gave (%s)", line, tt.error)
			}
			if strings.Contains(logs.String(), "answers again") {
				t.Errorf("logged a recovery while Redis refuses writes:\n%s", logs.String())
			}

			redis.AcceptWrites()
			a.Check(ctx)
			if a.Degraded() {
				t.Fatalf("Degraded() after Redis accepts writes again:\n%s", logs.String())
			}
			logLine(t, &logs, "rate limit store answers again")
			logLine(t, &logs, "rate limit store unreachable") // still the one
			// Shared again: what one replica spends, the other cannot.
			if got := countAllowed(a, "bob", 2) + countAllowed(b, "bob", 3); got != 3 {
				t.Errorf("after recovery two replicas allowed bob %d, want 3", got)
			}
		})
	}
}

// A check that began while Redis answered must not undo what a request
// found after it: Redis gone. Without that, a replica says Redis is back,
// the next request finds it gone again, and the log and gauge flap.
func TestSharedCheckDoesNotUndoANewerOutage(t *testing.T) {
	redis := redistest.Start(t)
	ctx := context.Background()
	var logs testkit.Buffer
	s := newUnwatched(t, redis.URL(), Rate{Count: 5, Period: time.Hour}, slog.New(slog.NewTextHandler(&logs, nil)))
	// The check's write succeeds; before the check goes on, Redis dies
	// and a request finds it gone.
	s.client.AddHook(afterProbe(func() {
		redis.Stop()
		if res := s.Allow(ctx, "erin"); !res.Allowed || !s.Degraded() {
			t.Errorf("request with Redis down: %+v, Degraded() = %v; want allowed by the local limiter, degraded", res, s.Degraded())
		}
	}))

	s.Check(ctx)
	if !s.Degraded() {
		t.Errorf("Degraded() = false: the check's older success undid the outage a request found")
	}
	if n := strings.Count(logs.String(), "rate limit store unreachable"); n != 1 || strings.Contains(logs.String(), "answers again") {
		t.Errorf("want one outage line and no recovery, got:\n%s", logs.String())
	}
}

// countCommands counts the commands s sends to Redis from now on.
func countCommands(s *Shared) *atomic.Int64 {
	var n atomic.Int64
	s.client.AddHook(commandHook{process: func(next redis.ProcessHook) redis.ProcessHook {
		return func(ctx context.Context, cmd redis.Cmder) error {
			n.Add(1)
			return next(ctx, cmd)
		}
	}})
	return &n
}

// afterProbe runs then once, right after the first check's write that
// Redis accepted, before the check sees the answer.
func afterProbe(then func()) redis.Hook {
	var once sync.Once
	return commandHook{process: func(next redis.ProcessHook) redis.ProcessHook {
		return func(ctx context.Context, cmd redis.Cmder) error {
			err := next(ctx, cmd)
			// The limiter puts a prefix of its own before each key.
			isProbe := slices.ContainsFunc(cmd.Args(), func(arg any) bool {
				key, _ := arg.(string)
				return strings.HasSuffix(key, probeKey)
			})
			if err == nil && isProbe {
				once.Do(then)
			}
			return err
		}
	}}
}

// commandHook wraps each command a client sends in process.
type commandHook struct {
	process func(redis.ProcessHook) redis.ProcessHook
}

func (commandHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h commandHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return h.process(next) }

func (commandHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
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
	var logs testkit.Buffer
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

	waitFor(t, "back to shared limits after Redis resumed", func() bool { return !a.Degraded() })
}

func TestSharedWatchFindsRedisDownAtStart(t *testing.T) {
	redis := redistest.Start(t)
	redis.Stop()
	var logs testkit.Buffer
	s := newShared(t, redis.URL(), Rate{Count: 5, Period: time.Hour}, logging.New(&logs, logging.JSON, slog.LevelInfo))

	// No request has come: Watch alone finds Redis missing, and says so
	// in a line that belongs to no request.
	waitFor(t, "degraded with Redis down from the start", s.Degraded)
	line := logLine(t, &logs, "rate limit store unreachable")
	if id, ok := line["request_id"]; ok {
		t.Errorf("the outage line names request %v; no request found it", id)
	}
	if line["level"] != "WARN" || line["error"] == nil {
		t.Errorf("outage line = %v, want a warning with the error", line)
	}

	redis.Start()
	waitFor(t, "back once Redis started", func() bool { return !s.Degraded() })
	logLine(t, &logs, "rate limit store answers again")
}

// A request that finds Redis gone logs the outage with its request ID,
// so that the line leads to the request that paid for the discovery.
func TestSharedOutageFoundByARequestNamesIt(t *testing.T) {
	redis := redistest.Start(t)
	var logs testkit.Buffer
	s := newUnwatched(t, redis.URL(), Rate{Count: 5, Period: time.Hour}, logging.New(&logs, logging.JSON, slog.LevelInfo))
	redis.Stop()

	ctx := logging.WithRequestID(context.Background(), "req-found-it")
	if res := s.Allow(ctx, "dave"); !res.Allowed {
		t.Fatalf("with Redis down: %+v, want allowed by the local limiter", res)
	}
	if !s.Degraded() {
		t.Fatal("Degraded() = false after a request found Redis down")
	}
	if line := logLine(t, &logs, "rate limit store unreachable"); line["request_id"] != "req-found-it" {
		t.Errorf("outage line = %v, want request_id req-found-it", line)
	}
}

// logLine returns the only JSON line of logs whose msg starts with msg.
func logLine(t *testing.T, logs *testkit.Buffer, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, text := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(text), &line); err != nil {
			t.Fatalf("log line %q: %v", text, err)
		}
		if m, _ := line["msg"].(string); strings.HasPrefix(m, msg) {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d lines %q, want one:\n%s", len(found), msg, logs.String())
	}
	return found[0]
}

// A negative CheckEvery takes the default, as zero does: a negative
// ticker period would panic in Watch.
func TestSharedNegativeCheckEveryTakesTheDefault(t *testing.T) {
	s, err := NewShared("redis://127.0.0.1:1", Rate{Count: 1, Period: time.Second}, nil, SharedOptions{CheckEvery: -time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.checkEvery != DefaultCheckEvery {
		t.Errorf("checkEvery = %v, want %v", s.checkEvery, DefaultCheckEvery)
	}
}
