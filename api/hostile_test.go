package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// manyKeysBody is a /v1 body of at most size bytes whose field holds an
// object of as many distinct short keys as fit: the body that made the
// duplicate-key check cost time in the square of its size.
func manyKeysBody(field string, size int) string {
	var b strings.Builder
	b.WriteString(`{"` + field + `":{`)
	for i := 0; ; i++ {
		entry := `"` + strconv.FormatInt(int64(i), 36) + `":0`
		if b.Len()+len(entry)+3 > size {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(entry)
	}
	b.WriteString("}}")
	return b.String()
}

// deepBody nests depth arrays, or objects of one key, inside field.
func deepBody(field, open, close string, depth int) string {
	return `{"` + field + `":` + strings.Repeat(open, depth) + "0" + strings.Repeat(close, depth) + "}"
}

// BenchmarkHostileBody sends the largest bodies the server reads, built
// to make the strict reader of /v1 work hard, through the whole router:
// each must cost time in proportion to its size, as an ordinary 400 does.
func BenchmarkHostileBody(b *testing.B) {
	router := newRouter(b)
	bodies := []struct{ name, path, body string }{
		{"many-keys-under-token", "/v1/tokens/inspect", manyKeysBody("token", middleware.MaxBodyBytes)},
		{"many-keys-under-channel", "/v1/tokens/rtc", manyKeysBody("channel", middleware.MaxBodyBytes)},
		{"deep-arrays", "/v1/tokens/rtc", deepBody("channel", "[", "]", 9_000)},
		{"deep-objects", "/v1/tokens/rtc", deepBody("channel", `{"a":`, "}", 9_000)},
		{"ordinary-400", "/v1/tokens/rtc", `{"channel":"room","uid":1}`},
	}
	for _, r := range bodies {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(r.body)))
			for b.Loop() {
				if rec := send(b, router, http.MethodPost, r.path, r.body, timed()); rec.Code != http.StatusBadRequest {
					b.Fatalf("POST %s = %d %s", r.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

// The largest bodies the server reads, shaped to make the strict reader
// of /v1 work (thousands of keys, deep nesting), cost about what a plain
// body of the same size costs: time in proportion to the size, not to
// its square. Each is timed at its best of a few runs, so that a busy
// machine does not decide the outcome.
func TestHostileBodiesCostWhatTheirSizeCosts(t *testing.T) {
	router := newRouter(t)
	best := func(path, body string) time.Duration {
		t.Helper()
		fastest := time.Duration(math.MaxInt64)
		for range 5 {
			start := time.Now()
			rec := send(t, router, http.MethodPost, path, body, timed())
			fastest = min(fastest, time.Since(start))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("POST %s = %d %s, want 400", path, rec.Code, rec.Body)
			}
		}
		return fastest
	}
	size := middleware.MaxBodyBytes
	plain := best("/v1/tokens/rtc", `{"channel":"`+strings.Repeat("x", size-20)+`"}`)
	for _, tt := range []struct{ name, path, body string }{
		{"many keys under token", "/v1/tokens/inspect", manyKeysBody("token", size)},
		{"many keys under channel", "/v1/tokens/rtc", manyKeysBody("channel", size)},
		{"deep arrays", "/v1/tokens/rtc", deepBody("channel", "[", "]", 9_000)},
		{"deep objects", "/v1/tokens/rtc", deepBody("channel", `{"a":`, "}", 9_000)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > size {
				t.Fatalf("the body is %d bytes, over the limit of %d", len(tt.body), size)
			}
			// A body that costs the square of its size takes a hundred
			// times the plain one and more.
			if got := best(tt.path, tt.body); got > 20*plain+5*time.Millisecond {
				t.Errorf("took %v at best; a plain body of the same size takes %v", got, plain)
			}
		})
	}
}
