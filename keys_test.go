package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A key file saved by an editor on Windows (a byte-order mark, CRLF or
// CR line ends) holds the keys it shows. A file rewritten with a line
// that cannot be a key (binary garbage) is refused whole: the keys in
// force stay, and the log says which line is at fault without showing it.
func TestKeyFileAsEditorsSaveIt(t *testing.T) {
	const keyA, keyB, keyC = "first-api-key-0123456789", "second-api-key-0123456789", "third-api-key-0123456789"
	files := map[string]string{
		"BOM and CRLF": "\ufeff" + keyA + "\r\n# a comment\r\n" + keyB + "\r\n",
		"CR":           keyA + "\r" + keyB + "\r",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			keyFile := writeFile(t, t.TempDir(), "keys", content)
			s := startGuardedServer(t, map[string]string{"AUTH_MODE": "apikey", "API_KEYS_FILE": keyFile, "LOG_FORMAT": "json"})
			for _, key := range []string{keyA, keyB} {
				if r := s.send(t, "GET", "/rtm/42", "", map[string]string{"X-API-Key": key}); r.status != http.StatusOK {
					t.Errorf("key %s = %d %s, want 200", key, r.status, r.body)
				}
			}

			garbage := "\x00\x01garbage\xff\xfe-0123456789"
			if err := os.WriteFile(keyFile, []byte(keyC+"\n"+garbage+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(s.logged(), "API keys not reloaded") {
				if time.Now().After(deadline) {
					t.Fatalf("the rewritten file was not refused within 10 s:\n%s", s.logged())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !strings.Contains(s.logged(), "line 2") || strings.Contains(s.logged(), "garbage") {
				t.Errorf("the log should name line 2 and not show it:\n%s", s.logged())
			}
			for key, want := range map[string]int{keyA: http.StatusOK, keyB: http.StatusOK, keyC: http.StatusUnauthorized} {
				if r := s.send(t, "GET", "/rtm/42", "", map[string]string{"X-API-Key": key}); r.status != want {
					t.Errorf("after the refused file, key %s = %d, want %d", key, r.status, want)
				}
			}
		})
	}
}

// idProvider is an identity provider on 127.0.0.1 whose key set answer
// a test changes as it goes.
type idProvider struct {
	url    string
	answer atomic.Pointer[func(http.ResponseWriter)]
}

func newIDProvider(t *testing.T) *idProvider {
	t.Helper()
	p := &idProvider{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*p.answer.Load())(w)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL + "/jwks.json"
	p.answers(down)
	return p
}

func (p *idProvider) answers(a func(http.ResponseWriter)) { p.answer.Store(&a) }

// env is the configuration of a server that trusts p.
func (p *idProvider) env() map[string]string {
	return map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": p.url,
		"JWT_ISSUER": "https://id.example", "JWT_AUDIENCE": "token-server", "LOG_FORMAT": "json"}
}

func down(w http.ResponseWriter) {
	http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
}

// keySet answers with a key set holding keys.
func keySet(keys ...map[string]string) func(http.ResponseWriter) {
	body, _ := json.Marshal(map[string]any{"keys": keys})
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

// signingKey is an identity provider's ES256 key.
type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newSigningKey(t *testing.T, kid string) signingKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid, key}
}

// jwk publishes the public key, for use as use says ("sig", "enc").
func (k signingKey) jwk(use string) map[string]string {
	pub, _ := k.key.PublicKey.ECDH()
	point := pub.Bytes() // 0x04 || X || Y
	return map[string]string{
		"kty": "EC", "crv": "P-256", "kid": k.kid, "use": use,
		"x": base64.RawURLEncoding.EncodeToString(point[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(point[33:]),
	}
}

// bearer is an Authorization header with an identity token for user 42.
func (k signingKey) bearer(t *testing.T) map[string]string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"sub": "42", "iss": "https://id.example", "aud": "token-server", "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Authorization": "Bearer " + s}
}

// answer is one way a provider can answer a fetch of its key set.
type answer struct {
	name string
	send func(http.ResponseWriter)
}

// noUsableKey are answers that hold no key an identity token can be
// checked with; k's key is published for encryption in one of them.
func noUsableKey(k signingKey) []answer {
	return []answer{
		{"no key", keySet()},
		{"only a key of an unknown type", keySet(map[string]string{"kty": "XYZ", "kid": "odd"})},
		{"only a key for encryption", keySet(k.jwk("enc"))},
		{"only a symmetric key", keySet(map[string]string{"kty": "oct", "kid": "shared", "k": base64.RawURLEncoding.EncodeToString(make([]byte, 32))})},
	}
}

// A server in JWKS mode is not ready until a key of the identity
// provider that can verify a token has loaded: before that it would
// refuse every identity token. A provider that is down, or whose key set
// holds no such key, is asked again until one comes.
func TestReadyzWaitsForTheIdentityProvidersKeys(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	atStart := append([]answer{{"keys", keySet(k1.jwk("sig"))}, {"down", down}}, noUsableKey(k1)...)
	for _, a := range atStart {
		t.Run(a.name+" at start", func(t *testing.T) {
			idp := newIDProvider(t)
			idp.answers(a.send)
			s := startGuardedServer(t, idp.env())
			r := s.send(t, "GET", "/readyz", "", nil)
			loaded := strings.Contains(s.logged(), "identity provider's keys loaded")
			warned := strings.Contains(s.logged(), "identity provider's keys (JWT_JWKS_URL) did not load")
			if a.name == "keys" {
				if r.status != http.StatusOK || !strings.Contains(r.body, `"jwks":"ok"`) || !loaded || warned {
					t.Fatalf("/readyz = %d %s, want 200 with the jwks check ok; logged:\n%s", r.status, r.body, s.logged())
				}
			} else {
				if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "not ready: jwks failed") || loaded || !warned {
					t.Fatalf("/readyz = %d %s, want 503 naming the jwks check, and a warning; logged:\n%s", r.status, r.body, s.logged())
				}
				if r := s.send(t, "GET", "/rtm/42", "", k1.bearer(t)); r.status != http.StatusUnauthorized {
					t.Fatalf("token request with no usable key = %d %s, want 401", r.status, r.body)
				}
				// The provider publishes the key. The server asks it again
				// by itself, 2 s after the fetch at start: it becomes ready
				// with no token sent, long before the hourly refresh.
				idp.answers(keySet(k1.jwk("sig")))
				deadline := time.Now().Add(10 * time.Second)
				for s.send(t, "GET", "/readyz", "", nil).status != http.StatusOK {
					if time.Now().After(deadline) {
						t.Fatalf("/readyz still not ready 10 s after the key was published")
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			if r := s.send(t, "GET", "/rtm/42", "", k1.bearer(t)); r.status != http.StatusOK {
				t.Fatalf("token request with the keys loaded = %d %s, want 200", r.status, r.body)
			}
			if r := s.send(t, "GET", "/readyz", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"jwks":"ok"`) {
				t.Errorf("/readyz once the keys loaded = %d %s, want 200 with jwks ok", r.status, r.body)
			}
		})
	}
}

// A fetch that brings no key that can verify (the provider fails, or
// publishes none) leaves the keys fetched before in force, so users are
// not locked out by the provider's bad minute; it is logged and counted.
func TestJWKSKeepsItsKeysWhenAFetchBringsNone(t *testing.T) {
	k1, k2 := newSigningKey(t, "k1"), newSigningKey(t, "k2")
	for _, a := range append([]answer{{"down", down}}, noUsableKey(k1)...) {
		t.Run(a.name, func(t *testing.T) {
			idp := newIDProvider(t)
			idp.answers(keySet(k1.jwk("sig")))
			s := startGuardedServer(t, idp.env())
			if r := s.send(t, "GET", "/rtm/42", "", k1.bearer(t)); r.status != http.StatusOK {
				t.Fatalf("token request = %d %s, want 200", r.status, r.body)
			}

			idp.answers(a.send)
			// A token naming a key id the server lacks makes it fetch the
			// key set again at once.
			if r := s.send(t, "GET", "/rtm/42", "", k2.bearer(t)); r.status != http.StatusUnauthorized {
				t.Fatalf("token with an unpublished key id = %d %s, want 401", r.status, r.body)
			}
			if r := s.send(t, "GET", "/rtm/42", "", k1.bearer(t)); r.status != http.StatusOK {
				t.Errorf("token signed with the key fetched before = %d %s, want 200", r.status, r.body)
			}
			if r := s.send(t, "GET", "/readyz", "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"jwks":"ok"`) {
				t.Errorf("/readyz = %d %s, want 200 with jwks ok", r.status, r.body)
			}
			if !strings.Contains(s.logged(), "identity provider's keys not updated (JWT_JWKS_URL); the keys fetched before stay in force") {
				t.Errorf("the fetch that brought no key was not logged:\n%s", s.logged())
			}
			if m := s.send(t, "GET", "/metrics", "", nil); !strings.Contains(m.body, "\ntoken_server_jwks_fetch_failures_total 1\n") {
				t.Errorf("/metrics does not count one failed fetch:\n%s", m.body)
			}
		})
	}
}

// An answer larger than the key set's limit of 1 MiB is read no further
// than the limit, from the first fetch on: a provider that sends
// hundreds of megabytes neither fills the server's memory nor keeps it
// from listening.
func TestJWKSReadsNoMoreThanItsLimit(t *testing.T) {
	const chunk, most = 32 << 10, 64 << 20
	var sent atomic.Int64
	idp := newIDProvider(t)
	idp.answers(func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		part := []byte(`{"keys":[` + strings.Repeat(" ", chunk-9))
		for sent.Load() < most {
			n, err := w.Write(part)
			sent.Add(int64(n))
			if err != nil {
				return
			}
			part = []byte(strings.Repeat(" ", chunk))
		}
	})
	start := time.Now()
	s := startGuardedServer(t, idp.env())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the server took %v to listen", took)
	}
	if r := s.send(t, "GET", "/readyz", "", nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d %s, want 503", r.status, r.body)
	}
	if !strings.Contains(s.logged(), "the key set is larger than 1048576 bytes") {
		t.Errorf("the oversized key set was not logged:\n%s", s.logged())
	}
	// The limit, with what the connection's buffers took before it closed.
	if got := sent.Load(); got > 16<<20 {
		t.Errorf("the provider sent %d MiB before the server stopped reading", got>>20)
	}
}
