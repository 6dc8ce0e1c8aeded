package agoratoken_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// Agora's own package is the reference for every byte encode007 writes.

// encode and agoraBuild put the same token through Encode007 and through
// Agora's package.
func encode(appID, cert string, issueTs, salt, expire uint32, grants []agoratoken.Grant) (string, error) {
	return agoratoken.Encode007(cert, agoratoken.AccessToken2{AppID: appID, IssueTs: issueTs, Expire: expire, Salt: salt, Grants: grants})
}

func agoraBuild(appID, cert string, issueTs, salt, expire uint32, grants []agoratoken.Grant) (string, error) {
	return testkit.Agora007(cert, agoratoken.AccessToken2{AppID: appID, IssueTs: issueTs, Expire: expire, Salt: salt, Grants: grants})
}

func uidAccount(uid uint32) string {
	if uid == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(uid), 10)
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
	n := g.length(64)
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

func (g gen) privileges(ids ...uint16) []agoratoken.Privilege {
	ps := make([]agoratoken.Privilege, len(ids))
	for i, id := range ids {
		ps[i] = agoratoken.Privilege{ID: id, Expire: g.uint32()}
	}
	return ps
}

func (g gen) rtc() agoratoken.Grant {
	channel := g.text(g.length(63), agoraCharset)
	var account string
	switch g.r.IntN(4) {
	case 0:
		account = uidAccount([]uint32{0, 1, math.MaxUint32}[g.r.IntN(3)])
	case 1:
		account = uidAccount(g.r.Uint32())
	default:
		account = g.text(g.length(255), agoraCharset)
	}
	var privs []agoratoken.Privilege
	switch g.r.IntN(3) {
	case 0: // publisher
		privs = g.privileges(agoratoken.RTCJoinChannel, agoratoken.RTCPublishAudio, agoratoken.RTCPublishVideo, agoratoken.RTCPublishData)
	case 1: // subscriber
		privs = g.privileges(agoratoken.RTCJoinChannel)
	default: // any other set of RTC privileges
		var ids []uint16
		for id := agoratoken.RTCJoinChannel; id <= agoratoken.RTCPublishData; id++ {
			if g.r.IntN(2) == 0 {
				ids = append(ids, id)
			}
		}
		privs = g.privileges(ids...)
	}
	return agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: privs, Fields: []string{channel, account}}
}

func (g gen) chat() agoratoken.Grant {
	switch g.r.IntN(3) {
	case 0:
		return agoratoken.Grant{Service: agoratoken.ServiceChat, Privileges: g.privileges(agoratoken.ChatUser), Fields: []string{g.userID()}}
	case 1:
		return agoratoken.Grant{Service: agoratoken.ServiceChat, Privileges: g.privileges(agoratoken.ChatApp), Fields: []string{""}}
	}
	return agoratoken.Grant{Service: agoratoken.ServiceChat, Privileges: g.privileges(agoratoken.ChatUser, agoratoken.ChatApp), Fields: []string{g.userID()}}
}

// apaas draws an APaaS grant: any of its privileges, any strings and role.
func (g gen) apaas() agoratoken.Grant {
	var ids []uint16
	for id := agoratoken.APaaSRoomUser; id <= agoratoken.APaaSApp; id++ {
		if g.r.IntN(2) == 0 {
			ids = append(ids, id)
		}
	}
	role := int16(g.r.Uint32())
	return agoratoken.Grant{Service: agoratoken.ServiceAPaaS, Privileges: g.privileges(ids...), Fields: []string{g.userID(), g.userID()}, Role: role}
}

// grants draws a non-empty set of services.
func (g gen) grants() []agoratoken.Grant {
	var gs []agoratoken.Grant
	set := 1 + g.r.IntN(31)
	if set&1 != 0 {
		gs = append(gs, g.rtc())
	}
	if set&2 != 0 {
		gs = append(gs, agoratoken.Grant{Service: agoratoken.ServiceRTM, Privileges: g.privileges(agoratoken.RTMLogin), Fields: []string{g.userID()}})
	}
	if set&4 != 0 {
		gs = append(gs, agoratoken.Grant{Service: agoratoken.ServiceFPA, Privileges: g.privileges(agoratoken.FPALogin), Fields: []string{}})
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
	seed := *agoratoken.PropSeed
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
		got, err := encode(appID, cert, issueTs, salt, expire, grants)
		if err != nil {
			t.Fatalf("case %d of -prop.seed=%d: encode007: %v", i, seed, err)
		}
		if g, w := testkit.Payload007(t, got), testkit.Payload007(t, want); !bytes.Equal(g, w) {
			t.Fatalf("case %d of -prop.seed=%d: encode(issueTs=%d salt=%d expire=%d grants=%+v)\n got payload %x\nwant payload %x",
				i, seed, issueTs, salt, expire, grants, g, w)
		}
	}
}

