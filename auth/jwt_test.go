package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const testSecret = "an-hs256-secret-of-at-least-32-bytes!"

func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims returns a valid set for user sub, changed by the pairs in kv
// (a nil value deletes the claim).
func claims(sub any, kv ...any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": sub,
		"iss": "https://id.example.com/",
		"aud": "token-server",
		"iat": time.Now().Unix(),
		"exp": time.Now().Add(time.Hour).Unix(),
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func newHS256(t *testing.T, opts JWTOptions) *JWT {
	t.Helper()
	opts.Secret = []byte(testSecret)
	j, err := NewJWT(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJWTRefusesBadTokens(t *testing.T) {
	j := newHS256(t, JWTOptions{Issuer: "https://id.example.com/", Audience: "token-server"})
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", c) }
	now := time.Now()

	tests := []struct {
		name  string
		token string
		want  string // "" means accepted
	}{
		{"valid", hs(claims("alice")), ""},
		{"expired within the leeway", hs(claims("alice", "exp", now.Add(-10*time.Second).Unix())), ""},
		{"not yet valid within the leeway", hs(claims("alice", "nbf", now.Add(10*time.Second).Unix())), ""},
		{"missing", "", "a credential is required"},
		{"malformed", "not-a-jwt", "not a well-formed JWT"},
		{"three parts of garbage", "a.b.c", "not a well-formed JWT"},
		{"expired", hs(claims("alice", "exp", now.Add(-time.Hour).Unix())), "has expired"},
		{"not yet valid", hs(claims("alice", "nbf", now.Add(time.Hour).Unix())), "not valid yet"},
		{"without expiry", hs(claims("alice", "exp", nil)), "no expiry"},
		{"wrong issuer", hs(claims("alice", "iss", "https://evil.example.com/")), "another issuer"},
		{"wrong audience", hs(claims("alice", "aud", "another-app")), "another audience"},
		{"wrong signature", sign(t, jwt.SigningMethodHS256, []byte("another-secret-of-at-least-32-bytes"), "", claims("alice")), "signature cannot be verified"},
		{"RS256 where HS256 is expected", sign(t, jwt.SigningMethodRS256, rsaKey, "", claims("alice")), "signature cannot be verified"},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims("alice")), "signature cannot be verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := j.Authenticate(context.Background(), tt.token)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if p.Binding == nil || p.Binding.UserID != "alice" {
					t.Errorf("binding = %+v, want user alice", p.Binding)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if service.KindOf(err) != service.Unauthorized || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v (kind %d), want Unauthorized containing %q", err, service.KindOf(err), tt.want)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q repeats the token", err)
			}
		})
	}
}

