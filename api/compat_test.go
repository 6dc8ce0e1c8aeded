package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestCompatibleRoutes200(t *testing.T) {
	const day = 86400
	tests200 := []struct {
		name   string
		method string
		path   string
		body   string
		// keys maps each token key of the response to the services it carries.
		keys   map[string][]want
		expire uint32
	}{
		{"rtc publisher uid", "GET", "/rtc/room/publisher/uid/123", "",
			map[string][]want{"rtcToken": {rtcWant("room", "123", publisherPrivs, 3600)}}, 3600},
		{"rtc role 1 trailing slash", "GET", "/rtc/room/1/uid/123/", "",
			map[string][]want{"rtcToken": {rtcWant("room", "123", publisherPrivs, 3600)}}, 3600},
		{"rtc subscriber", "GET", "/rtc/room/subscriber/uid/42", "",
			map[string][]want{"rtcToken": {rtcWant("room", "42", subscriberPrivs, 3600)}}, 3600},
		{"rtc audience", "GET", "/rtc/room/audience/uid/42", "",
			map[string][]want{"rtcToken": {rtcWant("room", "42", subscriberPrivs, 3600)}}, 3600},
		{"rtc role 2", "GET", "/rtc/room/2/uid/42", "",
			map[string][]want{"rtcToken": {rtcWant("room", "42", subscriberPrivs, 3600)}}, 3600},
		{"rtc uid 0 is any uid", "GET", "/rtc/room/publisher/uid/0", "",
			map[string][]want{"rtcToken": {rtcWant("room", "", publisherPrivs, 3600)}}, 3600},
		{"rtc empty uid is any uid", "GET", "/rtc/room/publisher/uid/", "",
			map[string][]want{"rtcToken": {rtcWant("room", "", publisherPrivs, 3600)}}, 3600},
		{"rtc largest uid", "GET", "/rtc/room/publisher/uid/4294967295", "",
			map[string][]want{"rtcToken": {rtcWant("room", "4294967295", publisherPrivs, 3600)}}, 3600},
		{"rtc user account", "GET", "/rtc/room/publisher/userAccount/alice@example.com", "",
			map[string][]want{"rtcToken": {rtcWant("room", "alice@example.com", publisherPrivs, 3600)}}, 3600},
		{"rtc escaped channel", "GET", "/rtc/my%20room%3F%23/publisher/uid/5", "",
			map[string][]want{"rtcToken": {rtcWant("my room?#", "5", publisherPrivs, 3600)}}, 3600},
		{"rtc expiry", "GET", "/rtc/room/publisher/uid/5?expiry=60", "",
			map[string][]want{"rtcToken": {rtcWant("room", "5", publisherPrivs, 60)}}, 60},
		{"rtc expireTime of older clients", "GET", "/rtc/room/publisher/uid/5/?expireTime=120", "",
			map[string][]want{"rtcToken": {rtcWant("room", "5", publisherPrivs, 120)}}, 120},
		{"rtc max expiry", "GET", "/rtc/room/publisher/uid/5?expiry=86400", "",
			map[string][]want{"rtcToken": {rtcWant("room", "5", publisherPrivs, day)}}, day},
		{"rtm", "GET", "/rtm/user-1", "",
			map[string][]want{"rtmToken": {rtmWant("user-1", 3600)}}, 3600},
		{"rtm literal 0 of UI kits", "GET", "/rtm/0/", "",
			map[string][]want{"rtmToken": {rtmWant("0", 3600)}}, 3600},
		{"rtm expiry", "GET", "/rtm/bob?expiry=30", "",
			map[string][]want{"rtmToken": {rtmWant("bob", 30)}}, 30},
		{"rte uid", "GET", "/rte/room/publisher/uid/77", "", map[string][]want{
			"rtcToken": {rtcWant("room", "77", publisherPrivs, 3600)},
			"rtmToken": {rtmWant("77", 3600)}}, 3600},
		{"rte own rtm user", "GET", "/rte/room/subscriber/uid/0/carol/?expiry=90", "", map[string][]want{
			"rtcToken": {rtcWant("room", "", subscriberPrivs, 90)},
			"rtmToken": {rtmWant("carol", 90)}}, 90},
		{"rte account", "GET", "/rte/room/publisher/userAccount/dave/", "", map[string][]want{
			"rtcToken": {rtcWant("room", "dave", publisherPrivs, 3600)},
			"rtmToken": {rtmWant("dave", 3600)}}, 3600},
		{"chat app", "GET", "/chat/app", "",
			map[string][]want{"chatToken": {chatWant("", []uint16{2}, 3600)}}, 3600},
		{"chat app slash expiry", "GET", "/chat/app/?expiry=100", "",
			map[string][]want{"chatToken": {chatWant("", []uint16{2}, 100)}}, 100},
		{"chat user", "GET", "/chat/account/erin", "",
			map[string][]want{"chatToken": {chatWant("erin", []uint16{1}, 3600)}}, 3600},
		{"getToken rtc numeric string uid", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","role":"publisher","uid":"1234","expire":600}`,
			map[string][]want{"token": {rtcWant("room", "1234", publisherPrivs, 600)}}, 600},
		{"getToken rtc number uid", "POST", "/getToken/", `{"tokenType":"rtc","channel":"room","role":"subscriber","uid":1234}`,
			map[string][]want{"token": {rtcWant("room", "1234", subscriberPrivs, 3600)}}, 3600},
		{"getToken rtc account", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","role":"publisher","uid":"frank"}`,
			map[string][]want{"token": {rtcWant("room", "frank", publisherPrivs, 3600)}}, 3600},
		{"getToken rtc uid 0 no role", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","uid":"0"}`,
			map[string][]want{"token": {rtcWant("room", "", subscriberPrivs, 3600)}}, 3600},
		{"getToken rtm", "POST", "/getToken", `{"tokenType":"rtm","uid":"grace","expire":45}`,
			map[string][]want{"token": {rtmWant("grace", 45)}}, 45},
		{"getToken chat app", "POST", "/getToken", `{"tokenType":"chat"}`,
			map[string][]want{"token": {chatWant("", []uint16{2}, 3600)}}, 3600},
		{"getToken chat user", "POST", "/getToken", `{"tokenType":"chat","uid":"heidi"}`,
			map[string][]want{"token": {chatWant("heidi", []uint16{1}, 3600)}}, 3600},
		{"getToken extra fields ignored", "POST", "/getToken", `{"tokenType":"rtm","uid":"ivan","platform":"ios"}`,
			map[string][]want{"token": {rtmWant("ivan", 3600)}}, 3600},
	}
	r := newTestRouter()
	for _, tt := range tests200 {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, r, tt.method, tt.path, tt.body)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			assertNoCache(t, w)
			body := decodeJSON(t, w)
			if len(body) != len(tt.keys) {
				t.Errorf("body keys = %v, want %d keys", body, len(tt.keys))
			}
			for key, wants := range tt.keys {
				token, _ := body[key].(string)
				assertToken(t, token, tt.expire, wants...)
			}
		})
	}
}

