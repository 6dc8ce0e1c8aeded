package main

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/seed6ab08d10/agora-token-server/api"
	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
)

// serverConfig carries the configured limits to the HTTP server, and has
// it turn readiness off as soon as shutdown begins.
func serverConfig(cfg config.Config, ready *api.Readiness) api.ServerConfig {
	return api.ServerConfig{
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		ShutdownDelay:     cfg.ShutdownDelay,
		OnShutdown:        ready.Drain,
	}
}

// watchDependencies checks the server's dependencies in the background
// until ctx is done, and reports them in the readiness probe and the
// metrics.
//
// A shared rate limit whose Redis is down falls back to counting in each
// server, so the server stays ready; the probe says "fallback" and the
// gauge token_server_rate_limit_store_up drops to 0. Identity tokens
// cannot be checked before a key of the provider that can verify them has
// loaded: until then every one would get 401, so the server is not ready.
func watchDependencies(ctx context.Context, ready *api.Readiness, m *metrics.Metrics, sec *security, log *slog.Logger) {
	if sec.jwks != nil {
		if !sec.jwks.Ready() {
			log.Warn("identity provider's keys (JWT_JWKS_URL) did not load: every identity token is refused, and /readyz says not ready, until they do")
		}
		ready.AddCheck("jwks", func(context.Context) (string, error) {
			if !sec.jwks.Ready() {
				return "", errors.New("no key of the identity provider (JWT_JWKS_URL) that can verify a signature has loaded yet")
			}
			return "ok", nil
		})
	}

	shared, ok := sec.limiter.(*ratelimit.Shared)
	if !ok {
		return
	}
	shared.Check(ctx)
	go shared.Watch(ctx)
	m.WatchRateLimitStore(func() bool { return !shared.Degraded() })
	ready.AddCheck("redis", func(context.Context) (string, error) {
		if shared.Degraded() {
			return "fallback", nil
		}
		return "ok", nil
	})
}

// localURL is the base URL a client on this machine reaches addr by:
// localhost when the server listens on every interface.
func localURL(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
