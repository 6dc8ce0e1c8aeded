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
	r := newRouter(t, withAppTokens())
	for _, tt := range tests200 {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, tt.method, tt.path, tt.body)
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
			"serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},"serviceFpa":{"enable":true},
			"serviceChat":{"enableUser":true,"enableApp":true,"userUuid":"55"},
			"serviceApaas":{"enableUser":true,"enableApp":true,"userUuid":"55"}}`, 900, []want{
			rtcWant("room", "55", publisherPrivs, 300),
			rtmWant("55", 900),
			fpaWant(),
			chatWant("55", []uint16{1, 2}, 900),
			apaasWant("", "55", -1, []uint16{2, 3}, 900)}},
		{"RTC, RTM, FPA and an APaaS user", `{"channelName":"room","uid":"ann","tokenExpireTs":600,"privilegeExpireTs":60,
			"serviceRtc":{"enable":true,"role":2},"serviceRtm":{"enable":true},"serviceFpa":{"enable":true},
			"serviceApaas":{"enableUser":true,"userUuid":"ann"}}`, 600, []want{
			rtcWant("room", "ann", subscriberPrivs, 60),
			rtmWant("ann", 600),
			fpaWant(),
			apaasWant("", "ann", -1, []uint16{2}, 600)}},
		{"an app privilege names no user", `{"uid":"ann","serviceChat":{"enableApp":true,"userUuid":"ann"},
			"serviceApaas":{"enableApp":true,"userUuid":"ann"}}`, 3600, []want{
			chatWant("", []uint16{2}, 3600),
			apaasWant("", "", -1, []uint16{3}, 3600)}},
		{"rtc subscriber defaults", `{"channelName":"room","uid":0,"serviceRtc":{"enable":true,"role":2}}`, 3600,
			[]want{rtcWant("room", "", subscriberPrivs, 3600)}},
		{"disabled services are left out", `{"channelName":"room","uid":"judy","serviceRtc":{"enable":false},"serviceRtm":{"enable":true}}`, 3600,
			[]want{rtmWant("judy", 3600)}},
	}
	r := newRouter(t, withAppTokens())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, "POST", "/token/generate", tt.body)
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

// TestTokenGenerateLifetimes holds /token/generate to the lifetimes of
// Agora's reference server: privilegeExpireTs is the RTC privileges'
// alone; RTM, Chat and APaaS privileges last tokenExpireTs, and FPA's
// login has no lifetime of its own (0).
func TestTokenGenerateLifetimes(t *testing.T) {
	const lifetimes = `"tokenExpireTs":900,"privilegeExpireTs":300`
	tests := []struct {
		name     string
		services string
		want     want
	}{
		{"rtc publisher", `"channelName":"room","uid":"7","serviceRtc":{"enable":true,"role":1}`, rtcWant("room", "7", publisherPrivs, 300)},
		{"rtc subscriber", `"channelName":"room","uid":"7","serviceRtc":{"enable":true,"role":2}`, rtcWant("room", "7", subscriberPrivs, 300)},
		{"rtm", `"uid":"7","serviceRtm":{"enable":true}`, rtmWant("7", 900)},
		{"fpa", `"serviceFpa":{"enable":true}`, fpaWant()},
		{"chat user", `"serviceChat":{"enableUser":true,"userUuid":"7"}`, chatWant("7", []uint16{1}, 900)},
		{"chat app", `"serviceChat":{"enableApp":true}`, chatWant("", []uint16{2}, 900)},
		{"apaas user", `"serviceApaas":{"enableUser":true,"userUuid":"7"}`, apaasWant("", "7", -1, []uint16{2}, 900)},
		{"apaas app", `"serviceApaas":{"enableApp":true}`, apaasWant("", "", -1, []uint16{3}, 900)},
	}
	r := newRouter(t, withAppTokens())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, "POST", "/token/generate", "{"+lifetimes+","+tt.services+"}")
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			data, _ := decodeJSON(t, w)["data"].(map[string]any)
			token, _ := data["token"].(string)
			assertToken(t, token, 900, tt.want)
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
		// An encoded slash is part of its segment: this is channel
		// "x/publisher" and role "uid", not channel "x" and role publisher.
		{"encoded slash in the channel", "GET", "/rtc/x%2Fpublisher/uid/5", "", "channelName", "1 to 63 bytes"},
		{"encoded slash in an RTM user", "GET", "/rtm/a%2Fb", "", "uid", "1 to 64 bytes"},
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
		{"expireTime a fraction", "GET", "/rtm/u?expireTime=1.5", "", "expireTime", "from 1 to 86400"},
		{"expireTime zero", "GET", "/rtm/u?expireTime=0", "", "expireTime", "from 1 to 86400"},
		{"expiry empty", "GET", "/rtc/room/publisher/uid/1?expiry=", "", "expiry", "from 1 to 86400"},
		{"expireTime empty", "GET", "/chat/app?expireTime", "", "expireTime", "from 1 to 86400"},
		{"expiry twice", "GET", "/rtm/u?expiry=10&expiry=abc", "", "expiry", "is given more than once"},
		{"expiry twice alike", "GET", "/chat/app?expiry=10&expiry=10", "", "expiry", "is given more than once"},
		{"expireTime twice", "GET", "/rtc/room/publisher/uid/1?expireTime=10&expireTime=20", "", "expireTime", "is given more than once"},
		{"expiry and expireTime", "GET", "/rtm/u?expiry=10&expireTime=abc", "", "expireTime", "is another name for expiry"},
		{"expiry and expireTime on rte", "GET", "/rte/room/publisher/uid/5?expireTime=10&expiry=10", "", "expireTime", "is another name for expiry"},
		{"rtm user too long", "GET", "/rtm/" + long(65), "", "uid", "1 to 64 bytes"},
		{"rte uid 0 without rtm user", "GET", "/rte/room/publisher/uid/0", "", "rtmUid", "uid 0 stands for any user"},
		{"rte rtm user 0", "GET", "/rte/room/publisher/uid/5/0", "", "rtmUid", `must not be "0"`},
		{"rte account too long for rtm", "GET", "/rte/room/publisher/userAccount/" + long(100), "", "rtmUid", "cannot also be the RTM user"},
		{"rte account 0 without rtm user", "GET", "/rte/room/publisher/userAccount/0", "", "rtmUid", "cannot also be the RTM user"},
		{"rte rtm user too long", "GET", "/rte/room/publisher/uid/5/" + long(65), "", "rtmUid", "1 to 64 bytes"},
		{"rte bad channel", "GET", "/rte/a%22/publisher/uid/5", "", "channelName", "1 to 63 bytes"},
		{"chat user too long", "GET", "/chat/account/" + long(65), "", "uid", "1 to 64 bytes"},
		{"rtm user with NUL and control bytes", "GET", "/rtm/%00%01", "", "uid", "1 to 64 bytes of a-z"},
		{"rtm user not UTF-8", "GET", "/rtm/%FF%FE", "", "uid", "1 to 64 bytes of a-z"},
		{"rtm user not ASCII", "GET", "/rtm/%E5%90%8D", "", "uid", "1 to 64 bytes of a-z"},
		{"rtm user of spaces", "GET", "/rtm/%20%20", "", "uid", "not starting with a space"},
		{"chat user with a newline", "GET", "/chat/account/a%0Ab", "", "uid", "1 to 64 bytes of a-z"},
		{"rte rtm user with a tab", "GET", "/rte/room/publisher/uid/5/a%09b", "", "rtmUid", "1 to 64 bytes of a-z"},
		{"rte account starting with a space", "GET", "/rte/room/publisher/userAccount/%20ann", "", "rtmUid", "cannot also be the RTM user"},
		{"getToken rtm user with NUL", "POST", "/getToken", `{"tokenType":"rtm","uid":"a\u0000"}`, "uid", "1 to 64 bytes of a-z"},
		{"getToken chat user not ASCII", "POST", "/getToken", `{"tokenType":"chat","uid":"caf\u00e9"}`, "uid", "1 to 64 bytes of a-z"},
		{"generate chat user with DEL", "POST", "/token/generate", `{"serviceChat":{"enableUser":true,"userUuid":"a\u007f"}}`, "serviceChat.userUuid", "1 to 64 bytes of a-z"},
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
		{"getToken uid negative number", "POST", "/getToken", `{"tokenType":"rtm","uid":-5}`, "uid", "must be a string or a whole number from 0 to 4294967295"},
		{"getToken uid fraction", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","uid":1.0}`, "uid", "must be a string or a whole number from 0 to 4294967295"},
		{"getToken uid number over 32 bits", "POST", "/getToken", `{"tokenType":"rtc","channel":"room","uid":4294967296}`, "uid", "must be a string or a whole number from 0 to 4294967295"},
		{"getToken chat user too long", "POST", "/getToken", `{"tokenType":"chat","uid":"` + long(65) + `"}`, "uid", "1 to 64 bytes"},
		{"getToken not JSON", "POST", "/getToken", `tokenType=rtc`, "", ""},
		{"getToken truncated JSON", "POST", "/getToken", `{"tokenType":`, "", ""},
		{"generate nothing enabled", "POST", "/token/generate", `{"channelName":"room","uid":"1","serviceFpa":{"enable":false},"serviceApaas":{}}`, "serviceRtc", "must be enabled, or one of serviceRtm, serviceFpa, serviceChat or serviceApaas"},
		{"generate bad role", "POST", "/token/generate", `{"channelName":"room","uid":"1","serviceRtc":{"enable":true,"role":7}}`, "serviceRtc.role", "one of: 0, 1, 2"},
		{"generate rtc no channel", "POST", "/token/generate", `{"uid":"1","serviceRtc":{"enable":true,"role":1}}`, "channelName", "is required"},
		{"generate rtm uid 0", "POST", "/token/generate", `{"uid":"0","serviceRtm":{"enable":true}}`, "uid", `must not be "0"`},
		{"generate rtm no uid", "POST", "/token/generate", `{"serviceRtm":{"enable":true}}`, "uid", "is required"},
		{"generate rtc bad uid", "POST", "/token/generate", `{"channelName":"room","uid":"a/b","serviceRtc":{"enable":true,"role":1}}`, "uid", "0 to 4294967295"},
		{"generate chat user without uuid", "POST", "/token/generate", `{"serviceChat":{"enableUser":true}}`, "serviceChat.userUuid", "1 to 64 bytes"},
		{"generate apaas user without uuid", "POST", "/token/generate", `{"serviceApaas":{"enableUser":true}}`, "serviceApaas.userUuid", "1 to 64 bytes"},
		{"generate apaas user with a tab", "POST", "/token/generate", `{"serviceApaas":{"enableUser":true,"userUuid":"a\tb"}}`, "serviceApaas.userUuid", "1 to 64 bytes of a-z"},
		{"generate fpa not an object", "POST", "/token/generate", `{"serviceFpa":true}`, "serviceFpa", "must be an object"},
		{"generate apaas enable as text", "POST", "/token/generate", `{"serviceApaas":{"enableApp":"yes"}}`, "serviceApaas.enableApp", "must be true or false"},
		{"generate expire zero", "POST", "/token/generate", `{"uid":"u","tokenExpireTs":0,"serviceRtm":{"enable":true}}`, "tokenExpireTs", "from 1 to 86400"},
		{"generate privilege expire over max", "POST", "/token/generate", `{"uid":"u","privilegeExpireTs":90000,"serviceRtm":{"enable":true}}`, "privilegeExpireTs", "from 1 to the token's lifetime, 3600"},
		{"generate privilege outlives the token", "POST", "/token/generate", `{"uid":"u","tokenExpireTs":600,"privilegeExpireTs":900,"serviceRtm":{"enable":true}}`, "privilegeExpireTs", "from 1 to the token's lifetime, 600"},
		{"generate privilege expire zero", "POST", "/token/generate", `{"uid":"u","privilegeExpireTs":0,"serviceRtm":{"enable":true}}`, "privilegeExpireTs", "from 1 to the token's lifetime, 3600"},
	}
	r := newRouter(t, withAppTokens())
	for _, tt := range tests400 {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, r, tt.method, tt.path, tt.body)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			body := problem(t, w, http.StatusBadRequest)
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

