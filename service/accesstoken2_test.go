package service

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// Agora's own package is the reference for every byte encode007 writes.

// propSeed fixes the inputs the property tests draw, so that a run can be
// repeated; -prop.seed=N draws others.
var propSeed = flag.Uint64("prop.seed", 1, "seed of the property tests")

const (
	oracleAppID = testkit.AppID
	oracleCert  = testkit.Certificate
)

// agoraBuild builds the token of the same inputs with Agora's package.
func agoraBuild(appID, certificate string, issueTs, salt, expire uint32, grants []grant) (string, error) {
	at := &accesstoken2.AccessToken{
		AppId:    appID,
		AppCert:  certificate,
		IssueTs:  issueTs,
		Salt:     salt,
		Expire:   expire,
		Services: map[uint16]accesstoken2.IService{},
	}
	for _, g := range grants {
		var s accesstoken2.IService
		var base *accesstoken2.Service
		switch g.service {
		case serviceRTC:
			rtc := accesstoken2.NewServiceRtc(g.fields[0], g.fields[1])
			s, base = rtc, rtc.Service
		case serviceRTM:
			rtm := accesstoken2.NewServiceRtm(g.fields[0])
			s, base = rtm, rtm.Service
		case serviceFPA:
			fpa := accesstoken2.NewServiceFpa()
			s, base = fpa, fpa.Service
		case serviceChat:
			chat := accesstoken2.NewServiceChat(g.fields[0])
			s, base = chat, chat.Service
		case serviceAPaaS:
			apaas := accesstoken2.NewServiceApaas(g.fields[0], g.fields[1], g.role)
			s, base = apaas, apaas.Service
		default:
			return "", fmt.Errorf("no Agora service %d", g.service)
		}
		for _, p := range g.privileges {
			base.AddPrivilege(p.id, p.expire)
		}
		at.AddService(s)
	}
	return at.Build()
}

// agoraCharset is every byte Agora allows in channel names and accounts.
const agoraCharset = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,"

// gen draws the inputs of a token, leaning on the edges of every range.
type gen struct{ r *rand.Rand }

// length is 1 or max a quarter of the time each way, else anything between.
func (g gen) length(max int) int {
	switch g.r.IntN(8) {
	case 0:
		return 1
	case 1:
		return max
	}
	return 1 + g.r.IntN(max)
}

func (g gen) text(n int, charset string) string {
	var b strings.Builder
	for range n {
		b.WriteByte(charset[g.r.IntN(len(charset))])
	}
	return b.String()
}

// userID is an RTM or Chat user id: Agora's characters, or any bytes.
func (g gen) userID() string {
	n := g.length(MaxRTMUserIDBytes)
	if g.r.IntN(2) == 0 {
		return g.text(n, agoraCharset)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return string(b)
}

func (g gen) uint32() uint32 {
	switch g.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MaxUint32
	case 2:
		return uint32(1 + g.r.IntN(86400))
	}
	return g.r.Uint32()
}

func (g gen) hex32() string { return g.text(32, "0123456789abcdefABCDEF") }

func (g gen) privileges(ids ...uint16) []privilege {
	ps := make([]privilege, len(ids))
	for i, id := range ids {
		ps[i] = privilege{id: id, expire: g.uint32()}
	}
	return ps
}

func (g gen) rtc() grant {
	channel := g.text(g.length(MaxChannelBytes), agoraCharset)
	var account string
	switch g.r.IntN(4) {
	case 0:
		account = UIDAccount([]uint32{0, 1, math.MaxUint32}[g.r.IntN(3)])
	case 1:
		account = UIDAccount(g.r.Uint32())
	default:
		account = g.text(g.length(MaxAccountBytes), agoraCharset)
	}
	var privs []privilege
	switch g.r.IntN(3) {
	case 0: // publisher
		privs = g.privileges(privJoinChannel, privPublishAudio, privPublishVideo, privPublishData)
	case 1: // subscriber
		privs = g.privileges(privJoinChannel)
	default: // any other set of RTC privileges
		var ids []uint16
		for id := privJoinChannel; id <= privPublishData; id++ {
			if g.r.IntN(2) == 0 {
				ids = append(ids, id)
			}
		}
		privs = g.privileges(ids...)
	}
	return grant{service: serviceRTC, privileges: privs, fields: []string{channel, account}}
}

func (g gen) chat() grant {
	switch g.r.IntN(3) {
	case 0:
		return grant{service: serviceChat, privileges: g.privileges(privChatUser), fields: []string{g.userID()}}
	case 1:
		return grant{service: serviceChat, privileges: g.privileges(privChatApp), fields: []string{""}}
	}
	return grant{service: serviceChat, privileges: g.privileges(privChatUser, privChatApp), fields: []string{g.userID()}}
}

