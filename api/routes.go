// Package api is the HTTP face of the token server: the Gin router, its
// handlers and their request types. Every route is listed in routes().
package api

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// tokenIssuer is what the handlers need of the service layer.
type tokenIssuer interface {
	Issue(ctx context.Context, bundles ...service.Bundle) ([]service.Token, error)
	Values(ctx context.Context, bundles ...service.Bundle) ([]string, error)
	Inspect(token string, who service.Subject) (service.Inspection, error)
	Check(token string, in service.Intent) (service.Diagnosis, error)
}

var _ tokenIssuer = (*service.Tokens)(nil)

// Config is what the router needs to be built.
type Config struct {
	Tokens      tokenIssuer
	CORSOrigins []string
	Logger      *slog.Logger
	// Metrics counts requests and serves /metrics; nil gives a private set.
	Metrics *metrics.Metrics
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// Ready answers /readyz; nil gives one that is ready until drained.
	Ready *Readiness
	// Version is the release /healthz and / report (cli.Release).
	Version string
	// DevCredentials is true when --dev made up the App ID and
	// certificate; the landing page says so.
	DevCredentials bool
	// Auth checks the credential of every token request; nil lets
	// everyone in (AUTH_MODE=none).
	Auth middleware.Authenticator
	// Limiter applies the rate limit to token requests; nil sets none.
	Limiter middleware.RateLimiter
	// TrustedProxies lists the addresses whose X-Forwarded-For is
	// believed; nil believes nobody's.
	TrustedProxies []string
}

type handlers struct {
	tokens tokenIssuer
	// guard authenticates and rate-limits the token routes.
	guard   gin.HandlerFunc
	health  *healthHandlers
	metrics gin.HandlerFunc
	landing *landingPage
	check   *checkPage
}

