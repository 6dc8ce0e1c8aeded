package api

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// mintV1 asks h for a token at path; anything but a 200 fails the test.
func mintV1(t *testing.T, h http.Handler, path, body string) string {
	t.Helper()
	var tok tokenBody
	decodeStrict(t, send(t, h, http.MethodPost, path, body), http.StatusOK, "application/json", &tok)
	return tok.Token
}

func TestV1InspectSignature(t *testing.T) {
	ours := newRouter(t, withAppTokens())
	sameAppOtherCert := newRouter(t, withAppTokens(), withCredentials(testkit.AppID, testkit.OtherCertificate))
	otherApp := newRouter(t, withAppTokens(), withCredentials(testkit.OtherAppID, testkit.Certificate))
	const rtc007 = `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600}`
	const rtc006 = `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600, "version": "006"}`
	const subject = `, "channel": "lobby", "uid": 42`

	tests := []struct {
		name  string
		token string
		with  string
		want  string
	}{
		{"007 as minted", mintV1(t, ours, "/v1/tokens/rtc", rtc007), "", "valid"},
		{"007 one byte flipped", testkit.Flip007(t, mintV1(t, ours, "/v1/tokens/rtc", rtc007), -1), "", "invalid"},
		{"007 another certificate, same App ID", mintV1(t, sameAppOtherCert, "/v1/tokens/rtc", rtc007), "", "invalid"},
		{"007 another App ID", mintV1(t, otherApp, "/v1/tokens/rtc", rtc007), "", "foreign"},
		{"006 as minted", mintV1(t, ours, "/v1/tokens/rtc", rtc006), subject, "valid"},
		{"006 without its channel and uid", mintV1(t, ours, "/v1/tokens/rtc", rtc006), "", "unverifiable"},
		{"006 one byte flipped", flip006(t, mintV1(t, ours, "/v1/tokens/rtc", rtc006)), subject, "invalid"},
		{"006 another certificate, same App ID", mintV1(t, sameAppOtherCert, "/v1/tokens/rtc", rtc006), subject, "invalid"},
		{"006 another App ID", mintV1(t, otherApp, "/v1/tokens/rtc", rtc006), subject, "foreign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got inspectBody
			decodeStrict(t, send(t, ours, http.MethodPost, "/v1/tokens/inspect", `{"token": "`+tt.token+`"`+tt.with+`}`), http.StatusOK, "application/json", &got)
			if got.Signature != tt.want {
				t.Errorf("signature: got %q, want %q", got.Signature, tt.want)
			}
			wantApp := testkit.AppID
			if tt.want == "foreign" {
				wantApp = testkit.OtherAppID
			}
			if got.AppID != wantApp {
				t.Errorf("appId: got %q, want %q", got.AppID, wantApp)
			}
			if (got.Note == "") != (tt.want == "valid") {
				t.Errorf("note %q with signature %s", got.Note, got.Signature)
			}
		})
	}
}

// flip006 inverts one byte of a 006 token's salt, inside the signed message.
func flip006(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token[35:])
	if err != nil {
		t.Fatal(err)
	}
	// signature (2+32), two checksums (8), message length (2), then the salt.
	raw[2+32+8+2] ^= 0x01
	return token[:35] + base64.StdEncoding.EncodeToString(raw)
}

func TestV1InspectExpired(t *testing.T) {
	token := mintV1(t, newRouter(t, withAppTokens()), "/v1/tokens/rtm", `{"userId": "bob", "expire": 60}`)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"a second before", testNow.Add(59 * time.Second), false},
		{"at expiry", testNow.Add(60 * time.Second), true},
		{"a day later", testNow.Add(24 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got inspectBody
			decodeStrict(t, send(t, newRouter(t, withAppTokens(), withClock(tt.now)), http.MethodPost, "/v1/tokens/inspect", `{"token": "`+token+`"}`), http.StatusOK, "application/json", &got)
			if got.Expired != tt.want || got.Signature != "valid" {
				t.Errorf("got expired %t signature %s, want expired %t, valid", got.Expired, got.Signature, tt.want)
			}
		})
	}
}
