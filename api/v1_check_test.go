package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// checkBody is the body of POST /v1/tokens/check, read strictly.
type checkBody struct {
	OK       bool   `json:"ok"`
	At       string `json:"at"`
	Problems []struct {
		Check     string   `json:"check"`
		Message   string   `json:"message"`
		Fix       string   `json:"fix"`
		SDKErrors []string `json:"sdkErrors"`
	} `json:"problems"`
	Inspection *inspectBody `json:"inspection"`
}

// TestV1Check sends tokens this server minted, and texts that are no
// token, with what a client will do, and reads the diagnosis: a 200 for
// every token text, naming each failed check.
func TestV1Check(t *testing.T) {
	router := newRouter(t, withAppTokens())
	other := newRouter(t, withAppTokens(), withCredentials(testkit.AppID, testkit.OtherCertificate))
	const rtc = `{"channel": "lobby", "uid": 42, "role": "subscriber", "expire": 600, "rtm": {"userId": "bob"}}`
	token := mintV1(t, router, "/v1/tokens/rtc", rtc)
	token006 := mintV1(t, router, "/v1/tokens/rtc", `{"channel": "lobby", "account": "ann", "role": "publisher", "expire": 600, "version": "006"}`)
	tests := []struct {
		name      string
		body      string
		want      []string
		wantSDK   string // one of the SDK errors of the first problem
		described bool
	}{
		{"as minted", `{"token": "` + token + `", "channel": "lobby", "uid": 42, "role": "subscriber", "rtmUserId": "bob"}`, nil, "", true},
		{"the token alone", `{"token": "` + token + `"}`, nil, "", true},
		{"another channel", `{"token": "` + token + `", "channel": "hall", "uid": 42}`, []string{"channel"}, "ERR_INVALID_TOKEN (110)", true},
		{"an account for a uid", `{"token": "` + token + `", "channel": "lobby", "account": "bob"}`, []string{"uid"}, "CONNECTION_CHANGED_INVALID_TOKEN (8)", true},
		{"publishing with a subscriber's token", `{"token": "` + token + `", "channel": "lobby", "uid": 42, "role": "publisher"}`, []string{"publish"}, "", true},
		{"another RTM user", `{"token": "` + token + `", "rtmUserId": "Bob"}`, []string{"rtm"}, "RTM 2.x: RTM_ERROR_INVALID_TOKEN (-10005)", true},
		{"used after expiry", `{"token": "` + token + `", "at": "` + at(600) + `"}`, []string{"expired"}, "ERR_TOKEN_EXPIRED (109)", true},
		{"used a second before", `{"token": "` + token + `", "at": "` + at(599) + `"}`, nil, "", true},
		{"signed with another certificate", `{"token": "` + mintV1(t, other, "/v1/tokens/rtc", rtc) + `", "channel": "lobby"}`, []string{"signature"}, "ERR_INVALID_TOKEN (110)", true},
		{"006 as minted", `{"token": "` + token006 + `", "channel": "lobby", "account": "ann", "role": "publisher"}`, nil, "", true},
		{"006 another channel", `{"token": "` + token006 + `", "channel": "hall", "account": "ann"}`, []string{"channel"}, "ERR_INVALID_TOKEN (110)", true},
		{"not a token", `{"token": "hello"}`, []string{"format"}, "", false},
		{"a token cut short", `{"token": "` + token[:len(token)/2] + `"}`, []string{"format"}, "", false},
		{"longer than any token", `{"token": "007` + strings.Repeat("A", 5000) + `"}`, []string{"format"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got checkBody
			decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/check", tt.body), http.StatusOK, "application/json", &got)
			var names []string
			for _, p := range got.Problems {
				names = append(names, p.Check)
				if p.Message == "" || p.Fix == "" {
					t.Errorf("problem %+v lacks its message or fix", p)
				}
				if strings.Contains(p.Message, token) || strings.Contains(p.Fix, token) {
					t.Error("a problem repeats the token")
				}
			}
			if !slices.Equal(names, tt.want) || got.OK != (len(tt.want) == 0) {
				t.Fatalf("ok %t, checks %q; want %q: %+v", got.OK, names, tt.want, got.Problems)
			}
			if tt.wantSDK != "" && !slices.Contains(got.Problems[0].SDKErrors, tt.wantSDK) {
				t.Errorf("sdkErrors %q lack %q", got.Problems[0].SDKErrors, tt.wantSDK)
			}
			if (got.Inspection != nil) != tt.described {
				t.Fatalf("inspection %+v, want one: %t", got.Inspection, tt.described)
			}
			if tt.described && (got.Inspection.AppID != testkit.AppID || len(got.Inspection.Services) == 0) {
				t.Errorf("inspection %+v", got.Inspection)
			}
		})
	}
}

