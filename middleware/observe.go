package middleware

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/logging"
)

// RequestObserver is what Observe reports each request to.
type RequestObserver interface {
	RequestStarted()
	RequestFinished()
	ObserveRequest(method, route string, status int, elapsed time.Duration)
	AuthFailure(route, reason string)
	RateLimited(route string)
}

// The reasons an AuthFailure gives.
const (
	// ReasonUnauthenticated: no valid credential (401).
	ReasonUnauthenticated = "unauthenticated"
	// ReasonForbidden: a caller with an identity token asked for what it
	// may not have (403): its claims, or the server's own rules, say no.
	ReasonForbidden = "forbidden"
	// ReasonPolicy: a caller without an identity token asked for what the
	// server's own rules (CHANNEL_PATTERN, ALLOW_WILDCARD_UID) refuse (403).
	ReasonPolicy = "policy"
)

// Observe reports every request, once it is answered, to obs and writes
// its access line to log, both by route pattern, never by raw path, with
// the client's address as clientIP gives it (see ClientIP). The
// line carries the request ID through the context. It never holds the
// raw path, the query string, a header or a body: those can hold
// credentials and issued tokens.
//
// The counting and the line share one clock reading and one route: the
// two run on every request the server answers.
func Observe(log *slog.Logger, obs RequestObserver, clientIP func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		obs.RequestStarted()
		defer obs.RequestFinished()
		start := time.Now()
		c.Next()
		end := time.Now()
		elapsed := end.Sub(start)
		route, status := routeOf(c), c.Writer.Status()
		obs.ObserveRequest(c.Request.Method, route, status, elapsed)

		// Above info the line is dropped: its fields, the client's
		// address among them, which costs a parse, are then not worked out.
		ctx := c.Request.Context()
		if !log.Enabled(ctx, slog.LevelInfo) {
			return
		}
		logging.LogRequest(ctx, log, end, logging.Request{
			Method:   c.Request.Method,
			Route:    route,
			Status:   status,
			Latency:  elapsed,
			ClientIP: clientIP(c),
			Bytes:    max(c.Writer.Size(), 0),
		})
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
