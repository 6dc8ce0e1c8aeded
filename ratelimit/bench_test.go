package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

func BenchmarkMemoryAllowOneClient(b *testing.B) {
	m := NewMemory(Rate{Count: 1_000_000, Period: time.Second}, MemoryOptions{})
	ctx := context.Background()
	for b.Loop() {
		m.Allow(ctx, "ip:198.51.100.1")
	}
}

// A flood of distinct addresses against a full table: every request
// evicts another client.
func BenchmarkMemoryAllowFloodAtCapacity(b *testing.B) {
	m := NewMemory(Rate{Count: 10, Period: time.Minute}, MemoryOptions{MaxKeys: 10_000})
	ctx := context.Background()
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = "ip:" + strconv.Itoa(i)
	}
	for _, k := range keys[:10_000] {
		m.Allow(ctx, k)
	}
	i := 10_000
	for b.Loop() {
		m.Allow(ctx, keys[i%len(keys)])
		i++
	}
}

func BenchmarkSharedAllow(b *testing.B) {
	redis := redistest.Start(b)
	r := Rate{Count: 1_000_000, Period: time.Second}
	s, err := NewShared(redis.URL(), r, NewMemory(r, MemoryOptions{}), SharedOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for b.Loop() {
		if s.Allow(ctx, "ip:198.51.100.1"); s.Degraded() {
			b.Fatal("Redis went away during the benchmark")
		}
	}
}
