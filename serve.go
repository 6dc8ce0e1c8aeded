package main

import (
	"context"

	"github.com/seed6ab08d10/agora-token-server/api"
	"github.com/seed6ab08d10/agora-token-server/config"
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

// addReadyChecks puts the server's dependencies in its readiness probe.
// A shared rate limit whose Redis is down falls back to counting in each
// server, so the server stays ready; the probe says "fallback".
func addReadyChecks(ready *api.Readiness, sec *security) {
	shared, ok := sec.limiter.(interface{ Degraded() bool })
	if !ok {
		return
	}
	ready.AddCheck("redis", func(context.Context) (string, error) {
		if shared.Degraded() {
			return "fallback", nil
		}
		return "ok", nil
	})
}
