package api

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// decodeToken parses a token with Agora's own package and checks that
// the test certificate signed it.
func decodeToken(t testing.TB, token string) *testkit.Token007 {
	t.Helper()
	at := testkit.Verify007(t, token, testkit.AppID, testkit.Certificate)
	if at.AppId != testkit.AppID || at.IssueTs != uint32(testNow.Unix()) || at.Salt != testSalt {
		t.Errorf("token header: app %s issued %d salt %d", at.AppId, at.IssueTs, at.Salt)
	}
	return at
}

// want describes one service a token must carry, with every privilege
// expiring after expire seconds.
type want struct {
	service uint16
	channel string // RTC only
	user    string // RTC uid/account, RTM or Chat user id, APaaS user uuid
	room    string // APaaS only
	role    int16  // APaaS only
	privs   []uint16
	expire  uint32
}

var (
	publisherPrivs  = []uint16{1, 2, 3, 4}
	subscriberPrivs = []uint16{1}
)

func rtcWant(channel, uid string, privs []uint16, expire uint32) want {
	return want{service: accesstoken2.ServiceTypeRtc, channel: channel, user: uid, privs: privs, expire: expire}
}

func rtmWant(user string, expire uint32) want {
	return want{service: accesstoken2.ServiceTypeRtm, user: user, privs: []uint16{accesstoken2.PrivilegeLogin}, expire: expire}
}

func chatWant(user string, privs []uint16, expire uint32) want {
	return want{service: accesstoken2.ServiceTypeChat, user: user, privs: privs, expire: expire}
}

// fpaWant is FPA's login, which Agora grants with no lifetime of its own.
func fpaWant() want {
	return want{service: accesstoken2.ServiceTypeFpa, privs: []uint16{accesstoken2.PrivilegeLogin}, expire: 0}
}

func apaasWant(room, user string, role int16, privs []uint16, expire uint32) want {
	return want{service: accesstoken2.ServiceTypeApaas, room: room, user: user, role: role, privs: privs, expire: expire}
}

func assertToken(t *testing.T, token string, tokenExpire uint32, wants ...want) {
	t.Helper()
	at := decodeToken(t, token)
	if at.Expire != tokenExpire {
		t.Errorf("token expire = %d, want %d", at.Expire, tokenExpire)
	}
	if len(at.Services) != len(wants) {
		t.Fatalf("token carries %d services, want %d", len(at.Services), len(wants))
	}
	for _, w := range wants {
		var (
			privs               map[uint16]uint32
			channel, user, room string
			role                int16
		)
		switch s := at.Services[w.service].(type) {
		case *accesstoken2.ServiceRtc:
			privs, channel, user = s.Privileges, s.ChannelName, s.Uid
		case *accesstoken2.ServiceRtm:
			privs, user = s.Privileges, s.UserId
		case *accesstoken2.ServiceFpa:
			privs = s.Privileges
		case *accesstoken2.ServiceChat:
			privs, user = s.Privileges, s.UserId
		case *accesstoken2.ServiceApaas:
			privs, room, user, role = s.Privileges, s.RoomUuid, s.UserUuid, s.Role
		default:
			t.Fatalf("service %d missing: %#v", w.service, at.Services)
		}
		if channel != w.channel || user != w.user || room != w.room || role != w.role {
			t.Errorf("service %d: channel %q user %q room %q role %d, want %q %q %q %d",
				w.service, channel, user, room, role, w.channel, w.user, w.room, w.role)
		}
		if len(privs) != len(w.privs) {
			t.Errorf("service %d privileges = %v, want %v", w.service, privs, w.privs)
		}
		for _, p := range w.privs {
			if got, ok := privs[p]; !ok || got != w.expire {
				t.Errorf("service %d privilege %d = %d (present %t), want %d", w.service, p, got, ok, w.expire)
			}
		}
	}
}

func decodeJSON(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	return m
}

func assertNoCache(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if got, want := w.Header().Get("Cache-Control"), "private, no-cache, no-store, must-revalidate"; got != want {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}
	// Cache-Control says it all; the HTTP/1.0 headers would only cost.
	for _, k := range []string{"Pragma", "Expires"} {
		if got, ok := w.Header()[k]; ok {
			t.Errorf("%s = %q, want none", k, got)
		}
	}
}
