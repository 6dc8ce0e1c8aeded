package service

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/apaastokenbuilder"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/fpatokenbuilder"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// TestFPAAndAPaaSMatchAgorasBuilders mints each FPA and APaaS token Agora
// has a builder for, checks its signature with Agora's package, and wants
// every service, field and privilege lifetime the builder puts in the
// same token.
func TestFPAAndAPaaSMatchAgorasBuilders(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	tests := []struct {
		name   string
		bundle Bundle
		agora  func() (string, error)
	}{
		// Agora's FPA builder always signs for 24 hours.
		{"fpa", Bundle{FPA: true, Expire: u64(86400)}, func() (string, error) {
			return fpatokenbuilder.BuildToken(testkit.AppID, testkit.Certificate)
		}},
		{"apaas room user", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "class-7", UserUUID: "2882341273", Role: i16(2)}, Expire: u64(600)}, func() (string, error) {
			return apaastokenbuilder.BuildRoomUserToken(testkit.AppID, testkit.Certificate, "class-7", "2882341273", 2, 600)
		}},
		{"apaas user", Bundle{APaaS: &APaaS{User: true, UserUUID: "2882341273"}, Expire: u64(600)}, func() (string, error) {
			return apaastokenbuilder.BuildUserToken(testkit.AppID, testkit.Certificate, "2882341273", 600)
		}},
		{"apaas app", Bundle{APaaS: &APaaS{App: true}, Expire: u64(600)}, func() (string, error) {
			return apaastokenbuilder.BuildAppToken(testkit.AppID, testkit.Certificate, 600)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours := testkit.Verify007(t, mint(t, tokens, tt.bundle), testkit.AppID, testkit.Certificate)
			value, err := tt.agora()
			if err != nil {
				t.Fatal(err)
			}
			theirs := parse(t, value)
			if ours.AppId != testkit.AppID || ours.IssueTs != uint32(testNow.Unix()) || ours.Salt != testSalt || ours.Expire != theirs.Expire {
				t.Errorf("header: app %s issued %d salt %d expire %d; want %s %d %d %d",
					ours.AppId, ours.IssueTs, ours.Salt, ours.Expire, testkit.AppID, testNow.Unix(), testSalt, theirs.Expire)
			}
			if !reflect.DeepEqual(ours.Services, theirs.Services) {
				t.Errorf("services differ from Agora's builder:\n got %s\nwant %s", describe(ours.AccessToken), describe(theirs.AccessToken))
			}
		})
	}
}

// describe spells out a parsed token's services for a failure message.
func describe(at *accesstoken2.AccessToken) string {
	var b strings.Builder
	for typ, s := range at.Services {
		switch s := s.(type) {
		case *accesstoken2.ServiceRtc:
			fmt.Fprintf(&b, "rtc %q %q %v; ", s.ChannelName, s.Uid, s.Privileges)
		case *accesstoken2.ServiceRtm:
			fmt.Fprintf(&b, "rtm %q %v; ", s.UserId, s.Privileges)
		case *accesstoken2.ServiceFpa:
			fmt.Fprintf(&b, "fpa %v; ", s.Privileges)
		case *accesstoken2.ServiceChat:
			fmt.Fprintf(&b, "chat %q %v; ", s.UserId, s.Privileges)
		case *accesstoken2.ServiceApaas:
			fmt.Fprintf(&b, "apaas %q %q %d %v; ", s.RoomUuid, s.UserUuid, s.Role, s.Privileges)
		default:
			fmt.Fprintf(&b, "service %d; ", typ)
		}
	}
	return b.String()
}
