package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// parse checks a token signed with the test credentials and returns it
// as Agora's own package reads it.
func parse(t *testing.T, token string) *testkit.Token007 {
	t.Helper()
	return testkit.Verify007(t, token, testkit.AppID, testkit.Certificate)
}

func TestRTCToken(t *testing.T) {
	tests := []struct {
		name  string
		rtc   RTC
		privs map[uint16]uint32
	}{
		{"publisher uid", RTC{Channel: "room 1", Account: "1234", Role: Publisher},
			map[uint16]uint32{agoratoken.RTCJoinChannel: 600, agoratoken.RTCPublishAudio: 600, agoratoken.RTCPublishVideo: 600, agoratoken.RTCPublishData: 600}},
		{"subscriber account", RTC{Channel: "room", Account: "alice@example", Role: Subscriber},
			map[uint16]uint32{agoratoken.RTCJoinChannel: 600}},
		{"any uid", RTC{Channel: "room", Account: "", Role: Subscriber},
			map[uint16]uint32{agoratoken.RTCJoinChannel: 600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := newTestTokens(testkit.AppID, testkit.Certificate, testNow).rtcToken(tt.rtc, 600)
			if err != nil {
				t.Fatal(err)
			}
			at := parse(t, tok.Value)
			if at.AppId != testkit.AppID || at.IssueTs != uint32(testNow.Unix()) || at.Expire != 600 || at.Salt != testSalt {
				t.Errorf("header = %s %d %d %d", at.AppId, at.IssueTs, at.Expire, at.Salt)
			}
			rtc, ok := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
			if !ok || len(at.Services) != 1 {
				t.Fatalf("services = %v, want one RTC service", at.Services)
			}
			if rtc.ChannelName != tt.rtc.Channel || rtc.Uid != tt.rtc.Account {
				t.Errorf("channel, uid = %q, %q; want %q, %q", rtc.ChannelName, rtc.Uid, tt.rtc.Channel, tt.rtc.Account)
			}
			assertPrivileges(t, rtc.Privileges, tt.privs)
			if tok.Version != Version007 || !tok.IssuedAt.Equal(testNow) || !tok.ExpiresAt.Equal(testNow.Add(600*time.Second)) {
				t.Errorf("token meta = %+v", tok)
			}
		})
	}
}

func assertPrivileges(t *testing.T, got, want map[uint16]uint32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("privileges = %v, want %v", got, want)
	}
	for id, exp := range want {
		if got[id] != exp {
			t.Errorf("privilege %d expires %d, want %d", id, got[id], exp)
		}
	}
}

func TestRTMAndChatTokens(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)

	rtm, err := tokens.rtmToken("user-7", 120)
	if err != nil {
		t.Fatal(err)
	}
	s := parse(t, rtm.Value).Services[accesstoken2.ServiceTypeRtm].(*accesstoken2.ServiceRtm)
	if s.UserId != "user-7" {
		t.Errorf("RTM user = %q", s.UserId)
	}
	assertPrivileges(t, s.Privileges, map[uint16]uint32{agoratoken.RTMLogin: 120})

	user, err := tokens.chatToken("bob", 300)
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, user.Value).Services[accesstoken2.ServiceTypeChat].(*accesstoken2.ServiceChat)
	if c.UserId != "bob" {
		t.Errorf("chat user = %q", c.UserId)
	}
	assertPrivileges(t, c.Privileges, map[uint16]uint32{agoratoken.ChatUser: 300})

	app, err := tokens.chatToken("", 300)
	if err != nil {
		t.Fatal(err)
	}
	c = parse(t, app.Value).Services[accesstoken2.ServiceTypeChat].(*accesstoken2.ServiceChat)
	if c.UserId != "" {
		t.Errorf("chat app token user = %q, want empty", c.UserId)
	}
	assertPrivileges(t, c.Privileges, map[uint16]uint32{agoratoken.ChatApp: 300})
}

func TestSaltIsRandom(t *testing.T) {
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	seen := map[uint32]bool{}
	for range 50 {
		tok, err := tokens.rtmToken("u", 60)
		if err != nil {
			t.Fatal(err)
		}
		seen[parse(t, tok.Value).Salt] = true
	}
	if len(seen) < 49 {
		t.Errorf("50 tokens drew only %d distinct salts", len(seen))
	}
}

func TestInvalidRequests(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"channel too long", func() error {
			_, err := tokens.rtcToken(RTC{Channel: string(make([]byte, 64)), Role: Publisher}, 60)
			return err
		}, "channel"},
		{"channel bad char", func() error {
			_, err := tokens.rtcToken(RTC{Channel: "a/b", Role: Publisher}, 60)
			return err
		}, "channel"},
		{"no role", func() error { _, err := tokens.rtcToken(RTC{Channel: "a"}, 60); return err }, "role"},
		{"zero expiry", func() error { _, err := tokens.rtmToken("u", 0); return err }, "expire"},
		{"expiry over max", func() error { _, err := tokens.rtmToken("u", 86401); return err }, "expire"},
		{"rtm user too long", func() error { _, err := tokens.rtmToken(string(make([]byte, 65)), 60); return err }, "userId"},
		{"empty bundle", func() error { _, err := tokens.signed(Bundle{Expire: u64(60)}); return err }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *Error
			if !errors.As(err, &e) || e.Kind != Invalid || e.Field != tt.field {
				t.Fatalf("err = %#v, want Invalid on %q", err, tt.field)
			}
		})
	}
}

