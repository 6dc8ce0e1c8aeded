package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/seed6ab08d10/agora-token-server/api"
	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
)

// keyFilePoll is how often API_KEYS_FILE is checked for changes.
const keyFilePoll = 2 * time.Second

// security is what decides who may ask for tokens, and how often.
type security struct {
	authn   middleware.Authenticator // nil: AUTH_MODE=none
	limiter middleware.RateLimiter   // nil: no RATE_LIMIT
	proxies []string
	close   func()
	// jwks verifies identity tokens with the identity provider's keys,
	// and says whether they have loaded; nil without JWT_JWKS_URL.
	jwks *auth.JWT
}

// newSecurity builds the authenticator and the rate limiter
// cfg asks for. Background work (reloading API keys, refreshing the
// identity provider's keys) stops when ctx is done; close releases the
// rest. m counts the failed fetches of the identity provider's keys.
func newSecurity(ctx context.Context, cfg config.Security, m *metrics.Metrics, log *slog.Logger) (*security, error) {
	s := &security{
		proxies: cfg.TrustedProxies,
		close:   func() {},
	}

	switch cfg.AuthMode {
	case config.AuthAPIKey:
		keys, err := auth.NewKeys(cfg.APIKeys, cfg.APIKeysFile, log)
		if err != nil {
			return nil, err
		}
		go keys.Watch(ctx, keyFilePoll)
		s.authn = keys
	case config.AuthJWT:
		verifier, err := auth.NewJWT(ctx, auth.JWTOptions{
			Secret:        []byte(cfg.JWTSecret),
			JWKSURL:       cfg.JWTJWKSURL,
			Issuer:        cfg.JWTIssuer,
			Audience:      cfg.JWTAudience,
			UIDClaim:      cfg.JWTUIDClaim,
			ChannelsClaim: cfg.JWTChannelsClaim,
			RoleClaim:     cfg.JWTRoleClaim,
			Log:           log,
			FetchFailed:   m.JWKSFetchFailed,
		})
		if err != nil {
			return nil, err
		}
		s.authn = verifier
		if cfg.JWTJWKSURL != "" {
			s.jwks = verifier
		}
	}

	if cfg.RateCount > 0 {
		rate := ratelimit.Rate{Count: cfg.RateCount, Period: cfg.RatePeriod, Burst: cfg.RateBurst}
		local := ratelimit.NewMemory(rate, ratelimit.MemoryOptions{})
		s.limiter = local
		if cfg.RedisURL != "" {
			shared, err := ratelimit.NewShared(cfg.RedisURL, rate, local, ratelimit.SharedOptions{
				Log: log, RootCAs: cfg.RedisCAs, SkipVerify: cfg.RedisTLSSkipVerify,
			})
			if err != nil {
				return nil, err
			}
			s.limiter = shared
			s.close = func() { _ = shared.Close() }
		}
	}
	return s, nil
}

// apply adds the authenticator and limiter to c.
func (s *security) apply(c api.Config) api.Config {
	c.Auth = s.authn
	c.Limiter = s.limiter
	c.TrustedProxies = s.proxies
	return c
}
