package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// BenchmarkRequest sends requests through the whole router, middleware
// included, so that a CPU profile shows what a request costs beyond its token.
func BenchmarkRequest(b *testing.B) {
	router := New(Config{
		Tokens:      service.New("970CA35de60c44645bbae8a215061b33", "5CFd2fd1755d40ecb72977518be15d3b", service.Options{}),
		CORSOrigins: []string{"*"},
	})
	paths := map[string]func(i int) string{
		"ping": func(int) string { return "/ping" },
		"rtc":  func(i int) string { return "/rtc/benchmark-room/publisher/uid/" + strconv.Itoa(i+1) },
	}
	for _, name := range []string{"ping", "rtc"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, paths[name](i), nil)
				rec := httptest.NewRecorder()
				router.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", req.URL.Path, rec.Code, rec.Body)
				}
				i++
			}
		})
	}
}
