package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// The query string sets a token's lifetime and nothing else: the channel,
// role and uid are the path's, whatever the query names.
func TestQueryCannotOverridePath(t *testing.T) {
	router := newRouter(t)
	tests := []struct {
		name, url  string
		wantExpire uint32
	}{
		{"Go field names", "/rtc/room/publisher/uid/1?Channel=other&Role=subscriber&TokenType=userAccount&UID=2", 3600},
		{"path names", "/rtc/room/publisher/uid/1?channelName=other&role=subscriber&tokenType=userAccount&uid=2", 3600},
		{"with expiry", "/rtc/room/publisher/uid/1?UID=2&expiry=600", 600},
		{"with expireTime", "/rtc/room/publisher/uid/1?UID=2&expireTime=120", 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := send(t, router, http.MethodGet, tt.url, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			var body struct {
				RTCToken string `json:"rtcToken"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			tok := testkit.Verify007(t, body.RTCToken, testkit.AppID, testkit.Certificate)
			rtc, ok := tok.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
			if !ok {
				t.Fatalf("token has no RTC service: %+v", tok.Services)
			}
			if rtc.ChannelName != "room" || rtc.Uid != "1" {
				t.Errorf("channel, uid = %q, %q; want \"room\", \"1\"", rtc.ChannelName, rtc.Uid)
			}
			if got, want := len(rtc.Privileges), 4; got != want { // join and the three publish privileges
				t.Errorf("%d privileges, want %d (a publisher's)", got, want)
			}
			if tok.Expire != tt.wantExpire {
				t.Errorf("expire = %d, want %d", tok.Expire, tt.wantExpire)
			}
		})
	}
}

// A query string that does not parse is a 400 naming the parameter that
// broke, on every route that reads a query: url.Query would drop the pair
// and the token would get the default lifetime instead of the one asked.
func TestMalformedQueryIsRefused(t *testing.T) {
	routes := []string{"/rtc/room/publisher/uid/1", "/rtm/alice", "/rte/room/publisher/uid/1", "/chat/app", "/chat/account/alice"}
	queries := []struct{ query, field string }{
		{"expiry=600;", "expiry"},
		{"expiry=60%", "expiry"},
		{"expiry=60%zz", "expiry"},
		{"expireTime=600;", "expireTime"},
		{"expiry;=600", "expiry"},
		{"expiry=600&ref=50%", "ref"},
		{"ref=a;expiry=600", "ref"},
		{"%zz=600", "query"},
		{"a%0Ab=1;", "query"},
	}
	r := newRouter(t, withAppTokens())
	for _, route := range routes {
		for _, q := range queries {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				t.Run(method+" "+route+"?"+q.query, func(t *testing.T) {
					w := send(t, r, method, route+"?"+q.query, "")
					if method == http.MethodHead {
						if w.Code != http.StatusBadRequest {
							t.Errorf("status = %d, want 400", w.Code)
						}
						return
					}
					body := problem(t, w, http.StatusBadRequest)
					errs, _ := body["errors"].([]any)
					if len(errs) != 1 {
						t.Fatalf("errors = %v, want one", body["errors"])
					}
					first, _ := errs[0].(map[string]any)
					if first["field"] != q.field {
						t.Errorf("field = %v, want %s", first["field"], q.field)
					}
					if msg, _ := first["message"].(string); !strings.Contains(msg, "not a well-formed query parameter") {
						t.Errorf("message = %q, want it to say the parameter is not well formed", msg)
					}
				})
			}
		}
	}
}