func TestTokenGenerate200(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		expire uint32
		wants  []want
	}{
		{"every service", `{"channelName":"room","uid":"55","tokenExpireTs":900,"privilegeExpireTs":300,
			"serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},
			"serviceChat":{"enableUser":true,"enableApp":true,"userUuid":"55"}}`, 900, []want{
			rtcWant("room", "55", publisherPrivs, 300),
			rtmWant("55", 300),
			chatWant("55", []uint16{1, 2}, 300)}},
		{"rtc subscriber defaults", `{"channelName":"room","uid":0,"serviceRtc":{"enable":true,"role":2}}`, 3600,
			[]want{rtcWant("room", "", subscriberPrivs, 3600)}},
		{"disabled services are left out", `{"channelName":"room","uid":"judy","serviceRtc":{"enable":false},"serviceRtm":{"enable":true}}`, 3600,
			[]want{rtmWant("judy", 3600)}},
	}
	r := newTestRouter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, r, "POST", "/token/generate", tt.body)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			assertNoCache(t, w)
			body := decodeJSON(t, w)
			if body["code"] != 0.0 || body["message"] != "Success" {
				t.Errorf("body = %v", body)
			}
			data, _ := body["data"].(map[string]any)
			token, _ := data["token"].(string)
			assertToken(t, token, tt.expire, tt.wants...)
		})
	}
}

