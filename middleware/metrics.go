package middleware

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// RequestObserver is what Metrics reports each request to.
type RequestObserver interface {
	RequestStarted()
	RequestFinished()
	ObserveRequest(method, route string, status int, elapsed time.Duration)
	AuthFailure(route string)
	RateLimited(route string)
}

// Metrics reports every request to obs by route pattern, never by raw
// path. A request refused with a service error of kind Unauthorized or
// Forbidden (or an HTTPError 401) counts as an auth failure, and one of
// kind TooManyRequests (or an HTTPError 429) as rate limited: layers that
// refuse requests report through c.Error as usual and are counted.
func Metrics(obs RequestObserver) gin.HandlerFunc {
	return func(c *gin.Context) {
		obs.RequestStarted()
		defer obs.RequestFinished()
		start := time.Now()
		c.Next()
		route := routeOf(c)
		obs.ObserveRequest(c.Request.Method, route, c.Writer.Status(), time.Since(start))
		switch refusalOf(c) {
		case refusedAuth:
			obs.AuthFailure(route)
		case refusedRate:
			obs.RateLimited(route)
		}
	}
}

type refusal int

const (
	notRefused refusal = iota
	refusedAuth
	refusedRate
)

func refusalOf(c *gin.Context) refusal {
	if len(c.Errors) == 0 {
		return notRefused
	}
	var (
		svcErr  *service.Error
		httpErr *HTTPError
	)
	err := c.Errors.Last().Err
	switch {
	case errors.As(err, &svcErr):
		switch svcErr.Kind {
		case service.Unauthorized, service.Forbidden:
			return refusedAuth
		case service.TooManyRequests:
			return refusedRate
		}
	case errors.As(err, &httpErr):
		switch httpErr.Status {
		case http.StatusUnauthorized:
			return refusedAuth
		case http.StatusTooManyRequests:
			return refusedRate
		}
	}
	return notRefused
}
