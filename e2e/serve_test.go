package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

func TestEndToEnd(t *testing.T) {
	s := start(t, "DEFAULT_EXPIRY=900")

	res, err := http.Get(s.url("/rtc/e2e%20room/publisher/uid/2882341273/"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ RTCToken string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, decode %v", res.StatusCode, err)
	}
	at := testkit.Verify007(t, body.RTCToken, testkit.AppID, testkit.Certificate)
	rtc := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
	if at.AppId != testkit.AppID || at.Expire != 900 || rtc.ChannelName != "e2e room" || rtc.Uid != "2882341273" {
		t.Errorf("token: app %s expire %d channel %q uid %q", at.AppId, at.Expire, rtc.ChannelName, rtc.Uid)
	}
	if age := time.Now().Unix() - int64(at.IssueTs); age < 0 || age > 60 {
		t.Errorf("token issued %d s ago", age)
	}

	res, err = http.Post(s.url("/getToken"), "application/json", strings.NewReader(`{"tokenType":"rtm"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("bad request: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// HOST takes an IPv6 address as it is written, bare or in brackets.
func TestHostTakesIPv6(t *testing.T) {
	for _, host := range []string{"::1", "[::1]", "::"} {
		t.Run(host, func(t *testing.T) {
			s := start(t, "HOST="+host)
			_, port, _ := net.SplitHostPort(s.addr)
			res, err := http.Get("http://[::1]:" + port + "/ping")
			if err != nil {
				t.Fatalf("GET /ping over IPv6: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET /ping = %d", res.StatusCode)
			}
		})
	}
}