func TestJWTBindsClaims(t *testing.T) {
	tests := []struct {
		name string
		opts JWTOptions
		tok  jwt.MapClaims
		want service.Binding
	}{
		{"sub by default", JWTOptions{}, (claims("alice")),
			service.Binding{UserClaim: "sub", UserID: "alice"}},
		{"numeric uid claim", JWTOptions{UIDClaim: "uid"}, (claims("alice", "uid", 4294967295)),
			service.Binding{UserClaim: "uid", UserID: "4294967295"}},
		{"numeric claim written as a float", JWTOptions{UIDClaim: "uid"}, (claims("alice", "uid", json.Number("42.0"))),
			service.Binding{UserClaim: "uid", UserID: "42"}},
		{"numeric claim that only rounds to a whole number", JWTOptions{UIDClaim: "uid"}, (claims("alice", "uid", json.Number("42.00000000000000001"))),
			service.Binding{UserClaim: "uid"}},
		{"numeric claim with an exponent", JWTOptions{UIDClaim: "uid"}, (claims("alice", "uid", json.Number("4.2e1"))),
			service.Binding{UserClaim: "uid"}},
		{"absent uid claim", JWTOptions{UIDClaim: "uid"}, (claims("alice")),
			service.Binding{UserClaim: "uid"}},
		{"channel list", JWTOptions{ChannelsClaim: "channels"}, (claims("alice", "channels", []string{"lobby", "team-*"})),
			service.Binding{UserClaim: "sub", UserID: "alice", ChannelsClaim: "channels", Channels: []string{"lobby", "team-*"}}},
		{"one channel as a string", JWTOptions{ChannelsClaim: "channel"}, (claims("alice", "channel", "lobby")),
			service.Binding{UserClaim: "sub", UserID: "alice", ChannelsClaim: "channel", Channels: []string{"lobby"}}},
		{"no channels claim in the token", JWTOptions{ChannelsClaim: "channels"}, (claims("alice")),
			service.Binding{UserClaim: "sub", UserID: "alice", ChannelsClaim: "channels"}},
		{"publisher role", JWTOptions{RoleClaim: "role"}, (claims("alice", "role", "publisher")),
			service.Binding{UserClaim: "sub", UserID: "alice", RoleClaim: "role", Publisher: true}},
		{"publisher among roles", JWTOptions{RoleClaim: "roles"}, (claims("alice", "roles", []string{"viewer", "publisher"})),
			service.Binding{UserClaim: "sub", UserID: "alice", RoleClaim: "roles", Publisher: true}},
		{"another role", JWTOptions{RoleClaim: "role"}, (claims("alice", "role", "subscriber")),
			service.Binding{UserClaim: "sub", UserID: "alice", RoleClaim: "role"}},
	}
	tests[2].tok = (claims("alice", "uid", json.Number("42.0")))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", tt.tok)
			p, err := newHS256(t, tt.opts).Authenticate(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(p.Binding)
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Errorf("binding\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestJWTIdentityForRateLimits(t *testing.T) {
	j := newHS256(t, JWTOptions{})
	id := func(sub string) string {
		p, err := j.Authenticate(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", claims(sub)))
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	alice, bob := id("alice@example.com"), id("bob@example.com")
	if !strings.HasPrefix(alice, "jwt:") || strings.Contains(alice, "alice") {
		t.Errorf("ID = %q, want a jwt: digest without the subject", alice)
	}
	if alice == bob || alice != id("alice@example.com") {
		t.Errorf("IDs %q and %q: want one stable ID per subject", alice, bob)
	}
}

// jwks is an identity provider's key endpoint whose keys a test rotates.
type jwks struct {
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
	srv     *httptest.Server
}

func newJWKS(t *testing.T) *jwks {
	j := &jwks{}
	j.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.fetches.Add(1)
		j.mu.Lock()
		defer j.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
	}))
	t.Cleanup(j.srv.Close)
	return j
}

// publish replaces the published keys.
func (j *jwks) publish(keys ...map[string]string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.keys = keys
}

var b64 = base64.RawURLEncoding

func rsaJWK(kid string, k *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PublicKey) map[string]string {
	raw, _ := k.Bytes() // 0x04 || X || Y
	return map[string]string{"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256",
		"x": b64.EncodeToString(raw[1:33]), "y": b64.EncodeToString(raw[33:])}
}

func edJWK(kid string, k ed25519.PublicKey) map[string]string {
	return map[string]string{"kty": "OKP", "kid": kid, "alg": "EdDSA", "use": "sig", "crv": "Ed25519",
		"x": b64.EncodeToString(k)}
}

type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

func newSigners(t *testing.T) (rs, es, ed signer) {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, d, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{"rsa-1", jwt.SigningMethodRS256, r}, signer{"ec-2", jwt.SigningMethodES256, e}, signer{"ed-3", jwt.SigningMethodEdDSA, d}
}

func (s signer) jwk() map[string]string {
	switch k := s.key.Public().(type) {
	case *rsa.PublicKey:
		return rsaJWK(s.kid, k)
	case *ecdsa.PublicKey:
		return ecJWK(s.kid, k)
	case ed25519.PublicKey:
		return edJWK(s.kid, k)
	}
	panic("unknown key type")
}

func (s signer) token(t *testing.T, sub string) string {
	return sign(t, s.method, s.key, s.kid, claims(sub))
}

func newJWKSVerifier(t *testing.T, url string, opts JWTOptions) *JWT {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts.JWKSURL = url
	j, err := NewJWT(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func ok(j *JWT, tok string) error {
	_, err := j.Authenticate(context.Background(), tok)
	return err
}

func TestJWKSKeyRotationAndUnknownKID(t *testing.T) {
	rs, es, ed := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: time.Hour})
	if got := idp.fetches.Load(); got != 1 {
		t.Fatalf("fetched the key set %d times at start, want 1", got)
	}

	if err := ok(j, rs.token(t, "alice")); err != nil {
		t.Fatalf("RS256 token with a published key refused: %v", err)
	}
	// The provider rotates: new keys in, the old one out. A token signed
	// with a new key has an unknown kid, which causes one fetch.
	idp.publish(es.jwk(), ed.jwk())
	if err := ok(j, es.token(t, "alice")); err != nil {
		t.Fatalf("ES256 token with a freshly rotated key refused: %v", err)
	}
	if err := ok(j, ed.token(t, "alice")); err != nil {
		t.Fatalf("EdDSA token refused: %v", err)
	}
	if err := ok(j, rs.token(t, "alice")); err == nil {
		t.Error("a token signed with the retired key is still accepted")
	}
	if got := idp.fetches.Load(); got != 2 {
		t.Errorf("fetched the key set %d times, want 2: at start and once for the new kid", got)
	}

	// A flood of made-up kids must not reach the provider again within
	// the floor, and must be refused at once rather than queue.
	start := time.Now()
	for i := range 20 {
		ghost := signer{kid: "ghost-" + string(rune('a'+i)), method: es.method, key: es.key}
		if err := ok(j, ghost.token(t, "mallory")); err == nil || !strings.Contains(err.Error(), "signature cannot be verified") {
			t.Fatalf("unknown kid: got %v, want refused", err)
		}
	}
	if got := idp.fetches.Load(); got != 2 {
		t.Errorf("20 unknown kids caused %d more fetches, want none within the floor", got-2)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("20 unknown kids took %v; they must be refused without waiting", took)
	}
}

func TestJWKSRefreshesInTheBackground(t *testing.T) {
	rs, es, _ := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk(), es.jwk())
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{RefreshEvery: 50 * time.Millisecond, UnknownKIDEvery: time.Hour})
	if err := ok(j, rs.token(t, "alice")); err != nil {
		t.Fatal(err)
	}
	// Revoking a key is only seen by a refresh: its kid is still cached.
	idp.publish(es.jwk())
	deadline := time.Now().Add(5 * time.Second)
	for ok(j, rs.token(t, "alice")) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the revoked key is still accepted 5 s later")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := ok(j, es.token(t, "alice")); err != nil {
		t.Errorf("the key still published is refused: %v", err)
	}
}

