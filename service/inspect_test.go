package service

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	accesstoken "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/AccessToken"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

const (
	testSalt = 0x1234abcd
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// newTestTokens signs as the test project, with a clock fixed at now.
func newTestTokens(appID, cert string, now time.Time) *Tokens {
	return New(appID, cert, Options{
		Now:  func() time.Time { return now },
		Salt: func() uint32 { return testSalt },
	})
}

func u32(n uint32) *uint32 { return &n }
func u64(n uint64) *uint64 { return &n }
func i16(n int16) *int16   { return &n }
func str(s string) *string { return &s }

func rtcPrivs(expires ...time.Time) []PrivilegeExpiry {
	names := []string{"joinChannel", "publishAudio", "publishVideo", "publishData"}
	out := make([]PrivilegeExpiry, len(expires))
	for i, e := range expires {
		out[i] = PrivilegeExpiry{names[i], e}
	}
	return out
}

func TestInspectRoundTrip(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	in := func(s uint32) time.Time { return testNow.Add(time.Duration(s) * time.Second) }

	tests := []struct {
		name    string
		bundle  Bundle
		who     Subject
		want    []Access
		expires time.Time
		renew   time.Time
	}{
		{
			name:    "007 rtc publisher uid",
			bundle:  Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Publisher}, Expire: u64(600)},
			want:    []Access{{Service: "rtc", Channel: "lobby", UID: u32(42), Privileges: rtcPrivs(in(600), in(600), in(600), in(600))}},
			expires: in(600), renew: in(570),
		},
		{
			name:    "007 rtc subscriber account",
			bundle:  Bundle{RTC: &RTC{Channel: "a b", Account: "alice@example", Role: Subscriber}, Expire: u64(60)},
			want:    []Access{{Service: "rtc", Channel: "a b", Account: "alice@example", Privileges: rtcPrivs(in(60))}},
			expires: in(60), renew: in(30),
		},
		{
			name: "007 rtc per-privilege lifetimes",
			bundle: Bundle{RTC: &RTC{Channel: "c", Role: Publisher, Privileges: &RTCPrivileges{
				JoinChannel: u64(900), PublishAudio: u64(300), PublishData: u64(10),
			}}, Expire: u64(900)},
			want:    []Access{{Service: "rtc", Channel: "c", UID: u32(0), Privileges: rtcPrivs(in(900), in(300), in(900), in(10))}},
			expires: in(900), renew: in(0),
		},
		{
			name:   "007 rtc with rtm",
			bundle: Bundle{RTC: &RTC{Channel: "c", Account: "7", Role: Subscriber}, RTMUserID: "bob", Expire: u64(120)},
			want: []Access{
				{Service: "rtc", Channel: "c", UID: u32(7), Privileges: rtcPrivs(in(120))},
				{Service: "rtm", UserID: "bob", Privileges: []PrivilegeExpiry{{"login", in(120)}}},
			},
			expires: in(120), renew: in(90),
		},
		{
			name:    "007 rtm",
			bundle:  Bundle{RTMUserID: "bob", Expire: u64(3600)},
			want:    []Access{{Service: "rtm", UserID: "bob", Privileges: []PrivilegeExpiry{{"login", in(3600)}}}},
			expires: in(3600), renew: in(3570),
		},
		{
			name:    "007 chat user",
			bundle:  Bundle{Chat: &Chat{UserID: "carol", User: true}, Expire: u64(100)},
			want:    []Access{{Service: "chat", UserID: "carol", Privileges: []PrivilegeExpiry{{"user", in(100)}}}},
			expires: in(100), renew: in(70),
		},
		{
			name:    "007 chat app",
			bundle:  Bundle{Chat: &Chat{App: true}, Expire: u64(100)},
			want:    []Access{{Service: "chat", Privileges: []PrivilegeExpiry{{"app", in(100)}}}},
			expires: in(100), renew: in(70),
		},
		{
			name:    "007 fpa",
			bundle:  Bundle{FPA: true, Expire: u64(900)},
			want:    []Access{{Service: "fpa", Privileges: []PrivilegeExpiry{{"login", in(900)}}}},
			expires: in(900), renew: in(870),
		},
		{
			name:   "007 apaas room user",
			bundle: Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "class 7", UserUUID: "ann", Role: i16(1)}, Expire: u64(600)},
			want: []Access{
				{Service: "rtm", UserID: "ann", Privileges: []PrivilegeExpiry{{"login", in(600)}}},
				{Service: "chat", UserID: accesstoken2.Md5("ann"), Privileges: []PrivilegeExpiry{{"user", in(600)}}},
				{Service: "apaas", RoomUUID: str("class 7"), UserUUID: str("ann"), Role: i16(1), Privileges: []PrivilegeExpiry{{"roomUser", in(600)}}},
			},
			expires: in(600), renew: in(570),
		},
		{
			name:    "007 apaas user and app",
			bundle:  Bundle{APaaS: &APaaS{User: true, App: true, UserUUID: "ann"}, Expire: u64(60)},
			want:    []Access{{Service: "apaas", RoomUUID: str(""), UserUUID: str("ann"), Role: i16(-1), Privileges: []PrivilegeExpiry{{"user", in(60)}, {"app", in(60)}}}},
			expires: in(60), renew: in(30),
		},
		{
			name:    "007 apaas app",
			bundle:  Bundle{APaaS: &APaaS{App: true}, Expire: u64(60)},
			want:    []Access{{Service: "apaas", RoomUUID: str(""), UserUUID: str(""), Role: i16(-1), Privileges: []PrivilegeExpiry{{"app", in(60)}}}},
			expires: in(60), renew: in(30),
		},
		{
			name: "007 every service",
			bundle: Bundle{
				RTC: &RTC{Channel: "c", Account: "7", Role: Subscriber}, RTMUserID: "7", FPA: true,
				Chat: &Chat{UserID: "7", User: true}, APaaS: &APaaS{User: true, UserUUID: "7"},
				Expire: u64(900), RTCPrivilegeExpire: u64(300),
			},
			want: []Access{
				{Service: "rtc", Channel: "c", UID: u32(7), Privileges: rtcPrivs(in(300))},
				{Service: "rtm", UserID: "7", Privileges: []PrivilegeExpiry{{"login", in(900)}}},
				{Service: "fpa", Privileges: []PrivilegeExpiry{{"login", in(900)}}},
				{Service: "chat", UserID: "7", Privileges: []PrivilegeExpiry{{"user", in(900)}}},
				{Service: "apaas", RoomUUID: str(""), UserUUID: str("7"), Role: i16(-1), Privileges: []PrivilegeExpiry{{"user", in(900)}}},
			},
			expires: in(900), renew: in(270),
		},
		{
			name:    "006 rtc publisher uid",
			bundle:  Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Publisher}, Expire: u64(600), Version: Version006},
			who:     Subject{Channel: "lobby", Account: "42"},
			want:    []Access{{Service: "rtc", Channel: "lobby", UID: u32(42), Privileges: rtcPrivs(in(600), in(600), in(600), in(600))}},
			expires: in(600), renew: in(570),
		},
		{
			name:    "006 rtc subscriber any uid",
			bundle:  Bundle{RTC: &RTC{Channel: "lobby", Role: Subscriber}, Expire: u64(600), Version: Version006},
			who:     Subject{Channel: "lobby"},
			want:    []Access{{Service: "rtc", Channel: "lobby", UID: u32(0), Privileges: rtcPrivs(in(600))}},
			expires: in(600), renew: in(570),
		},
		{
			name:    "006 rtm",
			bundle:  Bundle{RTMUserID: "bob", Expire: u64(86400), Version: Version006},
			who:     Subject{UserID: "bob"},
			want:    []Access{{Service: "rtm", UserID: "bob", Privileges: []PrivilegeExpiry{{"login", in(86400)}}}},
			expires: in(86400), renew: in(86370),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tokens.signed(tt.bundle)
			if err != nil {
				t.Fatalf("Bundle: %v", err)
			}
			wantVersion := Version007
			if tt.bundle.Version != "" {
				wantVersion = tt.bundle.Version
			}
			if tok.Version != wantVersion || !tok.IssuedAt.Equal(testNow) || !tok.ExpiresAt.Equal(tt.expires) || !tok.RenewAt.Equal(tt.renew) {
				t.Errorf("token times: got version %s issued %v expires %v renew %v, want %s %v %v %v",
					tok.Version, tok.IssuedAt, tok.ExpiresAt, tok.RenewAt, wantVersion, testNow, tt.expires, tt.renew)
			}
			if !reflect.DeepEqual(tok.Services, tt.want) {
				t.Errorf("minted services:\n got %+v\nwant %+v", tok.Services, tt.want)
			}

			got, err := tokens.Inspect(tok.Value, tt.who)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			want := Inspection{
				Version:   wantVersion,
				AppID:     testkit.AppID,
				IssuedAt:  testNow,
				ExpiresAt: tt.expires,
				RenewAt:   tt.renew,
				Salt:      testSalt,
				Services:  tt.want,
				Signature: SignatureValid,
			}
			if wantVersion == Version006 {
				channel := tt.who.Channel + tt.who.UserID
				want.Checksums = &Checksums{Channel: crc(channel), UID: crc(tt.who.Account)}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Inspect:\n got %+v\nwant %+v", got, want)
			}
			crossCheck(t, tok.Value, tt.bundle)
		})
	}
}

