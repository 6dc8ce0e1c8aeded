package middleware

import (
	"log/slog"
	"math"
	"time"

	"github.com/gin-gonic/gin"
)

// UnmatchedRoute names, in logs and metrics, a request that matched no
// route, so that raw paths never appear there.
const UnmatchedRoute = "unmatched"

// AccessLog writes one line per request when it is done: method, route
// pattern, status, latency, client IP, response size and, through the
// context, the request ID. It never logs the raw path, the query string,
// a header or a body: those can hold credentials and issued tokens.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.Int("status", c.Writer.Status()),
			slog.Float64("latency_ms", math.Round(float64(elapsed.Microseconds()))/1000),
			slog.String("client_ip", c.ClientIP()),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
		)
	}
}

// routeOf is the route pattern c matched, such as "/rtm/:uid".
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return UnmatchedRoute
}
