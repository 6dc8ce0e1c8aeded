package ratelimit

import (
	"cmp"
	"container/heap"
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds how many clients a Memory limiter tracks at once.
// Each costs about 120 bytes with its key, so the bound is about 12 MB.
const DefaultMaxKeys = 100_000

// MemoryOptions tunes a Memory limiter; zero or negative fields take defaults.
type MemoryOptions struct {
	// MaxKeys is the most clients tracked at once (DefaultMaxKeys).
	MaxKeys int
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Memory limits clients within this process. Its memory is bounded: a
// client whose allowance is whole again holds no information and is
// forgotten, and past MaxKeys clients a new one pushes out the client
// closest to being whole again, which loses the least. A client that has
// spent its allowance is the furthest from whole, so a flood of distinct
// addresses pushes out its own first and never hands that client a fresh
// allowance.
type Memory struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	clients map[string]*client
	soonest byTAT // by when their allowance is whole again
}

// client is one tracked client. tat is its theoretical arrival time:
// when its allowance will be whole again.
type client struct {
	key   string
	tat   time.Time
	index int // in Memory.soonest
}

// NewMemory returns a limiter that applies r to each client.
func NewMemory(r Rate, opts MemoryOptions) *Memory {
	m := &Memory{rate: r, maxKeys: cmp.Or(max(opts.MaxKeys, 0), DefaultMaxKeys), now: opts.Now, clients: make(map[string]*client)}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Allow counts a request from the client key and says whether it may
// go ahead.
func (m *Memory) Allow(_ context.Context, key string) Result {
	now := m.now()
	interval := m.rate.Period / time.Duration(m.rate.Count) // what one request costs
	burst := m.rate.burst()

	m.mu.Lock()
	defer m.mu.Unlock()
	// Forget every client whose allowance is whole again.
	for len(m.soonest) > 0 && !m.soonest[0].tat.After(now) {
		delete(m.clients, heap.Pop(&m.soonest).(*client).key)
	}
	c := m.clients[key]
	tat := now
	if c != nil {
		tat = c.tat // kept above, so later than now
	}
	next := tat.Add(interval)
	// The request fits when, after it, the client is no further ahead of
	// its even pace than the burst allows.
	slack := now.Sub(next.Add(-interval * time.Duration(burst)))
	if slack < 0 {
		return Result{Limit: burst, RetryAfter: -slack, ResetAfter: tat.Sub(now)}
	}
	if c == nil {
		if len(m.clients) >= m.maxKeys {
			delete(m.clients, heap.Pop(&m.soonest).(*client).key)
		}
		c = &client{key: key, tat: next}
		m.clients[key] = c
		heap.Push(&m.soonest, c)
	} else {
		c.tat = next
		heap.Fix(&m.soonest, c.index)
	}
	return Result{Allowed: true, Limit: burst, Remaining: int(slack / interval), ResetAfter: next.Sub(now)}
}

// Len returns how many clients the limiter is tracking.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.clients)
}

// byTAT is a min-heap of clients by tat (container/heap).
type byTAT []*client

// Len is the number of clients in the heap.
func (h byTAT) Len() int { return len(h) }

// Less puts the client whose allowance is whole soonest first.
func (h byTAT) Less(i, j int) bool { return h[i].tat.Before(h[j].tat) }

// Swap exchanges two clients and keeps their index, which heap.Fix needs.
func (h byTAT) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push adds a *client at the end; heap.Push then moves it into place.
func (h *byTAT) Push(x any) {
	c := x.(*client)
	c.index = len(*h)
	*h = append(*h, c)
}

// Pop removes the last client, which heap.Pop has just moved there.
func (h *byTAT) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}
