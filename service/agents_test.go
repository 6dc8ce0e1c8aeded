package service

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// TestNewestTokensMatchAgorasNPMBuilders mints the tokens of Agora's
// newest builders and has Agora's npm package, given the same input and
// the same clock and salt, build its own: both must sign the same bytes,
// and the npm package must read the same services, ids, privileges and
// lifetimes from ours as from its own.
func TestNewestTokensMatchAgorasNPMBuilders(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	perms := &RTMPermissions{
		MessageChannels: &RTMResources{Read: []string{"news", "chat-1"}, Write: []string{"chat-1"}},
		GroupChannels:   &RTMResources{Write: []string{"team"}},
		Users:           &RTMResources{Read: []string{"alice"}},
	}
	withExpiry := func(b Bundle, expire, privilege uint64) Bundle {
		b.Expire, b.RTCPrivilegeExpire = u64(expire), u64(privilege)
		return b
	}
	tests := []struct {
		name   string
		bundle Bundle
		npm    testkit.NPMJob
	}{
		{"convoai for a uid", withExpiry(AgentBundle(ConvoAI, "support", "1001", ""), 900, 600),
			testkit.NPMBuild("convoai", 0, 0, testkit.NPMJob{"channel": "support", "account": "1001", "tokenExpire": 900, "privilegeExpire": 600, "rtmUserId": "1001", "rtmExpire": 900})},
		{"convoai for an account with its RTM user", withExpiry(AgentBundle(ConvoAI, "support", "agent-1", "agent-rtm"), 3600, 3600),
			testkit.NPMBuild("convoai", 0, 0, testkit.NPMJob{"channel": "support", "account": "agent-1", "tokenExpire": 3600, "privilegeExpire": 3600, "rtmUserId": "agent-rtm", "rtmExpire": 3600})},
		{"stt for uid 0", withExpiry(AgentBundle(STT, "meeting", "", ""), 600, 300),
			testkit.NPMBuild("stt", 0, 0, testkit.NPMJob{"channel": "meeting", "account": "", "tokenExpire": 600, "privilegeExpire": 300, "rtmUserId": "0", "rtmExpire": 600})},
		{"rtc with an rtm login of its own lifetime", Bundle{RTC: &RTC{Channel: "lobby", Account: "7", Role: Subscriber}, RTMUserID: "seven", RTMExpire: u64(120), Expire: u64(600)},
			testkit.NPMBuild("rtcWithRtm2", 0, 0, testkit.NPMJob{"channel": "lobby", "account": "7", "role": "subscriber", "tokenExpire": 600, "privilegeExpire": 600, "rtmUserId": "seven", "rtmExpire": 120})},
		{"rtm with permissions", Bundle{RTMUserID: "bob", RTMPermissions: perms, Expire: u64(900)},
			testkit.NPMBuild("rtmPermissions", 0, 0, testkit.NPMJob{"userId": "bob", "expire": 900, "permissions": map[string]map[string][]string{
				"0": {"0": {"news", "chat-1"}, "1": {"chat-1"}}, "2": {"1": {"team"}}, "4": {"0": {"alice"}}}})},
		{"rtm with empty permissions", Bundle{RTMUserID: "bob", RTMPermissions: &RTMPermissions{Users: &RTMResources{}}, Expire: u64(900)},
			testkit.NPMBuild("rtmPermissions", 0, 0, testkit.NPMJob{"userId": "bob", "expire": 900})},
		{"rtm without permissions", Bundle{RTMUserID: "bob", Expire: u64(900)},
			testkit.NPMBuild("rtm", 0, 0, testkit.NPMJob{"userId": "bob", "expire": 900})},
	}
	jobs := make([]testkit.NPMJob, len(tests))
	ours := make([]string, len(tests))
	for i, tt := range tests {
		jobs[i] = tt.npm
		jobs[i]["issueTs"], jobs[i]["salt"] = testNow.Unix(), testSalt
		ours[i] = mint(t, tokens, tt.bundle)
	}
	theirs := testkit.NPMTokens(t, jobs...)
	readOurs, readTheirs := testkit.NPMRead(t, ours...), testkit.NPMRead(t, theirs...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testkit.SamePayload(t, ours[i], theirs[i])
			got, want := readOurs[i], readTheirs[i]
			if !got.OK || !got.SignatureValid || got.AppID != testkit.AppID {
				t.Errorf("Agora's npm package reads ours: ok %v, signature valid %v, app %s", got.OK, got.SignatureValid, got.AppID)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Agora's npm package reads ours otherwise than its own:\n got %+v\nwant %+v", got, want)
			}
			testkit.Verify007(t, ours[i], testkit.AppID, testkit.Certificate)
		})
	}
}

