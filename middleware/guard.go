package middleware

import (
	"context"
	"math"
	"net/http"
	"net/netip"
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

// Guard stands in front of the routes that mint tokens: it authenticates
// the caller with authn (nil: everyone is anonymous), counts the request
// against the caller's rate limit (nil: no limit), and puts the caller in
// the request's context. A refusal carries an RFC 6750 challenge.
//
// The limit applies before a bad credential is refused, so that guessing
// keys costs the guesser its own allowance: callers are told apart by
// their verified identity, else by their address.
//
// Once the request is answered, Guard reports its refusal, its own or
// that of the handler behind it, to obs as an auth failure or as rate
// limited: these are refusals of a token client. The same errors on
// other routes (a scrape of /metrics without its token, an origin CORS
// refuses) are nobody's auth failure, and Observe counts them only as
// requests.
func Guard(authn Authenticator, limit RateLimiter, obs RequestObserver) gin.HandlerFunc {
	admit := admitter(authn, limit)
	return func(c *gin.Context) {
		admit(c)
		countRefusal(c, obs)
	}
}

// admitter is Guard's gate: it lets the request go on (c.Next) or
// records why not and aborts it.
func admitter(authn Authenticator, limit RateLimiter) gin.HandlerFunc {
	_, xAPIKey := authn.(*auth.Keys)
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		var who service.Principal
		var authErr error
		errCode := ""
		if authn != nil {
			cred, code, problem := credential(c.Request, xAPIKey)
			if cred == "" {
				authErr, errCode = &service.Error{Kind: service.Unauthorized, Message: problem}, code
			} else if who, authErr = authn.Authenticate(ctx, cred); authErr != nil {
				errCode = "invalid_token"
			}
		}

		if limit != nil {
			key := who.ID
			if authErr != nil || key == "" {
				key = addressKey(c.ClientIP())
			}
			if !allow(c, limit, key) {
				return
			}
		}

		if authErr != nil {
			challenge := `Bearer realm="agora-token-server"`
			if errCode != "" {
				// A quote or a backslash would end or escape the parameter.
				description := strings.NewReplacer(`"`, "'", `\`, "/").Replace(authErr.Error())
				challenge += `, error="` + errCode + `", error_description="` + description + `"`
			}
			c.Header("WWW-Authenticate", challenge)
			_ = c.Error(authErr)
			c.Abort()
			return
		}
		// Without authentication every caller is the anonymous one, which
		// a context without a Principal stands for: copying the request
		// to carry it would cost three allocations a request.
		if authn != nil {
			c.Request = c.Request.WithContext(service.WithPrincipal(ctx, who))
		}
		c.Next()
	}
}

// countRefusal counts the refusal of a guarded request, by the kind of
// the error recorded last.
func countRefusal(c *gin.Context, obs RequestObserver) {
	if len(c.Errors) == 0 {
		return
	}
	route := routeOf(c)
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

// LimitByAddress counts a request that presented a bad credential against
// its client address's allowance, as Guard does; when that is spent it
// records a 429, aborts the request and reports false.
func LimitByAddress(c *gin.Context, limit RateLimiter) bool {
	return limit == nil || allow(c, limit, addressKey(c.ClientIP()))
}

// allow counts a request from the client named by key, and sets the
// RateLimit headers. When the allowance is spent it records a 429 with
// Retry-After, aborts the request, and reports false.
func allow(c *gin.Context, limit RateLimiter, key string) bool {
	res := limit.Allow(c.Request.Context(), key)
	h := c.Writer.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(res.ResetAfter)))
	if res.Allowed {
		return true
	}
	// Never 0: a client told to retry after 0 s retries at once.
	wait := strconv.Itoa(max(1, ceilSeconds(res.RetryAfter)))
	h.Set("Retry-After", wait)
	_ = c.Error(&service.Error{Kind: service.TooManyRequests, Message: "too many requests; try again in " + wait + " s"})
	c.Abort()
	return false
}

// credential finds the bearer token in Authorization, else, when xAPIKey
// (API keys, not identity tokens), the X-API-Key header, which a proxy's
// own Authorization (Basic, say) does not hide. Without a usable one,
// problem says why and errCode is RFC 6750's: "invalid_request" when what
// is sent is malformed, else "".
func credential(r *http.Request, xAPIKey bool) (cred, errCode, problem string) {
	header := r.Header.Get("Authorization")
	token, isBearer := auth.Bearer(header)
	key, where := "", "send it in the Authorization header as Bearer"
	if xAPIKey {
		key, where = strings.TrimSpace(r.Header.Get("X-API-Key")), where+", or in the X-API-Key header"
	}
	switch {
	case isBearer && token == "":
		return "", "invalid_request", "the Authorization header holds no bearer credential"
	case isBearer && strings.ContainsAny(token, " \t"):
		return "", "invalid_request", "the bearer credential must not hold spaces"
	case isBearer:
		return token, "", ""
	case key != "":
		return key, "", ""
	case strings.TrimSpace(header) != "":
		return "", "", "the Authorization header must use the Bearer scheme: " + where
	}
	return "", "", "a credential is required: " + where
}

// addressKey names the client the rate limit counts by its address. An
// IPv6 client is given a whole /64 (a home, a phone) and may use any
// address in it, so the /64 is the client.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.WithZone("").Prefix(64) // fails only past 128 bits
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

func ceilSeconds(d time.Duration) int { return max(0, int(math.Ceil(d.Seconds()))) }
