package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	apiKey  = "backend-key-0123456789"
	apiKey2 = "second-backend-key-0123"
	secret  = "identity-token-secret-of-32-bytes!!"
)

// call is one request of a table: its header is sent as given, after
// the JSON Content-Type of a body.
type call struct {
	method, path, body string
	header             map[string]string
}

func keysAuth(t *testing.T) *auth.Keys {
	t.Helper()
	k, err := auth.NewKeys([]string{apiKey, apiKey2}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func hsAuth(t *testing.T, opts auth.JWTOptions) *auth.JWT {
	t.Helper()
	opts.Secret = []byte(secret)
	j, err := auth.NewJWT(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// idToken signs an identity token for sub with extra claims in kv; a
// claim given as nil is left out.
func idToken(t *testing.T, key string, sub any, kv ...any) string {
	t.Helper()
	c := jwt.MapClaims{"sub": sub, "iss": "https://id.example.com/", "aud": "agora", "exp": time.Now().Add(time.Hour).Unix()}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bearer(cred string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + cred}
}

// grants decodes every token in a 200 body and returns, per service, the
// strings it carries: channel and uid for RTC, the user for RTM and Chat,
// room and user for APaaS, none for FPA.
func grants(t *testing.T, w *httptest.ResponseRecorder) map[uint16][]string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	var values []string
	for _, k := range []string{"rtcToken", "rtmToken", "chatToken", "token"} {
		if s, ok := body[k].(string); ok {
			values = append(values, s)
		}
	}
	if d, ok := body["data"].(map[string]any); ok {
		values = append(values, d["token"].(string))
	}
	out := map[uint16][]string{}
	for _, v := range values {
		at := decodeToken(t, v)
		for typ, s := range at.Services {
			switch s := s.(type) {
			case *accesstoken2.ServiceRtc:
				out[typ] = []string{s.ChannelName, s.Uid}
			case *accesstoken2.ServiceRtm:
				out[typ] = []string{s.UserId}
			case *accesstoken2.ServiceChat:
				out[typ] = []string{s.UserId}
			case *accesstoken2.ServiceFpa:
				out[typ] = []string{}
			case *accesstoken2.ServiceApaas:
				out[typ] = []string{s.RoomUuid, s.UserUuid}
			}
		}
	}
	return out
}

// tokenRoutes is one request to every route that mints, for user "42" in
// channel "lobby", so that each route's binding can be checked.
var tokenRoutes = []call{
	{method: "GET", path: "/rtc/lobby/publisher/uid/42"},
	{method: "GET", path: "/rtc/lobby/subscriber/userAccount/42/"},
	{method: "GET", path: "/rtm/42"},
	{method: "GET", path: "/rte/lobby/publisher/uid/42"},
	{method: "GET", path: "/rte/lobby/publisher/uid/42/42"},
	{method: "GET", path: "/chat/account/42"},
	{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"lobby","role":"publisher","uid":42}`},
	{method: "POST", path: "/getToken", body: `{"tokenType":"rtm","uid":"42"}`},
	{method: "POST", path: "/getToken", body: `{"tokenType":"chat","uid":"42"}`},
	{method: "POST", path: "/token/generate", body: `{"channelName":"lobby","uid":"42","serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},"serviceChat":{"enableUser":true,"userUuid":"42"}}`},
	{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":42,"role":"publisher","rtm":{"userId":"42"}}`},
	{method: "POST", path: "/v1/tokens/rtm", body: `{"userId":"42"}`},
	{method: "POST", path: "/v1/tokens/chat", body: `{"userId":"42"}`},
	{method: "POST", path: "/v1/tokens/fpa", body: `{}`},
	{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"user","userUuid":"42"}`},
	{method: "POST", path: "/token/generate", body: `{"serviceFpa":{"enable":true},"serviceApaas":{"enableUser":true,"userUuid":"42"}}`},
}

func TestAPIKeyMode(t *testing.T) {
	h := newRouter(t, withAuth(keysAuth(t)))
	tests := []struct {
		name       string
		header     map[string]string
		wantStatus int
		wantChall  string // the WWW-Authenticate header on a 401
	}{
		{"bearer key", bearer(apiKey), 200, ""},
		{"X-API-Key", map[string]string{"X-API-Key": apiKey2}, 200, ""},
		{"lower-case scheme", map[string]string{"Authorization": "bearer " + apiKey}, 200, ""},
		{"missing", nil, 401, `Bearer realm="agora-token-server"`},
		{"wrong key", bearer("not-a-key-0123456789"), 401, `Bearer realm="agora-token-server", error="invalid_token", error_description="the API key is not valid"`},
		{"another scheme", map[string]string{"Authorization": "Basic " + apiKey}, 401, `Bearer realm="agora-token-server"`},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, 401, `Bearer realm="agora-token-server", error="invalid_request", error_description="the Authorization header holds no bearer credential"`},
	}
	for _, tt := range tests {
		for _, c := range tokenRoutes {
			t.Run(tt.name+" "+c.method+" "+c.path, func(t *testing.T) {
				w := send(t, h, c.method, c.path, c.body, header(tt.header))
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
				}
				if tt.wantStatus == 200 {
					if g := grants(t, w); len(g) == 0 {
						t.Error("no token in the answer")
					}
					return
				}
				if got := w.Header().Get("WWW-Authenticate"); got != tt.wantChall {
					t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChall)
				}
				p := problem(t, w, tt.wantStatus)
				if strings.Contains(w.Body.String(), apiKey) {
					t.Error("the body repeats an API key")
				}
				// Clients of the older servers read their own error members.
				if c.path == "/token/generate" && p["code"] != float64(-1) {
					t.Errorf("reference route problem without code -1: %v", p)
				}
				community := c.path != "/token/generate" && !strings.HasPrefix(c.path, "/v1/")
				if community && p["error"] != p["detail"] {
					t.Errorf("community route problem without error: %v", p)
				}
			})
		}
	}
}

func TestOpenRoutesStayOpen(t *testing.T) {
	h := newRouter(t, withAuth(keysAuth(t)))
	w := send(t, h, "GET", "/ping", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "pong") {
		t.Errorf("/ping without a key: %d %s", w.Code, w.Body)
	}
	// A CORS preflight carries no credential and must still be answered.
	w = send(t, h, "OPTIONS", "/rtm/42", "", header(map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key"}))
	if w.Code != http.StatusNoContent || !strings.Contains(strings.ToLower(w.Header().Get("Access-Control-Allow-Headers")), "x-api-key") {
		t.Errorf("preflight: %d, Allow-Headers %q; want 204 allowing X-API-Key", w.Code, w.Header().Get("Access-Control-Allow-Headers"))
	}
}

func TestJWTModeCredentials(t *testing.T) {
	h := newRouter(t, withAuth(hsAuth(t, auth.JWTOptions{Issuer: "https://id.example.com/", Audience: "agora"})))
	now := time.Now()
	tests := []struct {
		name       string
		header     map[string]string
		wantStatus int
		wantDetail string
	}{
		{"valid", bearer(idToken(t, secret, "42")), 200, ""},
		{"missing", nil, 401, "a credential is required"},
		{"malformed", bearer("eyJhbGciOiJIUzI1NiJ9.not-json.sig"), 401, "not a well-formed JWT"},
		{"expired", bearer(idToken(t, secret, "42", "exp", now.Add(-time.Hour).Unix())), 401, "has expired"},
		{"wrong issuer", bearer(idToken(t, secret, "42", "iss", "https://other.example.com/")), 401, "another issuer"},
		{"wrong audience", bearer(idToken(t, secret, "42", "aud", "someone-else")), 401, "another audience"},
		{"no expiry", bearer(idToken(t, secret, "42", "exp", nil)), 401, "has no expiry (exp)"},
		{"no issuer", bearer(idToken(t, secret, "42", "iss", nil)), 401, "has no issuer (iss)"},
		{"no audience", bearer(idToken(t, secret, "42", "aud", nil)), 401, "has no audience (aud)"},
		{"wrong signature", bearer(idToken(t, "a-different-secret-of-32-bytes!!!!", "42")), 401, "signature cannot be verified"},
		{"an API key instead", bearer(apiKey), 401, "not a well-formed JWT"},
	}
	for _, tt := range tests {
		for _, c := range tokenRoutes {
			t.Run(tt.name+" "+c.method+" "+c.path, func(t *testing.T) {
				w := send(t, h, c.method, c.path, c.body, header(tt.header))
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
				}
				if tt.wantStatus == 200 {
					for typ, g := range grants(t, w) {
						if len(g) > 0 && g[len(g)-1] != "42" { // FPA names no user
							t.Errorf("service %d issued for %q, want the bearer 42", typ, g[len(g)-1])
						}
					}
					return
				}
				if p := problem(t, w, tt.wantStatus); !strings.Contains(p["detail"].(string), tt.wantDetail) {
					t.Errorf("detail %q, want it to say %q", p["detail"], tt.wantDetail)
				}
				if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="agora-token-server"`) {
					t.Errorf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
				}
			})
		}
	}
}

