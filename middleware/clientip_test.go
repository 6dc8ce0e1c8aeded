package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// ClientIP gives the address Gin's own Context.ClientIP gives on a router
// with the same trusted proxies, whatever the peer's address looks like
// and whatever X-Forwarded-For says.
func TestClientIPIsGinsClientIP(t *testing.T) {
	peers := []string{
		"192.0.2.1:5000", "127.0.0.1:1", "10.1.2.3:65535", "0.0.0.0:80", "255.255.255.255:80",
		"[::1]:5000", "[2001:db8::1]:80", "[2001:0db8:0:0::1]:80", "[::ffff:192.0.2.1]:80",
		"[fe80::1%eth0]:80", "192.0.2.01:80", " 192.0.2.1:80", "192.0.2.1 :80",
		"192.0.2.1", "192.0.2.1:", ":80", "", "example.com:80", "[192.0.2.1]:80", "1.2.3:80",
	}
	tests := []struct {
		name    string
		trusted []string
	}{
		{"no proxy trusted", nil},
		{"proxies trusted", []string{"10.0.0.0/8", "127.0.0.1", "::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gin.SetMode(gin.ReleaseMode)
			r := gin.New()
			r.RemoteIPHeaders = []string{"X-Forwarded-For"}
			if err := r.SetTrustedProxies(tt.trusted); err != nil {
				t.Fatal(err)
			}
			clientIP := middleware.ClientIP(tt.trusted != nil)
			var got, want string
			r.GET("/", func(c *gin.Context) { got, want = clientIP(c), c.ClientIP() })
			for _, peer := range peers {
				for _, xff := range []string{"", "203.0.113.7", "203.0.113.7, 10.9.9.9"} {
					req := httptest.NewRequest(http.MethodGet, "/", nil)
					req.RemoteAddr = peer
					if xff != "" {
						req.Header.Set("X-Forwarded-For", xff)
					}
					got, want = "unset", "unset"
					r.ServeHTTP(httptest.NewRecorder(), req)
					if got != want {
						t.Errorf("peer %q, X-Forwarded-For %q: %q, Gin's ClientIP gives %q", peer, xff, got, want)
					}
				}
			}
			// The cases above reach both answers: a trusted proxy's
			// header is believed, an untrusted one's is not.
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr, got = "10.1.2.3:5000", ""
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			r.ServeHTTP(httptest.NewRecorder(), req)
			if wantIP := map[bool]string{true: "203.0.113.7", false: "10.1.2.3"}[tt.trusted != nil]; got != wantIP {
				t.Errorf("a request from 10.1.2.3 forwarded for 203.0.113.7: %q, want %q", got, wantIP)
			}
		})
	}
}
