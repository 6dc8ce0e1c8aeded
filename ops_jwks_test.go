package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A server in JWKS mode is not ready until the identity provider's keys
// have loaded once: before that it would refuse every identity token.
func TestReadyzWaitsForTheIdentityProvidersKeys(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || X || Y
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
		"x": base64.RawURLEncoding.EncodeToString(point[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(point[33:]),
	}}})

	var up atomic.Bool
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	defer provider.Close()

	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"sub": "42", "iss": "https://id.example", "aud": "token-server", "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "k1"
	idToken, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": provider.URL + "/jwks.json",
		"JWT_ISSUER": "https://id.example", "JWT_AUDIENCE": "token-server", "LOG_FORMAT": "json"}
	bearer := map[string]string{"Authorization": "Bearer " + idToken}

	tests := []struct {
		name       string
		upAtStart  bool
		wantStatus int
		wantWarn   bool
	}{
		{"keys load at start", true, http.StatusOK, false},
		{"provider down at start", false, http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up.Store(tt.upAtStart)
			s := startGuardedServer(t, env)
			r := s.send(t, "GET", "/readyz", "", nil)
			if r.status != tt.wantStatus {
				t.Fatalf("/readyz = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			warned := strings.Contains(s.logged(), "identity provider's keys (JWT_JWKS_URL) did not load")
			if warned != tt.wantWarn {
				t.Errorf("warned at start = %t, want %t:\n%s", warned, tt.wantWarn, s.logged())
			}
			if tt.upAtStart {
				if !strings.Contains(r.body, `"jwks":"ok"`) {
					t.Errorf("/readyz = %s, want the jwks check ok", r.body)
				}
			} else {
				if !strings.Contains(r.body, "not ready: jwks failed") {
					t.Errorf("/readyz = %s, want it to name the jwks check", r.body)
				}
				// The provider returns. The server asks it again by itself,
				// 2 s after the failed fetch at start: it becomes ready
				// with no token sent, long before the hourly refresh.
				up.Store(true)
				deadline := time.Now().Add(10 * time.Second)
				for {
					r := s.send(t, "GET", "/readyz", "", nil)
					if r.status == http.StatusOK {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("/readyz = %d %s 10 s after the provider came back, want 200", r.status, r.body)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			if r := s.send(t, "GET", "/rtm/42", "", bearer); r.status != http.StatusOK {
				t.Fatalf("token request with the keys loaded = %d %s, want 200", r.status, r.body)
			}
			if r := s.send(t, "GET", "/readyz", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"jwks":"ok"`) {
				t.Errorf("/readyz once the keys loaded = %d %s, want 200 with jwks ok", r.status, r.body)
			}
		})
	}
}