func TestJWTIdentityBinding(t *testing.T) {
	h := newRouter(t, withAuth(hsAuth(t, auth.JWTOptions{UIDClaim: "uid", ChannelsClaim: "channels", RoleClaim: "role"})))
	speaker := idToken(t, secret, "user-a", "uid", 42, "channels", []string{"lobby", "team-*"}, "role", "publisher")
	listener := idToken(t, secret, "user-b", "uid", "42", "channels", []string{"team-*"})
	// A uid claim must be a whole number: one that only rounds to 42 is
	// no claim to uid 42.
	rounded := idToken(t, secret, "user-c", "uid", json.Number("42.00000000000000001"))
	// Agora reads the account "0" as uid 0, any user.
	zero := idToken(t, secret, "user-d", "uid", 0)

	tests := []struct {
		name       string
		token      string
		call       call
		wantStatus int
		wantField  string // the field a 403 names
		wantGrant  []string
	}{
		{"own numeric uid", speaker, call{method: "GET", path: "/rtc/lobby/publisher/uid/42"}, 200, "", []string{"lobby", "42"}},
		{"own uid as account", speaker, call{method: "GET", path: "/rtc/lobby/publisher/userAccount/42"}, 200, "", []string{"lobby", "42"}},
		{"someone else's uid", speaker, call{method: "GET", path: "/rtc/lobby/publisher/uid/43"}, 403, "uid", nil},
		{"uid 0", speaker, call{method: "GET", path: "/rtc/lobby/publisher/uid/0"}, 403, "uid", nil},
		{"uid claim that is not a whole number", rounded, call{method: "GET", path: "/rtc/lobby/publisher/uid/42"}, 403, "uid", nil},
		{"uid claim that is not a whole number, v1", rounded, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":42,"role":"publisher"}`}, 403, "uid", nil},
		{"uid claim 0, account 0", zero, call{method: "GET", path: "/rtc/lobby/publisher/userAccount/0"}, 403, "uid", nil},
		{"uid claim 0, v1 account 0", zero, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","account":"0","role":"publisher"}`}, 403, "uid", nil},
		{"channel under a wildcard", listener, call{method: "GET", path: "/rtc/team-red/subscriber/uid/42"}, 200, "", []string{"team-red", "42"}},
		{"unlisted channel", listener, call{method: "GET", path: "/rtc/lobby/subscriber/uid/42"}, 403, "channel", nil},
		{"publisher without the role", listener, call{method: "GET", path: "/rtc/team-red/publisher/uid/42"}, 403, "role", nil},
		{"publisher without the role, by number", listener, call{method: "GET", path: "/rtc/team-red/1/uid/42"}, 403, "role", nil},
		{"own RTM user", listener, call{method: "GET", path: "/rtm/42"}, 200, "", []string{"42"}},
		{"foreign RTM user", listener, call{method: "GET", path: "/rtm/7"}, 403, "uid", nil},
		{"RTE with a foreign RTM user", speaker, call{method: "GET", path: "/rte/lobby/publisher/uid/42/7"}, 403, "uid", nil},
		{"chat app token", speaker, call{method: "GET", path: "/chat/app"}, 403, "", nil},
		{"foreign chat user", speaker, call{method: "GET", path: "/chat/account/7"}, 403, "uid", nil},
		{"getToken for someone else", speaker, call{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"lobby","uid":7}`}, 403, "uid", nil},
		{"getToken without uid", speaker, call{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"lobby","uid":"0"}`}, 403, "uid", nil},
		{"generate for an unlisted channel", listener, call{method: "POST", path: "/token/generate", body: `{"channelName":"lobby","uid":42,"serviceRtc":{"enable":true,"role":2}}`}, 403, "channel", nil},
		{"generate chat app", speaker, call{method: "POST", path: "/token/generate", body: `{"serviceChat":{"enableApp":true}}`}, 403, "", nil},
		{"v1 own uid", speaker, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":42,"role":"publisher"}`}, 200, "", []string{"lobby", "42"}},
		{"v1 someone else's uid", speaker, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":43,"role":"publisher"}`}, 403, "uid", nil},
		{"v1 unlisted channel", listener, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","account":"42","role":"subscriber"}`}, 403, "channel", nil},
		{"v1 publisher without the role", listener, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"team-red","uid":42,"role":"publisher"}`}, 403, "role", nil},
		{"v1 RTC with a foreign RTM user", speaker, call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":42,"role":"publisher","rtm":{"userId":"7"}}`}, 403, "uid", nil},
		{"v1 foreign RTM user", speaker, call{method: "POST", path: "/v1/tokens/rtm", body: `{"userId":"7"}`}, 403, "uid", nil},
		{"v1 chat app token", speaker, call{method: "POST", path: "/v1/tokens/chat", body: `{}`}, 403, "", nil},
		{"v1 own APaaS user", speaker, call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"user","userUuid":"42"}`}, 200, "", []string{"", "42"}},
		{"v1 someone else's APaaS user", speaker, call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"user","userUuid":"7"}`}, 403, "userUuid", nil},
		{"v1 APaaS room user for someone else", speaker, call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"roomUser","roomUuid":"lobby","userUuid":"7","role":1}`}, 403, "userUuid", nil},
		{"v1 APaaS room user in an unlisted room", listener, call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"roomUser","roomUuid":"lobby","userUuid":"42","role":2}`}, 403, "roomUuid", nil},
		{"v1 APaaS app token", speaker, call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"app"}`}, 403, "", nil},
		{"generate APaaS user for someone else", speaker, call{method: "POST", path: "/token/generate", body: `{"serviceApaas":{"enableUser":true,"userUuid":"7"}}`}, 403, "userUuid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, tt.call.method, tt.call.path, tt.call.body, header(bearer(tt.token)))
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 200 {
				g := grants(t, w)
				var got []string
				for _, v := range g {
					got = v
				}
				if strings.Join(got, "/") != strings.Join(tt.wantGrant, "/") {
					t.Errorf("token carries %q, want %q", got, tt.wantGrant)
				}
				return
			}
			p := problem(t, w, tt.wantStatus)
			detail, _ := p["detail"].(string)
			if tt.wantField != "" && !strings.HasPrefix(detail, tt.wantField+": ") {
				t.Errorf("detail %q does not name the field %s", detail, tt.wantField)
			}
			if w.Header().Get("WWW-Authenticate") != "" {
				t.Error("a 403 carries a WWW-Authenticate challenge")
			}
		})
	}
}

func TestServerPolicyInEveryMode(t *testing.T) {
	policy := withPolicy(service.Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`), RequireUID: true})
	modes := []struct {
		name   string
		opts   []routerOption
		header map[string]string
	}{
		{"none", []routerOption{policy}, nil},
		{"apikey", []routerOption{policy, withAuth(keysAuth(t))}, bearer(apiKey)},
	}
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantField  string
	}{
		{"channel in the pattern", call{method: "GET", path: "/rtc/room-7/publisher/uid/5"}, 200, ""},
		{"channel outside the pattern", call{method: "GET", path: "/rtc/lobby/publisher/uid/5"}, 403, "channel"},
		{"rte outside the pattern", call{method: "GET", path: "/rte/lobby/publisher/uid/5"}, 403, "channel"},
		{"getToken outside the pattern", call{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"room-7x","uid":5}`}, 403, "channel"},
		{"generate outside the pattern", call{method: "POST", path: "/token/generate", body: `{"channelName":"lobby","uid":5,"serviceRtc":{"enable":true,"role":1}}`}, 403, "channel"},
		{"wildcard uid", call{method: "GET", path: "/rtc/room-7/publisher/uid/0"}, 403, "uid"},
		{"account 0, which Agora reads as uid 0", call{method: "GET", path: "/rtc/room-7/publisher/userAccount/0"}, 403, "uid"},
		{"v1 account 0", call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"room-7","account":"0","role":"publisher"}`}, 403, "uid"},
		{"getToken with account 0", call{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"room-7","uid":"0"}`}, 403, "uid"},
		{"getToken with uid 0", call{method: "POST", path: "/getToken", body: `{"tokenType":"rtc","channel":"room-7","uid":0}`}, 403, "uid"},
		{"generate without uid", call{method: "POST", path: "/token/generate", body: `{"channelName":"room-7","serviceRtc":{"enable":true,"role":1}}`}, 403, "uid"},
		{"v1 outside the pattern", call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"lobby","uid":5,"role":"publisher"}`}, 403, "channel"},
		{"v1 wildcard uid", call{method: "POST", path: "/v1/tokens/rtc", body: `{"channel":"room-7","uid":0,"role":"publisher"}`}, 403, "uid"},
		{"v1 APaaS room outside the pattern", call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"roomUser","roomUuid":"lobby","userUuid":"5","role":2}`}, 403, "roomUuid"},
		{"v1 APaaS room in the pattern", call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"roomUser","roomUuid":"room-7","userUuid":"5","role":2}`}, 200, ""},
		{"rtm is not bound by the pattern", call{method: "GET", path: "/rtm/anyone"}, 200, ""},
		{"invalid channel is still a 400", call{method: "GET", path: "/rtc/bad*channel/publisher/uid/5"}, 400, ""},
	}
	for _, m := range modes {
		h := newRouter(t, m.opts...)
		for _, tt := range tests {
			t.Run(m.name+" "+tt.name, func(t *testing.T) {
				w := send(t, h, tt.call.method, tt.call.path, tt.call.body, header(m.header))
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
				}
				if tt.wantStatus == 403 {
					if detail, _ := problem(t, w, tt.wantStatus)["detail"].(string); !strings.HasPrefix(detail, tt.wantField+": ") {
						t.Errorf("detail %q does not name %s", detail, tt.wantField)
					}
				}
			})
		}
	}
}