// apaas draws an APaaS grant: any of its privileges, any strings and role.
func (g gen) apaas() grant {
	var ids []uint16
	for id := privAPaaSRoomUser; id <= privAPaaSApp; id++ {
		if g.r.IntN(2) == 0 {
			ids = append(ids, id)
		}
	}
	role := int16(g.r.Uint32())
	return grant{service: serviceAPaaS, privileges: g.privileges(ids...), fields: []string{g.userID(), g.userID()}, role: role}
}

// grants draws a non-empty set of services.
func (g gen) grants() []grant {
	var gs []grant
	set := 1 + g.r.IntN(31)
	if set&1 != 0 {
		gs = append(gs, g.rtc())
	}
	if set&2 != 0 {
		gs = append(gs, grant{service: serviceRTM, privileges: g.privileges(privRTMLogin), fields: []string{g.userID()}})
	}
	if set&4 != 0 {
		gs = append(gs, grant{service: serviceFPA, privileges: g.privileges(privFPALogin), fields: []string{}})
	}
	if set&8 != 0 {
		gs = append(gs, g.chat())
	}
	if set&16 != 0 {
		gs = append(gs, g.apaas())
	}
	return gs
}

func TestEncode007MatchesAgora(t *testing.T) {
	seed := *propSeed
	t.Logf("-prop.seed=%d", seed)
	g := gen{rand.New(rand.NewPCG(seed, 0))}
	const cases = 3000
	for i := range cases {
		appID, cert := g.hex32(), g.hex32()
		issueTs, salt, expire := g.uint32(), g.uint32(), g.uint32()
		grants := g.grants()
		want, err := agoraBuild(appID, cert, issueTs, salt, expire, grants)
		if err != nil {
			t.Fatalf("Agora's package failed: %v", err)
		}
		got, err := encode007(appID, cert, issueTs, salt, expire, grants)
		if err != nil {
			t.Fatalf("case %d of -prop.seed=%d: encode007: %v", i, seed, err)
		}
		if g, w := testkit.Payload007(t, got), testkit.Payload007(t, want); !bytes.Equal(g, w) {
			t.Fatalf("case %d of -prop.seed=%d: encode007(issueTs=%d salt=%d expire=%d grants=%+v)\n got payload %x\nwant payload %x",
				i, seed, issueTs, salt, expire, grants, g, w)
		}
	}
}

func TestEncode007Rejects(t *testing.T) {
	rtm := grant{service: serviceRTM, privileges: []privilege{{privRTMLogin, 60}}, fields: []string{"u"}}
	rtc := grant{service: serviceRTC, privileges: []privilege{{privJoinChannel, 60}}, fields: []string{"c", ""}}
	tests := []struct {
		name        string
		appID, cert string
		grants      []grant
		agoraErrs   bool // Agora's package rejects it too
	}{
		{"short App ID", oracleAppID[1:], oracleCert, []grant{rtm}, true},
		{"App ID not hex", "x" + oracleAppID[1:], oracleCert, []grant{rtm}, true},
		{"short certificate", oracleAppID, oracleCert + "0", []grant{rtm}, true},
		{"certificate not hex", oracleAppID, oracleCert[1:] + "g", []grant{rtm}, true},
		{"services out of order", oracleAppID, oracleCert, []grant{rtm, rtc}, false},
		{"service twice", oracleAppID, oracleCert, []grant{rtm, rtm}, false},
		{"unknown service", oracleAppID, oracleCert, []grant{{service: 9, fields: []string{"u"}}}, false},
		{"RTC without uid", oracleAppID, oracleCert, []grant{{service: serviceRTC, fields: []string{"c"}}}, false},
		{"privileges out of order", oracleAppID, oracleCert, []grant{{service: serviceChat,
			privileges: []privilege{{privChatApp, 1}, {privChatUser, 1}}, fields: []string{"u"}}}, false},
		{"string too long", oracleAppID, oracleCert, []grant{{service: serviceRTM,
			privileges: []privilege{{privRTMLogin, 1}}, fields: []string{strings.Repeat("u", math.MaxUint16+1)}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := encode007(tt.appID, tt.cert, 1, 2, 3, tt.grants); err == nil {
				t.Errorf("encode007 = %q, want an error", got)
			}
			if tt.agoraErrs {
				if got, err := agoraBuild(tt.appID, tt.cert, 1, 2, 3, tt.grants); err == nil {
					t.Errorf("Agora's Build = %q, want an error", got)
				}
			}
		})
	}
}

// FuzzEncode007 draws any strings and numbers, far beyond what the server
// accepts, and wants Agora's payload or, for a bad App ID or certificate,
// an error from both.
func FuzzEncode007(f *testing.F) {
	f.Fuzz(func(t *testing.T, appID, cert string, issueTs, salt, expire, privExpire uint32,
		services, rtcPrivileges uint8, channel, account, rtmUser, chatUser string) {
		for _, s := range []string{channel, account, rtmUser, chatUser} {
			if len(s) > math.MaxUint16 {
				t.Skip("Agora's package cannot write a string this long")
			}
		}
		var grants []grant
		if services&1 != 0 {
			var privs []privilege
			for id := privJoinChannel; id <= privPublishData; id++ {
				if rtcPrivileges&(1<<(id-1)) != 0 {
					privs = append(privs, privilege{id, privExpire + uint32(id)})
				}
			}
			grants = append(grants, grant{service: serviceRTC, privileges: privs, fields: []string{channel, account}})
		}
		if services&2 != 0 {
			grants = append(grants, grant{service: serviceRTM, privileges: []privilege{{privRTMLogin, privExpire}}, fields: []string{rtmUser}})
		}
		if services&12 != 0 {
			var privs []privilege
			if services&4 != 0 {
				privs = append(privs, privilege{privChatUser, privExpire})
			}
			if services&8 != 0 {
				privs = append(privs, privilege{privChatApp, ^privExpire})
			}
			grants = append(grants, grant{service: serviceChat, privileges: privs, fields: []string{chatUser}})
		}

		want, wantErr := agoraBuild(appID, cert, issueTs, salt, expire, grants)
		got, err := encode007(appID, cert, issueTs, salt, expire, grants)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("encode007 error %v, Agora's %v", err, wantErr)
		}
		if err == nil {
			testkit.SamePayload(t, got, want)
		}
	})
}

