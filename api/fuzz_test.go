package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// The fuzz targets below send whatever a client could put in a path
// segment, a query string or a JSON body through the whole router. The
// seeds under testdata/fuzz run in every go test; go test -fuzz explores
// further. Whatever the input, the answer is a 200 carrying tokens that
// decode and verify, or a 4xx problem document: never a 5xx. Every
// response is also held to the OpenAPI contract.

// pathOf joins segments as a client would, escaping each one.
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// exchange sends one request through r and checks the answer. A target
// that cannot stand in a request line is skipped: no client could send
// it. The compatible routes accept a little more than the contract
// promises (encoding/json matches keys whatever their case, and a field
// of a service left disabled is ignored), which the other API tests pin:
// only the response is held to the contract.
func exchange(t *testing.T, r http.Handler, method, target string, body []byte, tokens ...[]string) *httptest.ResponseRecorder {
	t.Helper()
	if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.0\r\n\r\n"))); err != nil {
		return nil
	}
	opts := []sendOption{lenient()}
	if body != nil {
		opts = append(opts, contentType("application/json"))
	}
	w := send(t, r, method, target, string(body), opts...)
	checkAnswer(t, w, tokens...)
	return w
}

// checkAnswer asserts the outcome every binder promises. tokens gives the
// path to each token in a 200 body, such as {"data", "token"}.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, tokens ...[]string) {
	t.Helper()
	switch {
	case w.Code == http.StatusOK:
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("200 body is not JSON: %v: %s", err, w.Body)
		}
		for _, path := range tokens {
			var v any = body
			for _, key := range path {
				m, _ := v.(map[string]any)
				v = m[key]
			}
			tok, ok := v.(string)
			if !ok {
				t.Fatalf("200 body %s has no token at %v", w.Body, path)
			}
			decodeToken(t, tok)
		}
	case w.Code >= 400 && w.Code < 500:
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%d with Content-Type %q, want application/problem+json: %s", w.Code, ct, w.Body)
		}
		var p middleware.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("%d body is not a problem document: %v: %s", w.Code, err, w.Body)
		}
		if p.Status != w.Code || p.Title == "" || p.Detail == "" {
			t.Fatalf("problem %+v does not state its status, title and detail", p)
		}
		for _, fe := range p.Errors {
			if fe.Field == "" || fe.Message == "" {
				t.Fatalf("problem %s has a field error without a field or a rule", w.Body)
			}
		}
	default:
		t.Fatalf("status %d, want 200 or a 4xx: %s", w.Code, w.Body)
	}
}

func FuzzRTC(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, query string) {
		exchange(t, r, http.MethodGet, pathOf("rtc", channel, role, tokenType, uid)+"?"+query, nil, []string{"rtcToken"})
	})
}

func FuzzRTE(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, rtmUID, query string) {
		segments := []string{"rte", channel, role, tokenType, uid}
		if rtmUID != "" {
			segments = append(segments, rtmUID)
		}
		exchange(t, r, http.MethodGet, pathOf(segments...)+"?"+query, nil, []string{"rtcToken"}, []string{"rtmToken"})
	})
}

func FuzzRTM(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, uid, query string) {
		exchange(t, r, http.MethodGet, pathOf("rtm", uid)+"?"+query, nil, []string{"rtmToken"})
	})
}

// FuzzChat covers both chat routes: an empty uid asks for an app token.
func FuzzChat(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, uid, query string) {
		path := pathOf("chat", "app")
		if uid != "" {
			path = pathOf("chat", "account", uid)
		}
		exchange(t, r, http.MethodGet, path+"?"+query, nil, []string{"chatToken"})
	})
}

func FuzzGetToken(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, body []byte) {
		exchange(t, r, http.MethodPost, "/getToken", body, []string{"token"})
	})
}

func FuzzGenerate(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, body []byte) {
		exchange(t, r, http.MethodPost, "/token/generate", body, []string{"data", "token"})
	})
}

// The /v1 routes read their bodies strictly (bindStrictJSON). A 200
// carries a token that verifies: a 007 one by itself, a 006 one given the
// channel and user the request named, which is all it keeps checksums of.