// TestAgentTokens checks what the answer says of an agent's token.
func TestAgentTokens(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	b := AgentBundle(ConvoAI, "support", "1001", "")
	b.Expire, b.RTCPrivilegeExpire = u64(900), u64(600)
	got, err := tokens.Issue(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	in600 := testNow.Add(600 * time.Second)
	want := []Access{
		{Service: "rtc", Channel: "support", UID: ptr(uint32(1001)), Privileges: rtcPrivs(in600, in600, in600, in600)},
		{Service: "rtm", UserID: "1001", Privileges: []PrivilegeExpiry{{"login", testNow.Add(900 * time.Second)}}},
		{Service: "convoai", Privileges: []PrivilegeExpiry{}},
	}
	if !reflect.DeepEqual(got[0].Services, want) {
		t.Errorf("services\n got %+v\nwant %+v", got[0].Services, want)
	}
	ins, err := tokens.Inspect(got[0].Value, Subject{})
	if err != nil || ins.Signature != SignatureValid || !reflect.DeepEqual(ins.Services, want) {
		t.Errorf("inspected: %v, signature %s, services %+v", err, ins.Signature, ins.Services)
	}
}

func ptr[T any](v T) *T { return &v }

// TestRTMPermissionsRules refuses what Agora would not take, naming the
// field at fault.
func TestRTMPermissionsRules(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	many := make([]string, MaxRTMResourceNames+1)
	for i := range many {
		many[i] = "c" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	rtm := func(p RTMPermissions) Bundle { return Bundle{RTMUserID: "bob", RTMPermissions: &p} }
	tests := []struct {
		name      string
		bundle    Bundle
		wantField string
	}{
		{"channel with a slash", rtm(RTMPermissions{MessageChannels: &RTMResources{Read: []string{"a/b"}}}), "permissions.messageChannels.read"},
		{"empty channel name", rtm(RTMPermissions{StreamChannels: &RTMResources{Write: []string{""}}}), "permissions.streamChannels.write"},
		{"user starting with a space", rtm(RTMPermissions{Users: &RTMResources{Write: []string{" bob"}}}), "permissions.users.write"},
		{"name listed twice", rtm(RTMPermissions{ServerGroups: &RTMResources{Read: []string{"g", "g"}}}), "permissions.serverGroups.read"},
		{"too many names", rtm(RTMPermissions{GroupChannels: &RTMResources{Read: many}}), "permissions"},
		{"permissions without a user", Bundle{RTMPermissions: &RTMPermissions{}}, "userId"},
		{"permissions in a 006 token", Bundle{RTMUserID: "bob", RTMPermissions: &RTMPermissions{}, Version: Version006}, "permissions"},
		{"rtm login outliving the token", Bundle{RTC: &RTC{Channel: "c", Account: "1", Role: Publisher}, RTMUserID: "1", RTMExpire: u64(601), Expire: u64(600)}, "rtm.expire"},
		{"rtm login of no time", Bundle{RTC: &RTC{Channel: "c", Account: "1", Role: Publisher}, RTMUserID: "1", RTMExpire: u64(0)}, "rtm.expire"},
		{"convoai as 006", Bundle{RTC: &RTC{Channel: "c", Account: "1", Role: Publisher}, Agent: ConvoAI, Version: Version006}, "version"},
		{"stt as 006", Bundle{RTC: &RTC{Channel: "c", Account: "1", Role: Publisher}, Agent: STT, Version: Version006}, "version"},
		{"agent with a bad channel", AgentBundle(STT, "a/b", "1", ""), "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokens.Issue(t.Context(), tt.bundle)
			e, ok := errors.AsType[*Error](err)
			if !ok || e.Kind != Invalid || e.Field != tt.wantField {
				t.Errorf("got %v, want Invalid naming %q", err, tt.wantField)
			}
		})
	}
}

// TestAgentAndRTMPolicy applies identity binding and the channel rules
// to agents and to the channels RTM permissions name.
func TestAgentAndRTMPolicy(t *testing.T) {
	user42 := &Binding{UserClaim: "sub", UserID: "42"}
	rooms := &Binding{UserClaim: "sub", UserID: "42", ChannelsClaim: "channels", Channels: []string{"lobby", "team-*"}}
	pattern := regexp.MustCompile(`^(?:room-[0-9]+)$`)
	perms := func(p RTMPermissions) Bundle { return Bundle{RTMUserID: "42", RTMPermissions: &p} }
	tests := []struct {
		name      string
		policy    *Policy
		bind      *Binding
		ask       Bundle
		wantField string
		wantKind  Kind
	}{
		{"own agent", &Policy{}, user42, AgentBundle(ConvoAI, "c", "42", ""), "", 0},
		{"someone else's agent", &Policy{}, user42, AgentBundle(ConvoAI, "c", "43", "42"), "uid", Forbidden},
		{"own agent, someone else's RTM user", &Policy{}, user42, AgentBundle(STT, "c", "42", "43"), "uid", Forbidden},
		{"agent for any uid", &Policy{RequireUID: true}, nil, AgentBundle(STT, "c", "", ""), "uid", Forbidden},
		{"agent in an unlisted channel", &Policy{}, rooms, AgentBundle(ConvoAI, "lobby2", "42", ""), "channel", Forbidden},
		{"agent outside the pattern", &Policy{ChannelPattern: pattern}, nil, AgentBundle(ConvoAI, "lobby", "42", ""), "channel", Forbidden},
		{"listed RTM channels", &Policy{}, rooms, perms(RTMPermissions{MessageChannels: &RTMResources{Read: []string{"lobby", "team-a"}}}), "", 0},
		{"unlisted RTM channel", &Policy{}, rooms, perms(RTMPermissions{StreamChannels: &RTMResources{Write: []string{"lobby2"}}}), "permissions.streamChannels.write", Forbidden},
		{"RTM channel outside the pattern", &Policy{ChannelPattern: pattern}, nil, perms(RTMPermissions{GroupChannels: &RTMResources{Read: []string{"lobby"}}}), "permissions.groupChannels.read", Forbidden},
		{"users are not channels", &Policy{ChannelPattern: pattern}, rooms, perms(RTMPermissions{Users: &RTMResources{Read: []string{"anyone"}}}), "", 0},
		{"someone else's RTM2 user", &Policy{}, user42, Bundle{RTMUserID: "43", RTMPermissions: &RTMPermissions{}}, "uid", Forbidden},
		{"agent for a caller who may not publish", &Policy{}, &Binding{UserClaim: "sub", UserID: "42", RoleClaim: "role"}, AgentBundle(ConvoAI, "c", "42", ""), "uid", Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.bind != nil {
				ctx = as(tt.bind)
			}
			err := tt.policy.check(ctx, tt.ask)
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := errors.AsType[*Error](err)
			if !ok || e.Kind != tt.wantKind || e.Field != tt.wantField {
				t.Errorf("got %v, want kind %d naming %q", err, tt.wantKind, tt.wantField)
			}
		})
	}
}

