package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds how many clients a Memory limiter tracks at once.
// Each costs well under a hundred bytes, so the bound is a few megabytes.
const DefaultMaxKeys = 100_000

// sweepEvery is how often a Memory limiter forgets idle clients.
const sweepEvery = time.Minute

// MemoryOptions tunes a Memory limiter. Zero fields take the defaults.
type MemoryOptions struct {
	// MaxKeys is the most clients tracked at once (DefaultMaxKeys).
	MaxKeys int
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Memory limits clients within this process. Its memory is bounded: a
// client whose allowance is whole again holds no information and is
// forgotten, and past MaxKeys clients a new one pushes out another, which
// then starts afresh. A flood of distinct addresses thus costs at most
// MaxKeys entries, at the price of a little leniency while it lasts.
type Memory struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu sync.Mutex
	// tat holds each client's theoretical arrival time: when its
	// allowance will be whole again.
	tat       map[string]time.Time
	nextSweep time.Time
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns a limiter that applies r to each client.
func NewMemory(r Rate, opts MemoryOptions) *Memory {
	m := &Memory{rate: r, maxKeys: opts.MaxKeys, now: opts.Now, tat: make(map[string]time.Time)}
	if m.maxKeys <= 0 {
		m.maxKeys = DefaultMaxKeys
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Allow counts a request from the client key and says whether it may
// go ahead.
func (m *Memory) Allow(_ context.Context, key string) Result {
	now := m.now()
	interval := m.rate.interval()
	burst := m.rate.burst()

	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		m.sweep(now)
	}
	tat, known := m.tat[key]
	if !known || tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	// The request fits when, after it, the client is no further ahead of
	// its even pace than the burst allows.
	slack := now.Sub(next.Add(-interval * time.Duration(burst)))
	if slack < 0 {
		return Result{Limit: burst, RetryAfter: -slack, ResetAfter: tat.Sub(now)}
	}
	if !known && len(m.tat) >= m.maxKeys {
		m.makeRoom(now)
	}
	m.tat[key] = next
	return Result{Allowed: true, Limit: burst, Remaining: int(slack / interval), ResetAfter: next.Sub(now)}
}

// Len returns how many clients the limiter is tracking.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}

// sweep forgets every client whose allowance is whole again.
func (m *Memory) sweep(now time.Time) {
	for k, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, k)
		}
	}
	m.nextSweep = now.Add(sweepEvery)
}

// makeRoom frees one entry: idle ones if a sweep is due soon enough to be
// cheap, else an arbitrary client, which Go's map order makes a random one.
func (m *Memory) makeRoom(now time.Time) {
	if now.After(m.nextSweep.Add(time.Second - sweepEvery)) {
		m.sweep(now)
		if len(m.tat) < m.maxKeys {
			return
		}
	}
	for k := range m.tat {
		delete(m.tat, k)
		return
	}
}