// The compatible routes check what the request's kind or enabled
// services need, name every broken rule at once, and leave alone the
// fields those services do not use, as the older servers did.
func TestCompatibleRulesFollowWhatIsAsked(t *testing.T) {
	r := newRouter(t, withAppTokens())
	w := send(t, r, "POST", "/token/generate",
		`{"uid":"0","serviceRtc":{"enable":true,"role":7},"serviceRtm":{"enable":true},"serviceChat":{"enableUser":true}}`)
	body := problem(t, w, http.StatusBadRequest)
	var got []string
	for _, e := range body["errors"].([]any) {
		got = append(got, e.(map[string]any)["field"].(string))
	}
	want := []string{"channelName", "serviceRtc.role", "uid", "serviceChat.userUuid"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fields = %v, want %v", got, want)
	}

	accepted := []struct{ name, path, body string }{
		{"generate: the user of a disabled Chat", "/token/generate", `{"uid":"ann","serviceRtm":{"enable":true},"serviceChat":{"enableApp":true,"userUuid":"` + strings.Repeat("x", 99) + `"}}`},
		{"generate: the channel of a disabled RTC", "/token/generate", `{"channelName":"a/b","uid":"ann","serviceRtc":{"enable":false,"role":9},"serviceRtm":{"enable":true}}`},
		{"getToken: the channel of an rtm token", "/getToken", `{"tokenType":"rtm","uid":"ann","channel":"a/b"}`},
	}
	// The contract shows what a client should send, so it does not
	// describe these requests: only their answers are held to it.
	for _, tt := range accepted {
		w := send(t, r, http.MethodPost, tt.path, tt.body, lenient())
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", tt.name, w.Code, w.Body)
		}
	}
}