// New builds the router with its middleware and every route.
func New(cfg Config) *gin.Engine {
	// Gin's debug mode prints every route to standard output, past the
	// server's logger.
	gin.SetMode(gin.ReleaseMode)
	registerValidators()
	log := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	m := cfg.Metrics
	if m == nil {
		m = metrics.New(cfg.Version) // built only when needed: it is a whole registry
	}
	ready := cmp.Or(cfg.Ready, NewReadiness())

	r := gin.New()
	// Both spellings of every route are registered below, so that no
	// client is redirected: a 301 breaks CORS preflights and some mobile
	// HTTP stacks.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	// Routes match the path as sent, and the values are unescaped after:
	// an encoded slash (%2F) stays inside its segment, where the rules of
	// channels and users refuse it, instead of splitting the segment.
	r.UseRawPath = true
	r.UnescapePathValues = true
	r.HandleMethodNotAllowed = true
	// Only X-Forwarded-For: the platforms' routers append the client's
	// address to it, while X-Real-IP would pass through from the client.
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	proxiesTrusted := len(cfg.TrustedProxies) > 0
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		log.Error("TRUSTED_PROXIES not applied; trusting no proxy", "error", err.Error())
		_ = r.SetTrustedProxies(nil)
		proxiesTrusted = false
	}
	// The order matters. The request ID and Observe come first, so that
	// every answer, a recovered panic's 500 included, is logged and
	// counted with its ID; Recovery sits just inside them, since a panic
	// unwinding past them would go unlogged. Recovery and Errors write
	// every error in the dialect of its path. The headers every answer
	// carries are set next, CORS's among them: an error must reach a
	// browser's script as readable as a token does, the 413 that
	// BodyLimit, last, answers included.
	r.Use(
		middleware.RequestID(),
		middleware.Observe(log, m, middleware.ClientIP(proxiesTrusted)),
		middleware.SecurityHeaders(),
		middleware.Recovery(log, dialectOf),
		middleware.Errors(log, ruleWords, dialectOf),
		middleware.NoCache(),
		middleware.CORS(cfg.CORSOrigins, "X-API-Key"),
		middleware.BodyLimit(middleware.MaxBodyBytes),
	)
	if cfg.Limiter != nil {
		r.Use(middleware.SharedBucketNotice(log))
	}
	r.NoRoute(func(c *gin.Context) {
		_ = c.Error(service.Errorf(service.NotFound, "no route %s", c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		_ = c.Error(service.Errorf(service.MethodNotAllowed, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})

	routes(r, &handlers{
		tokens:  cfg.Tokens,
		guard:   middleware.Guard(cfg.Auth, cfg.Limiter, m),
		health:  &healthHandlers{ready: ready, log: log, version: cfg.Version},
		metrics: metricsHandler(m, cfg.MetricsToken, cfg.Limiter),
		landing: newLandingPage(cfg.Version, cfg.DevCredentials),
		check:   newCheckPage(landingName),
	})
	return r
}

// routes lists every route the server answers.
func routes(r *gin.Engine, h *handlers) {
	handle(r, http.MethodGet, "/", h.landing.handle)
	withSlash(r, http.MethodGet, "/check", h.check.handle)
	withSlash(r, http.MethodGet, "/ping", func(c *gin.Context) {
		c.Writer.Header()["Content-Type"] = jsonContentType
		c.Status(http.StatusOK)
		_, _ = c.Writer.Write(pong)
	})
	withSlash(r, http.MethodGet, "/healthz", h.health.handleHealthz)
	withSlash(r, http.MethodGet, "/readyz", h.health.handleReadyz)
	withSlash(r, http.MethodGet, "/metrics", h.metrics)

	community := r.Group("", h.guard)
	withSlash(community, http.MethodGet, "/rtc/:channelName/:role/:tokenType", respond(h.handleRTC)) // empty uid: any uid
	withSlash(community, http.MethodGet, "/rtc/:channelName/:role/:tokenType/:uid", respond(h.handleRTC))
	withSlash(community, http.MethodGet, "/rtm/:uid", respond(h.handleRTM))
	withSlash(community, http.MethodGet, "/rte/:channelName/:role/:tokenType/:uid", respond(h.handleRTE))
	withSlash(community, http.MethodGet, "/rte/:channelName/:role/:tokenType/:uid/:rtmUid", respond(h.handleRTE))
	withSlash(community, http.MethodGet, "/chat/app", respond(h.handleChatApp))
	withSlash(community, http.MethodGet, "/chat/account/:uid", respond(h.handleChatUser))
	withSlash(community, http.MethodPost, "/getToken", respond(h.handleGetToken))

	reference := r.Group("", h.guard)
	withSlash(reference, http.MethodPost, "/token/generate", respond(h.handleGenerate))

	v1 := r.Group("/v1", h.guard)
	withSlash(v1, http.MethodPost, "/tokens/rtc", respond(v1Route(h, v1RTCRequest.bundle)))
	withSlash(v1, http.MethodPost, "/tokens/rtm", respond(v1Route(h, v1RTMRequest.bundle)))
	withSlash(v1, http.MethodPost, "/tokens/fpa", respond(v1Route(h, v1FPARequest.bundle)))
	withSlash(v1, http.MethodPost, "/tokens/chat", respond(v1Route(h, v1ChatRequest.bundle)))
	withSlash(v1, http.MethodPost, "/tokens/apaas", respond(v1Route(h, v1APaaSRequest.bundle)))
	withSlash(v1, http.MethodPost, "/tokens/convoai", respond(v1Route(h, v1AgentRequest.convoAI)))
	withSlash(v1, http.MethodPost, "/tokens/stt", respond(v1Route(h, v1AgentRequest.stt)))
	withSlash(v1, http.MethodPost, "/tokens/inspect", respond(h.handleV1Inspect))
	withSlash(v1, http.MethodPost, "/tokens/check", respond(h.handleV1Check))

	docsRoutes(r)
}

// pong is the answer of /ping, which uptime monitors and load balancers
// ask for every few seconds: it never changes, so it is encoded once
// instead of by encoding/json on every request.
var pong = []byte(`{"message":"pong"}`)

// jsonContentType is the Content-Type of a JSON answer, as c.JSON sets
// it. The header takes this slice itself, which nothing appends to.
var jsonContentType = []string{"application/json; charset=utf-8"}

// dialectOf names the dialect of the errors on path: the community
// servers' clients read "error", and those of Agora's reference server
// "code" and "message", whatever went wrong, even on a path or method
// that does not exist under their prefix.
func dialectOf(path string) middleware.Dialect {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case "rtc", "rtm", "rte", "chat", "getToken":
		return middleware.CommunityDialect
	case "token":
		return middleware.ReferenceDialect
	}
	return middleware.Standard
}

// withSlash registers path both without and with a trailing slash.
func withSlash(r gin.IRoutes, method, path string, h gin.HandlerFunc) {
	handle(r, method, path, h)
	handle(r, method, path+"/", h)
}

// handle registers one route, and for GET the HEAD that HTTP expects
// wherever GET works: uptime monitors and load balancers probe with it.
// HEAD runs the whole handler, and the server leaves the body out.
func handle(r gin.IRoutes, method, path string, h gin.HandlerFunc) {
	r.Handle(method, path, h)
	if method == http.MethodGet {
		r.Handle(http.MethodHead, path, h)
	}
}

// A pathRequest is a request whose fields come from the path, and from
// the query string into its expiryQuery.
type pathRequest interface {
	fromPath(param func(string) string)
	fromQuery(r *http.Request) error
}

// bindPathAndQuery fills req from the path and the query string, then
// checks every rule of req once. It sets each field by name instead of
// through Gin's ShouldBindUri and ShouldBindQuery, which walk the struct
// by reflection on every request and cost more than signing the token
// (BenchmarkRequest). Only the expiryQuery sees the query: "?uid=2" cannot
// replace the uid of the path.
func bindPathAndQuery(c *gin.Context, req pathRequest) error {
	req.fromPath(c.Param)
	if err := req.fromQuery(c.Request); err != nil {
		return err
	}
	return binding.Validator.ValidateStruct(req)
}
