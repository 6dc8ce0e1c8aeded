package api

import (
	"net/http"
	"strings"
	"testing"
)

// What the /v1 routes refuse, and how: a problem document that names
// each field broken, in the client's words.

func TestV1Status400(t *testing.T) {
	router := newRouter(t, withAppTokens())
	token006 := mintV1(t, router, "/v1/tokens/rtc", `{"channel": "lobby", "uid": 42, "role": "publisher", "version": "006"}`)
	token007 := mintV1(t, router, "/v1/tokens/rtc", `{"channel": "lobby", "uid": 42, "role": "publisher"}`)

	type fieldErr struct{ field, message string }
	tests := []struct {
		name string
		path string
		body string
		want []fieldErr
	}{
		{"rtc unknown field", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expiry": 60}`, []fieldErr{{"expiry", "is not a known field"}}},
		{"rtc unknown nested field", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"join": 60}}`, []fieldErr{{"privileges.join", "is not a known field"}}},
		{"rtc unknown field deeper", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "u", "foo": 1}}`, []fieldErr{{"rtm.foo", "is not a known field"}}},
		{"rtc key in capitals", "/v1/tokens/rtc", `{"CHANNEL": "test", "uid": 7, "role": "publisher"}`, []fieldErr{{"CHANNEL", "case-sensitive: did you mean channel?"}}},
		{"rtc case variants and a duplicate", "/v1/tokens/rtc", `{"channel": "test", "UID": 7, "Role": "publisher", "uid": 8}`, []fieldErr{{"UID", "did you mean uid?"}}},
		{"rtc duplicate key", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "uid": 8}`, []fieldErr{{"uid", "is given more than once"}}},
		{"rtc duplicate key escaped", "/v1/tokens/rtc", `{"channel": "c", "\u0075id": 7, "role": "publisher", "uid": 8}`, []fieldErr{{"uid", "is given more than once"}}},
		{"rtc duplicate nested key", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "privileges": {"joinChannel": 60, "joinChannel": 90}}`, []fieldErr{{"privileges.joinChannel", "is given more than once"}}},
		{"rtc nested key in another case", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "rtm": {"userid": "u"}}`, []fieldErr{{"rtm.userid", "did you mean userId?"}}},
		{"rtm key in another case", "/v1/tokens/rtm", `{"userID": "bob"}`, []fieldErr{{"userID", "did you mean userId?"}}},
		{"chat duplicate key", "/v1/tokens/chat", `{"userId": "a", "userId": "b"}`, []fieldErr{{"userId", "is given more than once"}}},
		{"inspect key in another case", "/v1/tokens/inspect", `{"Token": "007abc"}`, []fieldErr{{"Token", "did you mean token?"}}},
		{"empty key", "/v1/tokens/rtm", `{"userId": "bob", "": 1}`, []fieldErr{{`""`, "is not a known field"}}},
		{"rtc nothing", "/v1/tokens/rtc", `{}`, []fieldErr{{"channel", "is required"}, {"role", "is required"}, {"uid", "give exactly one of uid"}}},
		{"rtc uid and account", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "account": "a", "role": "publisher"}`, []fieldErr{{"uid", "give exactly one of uid"}}},
		{"rtc uid too large", "/v1/tokens/rtc", `{"channel": "c", "uid": 4294967296, "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc uid negative", "/v1/tokens/rtc", `{"channel": "c", "uid": -1, "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc uid as text", "/v1/tokens/rtc", `{"channel": "c", "uid": "1", "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc bad account", "/v1/tokens/rtc", `{"channel": "c", "account": "a/b", "role": "publisher"}`, []fieldErr{{"account", "1 to 255 bytes of a-z"}}},
		{"rtc empty account", "/v1/tokens/rtc", `{"channel": "c", "account": "", "role": "publisher"}`, []fieldErr{{"account", "1 to 255 bytes"}}},
		{"rtc bad channel", "/v1/tokens/rtc", `{"channel": "c/d", "uid": 1, "role": "publisher"}`, []fieldErr{{"channel", "1 to 63 bytes"}}},
		{"rtc bad role", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "admin"}`, []fieldErr{{"role", "must be one of: publisher, subscriber"}}},
		{"rtc bad version", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "version": "008"}`, []fieldErr{{"version", "must be one of: 007, 006"}}},
		{"rtc expire zero", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 0}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"rtc expire too long", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 86401}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"rtc privilege past the token", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 600, "privileges": {"publishAudio": 601}}`, []fieldErr{{"privileges.publishAudio", "from 1 to the token's lifetime, 600"}}},
		{"rtc privilege past the default lifetime", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"joinChannel": 3601}}`, []fieldErr{{"privileges.joinChannel", "token's lifetime, 3600"}}},
		{"rtc privilege of zero", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"publishData": 0}}`, []fieldErr{{"privileges.publishData", "from 1"}}},
		{"rtc subscriber publishing", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "subscriber", "privileges": {"publishVideo": 60}}`, []fieldErr{{"privileges.publishVideo", "publishers only"}}},
		{"rtc 006 privileges", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"joinChannel": 60}, "version": "006"}`, []fieldErr{{"privileges", "needs version 007"}}},
		{"rtc 006 rtm", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "bob"}, "version": "006"}`, []fieldErr{{"rtm", "needs version 007"}}},
		{"rtc rtm without user", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {}}`, []fieldErr{{"rtm.userId", "is required"}}},
		{"rtm lone surrogate", "/v1/tokens/rtm", `{"userId": "\ud800"}`, []fieldErr{{"userId", "1 to 64 bytes of a-z"}}},
		{"rtm control byte", "/v1/tokens/rtm", `{"userId": "bob\u0001"}`, []fieldErr{{"userId", "1 to 64 bytes of a-z"}}},
		{"chat user of spaces", "/v1/tokens/chat", `{"userId": "  "}`, []fieldErr{{"userId", "not starting with a space"}}},
		{"rtc rtm user not ASCII", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "\u00e9"}}`, []fieldErr{{"rtm.userId", "1 to 64 bytes of a-z"}}},
		{"rtc rtm user too long", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "` + strings.Repeat("u", 65) + `"}}`, []fieldErr{{"rtm.userId", "1 to 64 bytes"}}},
		{"rtm without user", "/v1/tokens/rtm", `{"expire": 60}`, []fieldErr{{"userId", "is required"}}},
		{"rtm unknown field", "/v1/tokens/rtm", `{"userId": "bob", "uid": "bob"}`, []fieldErr{{"uid", "is not a known field"}}},
		{"rtm bad version", "/v1/tokens/rtm", `{"userId": "bob", "version": "7"}`, []fieldErr{{"version", "must be one of: 007, 006"}}},
		{"chat empty user", "/v1/tokens/chat", `{"userId": ""}`, []fieldErr{{"userId", "1 to 64 bytes"}}},
		{"chat 006", "/v1/tokens/chat", `{"version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"chat expire as text", "/v1/tokens/chat", `{"expire": "60"}`, []fieldErr{{"expire", "whole number"}}},
		{"fpa 006", "/v1/tokens/fpa", `{"version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"fpa expire too long", "/v1/tokens/fpa", `{"expire": 86401}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"fpa unknown field", "/v1/tokens/fpa", `{"expire": 60, "userId": "ann"}`, []fieldErr{{"userId", "is not a known field"}}},
		{"apaas without privilege", "/v1/tokens/apaas", `{"userUuid": "ann"}`, []fieldErr{{"privilege", "is required"}}},
		{"apaas unknown privilege", "/v1/tokens/apaas", `{"privilege": "admin"}`, []fieldErr{{"privilege", "must be one of: roomUser, user, app"}}},
		{"apaas privilege in another case", "/v1/tokens/apaas", `{"privilege": "roomuser"}`, []fieldErr{{"privilege", "must be one of: roomUser, user, app"}}},
		{"apaas room user without a room", "/v1/tokens/apaas", `{"privilege": "roomUser", "userUuid": "ann", "role": 1}`, []fieldErr{{"roomUuid", "is required for privilege roomUser"}}},
		{"apaas room user without a user", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "role": 1}`, []fieldErr{{"userUuid", "is required for privilege roomUser"}}},
		{"apaas room user without a role", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann"}`, []fieldErr{{"role", "is required for privilege roomUser"}}},
		{"apaas role past Agora's", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": 5}`, []fieldErr{{"role", "4 (observer)"}}},
		{"apaas role of 16 bits and more", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": 65537}`, []fieldErr{{"role", "0 (invisible)"}}},
		{"apaas role as text", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": "teacher"}`, []fieldErr{{"role", "must be a number"}}},
		{"apaas room too long", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "` + strings.Repeat("r", 64) + `", "userUuid": "ann", "role": 1}`, []fieldErr{{"roomUuid", "1 to 63 bytes"}}},
		{"apaas user with a tab", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "a\tb"}`, []fieldErr{{"userUuid", "1 to 64 bytes of a-z"}}},
		{"apaas user in a room", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "ann", "roomUuid": "r"}`, []fieldErr{{"roomUuid", "does not apply to privilege user"}}},
		{"apaas user with a role", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "ann", "role": 2}`, []fieldErr{{"role", "does not apply to privilege user"}}},
		{"apaas app for a user", "/v1/tokens/apaas", `{"privilege": "app", "userUuid": "ann"}`, []fieldErr{{"userUuid", "does not apply to privilege app"}}},
		{"apaas 006", "/v1/tokens/apaas", `{"privilege": "app", "version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"inspect without token", "/v1/tokens/inspect", `{}`, []fieldErr{{"token", "is required"}}},
		{"inspect uid and account", "/v1/tokens/inspect", `{"token": "` + token006 + `", "channel": "lobby", "uid": 42, "account": "42"}`, []fieldErr{{"uid", "not both"}}},
		{"inspect bad version prefix", "/v1/tokens/inspect", `{"token": "abc"}`, []fieldErr{{"token", "bad version prefix"}}},
		{"inspect bad base64", "/v1/tokens/inspect", `{"token": "007eJ*x"}`, []fieldErr{{"token", "bad base64 at character 5"}}},
		{"inspect bad zlib", "/v1/tokens/inspect", `{"token": "007bm90IHpsaWI="}`, []fieldErr{{"token", "bad zlib"}}},
		{"inspect truncated 006", "/v1/tokens/inspect", `{"token": "` + token006[:63] + `"}`, []fieldErr{{"token", "truncated field"}}},
		{"inspect 006 other channel", "/v1/tokens/inspect", `{"token": "` + token006 + `", "channel": "hall", "uid": 42}`, []fieldErr{{"channel", "issued for another channel"}}},
		{"inspect 007 with channel", "/v1/tokens/inspect", `{"token": "` + token007 + `", "channel": "lobby"}`, []fieldErr{{"channel", "applies to 006 tokens only"}}},
		{"check without token", "/v1/tokens/check", `{"channel": "lobby"}`, []fieldErr{{"token", "is required"}}},
		{"check uid and account", "/v1/tokens/check", `{"token": "` + token007 + `", "uid": 42, "account": "bob"}`, []fieldErr{{"uid", "not both"}}},
		{"check unknown field", "/v1/tokens/check", `{"token": "` + token007 + `", "userId": "bob"}`, []fieldErr{{"userId", "is not a known field"}}},
		{"check unknown role", "/v1/tokens/check", `{"token": "` + token007 + `", "role": "host"}`, []fieldErr{{"role", "must be one of: publisher, subscriber"}}},
		{"check at not a time", "/v1/tokens/check", `{"token": "` + token007 + `", "at": "tomorrow"}`, []fieldErr{{"at", "RFC 3339"}}},
		{"check uid as text", "/v1/tokens/check", `{"token": "` + token007 + `", "uid": "42"}`, []fieldErr{{"uid", "whole number"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problemBody
			decodeStrict(t, send(t, router, http.MethodPost, tt.path, tt.body), http.StatusBadRequest, "application/problem+json", &p)
			if p.Status != http.StatusBadRequest || p.Title != "Bad Request" || p.Type != "about:blank" {
				t.Errorf("problem: %+v", p)
			}
			if len(p.Errors) != len(tt.want) {
				t.Fatalf("errors: got %+v, want %v", p.Errors, tt.want)
			}
			for i, w := range tt.want {
				if got := p.Errors[i]; got.Field != w.field || !strings.Contains(got.Message, w.message) {
					t.Errorf("error %d: got %s %q, want %s containing %q", i, got.Field, got.Message, w.field, w.message)
				}
				if !strings.Contains(p.Detail, w.field) {
					t.Errorf("detail %q does not name %s", p.Detail, w.field)
				}
			}
			if strings.Contains(p.Detail, token007) || strings.Contains(p.Detail, token006) {
				t.Error("the problem repeats the token")
			}
		})
	}
}

// TestV1Body covers bodies that are not one JSON object sent as JSON.
func TestV1Body(t *testing.T) {
	router := newRouter(t, withAppTokens())
	const ok = `{"userId": "bob"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantDetail  string
	}{
		{"text/plain", "text/plain", ok, http.StatusUnsupportedMediaType, "send the body as application/json"},
		{"form", "application/x-www-form-urlencoded", "userId=bob", http.StatusUnsupportedMediaType, "application/json"},
		{"no content type", "", ok, http.StatusUnsupportedMediaType, "application/json"},
		{"not json", "application/json", "userId=bob", http.StatusBadRequest, "not valid JSON"},
		{"cut short", "application/json", `{"userId": "bob"`, http.StatusBadRequest, "not valid JSON"},
		{"empty", "application/json", "", http.StatusBadRequest, "empty"},
		{"two objects", "application/json", ok + ok, http.StatusBadRequest, "one JSON object and nothing after it"},
		{"an array", "application/json", `[` + ok + `]`, http.StatusBadRequest, "must be an object"},
		{"too large", "application/json", `{"userId": "bob", "x": "` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problemBody
			decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/rtm", tt.body, contentType(tt.contentType)), tt.wantStatus, "application/problem+json", &p)
			if p.Status != tt.wantStatus || !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("got %d %q, want %d with %q", p.Status, p.Detail, tt.wantStatus, tt.wantDetail)
			}
		})
	}
}