// TestTokensMatchAgora follows each kind of token from Tokens down to the
// signed payload, against what Agora's package puts in the same token.
func TestTokensMatchAgora(t *testing.T) {
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const salt = 424242
	tokens := New(oracleAppID, oracleCert, Options{
		Now:  func() time.Time { return issued.Add(700 * time.Millisecond) },
		Salt: func() uint32 { return salt },
	})
	rtc := func(channel, uid string, ids ...uint16) grant {
		return grant{service: serviceRTC, privileges: each(600, ids...), fields: []string{channel, uid}}
	}
	tests := []struct {
		name  string
		issue func() (Token, error)
		want  []grant
	}{
		{"RTC publisher by uid", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "room 1", Account: UIDAccount(math.MaxUint32), Role: Publisher}, 600)
		}, []grant{rtc("room 1", "4294967295", privJoinChannel, privPublishAudio, privPublishVideo, privPublishData)}},
		{"RTC subscriber, any uid", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "room 1", Account: UIDAccount(0), Role: Subscriber}, 600)
		}, []grant{rtc("room 1", "", privJoinChannel)}},
		{"RTC publisher by account", func() (Token, error) {
			return tokens.rtcToken(RTC{Channel: "c", Account: "alice@example", Role: Publisher}, 600)
		}, []grant{rtc("c", "alice@example", privJoinChannel, privPublishAudio, privPublishVideo, privPublishData)}},
		{"RTM", func() (Token, error) { return tokens.rtmToken("bob", 600) },
			[]grant{{service: serviceRTM, privileges: each(600, privRTMLogin), fields: []string{"bob"}}}},
		{"Chat user", func() (Token, error) { return tokens.chatToken("carol", 600) },
			[]grant{{service: serviceChat, privileges: each(600, privChatUser), fields: []string{"carol"}}}},
		{"Chat app", func() (Token, error) { return tokens.chatToken("", 600) },
			[]grant{{service: serviceChat, privileges: each(600, privChatApp), fields: []string{""}}}},
		{"bundle of every service", func() (Token, error) {
			return tokens.signed(Bundle{
				RTC:       &RTC{Channel: "c", Account: "7", Role: Subscriber},
				RTMUserID: "7",
				Chat:      &Chat{UserID: "7", User: true, App: true},
				Expire:    u64(600),
			})
		}, []grant{
			rtc("c", "7", privJoinChannel),
			{service: serviceRTM, privileges: each(600, privRTMLogin), fields: []string{"7"}},
			{service: serviceChat, privileges: each(600, privChatUser, privChatApp), fields: []string{"7"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.issue()
			if err != nil {
				t.Fatal(err)
			}
			want, err := agoraBuild(oracleAppID, oracleCert, uint32(issued.Unix()), salt, 600, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			testkit.SamePayload(t, tok.Value, want)
			parsed := testkit.Verify007(t, tok.Value, oracleAppID, oracleCert)
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

func each(expire uint32, ids ...uint16) []privilege {
	ps := make([]privilege, len(ids))
	for i, id := range ids {
		ps[i] = privilege{id, expire}
	}
	return ps
}
