package api

import (
	"encoding/base64"
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
	Service    string          `json:"service"`
	Channel    string          `json:"channel"`
	UID        *uint32         `json:"uid"`
	Account    string          `json:"account"`
	UserID     string          `json:"userId"`
	RoomUUID   *string         `json:"roomUuid"`
	UserUUID   *string         `json:"userUuid"`
	Role       *int16          `json:"role"`
	Privileges []privilegeBody `json:"privileges"`
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

func mintV1(t *testing.T, h http.Handler, path, body string) string {
	t.Helper()
	var tok tokenBody
	decodeStrict(t, send(t, h, http.MethodPost, path, body), http.StatusOK, "application/json", &tok)
	return tok.Token
}

func TestV1InspectSignature(t *testing.T) {
	ours := newRouter(t, withAppTokens())
	sameAppOtherCert := newRouter(t, withAppTokens(), withCredentials(testkit.AppID, testkit.OtherCertificate))
	otherApp := newRouter(t, withAppTokens(), withCredentials(testkit.OtherAppID, testkit.Certificate))
	const rtc007 = `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600}`
	const rtc006 = `{"channel": "lobby", "uid": 42, "role": "publisher", "expire": 600, "version": "006"}`
	const subject = `, "channel": "lobby", "uid": 42`

	tests := []struct {
		name  string
		token string
		with  string
		want  string
	}{
		{"007 as minted", mintV1(t, ours, "/v1/tokens/rtc", rtc007), "", "valid"},
		{"007 one byte flipped", testkit.Flip007(t, mintV1(t, ours, "/v1/tokens/rtc", rtc007), -1), "", "invalid"},
		{"007 another certificate, same App ID", mintV1(t, sameAppOtherCert, "/v1/tokens/rtc", rtc007), "", "invalid"},
		{"007 another App ID", mintV1(t, otherApp, "/v1/tokens/rtc", rtc007), "", "foreign"},
		{"006 as minted", mintV1(t, ours, "/v1/tokens/rtc", rtc006), subject, "valid"},
		{"006 without its channel and uid", mintV1(t, ours, "/v1/tokens/rtc", rtc006), "", "unverifiable"},
		{"006 one byte flipped", flip006(t, mintV1(t, ours, "/v1/tokens/rtc", rtc006)), subject, "invalid"},
		{"006 another certificate, same App ID", mintV1(t, sameAppOtherCert, "/v1/tokens/rtc", rtc006), subject, "invalid"},
		{"006 another App ID", mintV1(t, otherApp, "/v1/tokens/rtc", rtc006), subject, "foreign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got inspectBody
			decodeStrict(t, send(t, ours, http.MethodPost, "/v1/tokens/inspect", `{"token": "`+tt.token+`"`+tt.with+`}`), http.StatusOK, "application/json", &got)
			if got.Signature != tt.want {
				t.Errorf("signature: got %q, want %q", got.Signature, tt.want)
			}
			wantApp := testkit.AppID
			if tt.want == "foreign" {
				wantApp = testkit.OtherAppID
			}
			if got.AppID != wantApp {
				t.Errorf("appId: got %q, want %q", got.AppID, wantApp)
			}
			if (got.Note == "") != (tt.want == "valid") {
				t.Errorf("note %q with signature %s", got.Note, got.Signature)
			}
		})
	}
}

// flip006 inverts one byte of a 006 token's salt, inside the signed message.
func flip006(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token[35:])
	if err != nil {
		t.Fatal(err)
	}
	// signature (2+32), two checksums (8), message length (2), then the salt.
	raw[2+32+8+2] ^= 0x01
	return token[:35] + base64.StdEncoding.EncodeToString(raw)
}

func TestV1InspectExpired(t *testing.T) {
	token := mintV1(t, newRouter(t, withAppTokens()), "/v1/tokens/rtm", `{"userId": "bob", "expire": 60}`)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"a second before", testNow.Add(59 * time.Second), false},
		{"at expiry", testNow.Add(60 * time.Second), true},
		{"a day later", testNow.Add(24 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got inspectBody
			decodeStrict(t, send(t, newRouter(t, withAppTokens(), withClock(tt.now)), http.MethodPost, "/v1/tokens/inspect", `{"token": "`+token+`"}`), http.StatusOK, "application/json", &got)
			if got.Expired != tt.want || got.Signature != "valid" {
				t.Errorf("got expired %t signature %s, want expired %t, valid", got.Expired, got.Signature, tt.want)
			}
		})
	}
}

