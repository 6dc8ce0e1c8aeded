package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	accesstoken "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/AccessToken"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// The bodies as a client reads them; decoded strictly, so a field the
// test does not expect fails it.
type tokenBody struct {
	Token     string       `json:"token"`
	Version   string       `json:"version"`
	IssuedAt  string       `json:"issuedAt"`
	ExpiresAt string       `json:"expiresAt"`
	RenewAt   string       `json:"renewAt"`
	Services  []accessBody `json:"services"`
}

type accessBody struct {
	Service     string                         `json:"service"`
	Channel     string                         `json:"channel"`
	UID         *uint32                        `json:"uid"`
	Account     string                         `json:"account"`
	UserID      string                         `json:"userId"`
	RoomUUID    *string                        `json:"roomUuid"`
	UserUUID    *string                        `json:"userUuid"`
	Role        *int16                         `json:"role"`
	Permissions map[string]map[string][]string `json:"permissions"`
	Privileges  []privilegeBody                `json:"privileges"`
}

type privilegeBody struct {
	Name      string `json:"name"`
	ExpiresAt string `json:"expiresAt"`
}

type inspectBody struct {
	Version   string       `json:"version"`
	AppID     string       `json:"appId"`
	IssuedAt  string       `json:"issuedAt"`
	ExpiresAt string       `json:"expiresAt"`
	RenewAt   string       `json:"renewAt"`
	Salt      uint32       `json:"salt"`
	Services  []accessBody `json:"services"`
	Expired   bool         `json:"expired"`
	Signature string       `json:"signature"`
	Checksums *struct {
		Channel uint32 `json:"channel"`
		UID     uint32 `json:"uid"`
	} `json:"checksums"`
	Note string `json:"note"`
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func decodeStrict(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantType string, v any) {
	t.Helper()
	if rec.Code != wantStatus {
		t.Fatalf("status: got %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, wantType) {
		t.Errorf("Content-Type: got %q, want %q", got, wantType)
	}
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %T: %v", v, err)
	}
}

func at(seconds int) string {
	return testNow.Add(time.Duration(seconds) * time.Second).Format(time.RFC3339)
}

func u32(n uint32) *uint32 { return &n }
func i16(n int16) *int16   { return &n }
func str(s string) *string { return &s }

func privs(names string, expires ...int) []privilegeBody {
	out := []privilegeBody{}
	for i, name := range strings.Fields(names) {
		out = append(out, privilegeBody{name, at(expires[i])})
	}
	return out
}

func TestV1RoundTrip(t *testing.T) {
	router := newRouter(t, withAppTokens())
	const rtc4 = "joinChannel publishAudio publishVideo publishData"
	tests := []struct {
		name        string
		path        string
		body        string
		inspectWith string // what a 006 token needs to be verified
		wantVersion string
		wantExpires int
		wantRenew   int
		want        []accessBody
	}{
		{
			name: "rtc 007 publisher uid", path: "/v1/tokens/rtc",
			body:        `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600}`,
			wantVersion: "007", wantExpires: 600, wantRenew: 570,
			want: []accessBody{{Service: "rtc", Channel: "lobby", UID: u32(42), Privileges: privs(rtc4, 600, 600, 600, 600)}},
		},
		{
			name: "rtc 007 subscriber account, default lifetime", path: "/v1/tokens/rtc",
			body:        `{"channel": "lobby", "account": "alice@example", "role": "subscriber"}`,
			wantVersion: "007", wantExpires: 3600, wantRenew: 3570,
			want: []accessBody{{Service: "rtc", Channel: "lobby", Account: "alice@example", Privileges: privs("joinChannel", 3600)}},
		},
		{
			name: "rtc 007 per-privilege lifetimes", path: "/v1/tokens/rtc",
			body:        `{"channel": "stage", "uid": 0, "role": "publisher", "expire": 3600, "privileges": {"joinChannel": 3600, "publishAudio": 600, "publishVideo": 300}}`,
			wantVersion: "007", wantExpires: 3600, wantRenew: 270,
			want: []accessBody{{Service: "rtc", Channel: "stage", UID: u32(0), Privileges: privs(rtc4, 3600, 600, 300, 3600)}},
		},
		{
			name: "rtc 007 with rtm", path: "/v1/tokens/rtc",
			body:        `{"channel": "lobby", "uid": 7, "role": "subscriber", "expire": 900, "rtm": {"userId": "bob"}, "version": "007"}`,
			wantVersion: "007", wantExpires: 900, wantRenew: 870,
			want: []accessBody{
				{Service: "rtc", Channel: "lobby", UID: u32(7), Privileges: privs("joinChannel", 900)},
				{Service: "rtm", UserID: "bob", Privileges: privs("login", 900)},
			},
		},
		{
			name: "rtc 006 publisher uid", path: "/v1/tokens/rtc",
			body:        `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600, "version": "006"}`,
			inspectWith: `"channel": "lobby", "uid": 42`,
			wantVersion: "006", wantExpires: 600, wantRenew: 570,
			want: []accessBody{{Service: "rtc", Channel: "lobby", UID: u32(42), Privileges: privs(rtc4, 600, 600, 600, 600)}},
		},
		{
			name: "rtc 006 subscriber account", path: "/v1/tokens/rtc",
			body:        `{"channel": "lobby", "account": "alice", "role": "subscriber", "expire": 60, "version": "006"}`,
			inspectWith: `"channel": "lobby", "account": "alice"`,
			wantVersion: "006", wantExpires: 60, wantRenew: 30,
			want: []accessBody{{Service: "rtc", Channel: "lobby", Account: "alice", Privileges: privs("joinChannel", 60)}},
		},
		{
			name: "rtm 007", path: "/v1/tokens/rtm",
			body:        `{"userId": "bob", "expire": 86400}`,
			wantVersion: "007", wantExpires: 86400, wantRenew: 86370,
			want: []accessBody{{Service: "rtm", UserID: "bob", Privileges: privs("login", 86400)}},
		},
		{
			name: "rtm 006", path: "/v1/tokens/rtm",
			body:        `{"userId": "bob", "expire": 120, "version": "006"}`,
			inspectWith: `"userId": "bob"`,
			wantVersion: "006", wantExpires: 120, wantRenew: 90,
			want: []accessBody{{Service: "rtm", UserID: "bob", Privileges: privs("login", 120)}},
		},
		{
			name: "chat user", path: "/v1/tokens/chat",
			body:        `{"userId": "carol", "expire": 100}`,
			wantVersion: "007", wantExpires: 100, wantRenew: 70,
			want: []accessBody{{Service: "chat", UserID: "carol", Privileges: privs("user", 100)}},
		},
		{
			name: "chat app", path: "/v1/tokens/chat",
			body:        `{}`,
			wantVersion: "007", wantExpires: 3600, wantRenew: 3570,
			want: []accessBody{{Service: "chat", Privileges: privs("app", 3600)}},
		},
		{
			// FPA's login has no lifetime of its own: it lasts as the token.
			name: "fpa", path: "/v1/tokens/fpa",
			body:        `{"expire": 600, "version": "007"}`,
			wantVersion: "007", wantExpires: 600, wantRenew: 570,
			want: []accessBody{{Service: "fpa", Privileges: privs("login", 600)}},
		},
		{
			name: "fpa, default lifetime", path: "/v1/tokens/fpa",
			body:        `{}`,
			wantVersion: "007", wantExpires: 3600, wantRenew: 3570,
			want: []accessBody{{Service: "fpa", Privileges: privs("login", 3600)}},
		},
		{
			name: "apaas room user", path: "/v1/tokens/apaas",
			body:        `{"privilege": "roomUser", "roomUuid": "class 7", "userUuid": "ann", "role": 2, "expire": 900}`,
			wantVersion: "007", wantExpires: 900, wantRenew: 870,
			want: []accessBody{
				{Service: "rtm", UserID: "ann", Privileges: privs("login", 900)},
				{Service: "chat", UserID: accesstoken2.Md5("ann"), Privileges: privs("user", 900)},
				{Service: "apaas", RoomUUID: str("class 7"), UserUUID: str("ann"), Role: i16(2), Privileges: privs("roomUser", 900)},
			},
		},
		{
			name: "apaas user", path: "/v1/tokens/apaas",
			body:        `{"privilege": "user", "userUuid": "ann"}`,
			wantVersion: "007", wantExpires: 3600, wantRenew: 3570,
			want: []accessBody{{Service: "apaas", RoomUUID: str(""), UserUUID: str("ann"), Role: i16(-1), Privileges: privs("user", 3600)}},
		},
		{
			name: "apaas app", path: "/v1/tokens/apaas",
			body:        `{"privilege": "app", "expire": 60}`,
			wantVersion: "007", wantExpires: 60, wantRenew: 30,
			want: []accessBody{{Service: "apaas", RoomUUID: str(""), UserUUID: str(""), Role: i16(-1), Privileges: privs("app", 60)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var minted tokenBody
			decodeStrict(t, send(t, router, http.MethodPost, tt.path, tt.body), http.StatusOK, "application/json", &minted)
			wantMinted := tokenBody{
				Token:     minted.Token,
				Version:   tt.wantVersion,
				IssuedAt:  at(0),
				ExpiresAt: at(tt.wantExpires),
				RenewAt:   at(tt.wantRenew),
				Services:  tt.want,
			}
			if !reflect.DeepEqual(minted, wantMinted) {
				t.Errorf("minted:\n got %+v\nwant %+v", minted, wantMinted)
			}
			if !strings.HasPrefix(minted.Token, tt.wantVersion) {
				t.Errorf("token %q does not start with %s", minted.Token, tt.wantVersion)
			}
			agoraParse(t, minted.Token, tt.want[0], tt.wantExpires)

			inspect := `{"token": "` + minted.Token + `"`
			if tt.inspectWith != "" {
				inspect += ", " + tt.inspectWith
			}
			var got inspectBody
			decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/inspect", inspect+"}"), http.StatusOK, "application/json", &got)
			want := inspectBody{
				Version:   tt.wantVersion,
				AppID:     testkit.AppID,
				IssuedAt:  at(0),
				ExpiresAt: at(tt.wantExpires),
				RenewAt:   at(tt.wantRenew),
				Salt:      testSalt,
				Services:  tt.want,
				Expired:   false,
				Signature: "valid",
				Checksums: got.Checksums,
			}
			if (got.Checksums != nil) != (tt.wantVersion == "006") {
				t.Errorf("checksums %+v in a %s inspection", got.Checksums, tt.wantVersion)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("inspected:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// agoraParse reads a token with Agora's own parsers, which share no code
// with the server's inspector, and checks what they can see.
func agoraParse(t *testing.T, token string, first accessBody, expire int) {
	t.Helper()
	if strings.HasPrefix(token, "006") {
		var at accesstoken.AccessToken
		if !at.FromString(token) {
			t.Fatal("Agora's 006 parser rejects the token")
		}
		if at.Salt != testSalt || len(at.Message) != len(first.Privileges) {
			t.Errorf("Agora's 006 parser: salt %d, privileges %v", at.Salt, at.Message)
		}
		for id, exp := range at.Message {
			if exp != uint32(testNow.Unix())+uint32(expire) {
				t.Errorf("Agora's 006 parser: privilege %d expires at %d", id, exp)
			}
		}
		return
	}
	at := testkit.Verify007(t, token, testkit.AppID, testkit.Certificate)
	if at.AppId != testkit.AppID || at.IssueTs != uint32(testNow.Unix()) || at.Expire != uint32(expire) || at.Salt != testSalt {
		t.Errorf("Agora's 007 parser: app %s issued %d expire %d salt %d", at.AppId, at.IssueTs, at.Expire, at.Salt)
	}
	switch s := at.Services[map[string]uint16{"rtc": 1, "rtm": 2, "fpa": 4, "chat": 5, "apaas": 7}[first.Service]].(type) {
	case *accesstoken2.ServiceRtc:
		if s.ChannelName != first.Channel || len(s.Privileges) != len(first.Privileges) {
			t.Errorf("Agora's 007 parser: rtc %+v", s)
		}
	case *accesstoken2.ServiceRtm:
		if s.UserId != first.UserID {
			t.Errorf("Agora's 007 parser: rtm user %q", s.UserId)
		}
	case *accesstoken2.ServiceChat:
		if s.UserId != first.UserID {
			t.Errorf("Agora's 007 parser: chat user %q", s.UserId)
		}
	case *accesstoken2.ServiceFpa:
		// FPA's login lasts as long as the token: Agora writes it as 0.
		if len(s.Privileges) != 1 || s.Privileges[accesstoken2.PrivilegeLogin] != 0 {
			t.Errorf("Agora's 007 parser: fpa privileges %v", s.Privileges)
		}
	case *accesstoken2.ServiceApaas:
		if s.RoomUuid != *first.RoomUUID || s.UserUuid != *first.UserUUID || s.Role != *first.Role || len(s.Privileges) != len(first.Privileges) {
			t.Errorf("Agora's 007 parser: apaas %+v", s)
		}
	default:
		t.Errorf("Agora's 007 parser finds no %s service", first.Service)
	}
}

func TestV1Status200Headers(t *testing.T) {
	router := newRouter(t, withAppTokens())
	for _, path := range []string{"/v1/tokens/rtm", "/v1/tokens/rtm/"} {
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
			rec := send(t, router, http.MethodPost, path, `{"userId": "bob"}`, contentType(ct))
			if rec.Code != http.StatusOK {
				t.Errorf("%s as %q: status %d, body %s", path, ct, rec.Code, rec.Body)
			}
			if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "no-store") {
				t.Errorf("%s: Cache-Control %q", path, got)
			}
		}
	}
}

// TestCompatibleRoutesStayLenient guards the compatible routes against
// the /v1 strictness: their clients send fields the server never read.
func TestCompatibleRoutesStayLenient(t *testing.T) {
	router := newRouter(t, withAppTokens())
	rec := send(t, router, http.MethodPost, "/getToken", `{"tokenType": "rtm", "uid": "bob", "expire": 60, "extra": true}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	var body struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.HasPrefix(body.Token, "007") {
		t.Errorf("body %s: %v", rec.Body, err)
	}
}