// crossCheck decodes value with Agora's own parsers, which know nothing
// of this package, and compares what they read with what was asked for.
func crossCheck(t *testing.T, value string, b Bundle) {
	t.Helper()
	if b.Version == Version006 {
		var at accesstoken.AccessToken
		if !at.FromString(value) {
			t.Fatal("Agora's 006 parser rejects the token")
		}
		if at.Salt != testSalt || at.Ts != uint32(testNow.Unix())+agoratoken.StampLead006 {
			t.Errorf("Agora's 006 parser: salt %d ts %d", at.Salt, at.Ts)
		}
		for id, exp := range at.Message {
			if exp != uint32(testNow.Unix())+uint32(*b.Expire) {
				t.Errorf("Agora's 006 parser: privilege %d expires %d", id, exp)
			}
		}
		return
	}
	at := testkit.Verify007(t, value, testkit.AppID, testkit.Certificate)
	if at.AppId != testkit.AppID || at.IssueTs != uint32(testNow.Unix()) || at.Expire != uint32(*b.Expire) || at.Salt != testSalt {
		t.Errorf("Agora's 007 parser: app %s issued %d expire %d salt %d", at.AppId, at.IssueTs, at.Expire, at.Salt)
	}
	if b.RTC != nil {
		rtc, ok := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
		if !ok || rtc.ChannelName != b.RTC.Channel || rtc.Uid != b.RTC.Account {
			t.Errorf("Agora's 007 parser: rtc service %+v", at.Services[accesstoken2.ServiceTypeRtc])
		}
	}
}

