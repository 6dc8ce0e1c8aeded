package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// The routes of Agora's newest services: agents of the Conversational AI
// Engine and of real-time STT, RTM resource permissions, an RTM login of
// its own lifetime in an RTC token, and inspection of every service type.

func TestV1NewestServices(t *testing.T) {
	router := newRouter(t)
	const rtc4 = "joinChannel publishAudio publishVideo publishData"
	tests := []struct {
		name      string
		path      string
		body      string
		wantTypes []uint16 // the service types Agora's npm package reads
		want      []accessBody
	}{
		{
			name: "convoai agent by uid", path: "/v1/tokens/convoai",
			body:      `{"channel": "support", "uid": 1001, "expire": 900, "privilegeExpire": 600}`,
			wantTypes: []uint16{1, 2, 9},
			want: []accessBody{
				{Service: "rtc", Channel: "support", UID: u32(1001), Privileges: privs(rtc4, 600, 600, 600, 600)},
				{Service: "rtm", UserID: "1001", Privileges: privs("login", 900)},
				{Service: "convoai", Privileges: privs("")},
			},
		},
		{
			name: "stt by account with an RTM user", path: "/v1/tokens/stt",
			body:      `{"channel": "meeting", "account": "stt-bot", "rtmUserId": "stt-rtm"}`,
			wantTypes: []uint16{1, 2, 10},
			want: []accessBody{
				{Service: "rtc", Channel: "meeting", Account: "stt-bot", Privileges: privs(rtc4, 3600, 3600, 3600, 3600)},
				{Service: "rtm", UserID: "stt-rtm", Privileges: privs("login", 3600)},
				{Service: "stt", Privileges: privs("")},
			},
		},
		{
			name: "rtm with permissions", path: "/v1/tokens/rtm",
			body:      `{"userId": "bob", "expire": 600, "permissions": {"users": {"read": ["alice"]}, "messageChannels": {"read": ["news", "team"], "write": ["team"]}, "streamChannels": {"write": []}}}`,
			wantTypes: []uint16{8},
			want: []accessBody{{Service: "rtm2", UserID: "bob", Privileges: privs("login", 600), Permissions: map[string]map[string][]string{
				"messageChannels": {"read": {"news", "team"}, "write": {"team"}}, "users": {"read": {"alice"}}}}},
		},
		{
			name: "rtc with an rtm login of its own lifetime", path: "/v1/tokens/rtc",
			body:      `{"channel": "lobby", "uid": 7, "role": "subscriber", "expire": 900, "rtm": {"userId": "bob", "expire": 300}}`,
			wantTypes: []uint16{1, 2},
			want: []accessBody{
				{Service: "rtc", Channel: "lobby", UID: u32(7), Privileges: privs("joinChannel", 900)},
				{Service: "rtm", UserID: "bob", Privileges: privs("login", 300)},
			},
		},
	}
	tokens := make([]string, len(tests))
	for i, tt := range tests {
		var tok tokenBody
		decodeStrict(t, send(t, router, http.MethodPost, tt.path, tt.body), http.StatusOK, "application/json", &tok)
		if !reflect.DeepEqual(tok.Services, tt.want) {
			t.Errorf("%s: services\n got %+v\nwant %+v", tt.name, tok.Services, tt.want)
		}
		tokens[i] = tok.Token
		decodeToken(t, tok.Token)

		// Inspection describes the token as minting did.
		var ins inspectBody
		decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/inspect", `{"token": "`+tok.Token+`"}`), http.StatusOK, "application/json", &ins)
		if ins.Signature != "valid" || !reflect.DeepEqual(ins.Services, tt.want) {
			t.Errorf("%s: inspected %s\n got %+v\nwant %+v", tt.name, ins.Signature, ins.Services, tt.want)
		}
	}
	// Agora's npm package reads the services, ids and lifetimes.
	for i, read := range testkit.NPMRead(t, tokens...) {
		var types []uint16
		for _, s := range read.Services {
			types = append(types, s.Type)
		}
		if !read.SignatureValid || read.Expire == 0 || !reflect.DeepEqual(types, tests[i].wantTypes) {
			t.Errorf("%s: Agora's npm package reads signature valid %v, expire %d, services %v; want %v", tests[i].name, read.SignatureValid, read.Expire, types, tests[i].wantTypes)
		}
	}
}

