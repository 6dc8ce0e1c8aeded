package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// cliEnv is the whole environment the binary runs with: the project's
// credentials and nothing from the machine running the tests.
var cliEnv = []string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate}

func TestCLI(t *testing.T) {
	// The binary runs on the real clock; the in-process inspector checks
	// what it printed on the same clock, with the same credentials.
	inspector := service.New(testkit.AppID, testkit.Certificate, service.Options{})

	t.Run("token", func(t *testing.T) { testCLIToken(t, inspector) })
	t.Run("token --json", func(t *testing.T) { testCLITokenJSON(t) })
	t.Run("usage errors", func(t *testing.T) { testCLIUsage(t) })
	t.Run("dev mode allows app tokens", func(t *testing.T) {
		got := runBinary(t, nil, "", "token", "apaas", "--privilege", "app", "--dev")
		if got.code != 0 || !strings.HasPrefix(got.stdout, "007") {
			t.Errorf("got %+v, want an APaaS app token", got)
		}
	})
	t.Run("inspect", func(t *testing.T) { testCLIInspect(t) })
	t.Run("check", func(t *testing.T) { testCLICheck(t) })
	t.Run("version", func(t *testing.T) {
		got := runBinary(t, nil, "", "version")
		if got.code != 0 || !regexp.MustCompile(`^agora-token-server \S+ .*go1\.\d+`).MatchString(got.stdout) {
			t.Errorf("got %+v", got)
		}
	})
	// Both helps list the commands and the flags, on standard output,
	// where help asked for belongs.
	for _, arg := range []string{"help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			got := runBinary(t, nil, "", arg)
			text := got.stdout
			for _, want := range []string{"agora-token-server token", "agora-token-server inspect", "agora-token-server check", "agora-token-server version", "--app-id", "--dev"} {
				if got.code != 0 || !strings.Contains(text, want) {
					t.Errorf("%s does not list %s: %+v", arg, want, got)
				}
			}
		})
	}
	t.Run("serves without a command", func(t *testing.T) {
		testCLIServes(t, append([]string{"PORT=0", "HOST=127.0.0.1"}, cliEnv...))
	})
	t.Run("serves with flags only", func(t *testing.T) {
		testCLIServes(t, nil, "--dev", "--port", "0", "--host", "127.0.0.1")
	})
}