func TestEncode007Rejects(t *testing.T) {
	rtm := agoratoken.Grant{Service: agoratoken.ServiceRTM, Privileges: []agoratoken.Privilege{{agoratoken.RTMLogin, 60}}, Fields: []string{"u"}}
	rtc := agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: []agoratoken.Privilege{{agoratoken.RTCJoinChannel, 60}}, Fields: []string{"c", ""}}
	tests := []struct {
		name        string
		appID, cert string
		grants      []agoratoken.Grant
		agoraErrs   bool // Agora's package rejects it too
	}{
		{"short App ID", testkit.AppID[1:], testkit.Certificate, []agoratoken.Grant{rtm}, true},
		{"App ID not hex", "x" + testkit.AppID[1:], testkit.Certificate, []agoratoken.Grant{rtm}, true},
		{"short certificate", testkit.AppID, testkit.Certificate + "0", []agoratoken.Grant{rtm}, true},
		{"certificate not hex", testkit.AppID, testkit.Certificate[1:] + "g", []agoratoken.Grant{rtm}, true},
		{"services out of order", testkit.AppID, testkit.Certificate, []agoratoken.Grant{rtm, rtc}, false},
		{"service twice", testkit.AppID, testkit.Certificate, []agoratoken.Grant{rtm, rtm}, false},
		{"unknown service", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: 11}}, false},
		{"ConvoAI with a string", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceConvoAI, Fields: []string{"u"}}}, false},
		{"resources outside RTM2", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceRTM, Fields: []string{"u"}, Resources: []agoratoken.Resources{{Names: []string{"c"}}}}}, false},
		{"resources out of order", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceRTM2, Fields: []string{"u"}, Resources: []agoratoken.Resources{{Kind: 1}, {Kind: 0}}}}, false},
		{"resource pair twice", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceRTM2, Fields: []string{"u"}, Resources: []agoratoken.Resources{{Kind: 1, Permission: 1}, {Kind: 1, Permission: 1}}}}, false},
		{"RTC without uid", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceRTC, Fields: []string{"c"}}}, false},
		{"privileges out of order", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceChat,
			Privileges: []agoratoken.Privilege{{agoratoken.ChatApp, 1}, {agoratoken.ChatUser, 1}}, Fields: []string{"u"}}}, false},
		{"string too long", testkit.AppID, testkit.Certificate, []agoratoken.Grant{{Service: agoratoken.ServiceRTM,
			Privileges: []agoratoken.Privilege{{agoratoken.RTMLogin, 1}}, Fields: []string{strings.Repeat("u", math.MaxUint16+1)}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := encode(tt.appID, tt.cert, 1, 2, 3, tt.grants); err == nil {
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
		var grants []agoratoken.Grant
		if services&1 != 0 {
			var privs []agoratoken.Privilege
			for id := agoratoken.RTCJoinChannel; id <= agoratoken.RTCPublishData; id++ {
				if rtcPrivileges&(1<<(id-1)) != 0 {
					privs = append(privs, agoratoken.Privilege{id, privExpire + uint32(id)})
				}
			}
			grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: privs, Fields: []string{channel, account}})
		}
		if services&2 != 0 {
			grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceRTM, Privileges: []agoratoken.Privilege{{agoratoken.RTMLogin, privExpire}}, Fields: []string{rtmUser}})
		}
		if services&12 != 0 {
			var privs []agoratoken.Privilege
			if services&4 != 0 {
				privs = append(privs, agoratoken.Privilege{agoratoken.ChatUser, privExpire})
			}
			if services&8 != 0 {
				privs = append(privs, agoratoken.Privilege{agoratoken.ChatApp, ^privExpire})
			}
			grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceChat, Privileges: privs, Fields: []string{chatUser}})
		}

		want, wantErr := agoraBuild(appID, cert, issueTs, salt, expire, grants)
		got, err := encode(appID, cert, issueTs, salt, expire, grants)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("encode007 error %v, Agora's %v", err, wantErr)
		}
		if err == nil {
			testkit.SamePayload(t, got, want)
		}
	})
}

// A token's every byte is fixed by its inputs, whichever Go release
// builds the server: the zlib stream is written by appendStored, not by
// compress/zlib, whose last bytes changed in Go 1.27.
func TestEncode007IsTheSameOnEveryRelease(t *testing.T) {
	rtc := agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: []agoratoken.Privilege{{ID: agoratoken.RTCJoinChannel, Expire: 3600}}, Fields: []string{"room", "42"}}
	got, err := encode(testkit.AppID, testkit.Certificate, 1_800_000_000, 12345, 3600, []agoratoken.Grant{rtc})
	if err != nil {
		t.Fatal(err)
	}
	const want = "007eAEAZgCZ/yAAYaKe+fochL8RFFK5Eg5XcY9B27Wh8yAQSVK7OCM704QgADk3MENBMzVkZTYwYzQ0NjQ1YmJhZThhMjE1MDYxYjMzANJJaxAOAAA5MAAAAQABAAEAAQAQDgAABAByb29tAgA0MgEAAP//024bSg=="
	if got != want {
		t.Errorf("token = %s\nwant    %s", got, want)
	}
	agora, err := agoraBuild(testkit.AppID, testkit.Certificate, 1_800_000_000, 12345, 3600, []agoratoken.Grant{rtc})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(testkit.Payload007(t, want), testkit.Payload007(t, agora)) {
		t.Errorf("the pinned token does not carry what Agora's package signs")
	}
}
