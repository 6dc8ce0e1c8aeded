package service

import (
	"math"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// TestTokensMatchAgora follows each kind of token from Tokens down to the
// signed payload, against what Agora's package puts in the same token.
func TestTokensMatchAgora(t *testing.T) {
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const salt = 424242
	tokens := New(testkit.AppID, testkit.Certificate, Options{
		Now:  func() time.Time { return issued.Add(700 * time.Millisecond) },
		Salt: func() uint32 { return salt },
	})
	rtc := func(channel, uid string, ids ...uint16) agoratoken.Grant {
		return agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: each(600, ids...), Fields: []string{channel, uid}}
	}
	tests := []struct {
		name  string
		issue func() (Token, error)
		want  []agoratoken.Grant
	}{
		{"RTC publisher by uid", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "room 1", Account: UIDAccount(math.MaxUint32), Role: Publisher}, 600)
		}, []agoratoken.Grant{rtc("room 1", "4294967295", agoratoken.RTCJoinChannel, agoratoken.RTCPublishAudio, agoratoken.RTCPublishVideo, agoratoken.RTCPublishData)}},
		{"RTC subscriber, any uid", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "room 1", Account: UIDAccount(0), Role: Subscriber}, 600)
		}, []agoratoken.Grant{rtc("room 1", "", agoratoken.RTCJoinChannel)}},
		{"RTC publisher by account", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "c", Account: "alice@example", Role: Publisher}, 600)
		}, []agoratoken.Grant{rtc("c", "alice@example", agoratoken.RTCJoinChannel, agoratoken.RTCPublishAudio, agoratoken.RTCPublishVideo, agoratoken.RTCPublishData)}},
		{"RTM", func() (Token, error) { return tokens.rtmToken("bob", 600) },
			[]agoratoken.Grant{{Service: agoratoken.ServiceRTM, Privileges: each(600, agoratoken.RTMLogin), Fields: []string{"bob"}}}},
		{"Chat user", func() (Token, error) { return tokens.chatToken("carol", 600) },
			[]agoratoken.Grant{{Service: agoratoken.ServiceChat, Privileges: each(600, agoratoken.ChatUser), Fields: []string{"carol"}}}},
		{"Chat app", func() (Token, error) { return tokens.chatToken("", 600) },
			[]agoratoken.Grant{{Service: agoratoken.ServiceChat, Privileges: each(600, agoratoken.ChatApp), Fields: []string{""}}}},
		{"bundle of every service", func() (Token, error) {
			return tokens.signed(Bundle{
				RTC:       &RTC{Channel: "c", Account: "7", Role: Subscriber},
				RTMUserID: "7",
				Chat:      &Chat{UserID: "7", User: true, App: true},
				Expire:    u64(600),
			})
		}, []agoratoken.Grant{
			rtc("c", "7", agoratoken.RTCJoinChannel),
			{Service: agoratoken.ServiceRTM, Privileges: each(600, agoratoken.RTMLogin), Fields: []string{"7"}},
			{Service: agoratoken.ServiceChat, Privileges: each(600, agoratoken.ChatUser, agoratoken.ChatApp), Fields: []string{"7"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.issue()
			if err != nil {
				t.Fatal(err)
			}
			want, err := testkit.Agora007(testkit.Certificate, agoratoken.AccessToken2{
				AppID: testkit.AppID, IssueTs: uint32(issued.Unix()), Expire: 600, Salt: salt, Grants: tt.want,
			})
			if err != nil {
				t.Fatal(err)
			}
			testkit.SamePayload(t, tok.Value, want)
			parsed := testkit.Verify007(t, tok.Value, testkit.AppID, testkit.Certificate)
			if parsed.IssueTs != uint32(issued.Unix()) || parsed.Expire != 600 || parsed.Salt != salt {
				t.Errorf("parsed issueTs %d, expire %d, salt %d; want %d, 600, %d",
					parsed.IssueTs, parsed.Expire, parsed.Salt, issued.Unix(), salt)
			}
			if got, want := len(parsed.Services), len(tt.want); got != want {
				t.Errorf("parsed %d services, want %d", got, want)
			}
		})
	}
}