func TestCompatibleRoutes400(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests400 := []struct {
		name   string
		method string
		path   string
		body   string
		field  string // first entry of errors; "" when the body has no errors list
		rule   string // a piece of the message
	}{
		{"channel too long", "GET", "/rtc/" + long(64) + "/publisher/uid/1", "", "channelName", "1 to 63 bytes"},
		{"channel bad character", "GET", "/rtc/a%22b/publisher/uid/1", "", "channelName", "1 to 63 bytes"},
		{"unknown role", "GET", "/rtc/room/admin/uid/1", "", "role", "one of: publisher, subscriber"},
		{"unknown tokenType", "GET", "/rtc/room/publisher/account/1", "", "tokenType", "one of: uid, userAccount"},
		{"uid over 32 bits", "GET", "/rtc/room/publisher/uid/4294967296", "", "uid", "0 to 4294967295"},
		{"uid not a number", "GET", "/rtc/room/publisher/uid/abc", "", "uid", "0 to 4294967295"},
		{"uid negative", "GET", "/rtc/room/publisher/uid/-1", "", "uid", "0 to 4294967295"},
		{"empty account", "GET", "/rtc/room/publisher/userAccount/", "", "uid", "userAccount"},
		{"account too long", "GET", "/rtc/room/publisher/userAccount/" + long(256), "", "uid", "userAccount"},
		{"expiry zero", "GET", "/rtc/room/publisher/uid/1?expiry=0", "", "expiry", "from 1 to 86400"},
		{"expiry over max", "GET", "/rtc/room/publisher/uid/1?expiry=86401", "", "expiry", "from 1 to 86400"},
		{"expiry would wrap", "GET", "/rtm/u?expiry=4294967297", "", "expiry", "from 1 to 86400"},
		{"expiry huge", "GET", "/rtm/u?expiry=99999999999999999999999", "", "expiry", "from 1 to 86400"},
		{"expiry negative", "GET", "/chat/app?expiry=-5", "", "expiry", "from 1 to 86400"},
		{"expiry not a number", "GET", "/chat/app?expiry=soon", "", "expiry", "from 1 to 86400"},
		{"expireTime zero", "GET", "/rtm/u?expireTime=0", "", "expireTime", "from 1 to 86400"},
		{"rtm user too long", "GET", "/rtm/" + long(65), "", "uid", "1 to 64 bytes"},
		{"rte uid 0 without rtm user", "GET", "/rte/room/publisher/uid/0", "", "rtmUid", "cannot be empty or \"0\""},
		{"rte rtm user 0", "GET", "/rte/room/publisher/uid/5/0", "", "rtmUid", "cannot be empty or \"0\""},
		{"rte bad channel", "GET", "/rte/a%22/publisher/uid/5", "", "channelName", "1 to 63 bytes"},
		{"chat user too long", "GET", "/chat/account/" + long(65), "", "uid", "1 to 64 bytes"},
		{"getToken no tokenType", "POST", "/getToken", `{"uid":"1"}`, "tokenType", "is required"},
		{"getToken bad tokenType", "POST", "/getToken", `{"tokenType":"video"}`, "tokenType", "one of: rtc, rtm, chat"},
		{"getToken rtc no channel", "POST", "/getToken", `{"tokenType":"rtc","uid":"1"}`, "channel", "is required"},
		{"getToken rtc no uid", "POST", "/getToken", `{"tokenType":"rtc","channel":"room"}`, "uid", "is required"},
		{"getToken rtc uid over 32 bits", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","uid":"4294967296"}`, "uid", "0 to 4294967295"},
		{"getToken rtc bad role", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","uid":"1","role":"host"}`, "role", "one of"},
		{"getToken rtm no uid", "POST", "/getToken", `{"tokenType":"rtm"}`, "uid", "is required"},
		{"getToken expire zero", "POST", "/getToken", `{"tokenType":"rtm","uid":"u","expire":0}`, "expire", "from 1 to 86400"},
		{"getToken expire negative", "POST", "/getToken", `{"tokenType":"rtm","uid":"u","expire":-5}`, "expire", "whole number"},
		{"getToken expire huge", "POST", "/getToken", `{"tokenType":"rtm","uid":"u","expire":1e30}`, "expire", "whole number"},
		{"getToken uid negative number", "POST", "/getToken", `{"tokenType":"rtm","uid":-5}`, "uid", "must be a string"},
		{"getToken not JSON", "POST", "/getToken", `tokenType=rtc`, "", ""},
		{"getToken truncated JSON", "POST", "/getToken", `{"tokenType":`, "", ""},
		{"generate nothing enabled", "POST", "/token/generate", `{"channelName":"room","uid":"1"}`, "serviceRtc", "at least one of"},
		{"generate bad role", "POST", "/token/generate", `{"channelName":"room","uid":"1","serviceRtc":{"enable":true,"role":7}}`, "serviceRtc.role", "one of: 0, 1, 2"},
		{"generate rtc no channel", "POST", "/token/generate", `{"uid":"1","serviceRtc":{"enable":true,"role":1}}`, "channelName", "is required"},
		{"generate rtm uid 0", "POST", "/token/generate", `{"uid":"0","serviceRtm":{"enable":true}}`, "uid", "not \"0\""},
		{"generate chat user without uuid", "POST", "/token/generate", `{"serviceChat":{"enableUser":true}}`, "serviceChat.userUuid", "1 to 64 bytes"},
		{"generate expire zero", "POST", "/token/generate", `{"uid":"u","tokenExpireTs":0,"serviceRtm":{"enable":true}}`, "tokenExpireTs", "from 1 to 86400"},
		{"generate privilege expire over max", "POST", "/token/generate", `{"uid":"u","privilegeExpireTs":90000,"serviceRtm":{"enable":true}}`, "privilegeExpireTs", "from 1 to 86400"},
	}
	r := newTestRouter()
	for _, tt := range tests400 {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, r, tt.method, tt.path, tt.body)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			body := assertProblem(t, w, http.StatusBadRequest)
			reference := strings.HasPrefix(tt.path, "/token/generate")
			if reference {
				if body["code"] != -1.0 || body["message"] != body["detail"] {
					t.Errorf("reference clients need code -1 and message: %v", body)
				}
			} else if body["error"] != body["detail"] {
				t.Errorf("community clients need error = detail: %v", body)
			}
			if tt.field == "" {
				return
			}
			errs, _ := body["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("no errors list in %v", body)
			}
			first, _ := errs[0].(map[string]any)
			if first["field"] != tt.field {
				t.Errorf("field = %v, want %s", first["field"], tt.field)
			}
			if msg, _ := first["message"].(string); !strings.Contains(msg, tt.rule) {
				t.Errorf("message = %q, want it to say %q", msg, tt.rule)
			}
		})
	}
}

// assertProblem checks the RFC 9457 shape every error shares and returns the body.
func assertProblem(t *testing.T, w interface {
	Result() *http.Response
}, status int) map[string]any {
	t.Helper()
	res := w.Result()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var body map[string]any
	if err := jsonDecode(res, &body); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if body["status"] != float64(status) || body["title"] != http.StatusText(status) || body["type"] == nil {
		t.Errorf("problem = %v", body)
	}
	if d, _ := body["detail"].(string); d == "" {
		t.Errorf("problem has no detail: %v", body)
	}
	return body
}
