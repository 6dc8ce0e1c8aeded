package middleware_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// A proxy on a private address whose X-Forwarded-For is not believed is
// logged once, however many requests come through it; a believed proxy,
// a public peer or a request without the header is not.
func TestSharedBucketNotice(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		peer    string
		xff     string
		want    int
	}{
		{"untrusted private proxy", nil, "10.1.2.3:5000", "203.0.113.7", 1},
		{"untrusted loopback proxy", nil, "127.0.0.1:5000", "203.0.113.7", 1},
		{"trusted proxy", []string{"10.0.0.0/8"}, "10.1.2.3:5000", "203.0.113.7", 0},
		{"public peer", nil, "198.51.100.9:5000", "203.0.113.7", 0},
		{"no header", nil, "10.1.2.3:5000", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gin.SetMode(gin.ReleaseMode)
			var logs bytes.Buffer
			r := gin.New()
			r.RemoteIPHeaders = []string{"X-Forwarded-For"}
			if err := r.SetTrustedProxies(tt.trusted); err != nil {
				t.Fatal(err)
			}
			r.Use(middleware.SharedBucketNotice(slog.New(slog.NewTextHandler(&logs, nil))))
			r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, c.ClientIP()) })
			for range 3 {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.RemoteAddr = tt.peer
				if tt.xff != "" {
					req.Header.Set("X-Forwarded-For", tt.xff)
				}
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
			}
			got := strings.Count(logs.String(), "TRUSTED_PROXIES")
			if got != tt.want {
				t.Errorf("%d notices, want %d; log %q", got, tt.want, logs.String())
			}
			if tt.want > 0 && !strings.Contains(logs.String(), "proxy="+strings.Split(tt.peer, ":")[0]) {
				t.Errorf("the notice does not name the proxy: %q", logs.String())
			}
		})
	}
}