// TestLifetimes holds Issue to the one rule of lifetimes: the default
// when none is asked for, else 1 second to the maximum, and an RTC
// privilege within its token.
func TestLifetimes(t *testing.T) {
	tokens := New(testkit.AppID, testkit.Certificate, Options{
		DefaultExpiry: 600,
		MaxExpiry:     7200,
		Now:           func() time.Time { return testNow },
	})
	tests := []struct {
		name               string
		expire, rtc        *uint64
		wantToken, wantRTC time.Duration
		err                string
	}{
		{name: "default", wantToken: 600 * time.Second, wantRTC: 600 * time.Second},
		{name: "one second", expire: u64(1), wantToken: time.Second, wantRTC: time.Second},
		{name: "max", expire: u64(7200), wantToken: 7200 * time.Second, wantRTC: 7200 * time.Second},
		{name: "privilege of its own", expire: u64(900), rtc: u64(300), wantToken: 900 * time.Second, wantRTC: 300 * time.Second},
		{name: "privilege within the default", rtc: u64(600), wantToken: 600 * time.Second, wantRTC: 600 * time.Second},
		{name: "zero", expire: u64(0), err: "expire: must be a whole number of seconds from 1 to 7200"},
		{name: "over max", expire: u64(7201), err: "expire: must be a whole number of seconds from 1 to 7200"},
		{name: "would wrap a uint32", expire: u64(1 << 32), err: "expire: must be a whole number of seconds from 1 to 7200"},
		{name: "privilege of zero", rtc: u64(0), err: "privilegeExpire: must be a whole number of seconds from 1 to the token's lifetime, 600"},
		{name: "privilege past the token", expire: u64(60), rtc: u64(61), err: "privilegeExpire: must be a whole number of seconds from 1 to the token's lifetime, 60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokens.Issue(context.Background(), Bundle{
				RTC:                &RTC{Channel: "c", Role: Subscriber},
				Expire:             tt.expire,
				RTCPrivilegeExpire: tt.rtc,
			})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok := got[0]
			if life := tok.ExpiresAt.Sub(tok.IssuedAt); life != tt.wantToken {
				t.Errorf("token lives %v, want %v", life, tt.wantToken)
			}
			if life := tok.Services[0].Privileges[0].ExpiresAt.Sub(tok.IssuedAt); life != tt.wantRTC {
				t.Errorf("joinChannel lives %v, want %v", life, tt.wantRTC)
			}
			if v := parse(t, tok.Value); v.Expire != uint32(tt.wantToken/time.Second) {
				t.Errorf("the token carries expire %d, want %d", v.Expire, tt.wantToken/time.Second)
			}
		})
	}
}

func TestRules(t *testing.T) {
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name string
		ok   func(string) bool
		in   string
		want bool
	}{
		{"channel all punctuation", ValidChannel, " !#$%&()+-:;<=.>?@[]^_{}|~,", true},
		{"channel 63 bytes", ValidChannel, long(63), true},
		{"channel 64 bytes", ValidChannel, long(64), false},
		{"channel empty", ValidChannel, "", false},
		{"channel slash", ValidChannel, "a/b", false},
		{"channel quote", ValidChannel, `a"b`, false},
		{"channel non-ASCII", ValidChannel, "café", false},
		{"account 255 bytes", ValidAccount, long(255), true},
		{"account 256 bytes", ValidAccount, long(256), false},
		{"user id 64 bytes", ValidUserID, long(64), true},
		{"user id 65 bytes", ValidUserID, long(65), false},
		{"user id of Agora's characters", ValidUserID, "ann.lee@example.com|7 (home)", true},
		{"user id all punctuation", ValidUserID, "!#$%&()+-:;<=.>?@[]^_{}|~,", true},
		{"user id 0", ValidUserID, "0", true},
		{"user id empty", ValidUserID, "", false},
		{"user id non-ASCII", ValidUserID, "名前", false},
		{"user id NUL and control bytes", ValidUserID, "a\x00\x01", false},
		{"user id tab", ValidUserID, "a\tb", false},
		{"user id invalid UTF-8", ValidUserID, "\xff\xfe", false},
		{"user id replacement character", ValidUserID, "\ufffd", false},
		{"user id slash", ValidUserID, "a/b", false},
		{"user id leading space", ValidUserID, " ann", false},
		{"user id only spaces", ValidUserID, "   ", false},
		{"user id inner space", ValidUserID, "ann lee", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ok(tt.in); got != tt.want {
				t.Errorf("got %t, want %t", got, tt.want)
			}
		})
	}
	for in, want := range map[string]uint32{"": 0, "0": 0, "1": 1, "4294967295": 4294967295} {
		if got, ok := ParseUID(in); !ok || got != want {
			t.Errorf("ParseUID(%q) = %d, %t", in, got, ok)
		}
	}
	for _, in := range []string{"4294967296", "-1", "+1", "1e3", " 1", "abc"} {
		if _, ok := ParseUID(in); ok {
			t.Errorf("ParseUID(%q) accepted", in)
		}
	}
}
