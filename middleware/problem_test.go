package middleware

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// Every kind of error reaches the client with its own status, picked by
// the one table; only an internal failure hides its message.
func TestEveryKindHasItsStatus(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	tests := []struct {
		kind       service.Kind
		wantStatus int
		wantDetail string
	}{
		{service.Internal, http.StatusInternalServerError, internalDetail},
		{service.Invalid, http.StatusBadRequest, "the message"},
		{service.Unauthorized, http.StatusUnauthorized, "the message"},
		{service.Forbidden, http.StatusForbidden, "the message"},
		{service.TooManyRequests, http.StatusTooManyRequests, "the message"},
		{service.NotFound, http.StatusNotFound, "the message"},
		{service.MethodNotAllowed, http.StatusMethodNotAllowed, "the message"},
		{service.TooLarge, http.StatusRequestEntityTooLarge, "the message"},
		{service.UnsupportedMediaType, http.StatusUnsupportedMediaType, "the message"},
		{service.Unavailable, http.StatusServiceUnavailable, "the message"},
		{service.RequestTimeout, http.StatusRequestTimeout, "the message"},
		{service.Kind(-1), http.StatusInternalServerError, internalDetail},
	}
	if len(statusOf) != len(tests)-1 {
		t.Errorf("the table maps %d kinds and the test covers %d: cover the new kinds", len(statusOf), len(tests)-1)
	}
	for _, tt := range tests {
		r := gin.New()
		r.Use(Errors(slog.New(slog.DiscardHandler), nil, func(string) Dialect { return Standard }))
		r.GET("/", func(c *gin.Context) { _ = c.Error(service.Errorf(tt.kind, "the message")) })
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		var p Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("kind %d: body %q: %v", tt.kind, w.Body, err)
		}
		if w.Code != tt.wantStatus || p.Status != tt.wantStatus || p.Detail != tt.wantDetail {
			t.Errorf("kind %d = %d %d %q, want %d %q", tt.kind, w.Code, p.Status, p.Detail, tt.wantStatus, tt.wantDetail)
		}
	}
}

// Errors that are not the server's own become 500s that say nothing of
// their cause.
func TestForeignErrorsAreInternal(t *testing.T) {
	p := problemFor(errors.New("dial tcp 10.0.0.7:6379: secret host"), nil)
	if p.Status != http.StatusInternalServerError || p.Detail != internalDetail || p.Errors != nil {
		t.Errorf("problem = %+v", p)
	}
}
