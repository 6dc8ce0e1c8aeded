package middleware

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// Authenticator turns the credential a request presents into the caller
// it stands for, or an Unauthorized error.
type Authenticator interface {
	Authenticate(ctx context.Context, credential string) (service.Principal, error)
}

// RateLimiter counts a request from the client named by key and says
// whether it may go ahead.
type RateLimiter interface {
	Allow(ctx context.Context, key string) ratelimit.Result
}

// The authenticators and limiters the server is built with.
var (
	_ Authenticator = (*auth.Keys)(nil)
	_ Authenticator = (*auth.JWT)(nil)
	_ RateLimiter   = (*ratelimit.Memory)(nil)
	_ RateLimiter   = (*ratelimit.Shared)(nil)
)

// realm names this server in WWW-Authenticate challenges.
const realm = "agora-token-server"

// Guard stands in front of the routes that mint tokens. It authenticates
// the caller with authn (nil: everyone is anonymous), counts the request
// against the caller's rate limit (nil: no limit), and puts the caller in
// the request's context for the handlers' policy checks.
//
// The limit applies before a bad credential is refused, so that guessing
// keys costs the guesser its own allowance: callers are told apart by
// their verified identity, else by their address.
func Guard(authn Authenticator, limit RateLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		var who service.Principal
		var authErr error
		if authn != nil {
			cred, problem := credential(c.Request)
			if problem != "" {
				authErr = &service.Error{Kind: service.Unauthorized, Message: problem}
			} else if cred == "" {
				authErr = &service.Error{Kind: service.Unauthorized, Message: "a credential is required: send it in the Authorization header as Bearer, or in the X-API-Key header"}
			} else {
				who, authErr = authn.Authenticate(ctx, cred)
			}
		}

		if limit != nil {
			key := who.ID
			if authErr != nil || key == "" {
				key = "ip:" + c.ClientIP()
			}
			res := limit.Allow(ctx, key)
			h := c.Writer.Header()
			h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
			h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(res.ResetAfter)))
			if !res.Allowed {
				// Never 0: a client told to retry after 0 s retries at once.
				wait := strconv.Itoa(max(1, ceilSeconds(res.RetryAfter)))
				h.Set("Retry-After", wait)
				_ = c.Error(&service.Error{Kind: service.TooManyRequests, Message: "too many requests; try again in " + wait + " s"})
				c.Abort()
				return
			}
		}

		if authErr != nil {
			challenge := `Bearer realm="` + realm + `"`
			if c.GetHeader("Authorization") != "" || c.GetHeader("X-API-Key") != "" {
				challenge += `, error="invalid_token", error_description="` + quotable(authErr.Error()) + `"`
			}
			c.Header("WWW-Authenticate", challenge)
			_ = c.Error(authErr)
			c.Abort()
			return
		}
		c.Request = c.Request.WithContext(service.WithPrincipal(ctx, who))
		c.Next()
	}
}

// credential finds the credential a request presents: a bearer token in
// Authorization, else X-API-Key. problem is set when Authorization holds
// something else.
func credential(r *http.Request) (cred, problem string) {
	if h := r.Header.Get("Authorization"); strings.TrimSpace(h) != "" {
		token, isBearer := auth.Bearer(h)
		if !isBearer {
			return "", "the Authorization header must use the Bearer scheme"
		}
		if token == "" {
			return "", "the Authorization header holds no bearer credential"
		}
		return token, ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key")), ""
}

// quotable makes s safe inside a quoted header parameter.
func quotable(s string) string {
	return strings.NewReplacer(`"`, "'", `\`, "/").Replace(s)
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}
