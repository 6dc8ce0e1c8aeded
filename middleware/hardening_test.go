package middleware

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"
)

// A handler that changes a fixed header changes its own response only.
func TestFixedHeadersStayFixed(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(SecurityHeaders(), NoCache())
	r.GET("/changes", func(c *gin.Context) {
		h := c.Writer.Header()
		h.Add("Cache-Control", "immutable")
		h.Set("Pragma", "other")
		h.Del("X-Content-Type-Options")
		h["Referrer-Policy"] = append(h["Referrer-Policy"], "origin")
		c.Status(http.StatusNoContent)
	})
	r.GET("/plain", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	want := http.Header{
		"X-Content-Type-Options": {"nosniff"},
		"Referrer-Policy":        {"no-referrer"},
		"Cache-Control":          {"private, no-cache, no-store, must-revalidate"},
		"Pragma":                 nil,
	}
	for _, path := range []string{"/plain", "/changes", "/plain", "/changes", "/plain"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if path != "/plain" {
			continue
		}
		for k, v := range want {
			if got := w.Header()[k]; !slices.Equal(got, v) {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
}
