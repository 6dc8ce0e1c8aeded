package main

import (
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
		OnShutdown:        ready.Drain,
	}
}
