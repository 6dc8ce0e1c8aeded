package api

import (
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// metricsHandler serves m, and when token is not empty only to requests
// that carry it as "Authorization: Bearer <token>".
func metricsHandler(m *metrics.Metrics, token string) gin.HandlerFunc {
	serve := m.Handler()
	want := auth.DigestOf(token)
	return func(c *gin.Context) {
		if token != "" {
			got, isBearer := auth.Bearer(c.GetHeader("Authorization"))
			if !isBearer || !want.Matches(got) {
				c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
				_ = c.Error(service.Errorf(service.Unauthorized, "metrics need the header Authorization: Bearer followed by METRICS_TOKEN"))
				return
			}
		}
		serve.ServeHTTP(c.Writer, c.Request)
	}
}