func TestJWKSRefusesSymmetricTokens(t *testing.T) {
	rs, _, _ := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{})
	// An attacker signs with HS256 using the public key as the secret.
	pub := rs.jwk()["n"]
	forged := sign(t, jwt.SigningMethodHS256, []byte(pub), rs.kid, claims("alice"))
	if err := ok(j, forged); err == nil {
		t.Error("an HS256 token was accepted from a JWKS verifier")
	}
}

func TestJWKSProviderDownAtStart(t *testing.T) {
	idp := newJWKS(t)
	url := idp.srv.URL
	idp.srv.Close()
	var logs testkit.Buffer
	rs, _, _ := newSigners(t)
	start := time.Now()
	j := newJWKSVerifier(t, url, JWTOptions{Log: slog.New(slog.NewTextHandler(&logs, nil)), UnknownKIDEvery: time.Hour})
	if err := ok(j, rs.token(t, "alice")); err == nil {
		t.Error("a token was accepted with no keys fetched")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("start and one refusal took %v with the provider down", took)
	}
	if !strings.Contains(logs.String(), "identity provider's keys not loaded") {
		t.Errorf("the failed fetch was not logged:\n%s", logs.String())
	}
}

func TestNewJWTNeedsExactlyOneKeySource(t *testing.T) {
	for _, opts := range []JWTOptions{{}, {Secret: []byte(testSecret), JWKSURL: "https://id.example.com/jwks"}} {
		if _, err := NewJWT(context.Background(), opts); err == nil {
			t.Errorf("NewJWT(%+v) succeeded", opts)
		}
	}
}