// TestV1InspectNPMTokens inspects tokens of every service type Agora's
// npm package builds, through the route.
func TestV1InspectNPMTokens(t *testing.T) {
	router := newRouter(t)
	built := testkit.NPMTokens(t, testkit.NPMBuild("services", uint32(testNow.Unix()), 99, testkit.NPMJob{"expire": 600, "services": []map[string]any{
		{"type": 1, "privileges": map[string]uint32{"1": 600}, "channel": "lobby", "account": "5"},
		{"type": 2, "privileges": map[string]uint32{"1": 600}, "userId": "5"},
		{"type": 3, "privileges": map[string]uint32{"1": 300, "2": 600}, "channel": "live", "account": "42"},
		{"type": 4, "privileges": map[string]uint32{"1": 0}},
		{"type": 5, "privileges": map[string]uint32{"1": 600}, "userId": "5"},
		{"type": 6, "privileges": map[string]uint32{"2": 60}, "channel": "cdn", "account": "alice"},
		{"type": 7, "privileges": map[string]uint32{"2": 600}, "roomUuid": "", "userUuid": "5", "role": -1},
		{"type": 8, "privileges": map[string]uint32{"1": 600}, "userId": "bob", "permissions": map[string]map[string][]string{"2": {"0": {"g"}}, "3": {"1": {"s1", "s2"}}}},
		{"type": 9},
		{"type": 10},
	}}))
	var ins inspectBody
	decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/inspect", `{"token": "`+built[0]+`"}`), http.StatusOK, "application/json", &ins)
	var names []string
	for _, s := range ins.Services {
		names = append(names, s.Service)
	}
	if got := strings.Join(names, " "); got != "rtc rtm streaming fpa chat fcdn apaas rtm2 convoai stt" || ins.Signature != "valid" || ins.Salt != 99 {
		t.Fatalf("services %q, signature %s, salt %d", got, ins.Signature, ins.Salt)
	}
	want := map[string]accessBody{
		"streaming": {Service: "streaming", Channel: "live", UID: u32(42), Privileges: privs("publishMixStream publishRawStream", 300, 600)},
		"fcdn":      {Service: "fcdn", Channel: "cdn", Account: "alice", Privileges: privs("play", 60)},
		"rtm2": {Service: "rtm2", UserID: "bob", Privileges: privs("login", 600), Permissions: map[string]map[string][]string{
			"groupChannels": {"read": {"g"}}, "serverGroups": {"write": {"s1", "s2"}}}},
		"convoai": {Service: "convoai", Privileges: privs("")},
		"stt":     {Service: "stt", Privileges: privs("")},
	}
	for _, s := range ins.Services {
		if w, ok := want[s.Service]; ok && !reflect.DeepEqual(s, w) {
			t.Errorf("%s\n got %+v\nwant %+v", s.Service, s, w)
		}
	}
}

