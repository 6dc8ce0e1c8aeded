package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// The fuzz targets below send whatever a client could put in a path
// segment, a query string or a JSON body through the whole router. The
// seeds under testdata/fuzz run in every go test; go test -fuzz explores
// further. Whatever the input, the answer is a 200 carrying tokens that
// decode and verify, or a 4xx problem document: never a 5xx. Every
// response is also held to the OpenAPI contract.

// fuzzRouter issues app tokens too, so that the fuzzer reaches the
// code that mints them.
func fuzzRouter(f *testing.F) *gin.Engine {
	f.Helper()
	return New(Config{
		Tokens:      service.New(opsAppID, opsCert, service.Options{Policy: &service.Policy{AllowAppTokens: true}}),
		CORSOrigins: []string{"*"},
	})
}

// pathOf joins segments as a client would, escaping each one.
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// exchange sends one request through r as the server would read it off
// the wire, and checks the answer. A target that cannot be put in a
// request line is skipped: no client could send it.
func exchange(t *testing.T, r *gin.Engine, method, target string, body []byte, tokens ...[]string) {
	t.Helper()
	head := method + " " + target + " HTTP/1.1\r\nHost: example.com\r\n"
	if body != nil {
		head += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n" + string(body))))
	if err != nil {
		return
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	checkAnswer(t, w, tokens...)
	checkResponseContract(t, req, w)
}

// checkResponseContract holds a response to the OpenAPI contract. Only the
// response: the compatible routes accept a little more than the contract
// promises (encoding/json matches keys whatever their case, and a field
// of a service left disabled is ignored), which the other API tests pin.
func checkResponseContract(t *testing.T, req *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	router, err := loadContract()
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	if req.Method == http.MethodOptions {
		return
	}
	find := req.Clone(req.Context())
	if p := find.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		find.URL.Path, find.URL.RawPath = strings.TrimSuffix(p, "/"), ""
	}
	route, params, err := router.FindRoute(find)
	if err != nil {
		// The contract cannot describe some paths the router still
		// answers, such as one with an empty segment; those must be
		// refused.
		if w.Code < 400 {
			t.Fatalf("contract: %s %s answered %d but the contract has no such route", req.Method, req.RequestURI, w.Code)
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: find, PathParams: params, Route: route, Options: opts},
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("contract: %s %s response %d: %v", req.Method, req.RequestURI, w.Code, err)
	}
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
			verifyToken(t, tok)
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
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, query string) {
		exchange(t, r, http.MethodGet, pathOf("rtc", channel, role, tokenType, uid)+"?"+query, nil, []string{"rtcToken"})
	})
}

func FuzzRTE(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, rtmUID, query string) {
		segments := []string{"rte", channel, role, tokenType, uid}
		if rtmUID != "" {
			segments = append(segments, rtmUID)
		}
		exchange(t, r, http.MethodGet, pathOf(segments...)+"?"+query, nil, []string{"rtcToken"}, []string{"rtmToken"})
	})
}

func FuzzRTM(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, uid, query string) {
		exchange(t, r, http.MethodGet, pathOf("rtm", uid)+"?"+query, nil, []string{"rtmToken"})
	})
}

// FuzzChat covers both chat routes: an empty uid asks for an app token.
func FuzzChat(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, uid, query string) {
		path := pathOf("chat", "app")
		if uid != "" {
			path = pathOf("chat", "account", uid)
		}
		exchange(t, r, http.MethodGet, path+"?"+query, nil, []string{"chatToken"})
	})
}

func FuzzGetToken(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		exchange(t, r, http.MethodPost, "/getToken", body, []string{"token"})
	})
}

func FuzzGenerate(f *testing.F) {
	r := fuzzRouter(f)
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

// fuzzV1 sends the fuzzer's bodies to one /v1 token route.
func fuzzV1(f *testing.F, path string) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkV1Token(t, exchangeV1(t, r, path, body), body)
	})
}

// FuzzV1Inspect: whatever the token, the answer is an inspection or a
// 4xx; an inspection's verdict is one of the four there are.
func FuzzV1Inspect(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		w := exchangeV1(t, r, "/v1/tokens/inspect", body)
		if w.Code != http.StatusOK {
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

// exchangeV1 posts body to a /v1 route and checks the answer every
// binder promises; the token in a 200 is left to checkV1Token.
func exchangeV1(t *testing.T, r *gin.Engine, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	checkAnswer(t, w)
	checkResponseContract(t, req, w)
	return w
}

// checkV1Token verifies the token of a /v1 200 answer to body.
func checkV1Token(t *testing.T, w *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if w.Code != http.StatusOK {
		return
	}
	var tok service.Token
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil {
		t.Fatalf("200 body is not a token: %v: %s", err, w.Body)
	}
	if tok.Version != service.Version006 {
		verifyToken(t, tok.Value)
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
	ins, err := service.New(opsAppID, opsCert, service.Options{}).Inspect(tok.Value, who)
	if err != nil || ins.Signature != service.SignatureValid {
		t.Fatalf("006 token for %+v: verdict %q, err %v", who, ins.Signature, err)
	}
}

// FuzzChat found that the router matches /chat/account// with an empty
// uid, which minted an app token on a user's route.
func TestChatAccountWithoutUIDIsRefused(t *testing.T) {
	r := New(Config{Tokens: service.New(opsAppID, opsCert, service.Options{}), CORSOrigins: []string{"*"}})
	for _, target := range []string{"/chat/account//", "/chat/account/%2F", "/chat/account//?expiry=60"} {
		t.Run(target, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
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