func crc(s string) uint32 {
	// The same polynomial Agora's 006 builder uses, computed independently.
	var c uint32 = 0xffffffff
	for i := 0; i < len(s); i++ {
		c ^= uint32(s[i])
		for range 8 {
			if c&1 == 1 {
				c = c>>1 ^ 0xedb88320
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

func TestInspectSignature(t *testing.T) {
	ours := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	otherCertTokens := newTestTokens(testkit.AppID, testkit.OtherCertificate, testNow)
	otherApp := newTestTokens(testkit.OtherAppID, testkit.Certificate, testNow)
	rtc := func(v string) Bundle {
		return Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Publisher}, Expire: u64(600), Version: v}
	}
	who006 := Subject{Channel: "lobby", Account: "42"}

	tests := []struct {
		name  string
		token string
		who   Subject
		want  string
	}{
		{"007 ours", mint(t, ours, rtc("")), Subject{}, SignatureValid},
		{"007 flipped signature byte", testkit.Flip007(t, mint(t, ours, rtc("")), 2), Subject{}, SignatureInvalid},
		{"007 flipped body byte", testkit.Flip007(t, mint(t, ours, rtc("")), -1), Subject{}, SignatureInvalid},
		{"007 other certificate", mint(t, otherCertTokens, rtc("")), Subject{}, SignatureInvalid},
		{"007 other app", mint(t, otherApp, rtc("")), Subject{}, SignatureForeign},
		{"006 ours", mint(t, ours, rtc(Version006)), who006, SignatureValid},
		{"006 ours without subject", mint(t, ours, rtc(Version006)), Subject{}, SignatureUnverifiable},
		{"006 flipped signature byte", flip006(t, mint(t, ours, rtc(Version006)), 2), who006, SignatureInvalid},
		{"006 flipped expiry byte", flip006(t, mint(t, ours, rtc(Version006)), -1), who006, SignatureInvalid},
		{"006 other certificate", mint(t, otherCertTokens, rtc(Version006)), who006, SignatureInvalid},
		{"006 other app", mint(t, otherApp, rtc(Version006)), who006, SignatureForeign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ours.Inspect(tt.token, tt.who)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if got.Signature != tt.want {
				t.Errorf("signature: got %q, want %q", got.Signature, tt.want)
			}
			if (got.Note == "") != (tt.want == SignatureValid) {
				t.Errorf("note %q for verdict %s", got.Note, got.Signature)
			}
		})
	}
}

func TestInspectExpired(t *testing.T) {
	issuer := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	for _, v := range []string{Version007, Version006} {
		tok := mint(t, issuer, Bundle{RTMUserID: "bob", Expire: u64(60), Version: v})
		for _, tt := range []struct {
			at   time.Time
			want bool
		}{
			{testNow, false},
			{testNow.Add(59 * time.Second), false},
			{testNow.Add(60 * time.Second), true},
			{testNow.Add(-time.Hour), false},
		} {
			got, err := newTestTokens(testkit.AppID, testkit.Certificate, tt.at).Inspect(tok, Subject{UserID: "bob"}.only(v))
			if err != nil {
				t.Fatalf("%s at %v: %v", v, tt.at, err)
			}
			if got.Expired != tt.want {
				t.Errorf("%s at %v: expired %t, want %t", v, tt.at, got.Expired, tt.want)
			}
		}
	}
}

// only keeps who for 006 tokens, which need it, and drops it for 007.
func (who Subject) only(version string) Subject {
	if version == Version006 {
		return who
	}
	return Subject{}
}

func TestInspectSubject(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	rtc006 := mint(t, tokens, Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Subscriber}, Expire: u64(60), Version: Version006})
	rtm006 := mint(t, tokens, Bundle{RTMUserID: "bob", Expire: u64(60), Version: Version006})
	rtc007 := mint(t, tokens, Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Subscriber}, Expire: u64(60)})

	tests := []struct {
		name      string
		token     string
		who       Subject
		wantField string
		wantMsg   string
	}{
		{"006 other channel", rtc006, Subject{Channel: "hall", Account: "42"}, "channel", "another channel"},
		{"006 other uid", rtc006, Subject{Channel: "lobby", Account: "43"}, "uid", "another uid"},
		{"006 uid missing", rtc006, Subject{Channel: "lobby"}, "uid", "another uid"},
		{"006 channel missing", rtc006, Subject{Account: "42"}, "channel", "is required"},
		{"006 other user", rtm006, Subject{UserID: "carol"}, "userId", "another user"},
		{"006 user with channel", rtm006, Subject{UserID: "bob", Channel: "lobby"}, "userId", "give it alone"},
		{"007 with channel", rtc007, Subject{Channel: "lobby"}, "channel", "006 tokens only"},
		{"007 with user", rtc007, Subject{UserID: "bob"}, "userId", "006 tokens only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokens.Inspect(tt.token, tt.who)
			assertInvalid(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

func TestInspectMalformed(t *testing.T) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	good007 := mint(t, tokens, Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Publisher}, Expire: u64(600)})
	good006 := mint(t, tokens, Bundle{RTC: &RTC{Channel: "lobby", Account: "42", Role: Publisher}, Expire: u64(600), Version: Version006})
	payload := testkit.Payload007(t, good007)

	tests := []struct {
		name    string
		token   string
		wantMsg string
	}{
		{"empty", "", "bad version prefix"},
		{"other version", "008" + good007[3:], "bad version prefix"},
		{"lower-level garbage", "hello, world", "bad version prefix"},
		{"too long", "007" + strings.Repeat("A", MaxTokenChars), "no Agora token is longer"},
		{"007 bad base64", good007[:10] + "*" + good007[11:], "bad base64 at character 10"},
		{"007 not zlib", "007" + base64.StdEncoding.EncodeToString([]byte("not compressed at all")), "bad zlib"},
		{"007 zlib cut short", "007" + base64.StdEncoding.EncodeToString(testkit.Deflate(payload)[:20]), "bad zlib: the stream is cut short"},
		{"007 flipped compressed byte", flipRaw(t, good007, 3, -1), "bad zlib"},
		{"007 zlib trailing bytes", "007" + base64.StdEncoding.EncodeToString(append(testkit.Deflate(payload), 0)), "follow the stream"},
		{"007 zlib bomb", "007" + base64.StdEncoding.EncodeToString(testkit.Deflate(make([]byte, 1<<20))), "inflates to more than"},
		{"007 empty payload", testkit.Pack007(nil), "truncated field: signature length"},
		{"007 truncated signature", testkit.Pack007(payload[:10]), "truncated field: signature needs 32 bytes, 8 remain"},
		{"007 truncated channel", testkit.Pack007(payload[:len(payload)-5]), "truncated field: rtc"},
		{"007 trailing bytes", testkit.Pack007(append(bytes.Clone(payload), 1, 2)), "2 bytes follow the last service"},
		{"007 unknown service", testkit.Pack007(withService(payload, 11)), "service type 11"},
		{"007 huge privilege count", testkit.Pack007(withPrivilegeCount(payload, 0xffff)), "lists 65535 privileges"},
		{"006 short app id", "006" + testkit.AppID[:10], "truncated field: the App ID"},
		{"006 bad base64", good006[:40] + "!" + good006[41:], "bad base64 at character 40"},
		{"006 truncated", good006[:35+8], "truncated field"},
		{"006 trailing bytes", good006[:35] + base64.StdEncoding.EncodeToString(append(decode006(t, good006), 9)), "1 bytes follow the message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokens.Inspect(tt.token, Subject{})
			assertInvalid(t, err, "token", tt.wantMsg)
		})
	}
}

func assertInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want an *Error", err, err)
	}
	if e.Kind != Invalid || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Errorf("got %v kind %d, want field %q with %q", e, e.Kind, field, msg)
	}
}

func mint(t testing.TB, tokens *Tokens, b Bundle) string {
	t.Helper()
	tok, err := tokens.signed(b)
	if err != nil {
		t.Fatalf("Bundle: %v", err)
	}
	return tok.Value
}

func decode006(t testing.TB, token string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token[35:])
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// flip006 inverts one byte of a 006 token's decoded content.
func flip006(t testing.TB, token string, at int) string {
	raw := decode006(t, token)
	if at < 0 {
		at += len(raw)
	}
	raw[at] ^= 0xff
	return token[:35] + base64.StdEncoding.EncodeToString(raw)
}

// flipRaw inverts one byte of what the token's base64 decodes to.
func flipRaw(t testing.TB, token string, prefix, at int) string {
	raw, err := base64.StdEncoding.DecodeString(token[prefix:])
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at += len(raw)
	}
	raw[at] ^= 0xff
	return token[:prefix] + base64.StdEncoding.EncodeToString(raw)
}

// The offset of the first service in a payload minted for testkit.AppID:
// signature (2+32), App ID (2+32), issue time, expiry, salt, count.
const firstService = 2 + 32 + 2 + 32 + 4 + 4 + 4 + 2

