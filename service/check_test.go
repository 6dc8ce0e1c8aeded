package service

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	rtc006 "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/RtcTokenBuilder"
	rtm006 "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/RtmTokenBuilder"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/rtctokenbuilder2"
	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/rtmtokenbuilder2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// checks lists the names of a diagnosis' problems, in order.
func checks(d Diagnosis) []string {
	out := []string{}
	for _, p := range d.Problems {
		out = append(out, p.Check)
	}
	return out
}

// agoraCase is a token built by one of Agora's packages, an intent, and
// the checks the diagnosis must name: none for a token used as minted.
type agoraCase struct {
	name   string
	token  string
	intent Intent
	want   []string
}

// runAgoraCases diagnoses each case with the test credentials, on the
// real clock Agora's builders stamp their tokens with.
func runAgoraCases(t *testing.T, cases []agoraCase) {
	t.Helper()
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tokens.Check(tt.token, tt.intent)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if got := checks(d); !slices.Equal(got, want) {
				t.Fatalf("checks %q, want %q; problems %+v", got, want, d.Problems)
			}
			if d.OK != (len(want) == 0) {
				t.Errorf("ok %t with problems %q", d.OK, want)
			}
			for _, p := range d.Problems {
				if p.Message == "" || p.Fix == "" || strings.Contains(p.Message+p.Fix, "%!") {
					t.Errorf("problem %+v lacks its message or fix, or fills them wrong", p)
				}
				if p.Check != CheckFormat && strings.Contains(p.Message+p.Fix, testkit.AppID) {
					t.Errorf("problem %+v shows the server's App ID", p)
				}
			}
			if len(want) == 0 && d.Inspection.Signature != SignatureValid {
				t.Errorf("a good token's signature is %s", d.Inspection.Signature)
			}
		})
	}
}

func uid(n uint32) *uint32     { return &n }
func account(s string) *string { return &s }

