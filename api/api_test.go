package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	testAppID = "970ca35de60c44645bbae8a215061b33"
	testCert  = "5cfd2fd1755d40ecb72977518be15d3b"
)

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

// newTestRouter is an open server on a fixed clock and salt that, like
// one run with --dev, issues app tokens too. The tests of their refusal
// build their own.
func newTestRouter(origins ...string) *gin.Engine {
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	tokens := service.New(testAppID, testCert, service.Options{
		Now:    func() time.Time { return testNow },
		Salt:   func() uint32 { return 7 },
		Policy: &service.Policy{AllowAppTokens: true},
	})
	return New(Config{Tokens: tokens, CORSOrigins: origins, Logger: slog.New(slog.DiscardHandler)})
}

// request sends one request through the whole router and checks it,
// and the response, against the OpenAPI contract.
func request(t *testing.T, h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	sent := req.Header.Clone()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	checkContract(t, method, path, body, sent, w)
	return w
}

// decodeToken parses a token with Agora's own package and checks that
// the test certificate signed it.
func decodeToken(t *testing.T, token string) *accesstoken2.AccessToken {
	t.Helper()
	at := testkit.Verify007(t, token, testAppID, testCert)
	if at.AppId != testAppID || at.IssueTs != uint32(testNow.Unix()) || at.Salt != 7 {
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
	for k, v := range map[string]string{
		"Cache-Control": "private, no-cache, no-store, must-revalidate",
		"Pragma":        "no-cache",
		"Expires":       "-1",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}
