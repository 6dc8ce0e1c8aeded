package middleware

import (
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// SharedBucketNotice logs, once in the process's life, that a request
// came through a proxy on a private address whose X-Forwarded-For is not
// believed. The rate limit then counts every client behind that proxy as
// the proxy's one address, so that they all share one allowance: the
// usual sign that TRUSTED_PROXIES does not name the proxies in front of
// the server (such as the Kubernetes manifest's placeholder range on a
// cluster whose ingress runs elsewhere). Use it only with a rate limit.
// After the first notice each request costs one atomic load.
func SharedBucketNotice(log *slog.Logger) gin.HandlerFunc {
	var told atomic.Bool
	return func(c *gin.Context) {
		if told.Load() || c.Request.Header.Get("X-Forwarded-For") == "" {
			return
		}
		peer := c.RemoteIP()
		ip := net.ParseIP(peer)
		// A believed header gives a client address other than the peer's.
		if ip == nil || !(ip.IsPrivate() || ip.IsLoopback()) || c.ClientIP() != peer {
			return
		}
		if told.CompareAndSwap(false, true) {
			log.Warn("requests come through a proxy whose X-Forwarded-For is not trusted: every client behind it shares one rate-limit allowance; add the proxy's address or range to TRUSTED_PROXIES (logged once)", "proxy", peer)
		}
	}
}
