package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// The fuzz targets below send whatever a client could put in a path
// segment, a query string or a JSON body through the whole router. The
// seeds under testdata/fuzz run in every go test; go test -fuzz explores
// further. Whatever the input, the answer is a 200 carrying tokens that
// decode and verify, or a 4xx problem document: never a 5xx.

func fuzzRouter(f *testing.F) *gin.Engine {
	f.Helper()
	gin.SetMode(gin.TestMode)
	return New(Config{
		Tokens:      service.New(opsAppID, opsCert, service.Options{}),
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

// serveFuzz sends one request; ok is false when no HTTP client could
// send it (the target is not a URL at all).
func serveFuzz(r *gin.Engine, method, target string, body []byte) (w *httptest.ResponseRecorder, ok bool) {
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w, true
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
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, query string) {
		w, ok := serveFuzz(r, http.MethodGet, pathOf("rtc", channel, role, tokenType, uid)+"?"+query, nil)
		if ok {
			checkAnswer(t, w, []string{"rtcToken"})
		}
	})
}

func FuzzRTE(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, channel, role, tokenType, uid, rtmUID, query string) {
		segments := []string{"rte", channel, role, tokenType, uid}
		if rtmUID != "" {
			segments = append(segments, rtmUID)
		}
		w, ok := serveFuzz(r, http.MethodGet, pathOf(segments...)+"?"+query, nil)
		if ok {
			checkAnswer(t, w, []string{"rtcToken"}, []string{"rtmToken"})
		}
	})
}

func FuzzRTM(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, uid, query string) {
		w, ok := serveFuzz(r, http.MethodGet, pathOf("rtm", uid)+"?"+query, nil)
		if ok {
			checkAnswer(t, w, []string{"rtmToken"})
		}
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
		w, ok := serveFuzz(r, http.MethodGet, path+"?"+query, nil)
		if ok {
			checkAnswer(t, w, []string{"chatToken"})
		}
	})
}

func FuzzGetToken(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, _ := serveFuzz(r, http.MethodPost, "/getToken", body)
		checkAnswer(t, w, []string{"token"})
	})
}

func FuzzGenerate(f *testing.F) {
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, _ := serveFuzz(r, http.MethodPost, "/token/generate", body)
		checkAnswer(t, w, []string{"data", "token"})
	})
}
