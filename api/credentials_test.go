package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/middleware"
)

// The headers a credential may come in depend on the mode, and a request
// without a usable one is answered as RFC 6750 says: no error code when
// it carries no credential, invalid_request when it is malformed,
// invalid_token when the credential itself is refused.
func TestCredentialHeaders(t *testing.T) {
	const realm = `Bearer realm="agora-token-server"`
	identity := idToken(t, secret, "42")
	basic := "Basic dXNlcjpwYXNzd29yZA=="
	type test struct {
		name       string
		header     map[string]string
		wantStatus int
		wantChall  string // WWW-Authenticate up to error_description
	}
	modes := []struct {
		name  string
		auth  middleware.Authenticator
		tests []test
	}{
		{name: "apikey", auth: keysAuth(t)},
		{name: "jwt", auth: hsAuth(t, auth.JWTOptions{})},
	}
	modes[0].tests = []test{
		{"bearer key", bearer(apiKey), 200, ""},
		{"X-API-Key", map[string]string{"X-API-Key": apiKey}, 200, ""},
		{"X-API-Key behind a proxy that adds Basic", map[string]string{"Authorization": basic, "X-API-Key": apiKey}, 200, ""},
		{"nothing", nil, 401, realm},
		{"Basic alone", map[string]string{"Authorization": basic}, 401, realm},
		{"empty X-API-Key", map[string]string{"X-API-Key": " "}, 401, realm},
		{"bearer without a credential", map[string]string{"Authorization": "Bearer "}, 401, realm + `, error="invalid_request"`},
		{"bearer with a space inside", map[string]string{"Authorization": "Bearer " + apiKey + " " + apiKey2}, 401, realm + `, error="invalid_request"`},
		{"unknown bearer key", bearer("not-a-key-0123456789"), 401, realm + `, error="invalid_token"`},
		{"unknown X-API-Key", map[string]string{"X-API-Key": "not-a-key-0123456789"}, 401, realm + `, error="invalid_token"`},
	}
	modes[1].tests = []test{
		{"bearer identity token", bearer(identity), 200, ""},
		{"identity token in X-API-Key", map[string]string{"X-API-Key": identity}, 401, realm},
		{"identity token in X-API-Key behind Basic", map[string]string{"Authorization": basic, "X-API-Key": identity}, 401, realm},
		{"nothing", nil, 401, realm},
		{"bearer without a credential", map[string]string{"Authorization": "bearer"}, 401, realm + `, error="invalid_request"`},
		{"bearer that is no JWT", bearer("not-a-jwt"), 401, realm + `, error="invalid_token"`},
	}
	for _, m := range modes {
		h := newRouter(t, withAuth(m.auth))
		for _, tt := range m.tests {
			t.Run(m.name+" "+tt.name, func(t *testing.T) {
				w := send(t, h, "GET", "/rtm/42", "", header(tt.header))
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
				}
				if tt.wantStatus == 200 {
					if got := grants(t, w); len(got) == 0 {
						t.Error("no token in the answer")
					}
					return
				}
				got, _, _ := strings.Cut(w.Header().Get("WWW-Authenticate"), `, error_description=`)
				if got != tt.wantChall {
					t.Errorf("WWW-Authenticate = %q, want %q before any description", w.Header().Get("WWW-Authenticate"), tt.wantChall)
				}
				detail, _ := problem(t, w, tt.wantStatus)["detail"].(string)
				if tt.wantChall == realm && strings.Contains(detail, "X-API-Key") != (m.name == "apikey") {
					t.Errorf("detail %q: it should name X-API-Key in apikey mode only", detail)
				}
				for _, v := range tt.header {
					if cred := strings.TrimSpace(strings.TrimPrefix(v, "Bearer ")); len(cred) > 8 && strings.Contains(w.Body.String()+w.Header().Get("WWW-Authenticate"), cred) {
						t.Errorf("the answer repeats the credential %q", cred)
					}
				}
			})
		}
	}
}

// A script in the browser can read only the headers CORS exposes: it
// needs the rate-limit headers to back off and WWW-Authenticate to tell
// why it was refused.
func TestCORSExposesLimitAndAuthHeaders(t *testing.T) {
	h := newRouter(t, withAuth(keysAuth(t)), withLimiter(limited(t, 1)), withCORS("https://app.example.com"))
	origin := map[string]string{"Origin": "https://app.example.com", "X-API-Key": apiKey}
	want := []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "WWW-Authenticate", "X-Request-Id"}
	for _, tt := range []struct {
		name       string
		header     map[string]string
		wantStatus int
	}{
		{"allowed", origin, 200},
		{"limited", origin, 429},
		{"refused", map[string]string{"Origin": "https://app.example.com"}, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, "GET", "/rtm/42", "", header(tt.header))
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			exposed := map[string]bool{}
			for _, name := range strings.Split(w.Header().Get("Access-Control-Expose-Headers"), ",") {
				exposed[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
			}
			for _, name := range want {
				if !exposed[http.CanonicalHeaderKey(name)] {
					t.Errorf("Access-Control-Expose-Headers = %q, want it to hold %s", w.Header().Get("Access-Control-Expose-Headers"), name)
				}
			}
		})
	}
}
