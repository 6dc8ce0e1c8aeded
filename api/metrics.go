package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// metricsHandler serves m, and when token is not empty only to requests
// that carry it as "Authorization: Bearer <token>".
func metricsHandler(m *metrics.Metrics, token string) gin.HandlerFunc {
	serve := m.Handler()
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		if token != "" && !bearerIs(c.GetHeader("Authorization"), want) {
			c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
			_ = c.Error(&middleware.HTTPError{Status: http.StatusUnauthorized, Detail: "metrics need the header Authorization: Bearer followed by METRICS_TOKEN"})
			return
		}
		serve.ServeHTTP(c.Writer, c.Request)
	}
}

// bearerIs reports whether header carries the bearer token whose SHA-256
// is want. Comparing digests in constant time reveals neither the token's
// bytes nor its length through timing.
func bearerIs(header string, want [sha256.Size]byte) bool {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
