package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// clock is a hand-moved time source.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Add(d time.Duration)     { c.now = c.now.Add(d) }
func newClock() *clock                   { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }
func allow(m *Memory, key string) Result { return m.Allow(context.Background(), key) }

func TestMemorySpendsTheBurstThenRefillsEvenly(t *testing.T) {
	clk := newClock()
	m := NewMemory(Rate{Count: 3, Period: time.Minute}, MemoryOptions{Now: clk.Now})

	steps := []struct {
		name    string
		advance time.Duration
		want    Result
	}{
		{"first of the burst", 0, Result{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 20 * time.Second}},
		{"second of the burst", 0, Result{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: 40 * time.Second}},
		{"last of the burst", 0, Result{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: time.Minute}},
		{"burst spent", 0, Result{Limit: 3, RetryAfter: 20 * time.Second, ResetAfter: time.Minute}},
		{"still early", 19 * time.Second, Result{Limit: 3, RetryAfter: time.Second, ResetAfter: 41 * time.Second}},
		{"one interval later", time.Second, Result{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: time.Minute}},
		{"idle for the whole period", time.Minute, Result{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 20 * time.Second}},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		if got := allow(m, "alice"); got != s.want {
			t.Errorf("%s: got %+v, want %+v", s.name, got, s.want)
		}
	}
}

func TestMemoryBurstDiffersFromCount(t *testing.T) {
	tests := []struct {
		name        string
		rate        Rate
		wantAllowed int
		wantRetry   time.Duration
	}{
		{"burst 1 of 10/s", Rate{Count: 10, Period: time.Second, Burst: 1}, 1, 100 * time.Millisecond},
		{"burst 5 of 60/m", Rate{Count: 60, Period: time.Minute, Burst: 5}, 5, time.Second},
		{"burst left to the count", Rate{Count: 4, Period: time.Hour}, 4, 15 * time.Minute},
		{"negative burst left to the count", Rate{Count: 4, Period: time.Hour, Burst: -1}, 4, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			m := NewMemory(tt.rate, MemoryOptions{Now: clk.Now})
			allowed := 0
			var last Result
			for range 50 {
				if last = allow(m, "k"); last.Allowed {
					allowed++
				}
			}
			if allowed != tt.wantAllowed {
				t.Errorf("allowed %d of 50 at once, want %d", allowed, tt.wantAllowed)
			}
			if last.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter = %v, want %v", last.RetryAfter, tt.wantRetry)
			}
		})
	}
}

// A negative option takes its default, as zero does, rather than
// breaking the limiter.
func TestMemoryNegativeMaxKeysTakesTheDefault(t *testing.T) {
	m := NewMemory(Rate{Count: 1, Period: time.Minute}, MemoryOptions{MaxKeys: -1})
	if m.maxKeys != DefaultMaxKeys {
		t.Fatalf("maxKeys = %d, want %d", m.maxKeys, DefaultMaxKeys)
	}
	if got := allow(m, "alice"); !got.Allowed {
		t.Errorf("first request refused: %+v", got)
	}
}

func TestMemoryKeepsClientsApart(t *testing.T) {
	clk := newClock()
	m := NewMemory(Rate{Count: 1, Period: time.Minute}, MemoryOptions{Now: clk.Now})
	for _, key := range []string{"ip:192.0.2.1", "ip:192.0.2.2", "key:0011223344556677"} {
		if got := allow(m, key); !got.Allowed {
			t.Errorf("first request of %s refused: %+v", key, got)
		}
		if got := allow(m, key); got.Allowed {
			t.Errorf("second request of %s allowed", key)
		}
	}
}

func TestMemoryStaysBoundedUnderAFloodOfClients(t *testing.T) {
	clk := newClock()
	m := NewMemory(Rate{Count: 10, Period: time.Minute}, MemoryOptions{Now: clk.Now, MaxKeys: 100})
	for i := range 10_000 {
		if got := allow(m, "ip:"+strconv.Itoa(i)); !got.Allowed {
			t.Fatalf("client %d refused on its first request: %+v", i, got)
		}
		if m.Len() > 100 {
			t.Fatalf("tracking %d clients after %d, want at most 100", m.Len(), i+1)
		}
	}
}

func TestMemoryForgetsIdleClients(t *testing.T) {
	clk := newClock()
	m := NewMemory(Rate{Count: 10, Period: time.Minute}, MemoryOptions{Now: clk.Now})
	for i := range 50 {
		allow(m, "ip:"+strconv.Itoa(i))
	}
	if got := m.Len(); got != 50 {
		t.Fatalf("tracking %d clients, want 50", got)
	}
	// Each spent one request (6 s of allowance); 6 s later every one of
	// them is whole again and holds nothing worth keeping.
	clk.Add(6 * time.Second)
	allow(m, "ip:late")
	if got := m.Len(); got != 1 {
		t.Errorf("tracking %d clients after they went idle, want 1", got)
	}
}

// Past MaxKeys, a flood of new addresses must not push out the client
// that has spent its allowance: that would hand it a fresh one.
func TestMemoryFloodKeepsTheClientWhoSpentItsAllowance(t *testing.T) {
	clk := newClock()
	m := NewMemory(Rate{Count: 10, Period: time.Minute}, MemoryOptions{Now: clk.Now, MaxKeys: 100})
	for range 10 {
		allow(m, "ip:abuser")
	}
	if got := allow(m, "ip:abuser"); got.Allowed {
		t.Fatal("the abuser's 11th request at once was allowed")
	}
	for i := range 10_000 {
		allow(m, "ip:flood-"+strconv.Itoa(i))
		if i%100 == 0 {
			clk.Add(time.Millisecond)
		}
	}
	if got := allow(m, "ip:abuser"); got.Allowed {
		t.Errorf("after a flood of 10,000 addresses the abuser is allowed again: %+v", got)
	}
	if got := m.Len(); got > 100 {
		t.Errorf("tracking %d clients, want at most 100", got)
	}
}
