package middleware

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// CORS answers preflights and marks responses for the allowed origins.
// Each origin is exact, "*" for any, or has "*" as the first label of its
// host ("https://*.example.com"), standing for one or more whole labels.
// A request from another origin gets a 403 problem; a request without an
// Origin header (native apps, curl, servers) is no CORS request and is
// served as usual.
func CORS(origins []string, allowHeaders ...string) gin.HandlerFunc {
	allowAll := slices.Contains(origins, "*")
	allowed := func(origin string) bool {
		return allowAll || slices.ContainsFunc(origins, func(o string) bool { return o == origin || wildcardMatch(o, origin) })
	}
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders: append([]string{"Content-Type", "Authorization", RequestIDHeader}, allowHeaders...),
		// Scripts read only what is exposed: the rate-limit headers tell
		// them when to come back, WWW-Authenticate why they were refused.
		ExposeHeaders:             []string{RequestIDHeader, "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "WWW-Authenticate"},
		MaxAge:                    10 * time.Minute,
		OptionsResponseStatusCode: http.StatusNoContent,
		AllowAllOrigins:           allowAll,
	}
	if !allowAll { // the library refuses a func beside AllowAllOrigins
		cfg.AllowOriginFunc = allowed
	}
	handle := cors.New(cfg)

	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" {
			return // no CORS request: nothing to answer or mark
		}
		sameHost := origin == "http://"+c.Request.Host || origin == "https://"+c.Request.Host
		if !sameHost && !allowed(origin) {
			_ = c.Error(service.Errorf(service.Forbidden, "origin %s is not allowed by CORS_ALLOW_ORIGINS", origin))
			c.Abort()
			return
		}
		handle(c)
	}
}

// wildcardMatch reports whether the wildcard pattern allows origin: the
// same scheme and port, one or more labels for the "*". Both are parsed,
// never compared as strings: "https://evil.com/.example.com" has the host
// evil.com, not one under example.com.
func wildcardMatch(pattern, origin string) bool {
	scheme, rest, ok := strings.Cut(pattern, "://*.")
	if !ok {
		return false
	}
	want, err := url.Parse(scheme + "://" + rest)
	if err != nil || want.Host == "" {
		return false
	}
	got, err := url.Parse(origin)
	if err != nil || got.User != nil || got.Path != "" || got.RawQuery != "" || got.Fragment != "" {
		return false
	}
	labels, under := strings.CutSuffix(strings.ToLower(got.Hostname()), "."+strings.ToLower(want.Hostname()))
	return under && strings.EqualFold(got.Scheme, want.Scheme) && got.Port() == want.Port() &&
		labels != "" && !strings.HasPrefix(labels, ".") && !strings.Contains(labels, "..")
}