func testCLIToken(t *testing.T, inspector *service.Tokens) {
	one := func(s uint32) *uint32 { return &s }
	i16 := func(n int16) *int16 { return &n }
	str := func(s string) *string { return &s }
	allowApp := []string{"ALLOW_APP_TOKENS=true"}
	tests := []struct {
		name     string
		env      []string // beside the credentials
		args     []string
		who      service.Subject
		version  string
		lifetime time.Duration
		want     []service.Access // times are checked apart
	}{
		{"rtc 007", nil, []string{"token", "rtc", "--channel", "lobby", "--uid", "42", "--role", "publisher", "--expire", "600"}, service.Subject{}, "007", 600 * time.Second,
			[]service.Access{{Service: "rtc", Channel: "lobby", UID: one(42), Privileges: names("joinChannel", "publishAudio", "publishVideo", "publishData")}}},
		{"rtc 007 account and rtm", nil, []string{"token", "rtc", "--channel", "lobby", "--account", "alice", "--role", "subscriber", "--rtm-user-id", "bob"}, service.Subject{}, "007", time.Hour,
			[]service.Access{
				{Service: "rtc", Channel: "lobby", Account: "alice", Privileges: names("joinChannel")},
				{Service: "rtm", UserID: "bob", Privileges: names("login")},
			}},
		{"rtc 006", nil, []string{"token", "rtc", "--channel", "lobby", "--uid", "0", "--role", "subscriber", "--expire", "60", "--version", "006"}, service.Subject{Channel: "lobby"}, "006", time.Minute,
			[]service.Access{{Service: "rtc", Channel: "lobby", UID: one(0), Privileges: names("joinChannel")}}},
		{"rtm 007", nil, []string{"token", "rtm", "--user-id", "bob", "--expire", "120"}, service.Subject{}, "007", 2 * time.Minute,
			[]service.Access{{Service: "rtm", UserID: "bob", Privileges: names("login")}}},
		{"rtm 006", nil, []string{"token", "rtm", "--user-id", "bob", "--version", "006"}, service.Subject{UserID: "bob"}, "006", time.Hour,
			[]service.Access{{Service: "rtm", UserID: "bob", Privileges: names("login")}}},
		{"rtm with permissions", nil, []string{"token", "rtm", "--user-id", "bob", "--read", "messageChannels=news", "--read", "messageChannels=a=b", "--write", "users=alice"}, service.Subject{}, "007", time.Hour,
			[]service.Access{{Service: "rtm2", UserID: "bob", Privileges: names("login"), Permissions: map[string]map[string][]string{
				"messageChannels": {"read": {"news", "a=b"}}, "users": {"write": {"alice"}}}}}},
		{"convoai agent", nil, []string{"token", "convoai", "--channel", "support", "--uid", "1001", "--expire", "900"}, service.Subject{}, "007", 15 * time.Minute,
			[]service.Access{
				{Service: "rtc", Channel: "support", UID: one(1001), Privileges: names("joinChannel", "publishAudio", "publishVideo", "publishData")},
				{Service: "rtm", UserID: "1001", Privileges: names("login")},
				{Service: "convoai", Privileges: names()},
			}},
		{"stt with its own RTM user", nil, []string{"token", "stt", "--channel", "meeting", "--account", "stt-bot", "--rtm-user-id", "stt-rtm"}, service.Subject{}, "007", time.Hour,
			[]service.Access{
				{Service: "rtc", Channel: "meeting", Account: "stt-bot", Privileges: names("joinChannel", "publishAudio", "publishVideo", "publishData")},
				{Service: "rtm", UserID: "stt-rtm", Privileges: names("login")},
				{Service: "stt", Privileges: names()},
			}},
		{"chat user", nil, []string{"token", "chat", "--user-id", "carol", "--expire", "100"}, service.Subject{}, "007", 100 * time.Second,
			[]service.Access{{Service: "chat", UserID: "carol", Privileges: names("user")}}},
		{"chat app", allowApp, []string{"token", "chat"}, service.Subject{}, "007", time.Hour,
			[]service.Access{{Service: "chat", Privileges: names("app")}}},
		{"fpa", nil, []string{"token", "fpa", "--expire", "300"}, service.Subject{}, "007", 5 * time.Minute,
			[]service.Access{{Service: "fpa", Privileges: names("login")}}},
		{"apaas room user", nil, []string{"token", "apaas", "--privilege", "roomUser", "--room-uuid", "class-7", "--user-uuid", "ann", "--role", "1"}, service.Subject{}, "007", time.Hour,
			[]service.Access{
				{Service: "rtm", UserID: "ann", Privileges: names("login")},
				{Service: "chat", UserID: accesstoken2.Md5("ann"), Privileges: names("user")},
				{Service: "apaas", RoomUUID: str("class-7"), UserUUID: str("ann"), Role: i16(1), Privileges: names("roomUser")},
			}},
		{"apaas user", nil, []string{"token", "apaas", "--privilege", "user", "--user-uuid", "ann", "--expire", "60"}, service.Subject{}, "007", time.Minute,
			[]service.Access{{Service: "apaas", RoomUUID: str(""), UserUUID: str("ann"), Role: i16(-1), Privileges: names("user")}}},
		{"apaas app", allowApp, []string{"token", "apaas", "--privilege", "app"}, service.Subject{}, "007", time.Hour,
			[]service.Access{{Service: "apaas", RoomUUID: str(""), UserUUID: str(""), Role: i16(-1), Privileges: names("app")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			got := runBinary(t, append(tt.env, cliEnv...), "", tt.args...)
			if got.code != 0 || got.stderr != "" {
				t.Fatalf("exit %d, stderr %q", got.code, got.stderr)
			}
			token := strings.TrimSuffix(got.stdout, "\n")
			if strings.ContainsAny(token, " \n") {
				t.Fatalf("stdout is not one token: %q", got.stdout)
			}
			ins, err := inspector.Inspect(token, tt.who)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if ins.Version != tt.version || ins.Signature != service.SignatureValid || ins.AppID != testkit.AppID || ins.Expired {
				t.Errorf("inspection %+v", ins)
			}
			if ins.IssuedAt.Before(before) || ins.IssuedAt.After(time.Now()) || ins.ExpiresAt.Sub(ins.IssuedAt) != tt.lifetime {
				t.Errorf("issued %v expires %v, want issued since %v for %v", ins.IssuedAt, ins.ExpiresAt, before, tt.lifetime)
			}
			for i := range ins.Services {
				for j, p := range ins.Services[i].Privileges {
					if !p.ExpiresAt.Equal(ins.ExpiresAt) {
						t.Errorf("%s %s expires %v, not with the token", ins.Services[i].Service, p.Name, p.ExpiresAt)
					}
					ins.Services[i].Privileges[j].ExpiresAt = time.Time{}
				}
			}
			if !reflect.DeepEqual(ins.Services, tt.want) {
				t.Errorf("services:\n got %+v\nwant %+v", ins.Services, tt.want)
			}
		})
	}
}

func names(ns ...string) []service.PrivilegeExpiry {
	out := make([]service.PrivilegeExpiry, len(ns))
	for i, n := range ns {
		out[i].Name = n
	}
	return out
}

// testCLITokenJSON checks --json against the token it describes, read by
// Agora's own parser.
func testCLITokenJSON(t *testing.T) {
	got := runBinary(t, cliEnv, "", "token", "rtc", "--channel", "stage", "--uid", "7", "--role", "publisher",
		"--expire", "900", "--publish-video", "300", "--json")
	if got.code != 0 {
		t.Fatalf("exit %d, stderr %q", got.code, got.stderr)
	}
	var tok service.Token
	dec := json.NewDecoder(strings.NewReader(got.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tok); err != nil {
		t.Fatalf("decoding %q: %v", got.stdout, err)
	}
	at := testkit.Verify007(t, tok.Value, testkit.AppID, testkit.Certificate)
	rtc := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
	wantPrivs := map[uint16]uint32{1: 900, 2: 900, 3: 300, 4: 900}
	if !reflect.DeepEqual(rtc.Privileges, wantPrivs) || rtc.ChannelName != "stage" || rtc.Uid != "7" {
		t.Errorf("Agora's parser: rtc %+v privileges %v, want %v", rtc, rtc.Privileges, wantPrivs)
	}
	issued := time.Unix(int64(at.IssueTs), 0)
	if !tok.IssuedAt.Equal(issued) || !tok.ExpiresAt.Equal(issued.Add(900*time.Second)) || !tok.RenewAt.Equal(issued.Add(270*time.Second)) {
		t.Errorf("times: issued %v expires %v renew %v for a token issued %v", tok.IssuedAt, tok.ExpiresAt, tok.RenewAt, issued)
	}
	if len(tok.Services) != 1 || tok.Services[0].Privileges[2].Name != "publishVideo" || !tok.Services[0].Privileges[2].ExpiresAt.Equal(issued.Add(300*time.Second)) {
		t.Errorf("services %+v", tok.Services)
	}
}

func testCLIUsage(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown command", cliEnv, []string{"frob"}, 2, "frob: is not a command"},
		{"token without kind", cliEnv, []string{"token"}, 2, "token needs a kind"},
		{"unknown kind", cliEnv, []string{"token", "video"}, 2, `unknown token kind "video"`},
		{"unknown flag", cliEnv, []string{"token", "rtm", "--user", "bob"}, 2, "--user is not a flag"},
		{"uid out of range", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "4294967296", "--role", "publisher"}, 2, "--uid"},
		{"neither uid nor account", cliEnv, []string{"token", "rtc", "--channel", "c", "--role", "publisher"}, 2, "--uid: give exactly one of --uid and --account"},
		{"no role", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1"}, 2, "--role: must be publisher or subscriber"},
		{"bad channel", cliEnv, []string{"token", "rtc", "--channel", "c/d", "--uid", "1", "--role", "publisher"}, 2, "--channel: must be 1 to 63 bytes"},
		{"privilege past the token", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1", "--role", "publisher", "--expire", "60", "--publish-audio", "61"}, 2, "--publish-audio: must be a whole number of seconds from 1 to the token's lifetime, 60"},
		{"006 with privileges", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1", "--role", "publisher", "--join-channel", "60", "--version", "006"}, 2, "needs version 007"},
		{"006 with rtm", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1", "--role", "publisher", "--rtm-user-id", "bob", "--version", "006"}, 2, "--rtm-user-id: needs version 007"},
		{"expire too long", cliEnv, []string{"token", "rtm", "--user-id", "bob", "--expire", "86401"}, 2, "--expire: must be a whole number of seconds from 1 to 86400"},
		{"rtm without user", cliEnv, []string{"token", "rtm"}, 2, "--user-id: is required"},
		{"rtm unknown kind of resource", cliEnv, []string{"token", "rtm", "--user-id", "bob", "--read", "channels=news"}, 2, "--read: takes KIND=NAME with KIND one of messageChannels"},
		{"rtm bad channel name", cliEnv, []string{"token", "rtm", "--user-id", "bob", "--write", "streamChannels=a/b"}, 2, "--write: lists \"a/b\", which is not a channel name"},
		{"rtm permissions as 006", cliEnv, []string{"token", "rtm", "--user-id", "bob", "--read", "users=alice", "--version", "006"}, 2, "needs version 007"},
		{"rtc rtm login past the token", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1", "--role", "publisher", "--rtm-user-id", "u", "--expire", "60", "--rtm-expire", "61"}, 2, "--rtm-expire: must be a whole number of seconds from 1 to the token's lifetime, 60"},
		{"rtc rtm lifetime without a user", cliEnv, []string{"token", "rtc", "--channel", "c", "--uid", "1", "--role", "publisher", "--rtm-expire", "60"}, 2, "--rtm-expire: needs --rtm-user-id"},
		{"convoai without an agent", cliEnv, []string{"token", "convoai", "--channel", "c"}, 2, "--uid: give exactly one of --uid and --account"},
		{"convoai bad channel", cliEnv, []string{"token", "convoai", "--channel", "c/d", "--uid", "1"}, 2, "--channel: must be 1 to 63 bytes"},
		{"stt account that cannot log in to RTM", cliEnv, []string{"token", "stt", "--channel", "c", "--account", strings.Repeat("a", 65)}, 2, "--rtm-user-id: is required when --account cannot serve as the RTM user id"},
		{"stt privilege past the token", cliEnv, []string{"token", "stt", "--channel", "c", "--uid", "1", "--expire", "60", "--privilege-expire", "61"}, 2, "--privilege-expire: must be a whole number of seconds from 1 to the token's lifetime, 60"},
		{"stray argument", cliEnv, []string{"token", "chat", "carol"}, 2, "argument 1 is neither a flag nor a flag's value"},
		{"no credentials", nil, []string{"token", "chat"}, 2, "APP_ID"},
		{"chat app token not allowed", cliEnv, []string{"token", "chat"}, 1, "ALLOW_APP_TOKENS=true"},
		{"apaas app token not allowed", cliEnv, []string{"token", "apaas", "--privilege", "app"}, 1, "ALLOW_APP_TOKENS=true"},
		{"app token turned off in dev mode", []string{"DEV_MODE=true", "ALLOW_APP_TOKENS=false"}, []string{"token", "chat"}, 1, "ALLOW_APP_TOKENS=true"},
		{"ALLOW_APP_TOKENS not a boolean", append([]string{"ALLOW_APP_TOKENS=yes please"}, cliEnv...), []string{"token", "chat"}, 2, "ALLOW_APP_TOKENS: must be true or false"},
		{"fpa with a stray flag", cliEnv, []string{"token", "fpa", "--user-id", "ann"}, 2, "--user-id is not a flag"},
		{"apaas without privilege", cliEnv, []string{"token", "apaas", "--user-uuid", "ann"}, 2, "--privilege: must be roomUser, user or app"},
		{"apaas room user without role", cliEnv, []string{"token", "apaas", "--privilege", "roomUser", "--room-uuid", "r", "--user-uuid", "ann"}, 2, "--role: is required for privilege roomUser"},
		{"apaas role out of range", cliEnv, []string{"token", "apaas", "--privilege", "roomUser", "--room-uuid", "r", "--user-uuid", "ann", "--role", "9"}, 2, "--role: must be one of Agora's classroom roles"},
		{"apaas role past 16 bits", cliEnv, []string{"token", "apaas", "--privilege", "roomUser", "--room-uuid", "r", "--user-uuid", "ann", "--role", "65537"}, 2, "--role"},
		{"apaas user in a room", cliEnv, []string{"token", "apaas", "--privilege", "user", "--user-uuid", "ann", "--room-uuid", "r"}, 2, "--room-uuid: does not apply to privilege user"},
		{"apaas empty user", cliEnv, []string{"token", "apaas", "--privilege", "user", "--user-uuid", ""}, 2, "--user-uuid: must not be empty"},
		{"inspect without token", cliEnv, []string{"inspect"}, 2, "inspect takes one token"},
		{"check without token", cliEnv, []string{"check", "--channel", "c"}, 2, "check takes one token"},
		{"check with uid and account", cliEnv, []string{"check", "--uid", "1", "--account", "a", "007x"}, 2, "--uid: give --uid or --account, not both"},
		{"check with an unknown role", cliEnv, []string{"check", "--role", "host", "007x"}, 2, "--role: must be publisher or subscriber"},
		{"check at no time", cliEnv, []string{"check", "--at", "tomorrow", "007x"}, 2, "--at: must be a time in RFC 3339 form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, tt.env, "", tt.args...)
			if got.code != tt.wantCode || !strings.Contains(got.stderr, tt.wantErr) || got.stdout != "" {
				t.Errorf("got exit %d stdout %q stderr %q, want exit %d and %q", got.code, got.stdout, got.stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func testCLIInspect(t *testing.T) {
	now := service.New(testkit.AppID, testkit.Certificate, service.Options{})
	twoDaysAgo := service.New(testkit.AppID, testkit.Certificate, service.Options{Now: func() time.Time { return time.Now().Add(-48 * time.Hour) }})
	foreign := service.New(testkit.OtherAppID, testkit.Certificate, service.Options{})
	mint := func(tokens *service.Tokens, b service.Bundle) string {
		minted, err := tokens.Issue(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		return minted[0].Value
	}
	rtc := &service.RTC{Channel: "lobby", Account: "42", Role: service.Publisher}
	good := mint(now, service.Bundle{RTC: rtc, Expire: new(uint64(600))})
	good006 := mint(now, service.Bundle{RTC: rtc, Expire: new(uint64(600)), Version: service.Version006})

	type inspectCase struct {
		name          string
		stdin         string
		args          []string
		wantCode      int
		wantSignature string // "" when nothing is printed
		wantExpired   bool
		wantErr       string
	}
	tests := []inspectCase{
		{"valid", "", []string{"inspect", good}, 0, "valid", false, ""},
		{"from standard input", good + "\n", []string{"inspect", "-"}, 0, "valid", false, ""},
		{"valid 006", "", []string{"inspect", "--channel", "lobby", "--uid", "42", good006}, 0, "valid", false, ""},
		{"006 without its channel", "", []string{"inspect", good006}, 1, "unverifiable", false, "signature is unverifiable"},
		{"006 other channel", "", []string{"inspect", "--channel", "hall", "--uid", "42", good006}, 1, "", false, "--channel does not match"},
		{"tampered", "", []string{"inspect", testkit.Flip007(t, good, -1)}, 1, "invalid", false, "signature is invalid"},
		{"expired", "", []string{"inspect", mint(twoDaysAgo, service.Bundle{RTMUserID: "bob", Expire: new(uint64(600))})}, 1, "valid", true, "the token expired at"},
		{"foreign", "", []string{"inspect", mint(foreign, service.Bundle{RTMUserID: "bob", Expire: new(uint64(600))})}, 1, "foreign", false, "signature is foreign"},
		{"malformed", "", []string{"inspect", "hello"}, 1, "", false, "the token has a bad version prefix"},
	}
	// Agora's npm package builds the services this server does not mint:
	// inspect reads them all.
	newest := testkit.NPMTokens(t, testkit.NPMBuild("services", uint32(time.Now().Unix()), 5, testkit.NPMJob{"expire": 600, "services": []map[string]any{
		{"type": 3, "privileges": map[string]uint32{"1": 600}, "channel": "live", "account": "42"},
		{"type": 6, "privileges": map[string]uint32{"2": 600}, "channel": "cdn", "account": "alice"},
		{"type": 8, "privileges": map[string]uint32{"1": 600}, "userId": "bob", "permissions": map[string]map[string][]string{"0": {"1": {"news"}}}},
		{"type": 9}, {"type": 10},
	}}))[0]
	tests = append(tests, inspectCase{"every newer service, built by Agora's npm package", "", []string{"inspect", newest}, 0, "valid", false, ""})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, cliEnv, tt.stdin, tt.args...)
			if got.code != tt.wantCode || !strings.Contains(got.stderr, tt.wantErr) {
				t.Errorf("got exit %d stderr %q, want exit %d and %q", got.code, got.stderr, tt.wantCode, tt.wantErr)
			}
			if tt.wantSignature == "" {
				if got.stdout != "" {
					t.Errorf("stdout %q, want nothing", got.stdout)
				}
				return
			}
			if !strings.HasPrefix(got.stdout, "{\n  \"version\": ") {
				t.Errorf("stdout is not indented JSON: %q", got.stdout)
			}
			var ins service.Inspection
			dec := json.NewDecoder(strings.NewReader(got.stdout))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ins); err != nil {
				t.Fatalf("decoding %q: %v", got.stdout, err)
			}
			if ins.Signature != tt.wantSignature || ins.Expired != tt.wantExpired {
				t.Errorf("signature %s expired %t, want %s %t", ins.Signature, ins.Expired, tt.wantSignature, tt.wantExpired)
			}
			if tt.args[1] == newest {
				var kinds []string
				for _, s := range ins.Services {
					kinds = append(kinds, s.Service)
				}
				if strings.Join(kinds, " ") != "streaming fcdn rtm2 convoai stt" || ins.Services[2].Permissions["messageChannels"]["write"][0] != "news" {
					t.Errorf("services %+v", ins.Services)
				}
			}
		})
	}
}

// testCLICheck diagnoses tokens with the binary: exit 0 when nothing is
// wrong, 1 when a check fails, and the problems named on standard output.
func testCLICheck(t *testing.T) {
	now := service.New(testkit.AppID, testkit.Certificate, service.Options{})
	mint := func(b service.Bundle) string {
		minted, err := now.Issue(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		return minted[0].Value
	}
	rtc := &service.RTC{Channel: "lobby", Account: "42", Role: service.Subscriber}
	good := mint(service.Bundle{RTC: rtc, RTMUserID: "bob", Expire: new(uint64(600))})
	good006 := mint(service.Bundle{RTC: rtc, Expire: new(uint64(600)), Version: service.Version006})
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	tests := []struct {
		name      string
		stdin     string
		args      []string
		wantCode  int
		wantOut   string
		wantCheck []string // with --json: the checks that failed
	}{
		{"as minted", "", []string{"check", "--channel", "lobby", "--uid", "42", "--rtm-user-id", "bob", good}, 0, "ok: nothing in the token stops", nil},
		{"from standard input", good + "\n", []string{"check", "--channel", "lobby", "-"}, 0, `rtc for channel "lobby", uid 42`, nil},
		{"another channel", "", []string{"check", "--channel", "hall", "--uid", "42", good}, 1, `channel: the token is for channel "lobby"; the client joins channel "hall"`, nil},
		{"publishing", "", []string{"check", "--channel", "lobby", "--uid", "42", "--role", "publisher", good}, 1, "publish: the client will publish", nil},
		{"006 another uid", "", []string{"check", "--channel", "lobby", "--uid", "7", good006}, 1, "uid: the client joins with uid 7", nil},
		{"json, two problems", "", []string{"check", "--json", "--account", "ann", "--rtm-user-id", "carol", good}, 1, "", []string{"uid", "rtm"}},
		{"json, expired", "", []string{"check", "--json", "--at", later, good}, 1, "", []string{"expired"}},
		{"json, as minted", "", []string{"check", "--json", good}, 0, "", []string{}},
		{"not a token", "", []string{"check", "hello"}, 1, "format: the text is not an Agora token", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, cliEnv, tt.stdin, tt.args...)
			if got.code != tt.wantCode || !strings.Contains(got.stdout, tt.wantOut) {
				t.Fatalf("got exit %d stdout %q stderr %q, want exit %d and %q", got.code, got.stdout, got.stderr, tt.wantCode, tt.wantOut)
			}
			if (got.code == 1) != strings.Contains(got.stderr, "Agora would refuse the token") {
				t.Errorf("exit %d with stderr %q", got.code, got.stderr)
			}
			if tt.wantCheck == nil {
				return
			}
			var d service.Diagnosis
			dec := json.NewDecoder(strings.NewReader(got.stdout))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d); err != nil {
				t.Fatalf("decoding %q: %v", got.stdout, err)
			}
			names := []string{}
			for _, p := range d.Problems {
				names = append(names, p.Check)
			}
			if !reflect.DeepEqual(names, tt.wantCheck) || d.OK != (len(names) == 0) || d.Inspection == nil {
				t.Errorf("diagnosis %+v, want checks %q", d, tt.wantCheck)
			}
		})
	}
}

// testCLIServes starts the binary without a command, asks it for a
// token and stops it with SIGTERM.
func testCLIServes(t *testing.T, env []string, args ...string) {
	s := startBinary(t, binary(t), env, args...)
	if host, port, _ := net.SplitHostPort(s.addr); host != "127.0.0.1" || port == "0" {
		t.Fatalf("the server logged address %s; want 127.0.0.1 and the port it listens on", s.addr)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(s.url("/ping"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /ping: %d", resp.StatusCode)
	}
	resp, err = client.Post(s.url("/v1/tokens/rtm"), "application/json", strings.NewReader(`{"userId": "bob", "expire": 60}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok service.Token
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(tok.Value, "007") {
		t.Errorf("POST /v1/tokens/rtm: %d %+v %v", resp.StatusCode, tok, err)
	}

	s.signal(t, syscall.SIGTERM)
	if code := s.waitExit(t, 30*time.Second); code != 0 {
		t.Errorf("after SIGTERM: exit %d, want 0", code)
	}
}