// JWT_ROLE_CLAIM bounds the classroom role as it bounds the RTC role: a
// bearer whose role claim does not say publisher joins a classroom as a
// student (2) and nothing else; a publisher may take any classroom role.
func TestJWTRoleClaimBoundsTheClassroomRole(t *testing.T) {
	h := newRouter(t, withAuth(hsAuth(t, auth.JWTOptions{UIDClaim: "uid", RoleClaim: "role"})))
	speaker := idToken(t, secret, "user-a", "uid", "42", "role", "publisher")
	listener := idToken(t, secret, "user-b", "uid", "42", "role", "subscriber")
	room := func(role int) string {
		return fmt.Sprintf(`{"privilege":"roomUser","roomUuid":"class-7","userUuid":"42","role":%d}`, role)
	}
	tests := []struct {
		name     string
		token    string
		role     int
		wantCode int
	}{
		{"subscriber as a student", listener, 2, 200},
		{"subscriber as a teacher", listener, 1, 403},
		{"subscriber as an assistant", listener, 3, 403},
		{"subscriber as an observer", listener, 4, 403},
		{"subscriber as an invisible user", listener, 0, 403},
		{"publisher as a teacher", speaker, 1, 200},
		{"publisher as an assistant", speaker, 3, 200},
		{"publisher as a student", speaker, 2, 200},
		{"subscriber with a role Agora does not define", listener, 7, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, "POST", "/v1/tokens/apaas", room(tt.role), header(bearer(tt.token)))
			if tt.wantCode == 400 {
				var p problemBody
				decodeStrict(t, w, 400, "application/problem+json", &p)
				if len(p.Errors) != 1 || p.Errors[0].Field != "role" {
					t.Errorf("errors %+v, want one on role", p.Errors)
				}
				return
			}
			if tt.wantCode == 403 {
				p := problem(t, w, 403)
				detail, _ := p["detail"].(string)
				for _, want := range []string{"role: ", "2 (student)", "role claim", "publisher"} {
					if !strings.Contains(detail, want) {
						t.Errorf("detail %q does not say %q", detail, want)
					}
				}
				return
			}
			if w.Code != 200 {
				t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
			}
			var body struct{ Token string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			a, ok := decodeToken(t, body.Token).Services[accesstoken2.ServiceTypeApaas].(*accesstoken2.ServiceApaas)
			if !ok {
				t.Fatal("the token carries no APaaS service")
			}
			if a.RoomUuid != "class-7" || a.UserUuid != "42" || a.Role != int16(tt.role) {
				t.Errorf("APaaS grant = %q %q role %d, want class-7 42 role %d", a.RoomUuid, a.UserUuid, a.Role, tt.role)
			}
		})
	}
}