func withService(payload []byte, typ byte) []byte {
	p := bytes.Clone(payload)
	p[firstService], p[firstService+1] = typ, 0
	return p
}

func withPrivilegeCount(payload []byte, n uint16) []byte {
	p := bytes.Clone(payload)
	p[firstService+2], p[firstService+3] = byte(n), byte(n>>8)
	return p
}

// TestInspectAgoraFPAAndAPaaS decodes FPA and APaaS grants of a shape
// this server does not mint, from a token built by Agora's own package: a
// login privilege with a lifetime of its own, and a room user's grant
// without the RTM and Chat grants Agora's builder adds to it.
func TestInspectAgoraFPAAndAPaaS(t *testing.T) {
	at := accesstoken2.NewAccessToken(testkit.AppID, testkit.Certificate, 300)
	at.IssueTs, at.Salt = uint32(testNow.Unix()), testSalt
	fpa := accesstoken2.NewServiceFpa()
	fpa.AddPrivilege(accesstoken2.PrivilegeLogin, 200)
	at.AddService(fpa)
	apaas := accesstoken2.NewServiceApaas("room-1", "user-1", 3)
	apaas.AddPrivilege(accesstoken2.PrivilegeApaasRoomUser, 100)
	at.AddService(apaas)
	value, err := at.Build()
	if err != nil {
		t.Fatal(err)
	}

	got, err := newTestTokens(testkit.AppID, testkit.Certificate, testNow).Inspect(value, Subject{})
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	want := []Access{
		{Service: "fpa", Privileges: []PrivilegeExpiry{{"login", testNow.Add(200 * time.Second)}}},
		{Service: "apaas", RoomUUID: str("room-1"), UserUUID: str("user-1"), Role: i16(3), Privileges: []PrivilegeExpiry{{"roomUser", testNow.Add(100 * time.Second)}}},
	}
	if !reflect.DeepEqual(got.Services, want) || got.Signature != SignatureValid || !got.RenewAt.Equal(testNow.Add(70*time.Second)) {
		t.Errorf("got services %+v signature %s renew %v, want %+v valid %v", got.Services, got.Signature, got.RenewAt, want, testNow.Add(70*time.Second))
	}
}

func BenchmarkInspect(b *testing.B) {
	tokens := newTestTokens(testkit.AppID, testkit.Certificate, testNow)
	pub := &RTC{Channel: "lobby", Account: "42", Role: Publisher}
	for _, bb := range []struct {
		name  string
		token string
		who   Subject
	}{
		{"007", mint(b, tokens, Bundle{RTC: pub, RTMUserID: "bob", Expire: u64(600)}), Subject{}},
		{"006", mint(b, tokens, Bundle{RTC: pub, Expire: u64(600), Version: Version006}), Subject{Channel: "lobby", Account: "42"}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tokens.Inspect(bb.token, bb.who); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
