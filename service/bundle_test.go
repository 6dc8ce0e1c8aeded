package service

import (
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// TestBundlePrivilegeLifetimes reads the lifetimes back with Agora's own
// parser: AccessToken2 counts them in seconds from the issue time.
func TestBundlePrivilegeLifetimes(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	tests := []struct {
		name string
		rtc  RTC
		want map[uint16]uint32
	}{
		{"publisher, some set", RTC{Channel: "c", Role: Publisher, Privileges: &RTCPrivileges{PublishVideo: u64(30), PublishData: u64(600)}},
			map[uint16]uint32{1: 600, 2: 600, 3: 30, 4: 600}},
		{"publisher, all set", RTC{Channel: "c", Role: Publisher, Privileges: &RTCPrivileges{JoinChannel: u64(1), PublishAudio: u64(2), PublishVideo: u64(3), PublishData: u64(4)}},
			map[uint16]uint32{1: 1, 2: 2, 3: 3, 4: 4}},
		{"subscriber, join set", RTC{Channel: "c", Role: Subscriber, Privileges: &RTCPrivileges{JoinChannel: u64(100)}},
			map[uint16]uint32{1: 100}},
		{"publisher, none set", RTC{Channel: "c", Role: Publisher, Privileges: &RTCPrivileges{}},
			map[uint16]uint32{1: 600, 2: 600, 3: 600, 4: 600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value := mint(t, tokens, Bundle{RTC: &tt.rtc, Expire: u64(600)})
			at := testkit.Verify007(t, value, testkit.AppID, testkit.Certificate)
			rtc := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
			if len(rtc.Privileges) != len(tt.want) {
				t.Errorf("got privileges %v, want %v", rtc.Privileges, tt.want)
			}
			for id, want := range tt.want {
				if got := rtc.Privileges[id]; got != want {
					t.Errorf("privilege %d: got %d, want %d", id, got, want)
				}
			}
		})
	}
}

func TestBundleInvalid(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	pub := func(p *RTCPrivileges) *RTC { return &RTC{Channel: "c", Role: Publisher, Privileges: p} }
	tests := []struct {
		name      string
		bundle    Bundle
		wantField string
		wantMsg   string
	}{
		{"privilege past the token", Bundle{RTC: pub(&RTCPrivileges{PublishAudio: u64(601)}), Expire: u64(600)}, "privileges.publishAudio", "from 1 to the token's lifetime, 600"},
		{"privilege of zero", Bundle{RTC: pub(&RTCPrivileges{JoinChannel: u64(0)}), Expire: u64(600)}, "privileges.joinChannel", "from 1"},
		{"subscriber publishing", Bundle{RTC: &RTC{Channel: "c", Role: Subscriber, Privileges: &RTCPrivileges{PublishData: u64(5)}}, Expire: u64(600)}, "privileges.publishData", "publishers only"},
		{"privileges outlive the token", Bundle{RTMUserID: "bob", Expire: u64(600), RTCPrivilegeExpire: u64(900)}, "privilegeExpire", "from 1 to the token's lifetime, 600"},
		{"unknown version", Bundle{RTMUserID: "bob", Expire: u64(60), Version: "005"}, "version", "must be 007 or 006"},
		{"006 privileges", Bundle{RTC: pub(&RTCPrivileges{}), Expire: u64(60), Version: Version006}, "privileges", "needs version 007"},
		{"006 rtc and rtm", Bundle{RTC: pub(nil), RTMUserID: "bob", Expire: u64(60), Version: Version006}, "rtm", "needs version 007"},
		{"006 chat", Bundle{Chat: &Chat{App: true}, Expire: u64(60), Version: Version006}, "version", "must be 007 for a Chat token"},
		{"006 privilege expiry", Bundle{RTMUserID: "bob", Expire: u64(60), RTCPrivilegeExpire: u64(30), Version: Version006}, "privilegeExpire", "needs version 007"},
		{"006 fpa", Bundle{FPA: true, Expire: u64(60), Version: Version006}, "version", "must be 007 for an FPA token"},
		{"apaas room user and user", Bundle{APaaS: &APaaS{RoomUser: true, User: true, RoomUUID: "r", UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "privilege", "roomUser comes alone"},
		{"apaas room user and app", Bundle{APaaS: &APaaS{RoomUser: true, App: true, RoomUUID: "r", UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "privilege", "roomUser comes alone"},
		{"apaas room user without a room", Bundle{APaaS: &APaaS{RoomUser: true, UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "roomUuid", "is required for privilege roomUser"},
		{"apaas room user without a user", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "r", Role: i16(1)}, Expire: u64(60)}, "userUuid", "is required for privilege roomUser"},
		{"apaas room user without a role", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "r", UserUUID: "u"}, Expire: u64(60)}, "role", "is required for privilege roomUser"},
		{"apaas room too long", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: strings.Repeat("r", 64), UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "roomUuid", "1 to 63 bytes"},
		{"apaas room with a slash", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "a/b", UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "roomUuid", "1 to 63 bytes of a-z"},
		{"apaas role past Agora's", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "r", UserUUID: "u", Role: i16(5)}, Expire: u64(60)}, "role", "4 (observer)"},
		{"apaas negative role", Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "r", UserUUID: "u", Role: i16(-1)}, Expire: u64(60)}, "role", "0 (invisible)"},
		{"apaas room user with RTM", Bundle{RTMUserID: "u", APaaS: &APaaS{RoomUser: true, RoomUUID: "r", UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "privilege", "brings its own RTM and Chat"},
		{"apaas user without a user", Bundle{APaaS: &APaaS{User: true}, Expire: u64(60)}, "userUuid", "is required for privilege user"},
		{"apaas user in a room", Bundle{APaaS: &APaaS{User: true, UserUUID: "u", RoomUUID: "r"}, Expire: u64(60)}, "roomUuid", "does not apply to privilege user"},
		{"apaas user with a role", Bundle{APaaS: &APaaS{User: true, UserUUID: "u", Role: i16(1)}, Expire: u64(60)}, "role", "does not apply to privilege user"},
		{"apaas user starting with a space", Bundle{APaaS: &APaaS{User: true, UserUUID: " u"}, Expire: u64(60)}, "userUuid", "not starting with a space"},
		{"apaas user too long", Bundle{APaaS: &APaaS{User: true, UserUUID: strings.Repeat("u", 65)}, Expire: u64(60)}, "userUuid", "1 to 64 bytes"},
		{"apaas app for a user", Bundle{APaaS: &APaaS{App: true, UserUUID: "u"}, Expire: u64(60)}, "userUuid", "does not apply to privilege app"},
		{"apaas no privilege", Bundle{APaaS: &APaaS{}, Expire: u64(60)}, "privilege", "must be roomUser, user or app"},
		{"006 apaas", Bundle{APaaS: &APaaS{App: true}, Expire: u64(60), Version: Version006}, "version", "must be 007 for an APaaS token"},
		{"006 bad channel", Bundle{RTC: &RTC{Channel: "c/d", Role: Publisher}, Expire: u64(60), Version: Version006}, "channel", "1 to 63 bytes of a-z"},
		{"006 bad role", Bundle{RTC: &RTC{Channel: "c", Role: 7}, Expire: u64(60), Version: Version006}, "role", "publisher or subscriber"},
		{"006 long rtm user", Bundle{RTMUserID: string(make([]byte, 65)), Expire: u64(60), Version: Version006}, "userId", "1 to 64 bytes"},
		{"006 nothing", Bundle{Expire: u64(60), Version: Version006}, "", "at least one service"},
		{"006 too long", Bundle{RTMUserID: "bob", Expire: u64(86401), Version: Version006}, "expire", "from 1 to 86400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokens.signed(tt.bundle)
			assertInvalid(t, err, tt.wantField, tt.wantMsg)
		})
	}
}
