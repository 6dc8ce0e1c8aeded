package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// appTokenRoutes is every way to ask for an app token: Chat's or APaaS's
// admin rights over a whole app. route is the pattern metrics name.
var appTokenRoutes = []struct {
	call    call
	route   string
	dialect middleware.Dialect
	// service and privilege are the app privilege the token carries.
	service, privilege uint16
}{
	{call{method: "GET", path: "/chat/app"}, "/chat/app", middleware.CommunityDialect, accesstoken2.ServiceTypeChat, accesstoken2.PrivilegeChatApp},
	{call{method: "POST", path: "/getToken", body: `{"tokenType":"chat"}`}, "/getToken", middleware.CommunityDialect, accesstoken2.ServiceTypeChat, accesstoken2.PrivilegeChatApp},
	{call{method: "POST", path: "/token/generate", body: `{"serviceChat":{"enableApp":true}}`}, "/token/generate", middleware.ReferenceDialect, accesstoken2.ServiceTypeChat, accesstoken2.PrivilegeChatApp},
	{call{method: "POST", path: "/token/generate", body: `{"uid":"42","serviceRtm":{"enable":true},"serviceApaas":{"enableApp":true}}`}, "/token/generate", middleware.ReferenceDialect, accesstoken2.ServiceTypeApaas, accesstoken2.PrivilegeApaasApp},
	{call{method: "POST", path: "/v1/tokens/chat", body: `{}`}, "/v1/tokens/chat", middleware.Standard, accesstoken2.ServiceTypeChat, accesstoken2.PrivilegeChatApp},
	{call{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"app"}`}, "/v1/tokens/apaas", middleware.Standard, accesstoken2.ServiceTypeApaas, accesstoken2.PrivilegeApaasApp},
}

// TestAppTokensAreOptIn asks for every kind of app token in every
// AUTH_MODE, with ALLOW_APP_TOKENS off and on. Off, each is a 403 in its
// route's dialect that names the setting, nothing is minted, and the
// refusal is counted. On, callers without an identity token get the
// token; an identity token, which stands for one end user, never does.
func TestAppTokensAreOptIn(t *testing.T) {
	modes := []struct {
		name   string
		auth   middleware.Authenticator
		header map[string]string
		reason string // of the refusal, in the metrics
	}{
		{"none", nil, nil, middleware.ReasonPolicy},
		{"apikey", keysAuth(t), bearer(apiKey), middleware.ReasonPolicy},
		{"jwt", hsAuth(t, auth.JWTOptions{}), bearer(idToken(t, secret, "42")), middleware.ReasonForbidden},
	}
	for _, m := range modes {
		for _, allowed := range []bool{false, true} {
			for _, rt := range appTokenRoutes {
				name := m.name + " allowed=" + strconv.FormatBool(allowed) + " " + rt.call.method + " " + rt.call.path + " " + rt.call.body
				t.Run(name, func(t *testing.T) {
					h := newRouter(t, withPolicy(service.Policy{AllowAppTokens: allowed}), withAuth(m.auth))
					w := send(t, h, rt.call.method, rt.call.path, rt.call.body, header(m.header))
					got := h.scrape(t, nil)
					issued := countOf(got, "token_server_tokens_issued_total{")

					if allowed && m.name != "jwt" {
						if w.Code != http.StatusOK {
							t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
						}
						at := decodeToken(t, tokenIn(t, w))
						if privs := privilegesOf(at.AccessToken, rt.service); privs[rt.privilege] == 0 {
							t.Errorf("service %d privileges %v, want the app privilege %d", rt.service, privs, rt.privilege)
						}
						if issued != 1 {
							t.Errorf("%v tokens counted as issued, want 1", issued)
						}
						return
					}

					if w.Code != http.StatusForbidden {
						t.Fatalf("status %d, want 403: %s", w.Code, w.Body)
					}
					p := problem(t, w, http.StatusForbidden)
					detail, _ := p["detail"].(string)
					want := "ALLOW_APP_TOKENS=true"
					if allowed {
						want = "not issued to an identity token"
					}
					if !strings.Contains(detail, want) || !strings.Contains(detail, "whole") {
						t.Errorf("detail %q does not say %q and why", detail, want)
					}
					switch rt.dialect {
					case middleware.CommunityDialect:
						if p["error"] != detail {
							t.Errorf("community clients read error: %v", p)
						}
					case middleware.ReferenceDialect:
						if p["code"] != -1.0 || p["message"] != detail {
							t.Errorf("reference clients read code -1 and message: %v", p)
						}
					default:
						if _, ok := p["error"]; ok || p["code"] != nil {
							t.Errorf("a /v1 problem carries another dialect's members: %v", p)
						}
					}
					if strings.Contains(w.Body.String(), "007") || issued != 0 {
						t.Errorf("a refused request minted: body %s, %v tokens counted", w.Body, issued)
					}
					key := `token_server_auth_failures_total{reason="` + m.reason + `",route="` + rt.route + `"}`
					if got[key] != 1 || countOf(got, "token_server_auth_failures_total{") != 1 {
						t.Errorf("%s = %v, want it the one refusal counted", key, got[key])
					}
				})
			}
		}
	}
}

// A user token never needed the opt-in: the same routes serve users.
func TestUserTokensNeedNoOptIn(t *testing.T) {
	h := newRouter(t)
	for _, c := range []call{
		{method: "GET", path: "/chat/account/ann"},
		{method: "POST", path: "/getToken", body: `{"tokenType":"chat","uid":"ann"}`},
		{method: "POST", path: "/token/generate", body: `{"serviceChat":{"enableUser":true,"userUuid":"ann"},"serviceApaas":{"enableUser":true,"userUuid":"ann"}}`},
		{method: "POST", path: "/v1/tokens/chat", body: `{"userId":"ann"}`},
		{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"user","userUuid":"ann"}`},
		{method: "POST", path: "/v1/tokens/apaas", body: `{"privilege":"roomUser","roomUuid":"class","userUuid":"ann","role":2}`},
	} {
		if w := send(t, h, c.method, c.path, c.body); w.Code != http.StatusOK {
			t.Errorf("%s %s %s: status %d, want 200: %s", c.method, c.path, c.body, w.Code, w.Body)
		}
	}
}

// tokenIn finds the one token of a 200 body, under whichever key the
// route answers with.
func tokenIn(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Token     string `json:"token"`
		ChatToken string `json:"chatToken"`
		Data      struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return body.Token + body.ChatToken + body.Data.Token
}

// privilegesOf returns the privileges of one service of a parsed token.
func privilegesOf(at *accesstoken2.AccessToken, typ uint16) map[uint16]uint32 {
	switch s := at.Services[typ].(type) {
	case *accesstoken2.ServiceChat:
		return s.Privileges
	case *accesstoken2.ServiceApaas:
		return s.Privileges
	}
	return nil
}
