// Package metrics counts what an operator watches on a dashboard and
// exposes it in Prometheus's text format. Everything lives on a registry
// of its own, so that two servers in one process (as in tests) never
// share counts.
package metrics

import (
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the server's set of metrics. Its methods are safe for
// concurrent use. Every label takes values from a small fixed set (a
// route pattern, a method, a status, a token kind): never a raw path, a
// user or a channel, which would grow without bound.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	inFlight     prometheus.Gauge
	latency      *prometheus.HistogramVec
	tokens       *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	jwksFailures prometheus.Counter

	// series holds the request counter and latency histogram of each
	// method, route and status seen, so that a request costs one map
	// lookup instead of two hashings of its labels and the text of its
	// status (BenchmarkObserveRequest). The routes and methods are a
	// fixed set, so it stays small.
	mu     sync.RWMutex
	series map[seriesKey]requestSeries
}

type seriesKey struct {
	method, route string
	status        int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New returns Metrics on a fresh registry, with the Go runtime and process
// collectors, and go_build_info naming release: the version the server
// reports at /healthz.
func New(release string) *Metrics {
	m := &Metrics{
		series: map[seriesKey]requestSeries{},
		reg:    prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "token_server_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "token_server_http_requests_in_flight",
			Help: "Requests being served now.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "token_server_http_request_duration_seconds",
			Help: "Time from a request's arrival to its response, by method and route pattern.",
			// Minting takes tens of microseconds; the upper buckets catch
			// slow clients and a saturated machine.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "token_server_tokens_issued_total",
			Help: "Tokens issued, by kind (the services a token carries, such as rtc or rtc+rtm) and format version.",
		}, []string{"kind", "version"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "token_server_auth_failures_total",
			Help: "Token requests refused because the caller was not identified (unauthenticated) or not allowed what it asked for (forbidden, policy), by route pattern and reason.",
		}, []string{"route", "reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "token_server_rate_limited_requests_total",
			Help: "Requests refused because the caller spent its rate limit, by route pattern.",
		}, []string{"route"}),
		jwksFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "token_server_jwks_fetch_failures_total",
			Help: "Fetches of the identity provider's keys (JWT_JWKS_URL) that brought no key that can verify: the provider failed, or answered with no usable key. The keys fetched before stay in force.",
		}),
	}
	m.reg.MustRegister(
		m.requests, m.inFlight, m.latency, m.tokens, m.authFailures, m.rateLimited, m.jwksFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(release),
	)
	return m
}

// buildInfo is go_build_info, with the labels of client_golang's
// collector of that name, whose version is the main module's as the Go
// toolchain recorded it: "(devel)" for a binary whose release was stamped
// at link time (the Dockerfile's VERSION, Heroku's GO_LINKER_SYMBOL), so
// that the metric and /healthz disagreed. Here version is the release.
func buildInfo(release string) prometheus.Gauge {
	path, sum := "unknown", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		path, sum = info.Main.Path, info.Main.Sum
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "go_build_info",
		Help:        "Build information about the main Go module: version is the release /healthz reports.",
		ConstLabels: prometheus.Labels{"path": path, "version": release, "checksum": sum},
	})
	g.Set(1)
	return g
}

// Handler serves every metric in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// RequestStarted counts a request in flight until RequestFinished.
func (m *Metrics) RequestStarted() { m.inFlight.Inc() }

// RequestFinished ends what RequestStarted began.
func (m *Metrics) RequestFinished() { m.inFlight.Dec() }

// ObserveRequest counts one answered request and its latency. route is
// the pattern the request matched, such as "/rtm/:uid".
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	// A client can send any token as a method: the label keeps to the
	// methods HTTP defines.
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
	default:
		method = "OTHER"
	}
	key := seriesKey{method, route, status}
	m.mu.RLock()
	s, ok := m.series[key]
	m.mu.RUnlock()
	if !ok {
		s = requestSeries{
			count:   m.requests.WithLabelValues(method, route, strconv.Itoa(status)),
			latency: m.latency.WithLabelValues(method, route),
		}
		m.mu.Lock()
		m.series[key] = s
		m.mu.Unlock()
	}
	s.count.Inc()
	s.latency.Observe(elapsed.Seconds())
}

// TokenIssued counts one token of kind and version, the labels the Help
// of token_server_tokens_issued_total describes.
func (m *Metrics) TokenIssued(kind, version string) {
	m.tokens.WithLabelValues(kind, version).Inc()
}

// AuthFailure counts one request to route refused for reason, one of
// those the Help of token_server_auth_failures_total names.
func (m *Metrics) AuthFailure(route, reason string) {
	m.authFailures.WithLabelValues(route, reason).Inc()
}

// RateLimited counts one request to route refused by a rate limit.
func (m *Metrics) RateLimited(route string) {
	m.rateLimited.WithLabelValues(route).Inc()
}

// JWKSFetchFailed counts one fetch of the identity provider's keys that
// brought none that can verify.
func (m *Metrics) JWKSFetchFailed() { m.jwksFailures.Inc() }

// WatchRateLimitStore adds a gauge that reads up at every scrape. Call it
// once, and only when a store (Redis) shares rate limits between replicas.
func (m *Metrics) WatchRateLimitStore(up func() bool) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "token_server_rate_limit_store_up",
		Help: "1 while the Redis that shares rate limits accepts the limiter's writes; 0 while it does not answer or refuses writes, and this replica falls back to limiting on its own.",
	}, func() float64 {
		if up() {
			return 1
		}
		return 0
	}))
}
