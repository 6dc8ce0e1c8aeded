package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// readyCheckTimeout bounds each readiness check, so that a dependency that
// hangs makes the probe fail instead of hang.
const readyCheckTimeout = 2 * time.Second

// Readiness says whether the server should be sent traffic: not once
// shutdown has begun, nor while a check fails. The configuration needs no
// check: a server whose configuration did not load never starts.
type Readiness struct {
	draining atomic.Bool
	mu       sync.Mutex
	checks   []readyCheck
}

type readyCheck struct {
	name  string
	check func(context.Context) (string, error)
}

// NewReadiness returns a Readiness that is ready and has no checks.
func NewReadiness() *Readiness {
	return &Readiness{}
}

// AddCheck adds a dependency to the readiness probe. check gets a context
// that ends after a few seconds and returns the dependency's state, shown
// under name in the probe's answer ("ok", or a word such as "fallback"
// for a dependency the server can do without for a while), or an error
// when the server must not get traffic. The error goes to the log only,
// so it may name hosts but must hold no credential.
func (r *Readiness) AddCheck(name string, check func(context.Context) (string, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, readyCheck{name, check})
}

// Drain marks the server as shutting down: from now on it is not ready.
func (r *Readiness) Drain() {
	r.draining.Store(true)
}

// Draining reports whether Drain was called.
func (r *Readiness) Draining() bool {
	return r.draining.Load()
}

// healthHandlers answer the liveness and readiness probes.
type healthHandlers struct {
	ready   *Readiness
	log     *slog.Logger
	version string
}

// handleHealthz answers as long as the process serves HTTP at all.
func (h *healthHandlers) handleHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": h.version})
}

// handleReadyz answers 200 when the server should get traffic, else a 503
// problem naming what is not ready.
func (h *healthHandlers) handleReadyz(c *gin.Context) {
	if h.ready.Draining() {
		_ = c.Error(service.Errorf(service.Unavailable, "not ready: shutting down"))
		return
	}
	h.ready.mu.Lock()
	checks := h.ready.checks
	h.ready.mu.Unlock()

	results := gin.H{"config": "ok"}
	for _, rc := range checks {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyCheckTimeout)
		state, err := rc.check(ctx)
		cancel()
		if err != nil {
			// INFO: a probe asks every few seconds, and the state is
			// already reported where it changes (at start, by the check).
			h.log.InfoContext(c.Request.Context(), "not ready", "check", rc.name, "error", err.Error())
			_ = c.Error(service.Errorf(service.Unavailable, "not ready: %s failed", rc.name))
			return
		}
		results[rc.name] = state
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": results})
}
