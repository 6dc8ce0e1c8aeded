// Package api is the HTTP face of the token server: the Gin router, its
// handlers and their request types. Every route is listed in routes().
package api

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// tokenIssuer is what the handlers need of the service layer.
type tokenIssuer interface {
	Lifetime(field string, seconds *uint64) (uint32, error)
	ParseLifetime(field, raw string) (uint32, error)
	RTCToken(r service.RTC, expire uint32) (service.Token, error)
	RTMToken(userID string, expire uint32) (service.Token, error)
	ChatToken(userID string, expire uint32) (service.Token, error)
	Bundle(b service.Bundle) (service.Token, error)
}

var _ tokenIssuer = (*service.Tokens)(nil)

// Config is what the router needs to be built.
type Config struct {
	Tokens      tokenIssuer
	CORSOrigins []string
	Logger      *slog.Logger
}

type handlers struct {
	tokens tokenIssuer
}

// New builds the router with its middleware and every route.
func New(cfg Config) *gin.Engine {
	registerValidators()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	r := gin.New()
	// Both spellings of every route are registered below, so that no
	// client is redirected: a 301 breaks CORS preflights and some mobile
	// HTTP stacks.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.Use(
		middleware.Recovery(log),
		middleware.Errors(log),
		middleware.NoCache(),
		middleware.CORS(cfg.CORSOrigins),
	)
	r.NoRoute(func(c *gin.Context) {
		_ = c.Error(&middleware.HTTPError{Status: http.StatusNotFound, Detail: "no route " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		_ = c.Error(&middleware.HTTPError{Status: http.StatusMethodNotAllowed, Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})

	routes(r, &handlers{tokens: cfg.Tokens})
	return r
}

// routes lists every route the server answers.
func routes(r *gin.Engine, h *handlers) {
	both(r, http.MethodGet, "/ping", handlePing)

	community := r.Group("", middleware.UseDialect(middleware.CommunityDialect))
	both(community, http.MethodGet, "/rtc/:channelName/:role/:tokenType/:uid", h.handleRTC)
	both(community, http.MethodGet, "/rtm/:uid", h.handleRTM)
	both(community, http.MethodGet, "/rte/:channelName/:role/:tokenType/:uid", h.handleRTE)
	both(community, http.MethodGet, "/rte/:channelName/:role/:tokenType/:uid/:rtmUid", h.handleRTE)
	both(community, http.MethodGet, "/chat/app", h.handleChat)
	both(community, http.MethodGet, "/chat/account/:uid", h.handleChat)
	both(community, http.MethodPost, "/getToken", h.handleGetToken)

	reference := r.Group("", middleware.UseDialect(middleware.ReferenceDialect))
	both(reference, http.MethodPost, "/token/generate", h.handleGenerate)
}

// both registers path with and without a trailing slash.
func both(r gin.IRoutes, method, path string, h gin.HandlerFunc) {
	r.Handle(method, path, h)
	r.Handle(method, path+"/", h)
}

func handlePing(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"message": "pong"})
}

// bindPathAndQuery fills req from the path, then q, the part of req the
// query string sets. The path goes first: its rules are the required
// ones, and the query's are all optional, so the first pass cannot fail
// on a field not yet bound. Only q sees the query: Gin falls back to the
// Go field name for a field without a form tag, so binding the query into
// all of req would let "?UID=2" replace the uid of the path. It also
// spares checking every rule of req a second time.
func bindPathAndQuery(c *gin.Context, req any, q *expiryQuery) error {
	if err := c.ShouldBindUri(req); err != nil {
		return err
	}
	return c.ShouldBindQuery(q)
}
