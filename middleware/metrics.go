package middleware

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// RequestObserver is what Metrics reports each request to.
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

// Metrics reports every request to obs by route pattern, never by raw
// path. Behind Guard it also counts the refusal recorded with c.Error as
// an auth failure or as rate limited; elsewhere (a scrape of /metrics
// without its token, an origin CORS refuses) nobody asked for a token, and
// a refusal counts only as a request.
func Metrics(obs RequestObserver) gin.HandlerFunc {
	return func(c *gin.Context) {
		obs.RequestStarted()
		defer obs.RequestFinished()
		start := time.Now()
		c.Next()
		route := routeOf(c)
		obs.ObserveRequest(c.Request.Method, route, c.Writer.Status(), time.Since(start))
		if len(c.Errors) == 0 || !c.GetBool(guardedKey) {
			return
		}
		switch service.KindOf(c.Errors.Last().Err) {
		case service.Unauthorized:
			obs.AuthFailure(route, ReasonUnauthenticated)
		case service.Forbidden:
			reason := ReasonPolicy
			if service.PrincipalFrom(c.Request.Context()).Binding != nil {
				reason = ReasonForbidden
			}
			obs.AuthFailure(route, reason)
		case service.TooManyRequests:
			obs.RateLimited(route)
		}
	}
}
