package api

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/logging"
)

// BenchmarkRequest sends requests through the whole router, middleware
// included, with the access log at info as a server logs by default, so
// that a CPU profile shows what a request costs beyond its token. The
// bare-gin case is the floor: a Gin hello with no middleware, sent the
// same way, so that its allocations are the test's own and Gin's.
func BenchmarkRequest(b *testing.B) {
	router := newRouter(b, func(s *routerSetup) {
		s.cfg.Logger = logging.New(io.Discard, logging.JSON, slog.LevelInfo)
	})
	bare := gin.New()
	bare.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"message": "pong"}) })
	cases := []struct {
		name   string
		router http.Handler
		path   func(i int) string
	}{
		{"bare-gin", bare, func(int) string { return "/ping" }},
		{"ping", router, func(int) string { return "/ping" }},
		{"rtc", router, func(i int) string { return "/rtc/benchmark-room/publisher/uid/" + strconv.Itoa(i+1) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				path := tc.path(i)
				if rec := send(b, tc.router, http.MethodGet, path, "", timed()); rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
				}
				i++
			}
		})
	}
}
