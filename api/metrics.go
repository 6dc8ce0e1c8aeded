package api

import (
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// metricsHandler serves m, and when token is not empty only to requests
// that carry it as "Authorization: Bearer <token>". A request without it
// spends its address's allowance under limit (nil: none), as a bad
// credential does on the token routes, so the token cannot be guessed
// at speed.
func metricsHandler(m *metrics.Metrics, token string, limit middleware.RateLimiter) gin.HandlerFunc {
	serve := m.Handler()
	want := auth.DigestOf(token)
	return func(c *gin.Context) {
		if token != "" {
			got, isBearer := auth.Bearer(c.GetHeader("Authorization"))
			if !isBearer || !want.Matches(got) {
				if !middleware.LimitByAddress(c, limit) {
					return
				}
				c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
				_ = c.Error(service.Errorf(service.Unauthorized, "metrics need the header Authorization: Bearer followed by METRICS_TOKEN"))
				return
			}
		}
		serve.ServeHTTP(c.Writer, c.Request)
	}
}