// TestV1CheckJudgesAtNow: without at, the diagnosis is of the server's
// clock, and says so.
func TestV1CheckJudgesAtNow(t *testing.T) {
	token := mintV1(t, newRouter(t), "/v1/tokens/rtm", `{"userId": "bob", "expire": 60}`)
	var got checkBody
	decodeStrict(t, send(t, newRouter(t, withClock(testNow.Add(61e9))), http.MethodPost, "/v1/tokens/check", `{"token": "`+token+`"}`), http.StatusOK, "application/json", &got)
	if got.At != at(61) || got.OK || len(got.Problems) != 1 || got.Problems[0].Check != "expired" || !got.Inspection.Expired {
		t.Errorf("got %+v", got)
	}
}

// TestV1CheckIsGuarded: the doctor asks for the credential the token
// routes ask for.
func TestV1CheckIsGuarded(t *testing.T) {
	router := newRouter(t, withAuth(keysAuth(t)))
	body := `{"token": "hello"}`
	if w := send(t, router, http.MethodPost, "/v1/tokens/check", body); w.Code != http.StatusUnauthorized {
		t.Errorf("without a key: status %d, want 401", w.Code)
	}
	var got checkBody
	decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/check", body, header(bearer(apiKey))), http.StatusOK, "application/json", &got)
	if got.OK {
		t.Error("hello is ok")
	}
}

// FuzzV1Check: whatever the body, the answer is a diagnosis or a 4xx,
// never a 500; a diagnosis is consistent with itself.
func FuzzV1Check(f *testing.F) {
	r := newRouter(f, withAppTokens())
	mint := func(b service.Bundle) string {
		tokens, err := service.New(testkit.AppID, testkit.Certificate, service.Options{Now: func() time.Time { return testNow }}).Issue(f.Context(), b)
		if err != nil {
			f.Fatal(err)
		}
		return tokens[0].Value
	}
	rtc := &service.RTC{Channel: "lobby", Account: "42", Role: service.Publisher}
	token := mint(service.Bundle{RTC: rtc, RTMUserID: "bob"})
	token006 := mint(service.Bundle{RTC: rtc, Version: service.Version006})
	for _, body := range []string{
		`{"token": "` + token + `", "channel": "hall", "uid": 42, "role": "publisher", "rtmUserId": "bob", "at": "2026-12-07T12:00:00Z"}`,
		`{"token": "` + token006 + `", "channel": "lobby", "account": "42"}`,
		`{"token": "` + token[:40] + `"}`,
		`{"token": "hello", "uid": 1, "account": "a"}`,
		`{}`,
	} {
		f.Add([]byte(body))
	}
	checks := []string{"format", "appId", "signature", "expired", "service", "channel", "uid", "publish", "rtm"}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := exchange(t, r, http.MethodPost, "/v1/tokens/check", body)
		if w == nil || w.Code != http.StatusOK {
			return
		}
		var d checkBody
		dec := json.NewDecoder(w.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("200 body is not a diagnosis: %v", err)
		}
		if d.OK != (len(d.Problems) == 0) {
			t.Fatalf("ok %t with problems %+v", d.OK, d.Problems)
		}
		for _, p := range d.Problems {
			if !slices.Contains(checks, p.Check) || p.Message == "" || p.Fix == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