func TestV1Status400(t *testing.T) {
	router := newRouter(t, withAppTokens())
	token006 := mintV1(t, router, "/v1/tokens/rtc", `{"channel": "lobby", "uid": 42, "role": "publisher", "version": "006"}`)
	token007 := mintV1(t, router, "/v1/tokens/rtc", `{"channel": "lobby", "uid": 42, "role": "publisher"}`)

	type fieldErr struct{ field, message string }
	tests := []struct {
		name string
		path string
		body string
		want []fieldErr
	}{
		{"rtc unknown field", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expiry": 60}`, []fieldErr{{"expiry", "is not a known field"}}},
		{"rtc unknown nested field", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"join": 60}}`, []fieldErr{{"privileges.join", "is not a known field"}}},
		{"rtc unknown field deeper", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "u", "foo": 1}}`, []fieldErr{{"rtm.foo", "is not a known field"}}},
		{"rtc key in capitals", "/v1/tokens/rtc", `{"CHANNEL": "test", "uid": 7, "role": "publisher"}`, []fieldErr{{"CHANNEL", "case-sensitive: did you mean channel?"}}},
		{"rtc case variants and a duplicate", "/v1/tokens/rtc", `{"channel": "test", "UID": 7, "Role": "publisher", "uid": 8}`, []fieldErr{{"UID", "did you mean uid?"}}},
		{"rtc duplicate key", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "uid": 8}`, []fieldErr{{"uid", "is given more than once"}}},
		{"rtc duplicate key escaped", "/v1/tokens/rtc", `{"channel": "c", "\u0075id": 7, "role": "publisher", "uid": 8}`, []fieldErr{{"uid", "is given more than once"}}},
		{"rtc duplicate nested key", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "privileges": {"joinChannel": 60, "joinChannel": 90}}`, []fieldErr{{"privileges.joinChannel", "is given more than once"}}},
		{"rtc nested key in another case", "/v1/tokens/rtc", `{"channel": "c", "uid": 7, "role": "publisher", "rtm": {"userid": "u"}}`, []fieldErr{{"rtm.userid", "did you mean userId?"}}},
		{"rtm key in another case", "/v1/tokens/rtm", `{"userID": "bob"}`, []fieldErr{{"userID", "did you mean userId?"}}},
		{"chat duplicate key", "/v1/tokens/chat", `{"userId": "a", "userId": "b"}`, []fieldErr{{"userId", "is given more than once"}}},
		{"inspect key in another case", "/v1/tokens/inspect", `{"Token": "007abc"}`, []fieldErr{{"Token", "did you mean token?"}}},
		{"empty key", "/v1/tokens/rtm", `{"userId": "bob", "": 1}`, []fieldErr{{`""`, "is not a known field"}}},
		{"rtc nothing", "/v1/tokens/rtc", `{}`, []fieldErr{{"channel", "is required"}, {"role", "is required"}, {"uid", "give exactly one of uid"}}},
		{"rtc uid and account", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "account": "a", "role": "publisher"}`, []fieldErr{{"uid", "give exactly one of uid"}}},
		{"rtc uid too large", "/v1/tokens/rtc", `{"channel": "c", "uid": 4294967296, "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc uid negative", "/v1/tokens/rtc", `{"channel": "c", "uid": -1, "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc uid as text", "/v1/tokens/rtc", `{"channel": "c", "uid": "1", "role": "publisher"}`, []fieldErr{{"uid", "not negative and not too large"}}},
		{"rtc bad account", "/v1/tokens/rtc", `{"channel": "c", "account": "a/b", "role": "publisher"}`, []fieldErr{{"account", "1 to 255 bytes of a-z"}}},
		{"rtc empty account", "/v1/tokens/rtc", `{"channel": "c", "account": "", "role": "publisher"}`, []fieldErr{{"account", "1 to 255 bytes"}}},
		{"rtc bad channel", "/v1/tokens/rtc", `{"channel": "c/d", "uid": 1, "role": "publisher"}`, []fieldErr{{"channel", "1 to 63 bytes"}}},
		{"rtc bad role", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "admin"}`, []fieldErr{{"role", "must be one of: publisher, subscriber"}}},
		{"rtc bad version", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "version": "008"}`, []fieldErr{{"version", "must be one of: 007, 006"}}},
		{"rtc expire zero", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 0}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"rtc expire too long", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 86401}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"rtc privilege past the token", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "expire": 600, "privileges": {"publishAudio": 601}}`, []fieldErr{{"privileges.publishAudio", "from 1 to the token's lifetime, 600"}}},
		{"rtc privilege past the default lifetime", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"joinChannel": 3601}}`, []fieldErr{{"privileges.joinChannel", "token's lifetime, 3600"}}},
		{"rtc privilege of zero", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"publishData": 0}}`, []fieldErr{{"privileges.publishData", "from 1"}}},
		{"rtc subscriber publishing", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "subscriber", "privileges": {"publishVideo": 60}}`, []fieldErr{{"privileges.publishVideo", "publishers only"}}},
		{"rtc 006 privileges", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "privileges": {"joinChannel": 60}, "version": "006"}`, []fieldErr{{"privileges", "needs version 007"}}},
		{"rtc 006 rtm", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "bob"}, "version": "006"}`, []fieldErr{{"rtm", "needs version 007"}}},
		{"rtc rtm without user", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {}}`, []fieldErr{{"rtm.userId", "is required"}}},
		{"rtm lone surrogate", "/v1/tokens/rtm", `{"userId": "\ud800"}`, []fieldErr{{"userId", "1 to 64 bytes of a-z"}}},
		{"rtm control byte", "/v1/tokens/rtm", `{"userId": "bob\u0001"}`, []fieldErr{{"userId", "1 to 64 bytes of a-z"}}},
		{"chat user of spaces", "/v1/tokens/chat", `{"userId": "  "}`, []fieldErr{{"userId", "not starting with a space"}}},
		{"rtc rtm user not ASCII", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "\u00e9"}}`, []fieldErr{{"rtm.userId", "1 to 64 bytes of a-z"}}},
		{"rtc rtm user too long", "/v1/tokens/rtc", `{"channel": "c", "uid": 1, "role": "publisher", "rtm": {"userId": "` + strings.Repeat("u", 65) + `"}}`, []fieldErr{{"rtm.userId", "1 to 64 bytes"}}},
		{"rtm without user", "/v1/tokens/rtm", `{"expire": 60}`, []fieldErr{{"userId", "is required"}}},
		{"rtm unknown field", "/v1/tokens/rtm", `{"userId": "bob", "uid": "bob"}`, []fieldErr{{"uid", "is not a known field"}}},
		{"rtm bad version", "/v1/tokens/rtm", `{"userId": "bob", "version": "7"}`, []fieldErr{{"version", "must be one of: 007, 006"}}},
		{"chat empty user", "/v1/tokens/chat", `{"userId": ""}`, []fieldErr{{"userId", "1 to 64 bytes"}}},
		{"chat 006", "/v1/tokens/chat", `{"version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"chat expire as text", "/v1/tokens/chat", `{"expire": "60"}`, []fieldErr{{"expire", "whole number"}}},
		{"fpa 006", "/v1/tokens/fpa", `{"version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"fpa expire too long", "/v1/tokens/fpa", `{"expire": 86401}`, []fieldErr{{"expire", "from 1 to 86400"}}},
		{"fpa unknown field", "/v1/tokens/fpa", `{"expire": 60, "userId": "ann"}`, []fieldErr{{"userId", "is not a known field"}}},
		{"apaas without privilege", "/v1/tokens/apaas", `{"userUuid": "ann"}`, []fieldErr{{"privilege", "is required"}}},
		{"apaas unknown privilege", "/v1/tokens/apaas", `{"privilege": "admin"}`, []fieldErr{{"privilege", "must be one of: roomUser, user, app"}}},
		{"apaas privilege in another case", "/v1/tokens/apaas", `{"privilege": "roomuser"}`, []fieldErr{{"privilege", "must be one of: roomUser, user, app"}}},
		{"apaas room user without a room", "/v1/tokens/apaas", `{"privilege": "roomUser", "userUuid": "ann", "role": 1}`, []fieldErr{{"roomUuid", "is required for privilege roomUser"}}},
		{"apaas room user without a user", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "role": 1}`, []fieldErr{{"userUuid", "is required for privilege roomUser"}}},
		{"apaas room user without a role", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann"}`, []fieldErr{{"role", "is required for privilege roomUser"}}},
		{"apaas role past Agora's", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": 5}`, []fieldErr{{"role", "4 (observer)"}}},
		{"apaas role of 16 bits and more", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": 65537}`, []fieldErr{{"role", "0 (invisible)"}}},
		{"apaas role as text", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "r", "userUuid": "ann", "role": "teacher"}`, []fieldErr{{"role", "must be a number"}}},
		{"apaas room too long", "/v1/tokens/apaas", `{"privilege": "roomUser", "roomUuid": "` + strings.Repeat("r", 64) + `", "userUuid": "ann", "role": 1}`, []fieldErr{{"roomUuid", "1 to 63 bytes"}}},
		{"apaas user with a tab", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "a\tb"}`, []fieldErr{{"userUuid", "1 to 64 bytes of a-z"}}},
		{"apaas user in a room", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "ann", "roomUuid": "r"}`, []fieldErr{{"roomUuid", "does not apply to privilege user"}}},
		{"apaas user with a role", "/v1/tokens/apaas", `{"privilege": "user", "userUuid": "ann", "role": 2}`, []fieldErr{{"role", "does not apply to privilege user"}}},
		{"apaas app for a user", "/v1/tokens/apaas", `{"privilege": "app", "userUuid": "ann"}`, []fieldErr{{"userUuid", "does not apply to privilege app"}}},
		{"apaas 006", "/v1/tokens/apaas", `{"privilege": "app", "version": "006"}`, []fieldErr{{"version", "must be one of: 007"}}},
		{"inspect without token", "/v1/tokens/inspect", `{}`, []fieldErr{{"token", "is required"}}},
		{"inspect uid and account", "/v1/tokens/inspect", `{"token": "` + token006 + `", "channel": "lobby", "uid": 42, "account": "42"}`, []fieldErr{{"uid", "not both"}}},
		{"inspect bad version prefix", "/v1/tokens/inspect", `{"token": "abc"}`, []fieldErr{{"token", "bad version prefix"}}},
		{"inspect bad base64", "/v1/tokens/inspect", `{"token": "007eJ*x"}`, []fieldErr{{"token", "bad base64 at character 5"}}},
		{"inspect bad zlib", "/v1/tokens/inspect", `{"token": "007bm90IHpsaWI="}`, []fieldErr{{"token", "bad zlib"}}},
		{"inspect truncated 006", "/v1/tokens/inspect", `{"token": "` + token006[:63] + `"}`, []fieldErr{{"token", "truncated field"}}},
		{"inspect 006 other channel", "/v1/tokens/inspect", `{"token": "` + token006 + `", "channel": "hall", "uid": 42}`, []fieldErr{{"channel", "issued for another channel"}}},
		{"inspect 007 with channel", "/v1/tokens/inspect", `{"token": "` + token007 + `", "channel": "lobby"}`, []fieldErr{{"channel", "applies to 006 tokens only"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problemBody
			decodeStrict(t, send(t, router, http.MethodPost, tt.path, tt.body), http.StatusBadRequest, "application/problem+json", &p)
			if p.Status != http.StatusBadRequest || p.Title != "Bad Request" || p.Type != "about:blank" {
				t.Errorf("problem: %+v", p)
			}
			if len(p.Errors) != len(tt.want) {
				t.Fatalf("errors: got %+v, want %v", p.Errors, tt.want)
			}
			for i, w := range tt.want {
				if got := p.Errors[i]; got.Field != w.field || !strings.Contains(got.Message, w.message) {
					t.Errorf("error %d: got %s %q, want %s containing %q", i, got.Field, got.Message, w.field, w.message)
				}
				if !strings.Contains(p.Detail, w.field) {
					t.Errorf("detail %q does not name %s", p.Detail, w.field)
				}
			}
			if strings.Contains(p.Detail, token007) || strings.Contains(p.Detail, token006) {
				t.Error("the problem repeats the token")
			}
		})
	}
}

// TestV1Body covers bodies that are not one JSON object sent as JSON.
func TestV1Body(t *testing.T) {
	router := newRouter(t, withAppTokens())
	const ok = `{"userId": "bob"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantDetail  string
	}{
		{"text/plain", "text/plain", ok, http.StatusUnsupportedMediaType, "send the body as application/json"},
		{"form", "application/x-www-form-urlencoded", "userId=bob", http.StatusUnsupportedMediaType, "application/json"},
		{"no content type", "", ok, http.StatusUnsupportedMediaType, "application/json"},
		{"not json", "application/json", "userId=bob", http.StatusBadRequest, "not valid JSON"},
		{"cut short", "application/json", `{"userId": "bob"`, http.StatusBadRequest, "not valid JSON"},
		{"empty", "application/json", "", http.StatusBadRequest, "empty"},
		{"two objects", "application/json", ok + ok, http.StatusBadRequest, "one JSON object and nothing after it"},
		{"an array", "application/json", `[` + ok + `]`, http.StatusBadRequest, "must be an object"},
		{"too large", "application/json", `{"userId": "bob", "x": "` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problemBody
			decodeStrict(t, send(t, router, http.MethodPost, "/v1/tokens/rtm", tt.body, contentType(tt.contentType)), tt.wantStatus, "application/problem+json", &p)
			if p.Status != tt.wantStatus || !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("got %d %q, want %d with %q", p.Status, p.Detail, tt.wantStatus, tt.wantDetail)
			}
		})
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