func TestV1NewestServices400(t *testing.T) {
	router := newRouter(t)
	type fieldErr struct{ field, message string }
	tests := []struct {
		name string
		path string
		body string
		want []fieldErr
	}{
		{"convoai without an agent", "/v1/tokens/convoai", `{"channel": "c"}`, []fieldErr{{"uid", "give exactly one of uid"}}},
		{"convoai uid and account", "/v1/tokens/convoai", `{"channel": "c", "uid": 1, "account": "a"}`, []fieldErr{{"uid", "give exactly one of uid"}}},
		{"convoai without a channel", "/v1/tokens/convoai", `{"uid": 1}`, []fieldErr{{"channel", "is required"}}},
		{"convoai account that cannot log in to RTM", "/v1/tokens/convoai", `{"channel": "c", "account": "` + strings.Repeat("a", 65) + `"}`, []fieldErr{{"rtmUserId", "is required when account cannot serve as the RTM user id"}}},
		{"convoai bad RTM user", "/v1/tokens/convoai", `{"channel": "c", "uid": 1, "rtmUserId": " x"}`, []fieldErr{{"rtmUserId", "not starting with a space"}}},
		{"convoai privilege past the token", "/v1/tokens/convoai", `{"channel": "c", "uid": 1, "expire": 60, "privilegeExpire": 61}`, []fieldErr{{"privilegeExpire", "token's lifetime, 60"}}},
		{"convoai has no version", "/v1/tokens/convoai", `{"channel": "c", "uid": 1, "version": "006"}`, []fieldErr{{"version", "is not a known field"}}},
		{"stt has no role", "/v1/tokens/stt", `{"channel": "c", "uid": 1, "role": "subscriber"}`, []fieldErr{{"role", "is not a known field"}}},
		{"rtm unknown kind", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"channels": {"read": ["a"]}}}`, []fieldErr{{"permissions.channels", "is not a known field"}}},
		{"rtm unknown permission", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"users": {"admin": ["a"]}}}`, []fieldErr{{"permissions.users.admin", "is not a known field"}}},
		{"rtm names not a list", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"users": {"read": "a"}}}`, []fieldErr{{"permissions.users.read", ""}}},
		{"rtm bad channel name", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"messageChannels": {"write": ["a/b"]}}}`, []fieldErr{{"permissions.messageChannels.write", "not a channel name"}}},
		{"rtm bad user name", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"users": {"read": [""]}}}`, []fieldErr{{"permissions.users.read", "not a user id"}}},
		{"rtm name twice", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {"groupChannels": {"read": ["g", "g"]}}}`, []fieldErr{{"permissions.groupChannels.read", "twice"}}},
		{"rtm permissions as 006", "/v1/tokens/rtm", `{"userId": "bob", "permissions": {}, "version": "006"}`, []fieldErr{{"permissions", "needs version 007"}}},
		{"rtc rtm login past the token", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 600, "rtm": {"userId": "u", "expire": 601}}`, []fieldErr{{"rtm.expire", "token's lifetime, 600"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problemBody
			decodeStrict(t, send(t, router, http.MethodPost, tt.path, tt.body), http.StatusBadRequest, "application/problem+json", &p)
			if len(p.Errors) != len(tt.want) {
				t.Fatalf("errors: got %+v, want %v", p.Errors, tt.want)
			}
			for i, w := range tt.want {
				if got := p.Errors[i]; got.Field != w.field || !strings.Contains(got.Message, w.message) {
					t.Errorf("error %d: got %s %q, want %s containing %q", i, got.Field, got.Message, w.field, w.message)
				}
			}
		})
	}
}

// TestV1AgentIdentity binds an agent's uid and RTM user to the caller's
// identity token, as any user's, through the whole router.
func TestV1AgentIdentity(t *testing.T) {
	h := newRouter(t, withAuth(hsAuth(t, auth.JWTOptions{})))
	as42 := header(bearer(idToken(t, secret, "42")))
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantField        string
	}{
		{"own agent", "/v1/tokens/convoai", `{"channel": "c", "uid": 42}`, http.StatusOK, ""},
		{"someone else's agent", "/v1/tokens/convoai", `{"channel": "c", "uid": 43, "rtmUserId": "42"}`, http.StatusForbidden, "uid"},
		{"own agent, someone else's RTM user", "/v1/tokens/stt", `{"channel": "c", "uid": 42, "rtmUserId": "43"}`, http.StatusForbidden, "uid"},
		{"own RTM user with permissions", "/v1/tokens/rtm", `{"userId": "42", "permissions": {"users": {"read": ["43"]}}}`, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, h, http.MethodPost, tt.path, tt.body, as42)
			if tt.wantStatus == http.StatusOK {
				if w.Code != http.StatusOK {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return
			}
			var p problemBody
			decodeStrict(t, w, tt.wantStatus, "application/problem+json", &p)
			if !strings.HasPrefix(p.Detail, tt.wantField+": ") {
				t.Errorf("detail %q, want one about %s", p.Detail, tt.wantField)
			}
		})
	}
}