// signWith signs claims with extra header parameters.
func signWith(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// critHeaders are headers that name extensions a verifier must
// understand (RFC 7515, section 4.1.11), with the parameters they name;
// this server understands none of them, and the RFC allows neither an
// empty list nor anything but a list.
var critHeaders = []struct {
	name   string
	header map[string]any
}{
	{"an unknown extension", map[string]any{"crit": []string{"exp2"}, "exp2": 1}},
	{"an unencoded payload", map[string]any{"crit": []string{"b64"}, "b64": false}},
	{"a registered parameter", map[string]any{"crit": []string{"alg"}}},
	{"an empty list", map[string]any{"crit": []string{}}},
	{"a string", map[string]any{"crit": "exp2", "exp2": 1}},
	{"null", map[string]any{"crit": nil}},
}

// A token whose crit names what the server does not understand is
// refused, whatever verifies its signature; the same token without crit
// is accepted, so the refusal is crit's.
func TestJWTRefusesCriticalExtensions(t *testing.T) {
	rs, es, ed := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk(), es.jwk(), ed.jwk())
	jwks := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: time.Hour})
	type verifier struct {
		name string
		j    *JWT
		sign func(header map[string]any) string
	}
	verifiers := []verifier{{"HS256", newHS256(t, JWTOptions{}), func(h map[string]any) string {
		return signWith(t, jwt.SigningMethodHS256, []byte(testSecret), h, claims("alice"))
	}}}
	for _, s := range []signer{rs, es, ed} {
		verifiers = append(verifiers, verifier{s.method.Alg() + " from a JWKS", jwks, func(h map[string]any) string {
			return signWith(t, s.method, s.key, withKID(h, s.kid), claims("alice"))
		}})
	}
	for _, v := range verifiers {
		t.Run(v.name, func(t *testing.T) {
			if err := ok(v.j, v.sign(map[string]any{"exp2": 1})); err != nil {
				t.Fatalf("the token without crit was refused: %v", err)
			}
			for _, c := range critHeaders {
				err := ok(v.j, v.sign(c.header))
				if err == nil {
					t.Errorf("crit as %s: accepted", c.name)
					continue
				}
				if service.KindOf(err) != service.Unauthorized || !strings.Contains(err.Error(), "crit") {
					t.Errorf("crit as %s: got %v (kind %d), want Unauthorized naming crit", c.name, err, service.KindOf(err))
				}
			}
		})
	}
	// crit is judged before the key is looked for: a token naming a key
	// id the set lacks costs no fetch when its crit refuses it anyway.
	before := idp.fetches.Load()
	ghost := signWith(t, es.method, es.key, map[string]any{"kid": "ghost", "crit": []string{"exp2"}, "exp2": 1}, claims("mallory"))
	if err := ok(jwks, ghost); err == nil || !strings.Contains(err.Error(), "crit") {
		t.Errorf("a token with crit and an unknown key id: got %v, want refused for crit", err)
	}
	if got := idp.fetches.Load(); got != before {
		t.Errorf("a token refused for crit caused %d fetches of the key set", got-before)
	}
}

// withKID is header with kid added, header itself left unchanged.
func withKID(header map[string]any, kid string) map[string]any {
	h := maps.Clone(header)
	if h == nil {
		h = map[string]any{}
	}
	h["kid"] = kid
	return h
}