// TestInspectNPMBuiltTokens inspects tokens of every newer service type
// that Agora's npm package builds, every field of them.
func TestInspectNPMBuiltTokens(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	issued := testNow.Unix()
	theirs := testkit.NPMTokens(t, testkit.NPMBuild("services", 0, 0, testkit.NPMJob{"issueTs": issued, "salt": 9, "expire": 600, "services": []map[string]any{
		{"type": 3, "privileges": map[string]uint32{"1": 300, "2": 600}, "channel": "live", "account": "42"},
		{"type": 6, "privileges": map[string]uint32{"1": 0, "2": 60}, "channel": "cdn", "account": "alice"},
		{"type": 8, "privileges": map[string]uint32{"1": 600}, "userId": "bob", "permissions": map[string]map[string][]string{"1": {"1": {"stage"}}, "4": {"0": {"carol", "dave"}}, "7": {"5": {"x"}}}},
		{"type": 9},
		{"type": 10},
	}}))
	ins, err := tokens.Inspect(theirs[0], Subject{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s int64) PrivilegeExpiry {
		return PrivilegeExpiry{ExpiresAt: testNow.Add(time.Duration(s) * time.Second)}
	}
	named := func(name string, p PrivilegeExpiry) PrivilegeExpiry { p.Name = name; return p }
	want := []Access{
		{Service: "streaming", Channel: "live", UID: ptr(uint32(42)), Privileges: []PrivilegeExpiry{named("publishMixStream", at(300)), named("publishRawStream", at(600))}},
		{Service: "fcdn", Channel: "cdn", Account: "alice", Privileges: []PrivilegeExpiry{named("publish", at(600)), named("play", at(60))}},
		{Service: "rtm2", UserID: "bob", Permissions: map[string]map[string][]string{
			"streamChannels": {"write": {"stage"}}, "users": {"read": {"carol", "dave"}}, "kind7": {"permission5": {"x"}}},
			Privileges: []PrivilegeExpiry{named("login", at(600))}},
		{Service: "convoai", Privileges: []PrivilegeExpiry{}},
		{Service: "stt", Privileges: []PrivilegeExpiry{}},
	}
	if ins.Signature != SignatureValid || ins.Salt != 9 || !ins.IssuedAt.Equal(testNow) {
		t.Errorf("signature %s salt %d issued %v", ins.Signature, ins.Salt, ins.IssuedAt)
	}
	if !reflect.DeepEqual(ins.Services, want) {
		t.Errorf("services\n got %+v\nwant %+v", ins.Services, want)
	}
}

// TestLargestRTMPermissionsInspect mints the longest token the rules
// allow RTM permissions to make, and inspects it: it stays within
// MaxTokenChars.
func TestLargestRTMPermissionsInspect(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	var p RTMPermissions
	for i := range MaxRTMResourceNames {
		name := strings.Repeat(string(rune('a'+i%26)), MaxChannelBytes-2) + string(rune('a'+i/26)) + "x"
		p.Add("streamChannels", i%2 == 0, name)
	}
	value := mint(t, tokens, Bundle{RTMUserID: strings.Repeat("u", MaxRTMUserIDBytes), RTMPermissions: &p})
	if len(value) > MaxTokenChars {
		t.Fatalf("the token has %d characters, more than inspection reads (%d)", len(value), MaxTokenChars)
	}
	ins, err := tokens.Inspect(value, Subject{})
	if err != nil || ins.Signature != SignatureValid {
		t.Fatalf("inspect: %v, signature %s", err, ins.Signature)
	}
	if got := len(ins.Services[0].Permissions["streamChannels"]["read"]) + len(ins.Services[0].Permissions["streamChannels"]["write"]); got != MaxRTMResourceNames {
		t.Errorf("inspection lists %d names, want %d", got, MaxRTMResourceNames)
	}
}

// An agent's request names its RTM user rtmUserId, so a default RTM user
// that its account cannot stand for is refused by that name.
func TestAgentRTMUserErrorNamesItsField(t *testing.T) {
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	_, err := tokens.Issue(t.Context(), AgentBundle(STT, "c", strings.Repeat("a", 65), ""))
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Kind != Invalid || e.Field != "rtmUserId" {
		t.Errorf("err = %v, want Invalid on rtmUserId", err)
	}
}