// builtBy returns a function that takes what one of Agora's builders
// returns and gives its token, ending t if the builder failed.
func builtBy(t *testing.T) func(tok string, err error) string {
	return func(tok string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
}

// TestCheckAgoraTokens builds tokens with Agora's Go packages, each with
// one mistake for what the client does, and diagnoses them.
func TestCheckAgoraTokens(t *testing.T) {
	must := builtBy(t)
	app, cert := testkit.AppID, testkit.Certificate
	lobby42 := Intent{Channel: "lobby", UID: uid(42), Role: Publisher}
	pub007 := must(rtctokenbuilder2.BuildTokenWithUid(app, cert, "lobby", 42, rtctokenbuilder2.RolePublisher, 600, 600))
	sub007 := must(rtctokenbuilder2.BuildTokenWithUid(app, cert, "lobby", 42, rtctokenbuilder2.RoleSubscriber, 600, 600))
	bob007 := must(rtctokenbuilder2.BuildTokenWithUserAccount(app, cert, "lobby", "bob", rtctokenbuilder2.RolePublisher, 600, 600))
	any007 := must(rtctokenbuilder2.BuildTokenWithUid(app, cert, "lobby", 0, rtctokenbuilder2.RolePublisher, 600, 600))
	rtm007 := must(rtmtokenbuilder2.BuildToken(app, cert, "bob", 600))
	rte007 := must(rtctokenbuilder2.BuildTokenWithRtm(app, cert, "lobby", "bob", rtctokenbuilder2.RolePublisher, 600, 600))
	shortJoin := must(rtctokenbuilder2.BuildTokenWithUid(app, cert, "lobby", 42, rtctokenbuilder2.RoleSubscriber, 600, 60))
	shortPublish := must(rtctokenbuilder2.BuildTokenWithUidAndPrivilege(app, cert, "lobby", 42, 600, 600, 60, 60, 60))
	now := time.Now()
	later := func(in Intent, d time.Duration) Intent { in.At = now.Add(d); return in }

	runAgoraCases(t, []agoraCase{
		{"007 as minted", pub007, lobby42, nil},
		{"007 token alone", pub007, Intent{}, nil},
		{"007 another channel", pub007, Intent{Channel: "Lobby", UID: uid(42), Role: Publisher}, []string{CheckChannel}},
		{"007 another uid", pub007, Intent{Channel: "lobby", UID: uid(43)}, []string{CheckUID}},
		{"007 account token joined with a uid", bob007, Intent{Channel: "lobby", UID: uid(42)}, []string{CheckUID}},
		{"007 uid token joined with an account", pub007, Intent{Channel: "lobby", Account: account("bob")}, []string{CheckUID}},
		{"007 account token joined with its account", bob007, Intent{Channel: "lobby", Account: account("bob"), Role: Publisher}, nil},
		{"007 another account", bob007, Intent{Channel: "lobby", Account: account("alice")}, []string{CheckUID}},
		{"007 uid 0 lets any uid join", any007, Intent{Channel: "lobby", UID: uid(7), Role: Publisher}, nil},
		{"007 uid 0 lets any account join", any007, Intent{Channel: "lobby", Account: account("carol")}, nil},
		{"007 subscriber token publishing", sub007, lobby42, []string{CheckPublish}},
		{"007 subscriber token subscribing", sub007, Intent{Channel: "lobby", UID: uid(42), Role: Subscriber}, nil},
		{"007 expired", pub007, later(lobby42, 601*time.Second), []string{CheckExpired}},
		{"007 join privilege expired", shortJoin, later(Intent{Channel: "lobby", UID: uid(42)}, 120*time.Second), []string{CheckExpired}},
		{"007 publish privileges expired", shortPublish, later(lobby42, 120*time.Second), []string{CheckPublish}},
		{"007 another certificate", must(rtctokenbuilder2.BuildTokenWithUid(app, testkit.OtherCertificate, "lobby", 42, rtctokenbuilder2.RolePublisher, 600, 600)), lobby42, []string{CheckSignature}},
		{"007 another project", must(rtctokenbuilder2.BuildTokenWithUid(testkit.OtherAppID, testkit.OtherCertificate, "lobby", 42, rtctokenbuilder2.RolePublisher, 600, 600)), lobby42, []string{CheckAppID}},
		{"007 RTM token joining RTC", rtm007, Intent{Channel: "lobby", UID: uid(42)}, []string{CheckService}},
		{"007 RTM login as minted", rtm007, Intent{RTMUserID: "bob"}, nil},
		{"007 RTM login as another user", rtm007, Intent{RTMUserID: "alice"}, []string{CheckRTM}},
		{"007 RTC token logging in to RTM", pub007, Intent{RTMUserID: "bob"}, []string{CheckService}},
		{"007 RTC and RTM as minted", rte007, Intent{Channel: "lobby", Account: account("bob"), Role: Publisher, RTMUserID: "bob"}, nil},
		{"007 RTC and RTM, RTM as another user", rte007, Intent{Channel: "lobby", Account: account("bob"), RTMUserID: "Bob"}, []string{CheckRTM}},
		{"007 truncated", pub007[:len(pub007)-12], lobby42, []string{CheckFormat}},
		{"007 not base64", "007" + "!!!!" + pub007[7:], lobby42, []string{CheckFormat}},
		{"not a token", "hello", lobby42, []string{CheckFormat}},
		{"an unknown service type", unknownService(t), Intent{}, []string{CheckFormat}},
	})
}

// unknownService is an AccessToken2 whose one service is of type 99,
// which Agora does not define.
func unknownService(t *testing.T) string {
	t.Helper()
	var b []byte
	le16 := func(v uint16) { b = append(b, byte(v), byte(v>>8)) }
	le32 := func(v uint32) { b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	str := func(s string) { le16(uint16(len(s))); b = append(b, s...) }
	str(string(make([]byte, 32))) // signature
	str(testkit.AppID)
	le32(uint32(time.Now().Unix()))
	le32(600)
	le32(1)
	le16(1)
	le16(99)
	le16(0)
	return "007" + base64.StdEncoding.EncodeToString(testkit.Deflate(b))
}

// TestCheckAgora006Tokens does the same with Agora's 006 builders, whose
// tokens keep only checksums of their channel and user.
func TestCheckAgora006Tokens(t *testing.T) {
	must := builtBy(t)
	app, cert := testkit.AppID, testkit.Certificate
	expires := uint32(time.Now().Add(600 * time.Second).Unix())
	lobby42 := Intent{Channel: "lobby", UID: uid(42), Role: Publisher}
	pub := must(rtc006.BuildTokenWithUID(app, cert, "lobby", 42, rtc006.RolePublisher, expires))
	sub := must(rtc006.BuildTokenWithUID(app, cert, "lobby", 42, rtc006.RoleSubscriber, expires))
	bob := must(rtc006.BuildTokenWithUserAccount(app, cert, "lobby", "bob", rtc006.RolePublisher, expires))
	anyone := must(rtc006.BuildTokenWithUID(app, cert, "lobby", 0, rtc006.RolePublisher, expires))
	rtm := must(rtm006.BuildToken(app, cert, "bob", rtm006.RoleRtmUser, expires))
	later := Intent{Channel: "lobby", UID: uid(42), At: time.Now().Add(601 * time.Second)}

	runAgoraCases(t, []agoraCase{
		{"006 as minted", pub, lobby42, nil},
		{"006 another channel", pub, Intent{Channel: "hall", UID: uid(42)}, []string{CheckChannel}},
		{"006 another uid", pub, Intent{Channel: "lobby", UID: uid(43)}, []string{CheckUID}},
		{"006 account token joined with a uid", bob, Intent{Channel: "lobby", UID: uid(42)}, []string{CheckUID}},
		{"006 account token as minted", bob, Intent{Channel: "lobby", Account: account("bob"), Role: Publisher}, nil},
		{"006 uid 0 lets any uid join", anyone, Intent{Channel: "lobby", UID: uid(9)}, nil},
		{"006 subscriber token publishing", sub, lobby42, []string{CheckPublish}},
		{"006 expired", pub, later, []string{CheckExpired}},
		{"006 another certificate", must(rtc006.BuildTokenWithUID(app, testkit.OtherCertificate, "lobby", 42, rtc006.RolePublisher, expires)), lobby42, []string{CheckSignature}},
		{"006 another project", must(rtc006.BuildTokenWithUID(testkit.OtherAppID, testkit.OtherCertificate, "lobby", 42, rtc006.RolePublisher, expires)), lobby42, []string{CheckAppID}},
		{"006 RTM as minted", rtm, Intent{RTMUserID: "bob"}, nil},
		{"006 RTM as another user", rtm, Intent{RTMUserID: "alice"}, []string{CheckRTM}},
		{"006 RTM token joining RTC", rtm, Intent{Channel: "lobby", UID: uid(42)}, []string{CheckService}},
		{"006 truncated", pub[:40], lobby42, []string{CheckFormat}},
	})
}

// TestCheckProperty mints random tokens and diagnoses each with the
// intent it was minted for, which must pass, then with that intent
// changed in one field, which must fire that field's check alone.
func TestCheckProperty(t *testing.T) {
	issued := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tokens := New(testkit.AppID, testkit.Certificate, Options{
		Now:    func() time.Time { return issued },
		Policy: &Policy{},
	})
	r := rand.New(rand.NewPCG(19, 2026))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789_-"
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return "x" + string(b) // never all digits: an account is not a uid
	}
	for i := range 200 {
		version := []string{Version007, Version006}[r.IntN(2)]
		lifetime := uint64(60 + r.IntN(MaxLifetime-60))
		channel := word()
		var in Intent
		b := Bundle{Expire: &lifetime, Version: version}
		rtc := RTC{Channel: channel, Role: []Role{Publisher, Subscriber}[r.IntN(2)]}
		if r.IntN(2) == 0 {
			n := 1 + r.Uint32N(1<<31)
			rtc.Account, in.UID = UIDAccount(n), &n
		} else {
			a := word()
			rtc.Account, in.Account = a, &a
		}
		in.Channel, in.Role = channel, rtc.Role
		b.RTC = &rtc
		if version == Version007 && r.IntN(2) == 0 {
			b.RTMUserID = word()
			in.RTMUserID = b.RTMUserID
		}
		issuedTokens, err := tokens.Issue(t.Context(), b)
		if err != nil {
			t.Fatalf("Issue %+v: %v", b, err)
		}
		token := issuedTokens[0].Value
		in.At = issued.Add(time.Duration(r.Int64N(int64(lifetime))) * time.Second)

		expect := func(what string, in Intent, want ...string) {
			t.Helper()
			d, err := tokens.Check(token, in)
			if err != nil {
				t.Fatalf("token %d (%s) %s: %v", i, version, what, err)
			}
			if want == nil {
				want = []string{}
			}
			if got := checks(d); !slices.Equal(got, want) {
				t.Fatalf("token %d (%s, %+v) %s: checks %q, want %q: %+v", i, version, b, what, got, want, d.Problems)
			}
		}
		expect("as minted", in)

		other := in
		other.Channel = channel + "x"
		expect("another channel", other, CheckChannel)

		other = in
		if in.UID != nil {
			n := *in.UID + 1
			other.UID = &n
		} else {
			a := *in.Account + "x"
			other.Account = &a
		}
		expect("another user", other, CheckUID)

		if rtc.Role == Subscriber {
			other = in
			other.Role = Publisher
			expect("publishing", other, CheckPublish)
		}
		if in.RTMUserID != "" {
			other = in
			other.RTMUserID = in.RTMUserID + "x"
			expect("another RTM user", other, CheckRTM)
		}
		other = in
		other.At = issued.Add(time.Duration(lifetime) * time.Second)
		expect("at expiry", other, CheckExpired)
	}
}

// TestCheckBothUIDAndAccount: an intent names one user.
func TestCheckBothUIDAndAccount(t *testing.T) {
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	_, err := tokens.Check("007", Intent{UID: uid(1), Account: account("a")})
	if e, ok := err.(*Error); !ok || e.Kind != Invalid || e.Field != "uid" {
		t.Fatalf("got %v, want an Invalid error naming uid", err)
	}
}

// ExampleTokens_Check shows a diagnosis' problem.
func ExampleTokens_Check() {
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	token, _ := rtctokenbuilder2.BuildTokenWithUid(testkit.AppID, testkit.Certificate, "lobby", 42, rtctokenbuilder2.RolePublisher, 600, 600)
	d, _ := tokens.Check(token, Intent{Channel: "hall", UID: uid(42)})
	for _, p := range d.Problems {
		fmt.Println(p.Check + ": " + p.Message)
		fmt.Println("fix: " + p.Fix)
	}
	// Output:
	// channel: the token is for channel "lobby"; the client joins channel "hall"
	// fix: join channel "lobby", or mint the token for channel "hall" (channel names are case-sensitive)
}

// TestCheckOrder: the problems come in the order of the checks, for a
// 006 token as for a 007 one, whose channel and user are compared apart.
func TestCheckOrder(t *testing.T) {
	tokens := New(testkit.AppID, testkit.Certificate, Options{})
	expires := uint32(time.Now().Add(600 * time.Second).Unix())
	foreign006, err := rtc006.BuildTokenWithUID(testkit.OtherAppID, testkit.OtherCertificate, "lobby", 42, rtc006.RoleSubscriber, expires)
	if err != nil {
		t.Fatal(err)
	}
	foreign007, err := rtctokenbuilder2.BuildTokenWithUid(testkit.OtherAppID, testkit.OtherCertificate, "lobby", 42, rtctokenbuilder2.RoleSubscriber, 600, 600)
	if err != nil {
		t.Fatal(err)
	}
	in := Intent{Channel: "hall", UID: uid(7), Role: Publisher, RTMUserID: "bob", At: time.Now().Add(700 * time.Second)}
	want := []string{CheckAppID, CheckExpired, CheckChannel, CheckUID, CheckPublish, CheckService}
	for _, token := range []string{foreign006, foreign007} {
		d, err := tokens.Check(token, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := checks(d); !slices.Equal(got, want) {
			t.Errorf("%.3s: checks %q, want %q", token, got, want)
		}
	}
}

// FuzzCheck diagnoses arbitrary texts with arbitrary intents, from the
// seeds of FuzzInspect: whatever it gets, the answer is a diagnosis (never
// an error, never a panic) whose problems are named from the fixed list,
// worded in full, and describe the token exactly when it can be read.
func FuzzCheck(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.token, s.channel, s.account, s.user, uint8(0))
	}
	names := []string{CheckFormat, CheckAppID, CheckSignature, CheckExpired, CheckService, CheckChannel, CheckUID, CheckPublish, CheckRTM}
	tokens := newTestTokens(testkit.CorpusAppID, testkit.CorpusCertificate, testNow)
	f.Fuzz(func(t *testing.T, token, channel, user, rtmUser string, how uint8) {
		in := Intent{Channel: channel, RTMUserID: rtmUser, Role: Role(how % 3)}
		switch {
		case how&4 != 0:
			in.Account = &user
		case how&8 != 0:
			n := uint32(len(user)) * 7
			in.UID = &n
		}
		d, err := tokens.Check(token, in)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if d.OK != (len(d.Problems) == 0) {
			t.Errorf("ok %t with %d problems", d.OK, len(d.Problems))
		}
		unreadable := false
		for _, p := range d.Problems {
			if !slices.Contains(names, p.Check) || p.Message == "" || p.Fix == "" || strings.Contains(p.Message+p.Fix, "%!") {
				t.Errorf("problem %+v", p)
			}
			unreadable = unreadable || p.Check == CheckFormat
		}
		if unreadable != (d.Inspection == nil) || unreadable && len(d.Problems) != 1 {
			t.Errorf("format problem %t with inspection %v and problems %+v", unreadable, d.Inspection, d.Problems)
		}
	})
}
