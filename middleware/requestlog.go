package middleware

import (
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// AccessLog writes one line per request when it is done, with the request
// ID through the context. It never logs the raw path, the query string, a
// header or a body: those can hold credentials and issued tokens.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		// Above info the line is dropped: its fields, the client's
		// address among them, which costs a parse, are then not worked out.
		ctx := c.Request.Context()
		if !log.Enabled(ctx, slog.LevelInfo) {
			return
		}
		elapsed := time.Since(start)
		log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.Int("status", c.Writer.Status()),
			slog.Float64("latency_ms", math.Round(float64(elapsed.Microseconds()))/1000),
			slog.String("client_ip", c.ClientIP()),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
		)
	}
}

// routeOf is the route pattern c matched, such as "/rtm/:uid", without
// the trailing slash every route also accepts: one route, one name. A
// request that matched none is a "preflight" (CORS answers those on any
// path) or "unmatched": raw paths never reach logs and metrics.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		if len(r) > 1 {
			r = strings.TrimSuffix(r, "/")
		}
		return r
	}
	if c.Request.Method == http.MethodOptions && c.GetHeader("Origin") != "" && c.GetHeader("Access-Control-Request-Method") != "" {
		return "preflight"
	}
	return "unmatched"
}