func FuzzV1RTC(f *testing.F)   { fuzzV1(f, "/v1/tokens/rtc") }
func FuzzV1RTM(f *testing.F)   { fuzzV1(f, "/v1/tokens/rtm") }
func FuzzV1Chat(f *testing.F)  { fuzzV1(f, "/v1/tokens/chat") }
func FuzzV1FPA(f *testing.F)   { fuzzV1(f, "/v1/tokens/fpa") }
func FuzzV1APaaS(f *testing.F) { fuzzV1(f, "/v1/tokens/apaas") }
func FuzzV1ConvoAI(f *testing.F) {
	f.Add([]byte(`{"channel": "c", "uid": 7, "rtmUserId": "r", "expire": 60, "privilegeExpire": 30}`))
	f.Add([]byte(`{"channel": "c", "account": "` + strings.Repeat("a", 65) + `"}`))
	fuzzV1(f, "/v1/tokens/convoai")
}

// fuzzV1 sends the fuzzer's bodies to one /v1 token route.
func fuzzV1(f *testing.F, path string) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, body []byte) {
		checkV1Token(t, exchange(t, r, http.MethodPost, path, body), body)
	})
}

// FuzzV1Inspect: whatever the token, the answer is an inspection or a
// 4xx; an inspection's verdict is one of the four there are.
func FuzzV1Inspect(f *testing.F) {
	r := newRouter(f, withAppTokens())
	f.Fuzz(func(t *testing.T, body []byte) {
		w := exchange(t, r, http.MethodPost, "/v1/tokens/inspect", body)
		if w == nil || w.Code != http.StatusOK {
			return
		}
		var ins service.Inspection
		if err := json.Unmarshal(w.Body.Bytes(), &ins); err != nil {
			t.Fatalf("200 body is not an inspection: %v: %s", err, w.Body)
		}
		switch ins.Signature {
		case service.SignatureValid, service.SignatureInvalid, service.SignatureForeign, service.SignatureUnverifiable:
		default:
			t.Fatalf("signature verdict %q: %s", ins.Signature, w.Body)
		}
	})
}

// checkV1Token verifies the token of a /v1 200 answer to body.
func checkV1Token(t *testing.T, w *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if w == nil || w.Code != http.StatusOK {
		return
	}
	var tok service.Token
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil {
		t.Fatalf("200 body is not a token: %v: %s", err, w.Body)
	}
	if tok.Version != service.Version006 {
		decodeToken(t, tok.Value)
		return
	}
	var asked struct {
		Channel string  `json:"channel"`
		UID     *uint32 `json:"uid"`
		Account *string `json:"account"`
		UserID  string  `json:"userId"`
	}
	if err := json.Unmarshal(body, &asked); err != nil {
		t.Fatalf("the server accepted a body the test cannot read: %v", err)
	}
	who := service.Subject{Channel: asked.Channel, UserID: asked.UserID}
	switch {
	case asked.Account != nil:
		who.Account = *asked.Account
	case asked.UID != nil:
		who.Account = service.UIDAccount(*asked.UID)
	}
	ins, err := service.New(testkit.AppID, testkit.Certificate, service.Options{}).Inspect(tok.Value, who)
	if err != nil || ins.Signature != service.SignatureValid {
		t.Fatalf("006 token for %+v: verdict %q, err %v", who, ins.Signature, err)
	}
}

// FuzzChat found that the router matches /chat/account// with an empty
// uid, which minted an app token on a user's route.
func TestChatAccountWithoutUIDIsRefused(t *testing.T) {
	r := newRouter(t)
	for _, target := range []string{"/chat/account//", "/chat/account/%2F", "/chat/account//?expiry=60"} {
		t.Run(target, func(t *testing.T) {
			w := send(t, r, http.MethodGet, target, "", lenient())
			var p middleware.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatalf("body %s: %v", w.Body, err)
			}
			if w.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "uid" {
				t.Errorf("GET %s = %d %s, want 400 naming uid", target, w.Code, w.Body)
			}
		})
	}
}
