package api

import (
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkRequest sends requests through the whole router, middleware
// included, so that a CPU profile shows what a request costs beyond its token.
func BenchmarkRequest(b *testing.B) {
	router := newRouter(b)
	paths := map[string]func(i int) string{
		"ping": func(int) string { return "/ping" },
		"rtc":  func(i int) string { return "/rtc/benchmark-room/publisher/uid/" + strconv.Itoa(i+1) },
	}
	for _, name := range []string{"ping", "rtc"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				path := paths[name](i)
				if rec := send(b, router, http.MethodGet, path, "", timed()); rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
				}
				i++
			}
		})
	}
}
