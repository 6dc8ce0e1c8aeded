package middleware

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// CORS answers preflights and marks responses for the allowed origins.
// Each origin is exact, "*" for any, or holds one "*" as a wildcard
// ("https://*.example.com"). A request from another origin gets a 403
// problem; a request without an Origin header (native apps, curl,
// servers) is no CORS request and is served as usual.
func CORS(origins []string, allowHeaders ...string) gin.HandlerFunc {
	allowAll := false
	for _, o := range origins {
		allowAll = allowAll || o == "*"
	}
	allowed := func(origin string) bool {
		if allowAll {
			return true
		}
		for _, o := range origins {
			if prefix, suffix, wild := strings.Cut(o, "*"); wild {
				if len(origin) >= len(prefix)+len(suffix) && strings.HasPrefix(origin, prefix) && strings.HasSuffix(origin, suffix) {
					return true
				}
			} else if o == origin {
				return true
			}
		}
		return false
	}
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders: append([]string{"Content-Type", "Authorization", RequestIDHeader}, allowHeaders...),
		// Scripts read only what is exposed: the rate-limit headers tell
		// them when to come back, WWW-Authenticate why they were refused.
		ExposeHeaders:             []string{RequestIDHeader, "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "WWW-Authenticate"},
		MaxAge:                    10 * time.Minute,
		OptionsResponseStatusCode: http.StatusNoContent,
	}
	if allowAll {
		cfg.AllowAllOrigins = true
	} else {
		cfg.AllowOriginFunc = allowed
	}
	handle := cors.New(cfg)

	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		sameHost := origin == "http://"+c.Request.Host || origin == "https://"+c.Request.Host
		if origin != "" && !sameHost && !allowed(origin) {
			_ = c.Error(service.Errorf(service.Forbidden, "origin %s is not allowed by CORS_ALLOW_ORIGINS", origin))
			c.Abort()
			return
		}
		handle(c)
	}
}
