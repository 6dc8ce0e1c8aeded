package service

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzInspect from the seeds below")

// FuzzInspect hands the decoder arbitrary tokens and subjects. Whatever it
// gets, it must answer with an Invalid error naming a field, or with an
// inspection that is consistent with itself; a panic fails the run. The
// committed corpus in testdata/fuzz/FuzzInspect runs with every go test.
func FuzzInspect(f *testing.F) {
	tokens := newTestTokens(testkit.CorpusAppID, testkit.CorpusCertificate, testNow)
	f.Fuzz(func(t *testing.T, token, channel, account, userID string) {
		ins, err := tokens.Inspect(token, Subject{Channel: channel, Account: account, UserID: userID})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != Invalid || e.Field == "" || e.Message == "" {
				t.Fatalf("error %#v is not an Invalid *Error naming a field", err)
			}
			return
		}
		if ins.Version != token[:3] {
			t.Errorf("version %q for a token starting %q", ins.Version, token[:3])
		}
		switch ins.Signature {
		case SignatureValid:
			if ins.AppID != testkit.CorpusAppID {
				t.Errorf("valid signature for App ID %q", ins.AppID)
			}
		case SignatureInvalid, SignatureUnverifiable:
			if ins.AppID != testkit.CorpusAppID {
				t.Errorf("%s signature for App ID %q, which is not ours", ins.Signature, ins.AppID)
			}
		case SignatureForeign:
			if ins.AppID == testkit.CorpusAppID {
				t.Error("foreign signature for our own App ID")
			}
		default:
			t.Errorf("unknown verdict %q", ins.Signature)
		}
		if ins.Services == nil || ins.RenewAt.After(ins.ExpiresAt) && ins.RenewAt != ins.IssuedAt {
			t.Errorf("inconsistent inspection %+v", ins)
		}
		if _, err := json.Marshal(ins); err != nil {
			t.Errorf("inspection does not encode as JSON: %v", err)
		}
	})
}

// fuzzSeed is one corpus entry: the arguments of FuzzInspect.
type fuzzSeed struct {
	name                          string
	token, channel, account, user string
}

// fuzzSeeds are valid tokens of every kind, the same with a wrong subject
// or signer, truncations at every field, and garbage.
func fuzzSeeds(t testing.TB) []fuzzSeed {
	ours := newTestTokens(testkit.CorpusAppID, testkit.CorpusCertificate, testNow)
	other := newTestTokens(testkit.OtherAppID, testkit.OtherCertificate, testNow)
	pub := &RTC{Channel: "lobby", Account: "42", Role: Publisher}
	sub := &RTC{Channel: "a b", Account: "alice@example", Role: Subscriber}
	perPrivilege := &RTC{Channel: "c", Role: Publisher, Privileges: &RTCPrivileges{JoinChannel: u64(900), PublishAudio: u64(300)}}

	rtc007 := mint(t, ours, Bundle{RTC: pub, Expire: u64(600)})
	rtc006 := mint(t, ours, Bundle{RTC: pub, Expire: u64(600), Version: Version006})
	seeds := []fuzzSeed{
		{name: "007-rtc-publisher", token: rtc007},
		{name: "007-rtc-subscriber-account", token: mint(t, ours, Bundle{RTC: sub, Expire: u64(60)})},
		{name: "007-rtc-per-privilege", token: mint(t, ours, Bundle{RTC: perPrivilege, Expire: u64(900)})},
		{name: "007-rtc-rtm", token: mint(t, ours, Bundle{RTC: pub, RTMUserID: "bob", Expire: u64(120)})},
		{name: "007-rtm", token: mint(t, ours, Bundle{RTMUserID: "bob", Expire: u64(3600)})},
		{name: "007-chat-user", token: mint(t, ours, Bundle{Chat: &Chat{UserID: "carol", User: true}, Expire: u64(100)})},
		{name: "007-chat-app", token: mint(t, ours, Bundle{Chat: &Chat{App: true}, Expire: u64(100)})},
		{name: "007-convoai", token: mint(t, ours, AgentBundle(ConvoAI, "support", "1001", ""))},
		{name: "007-stt", token: mint(t, ours, AgentBundle(STT, "meeting", "stt-bot", "stt-rtm"))},
		{name: "007-rtm2-permissions", token: mint(t, ours, Bundle{RTMUserID: "bob", Expire: u64(600), RTMPermissions: &RTMPermissions{
			MessageChannels: &RTMResources{Read: []string{"news", "team"}, Write: []string{"team"}}, Users: &RTMResources{Read: []string{"alice"}}}})},
		{name: "007-foreign", token: mint(t, other, Bundle{RTC: pub, Expire: u64(600)})},
		{name: "007-with-subject", token: rtc007, channel: "lobby"},
		{name: "006-rtc-publisher", token: rtc006, channel: "lobby", account: "42"},
		{name: "006-rtc-unverifiable", token: rtc006},
		{name: "006-rtc-wrong-channel", token: rtc006, channel: "hall", account: "42"},
		{name: "006-rtc-any-uid", token: mint(t, ours, Bundle{RTC: &RTC{Channel: "lobby", Role: Subscriber}, Expire: u64(60), Version: Version006}), channel: "lobby"},
		{name: "006-rtm", token: mint(t, ours, Bundle{RTMUserID: "bob", Expire: u64(60), Version: Version006}), user: "bob"},
		{name: "006-foreign", token: mint(t, other, Bundle{RTC: pub, Expire: u64(600), Version: Version006}), channel: "lobby", account: "42"},
		{name: "garbage-empty"},
		{name: "garbage-prefix-007", token: "007"},
		{name: "garbage-prefix-006", token: "006"},
		{name: "garbage-text", token: "not a token at all"},
		{name: "garbage-bytes", token: "007\x00\xff\xfe=\n"},
		{name: "garbage-padding", token: "007===="},
		{name: "garbage-zlib-bomb", token: "007" + base64.StdEncoding.EncodeToString(testkit.Deflate(make([]byte, 1<<20)))},
	}

	payload := testkit.Payload007(t, rtc007)
	for _, n := range []int{1, 2, 20, 34, 36, 50, 70, 78, firstService, firstService + 3, len(payload) - 3} {
		seeds = append(seeds, fuzzSeed{name: "007-truncated-payload-" + strconv.Itoa(n), token: testkit.Pack007(payload[:n])})
	}
	seeds = append(seeds,
		fuzzSeed{name: "007-unknown-service", token: testkit.Pack007(withService(payload, 11))},
		fuzzSeed{name: "007-huge-privilege-count", token: testkit.Pack007(withPrivilegeCount(payload, 0xffff))},
		fuzzSeed{name: "007-trailing-bytes", token: testkit.Pack007(append(bytes.Clone(payload), 0))},
		fuzzSeed{name: "007-flipped-signature", token: testkit.Flip007(t, rtc007, 2)},
	)
	// Cut where the text is the same whichever Go release compressed it:
	// the stored blocks of Go 1.26 and 1.27 differ only in their last bytes.
	for _, n := range []int{83, 166} {
		seeds = append(seeds, fuzzSeed{name: "007-truncated-text-" + strconv.Itoa(n), token: rtc007[:n]})
	}
	for _, n := range []int{20, 35, 39, 50, 80, len(rtc006) - 4} {
		seeds = append(seeds, fuzzSeed{name: "006-truncated-text-" + strconv.Itoa(n), token: rtc006[:n], channel: "lobby", account: "42"})
	}
	seeds = append(seeds, fuzzSeed{name: "006-flipped-signature", token: flip006(t, rtc006, 2), channel: "lobby", account: "42"})
	return seeds
}

// sameSeed reports whether a committed corpus file holds seed s. Tokens
// that inflate are compared by their payload, since the zlib stream
// around it is the compressor's choice and differs between Go releases.
func sameSeed(file []byte, s fuzzSeed) bool {
	lines := strings.Split(strings.TrimSuffix(string(file), "\n"), "\n")
	if len(lines) != 5 || lines[0] != "go test fuzz v1" {
		return false
	}
	var args []string
	for _, l := range lines[1:] {
		q, ok := strings.CutPrefix(l, "string(")
		if !ok {
			return false
		}
		arg, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
		if err != nil {
			return false
		}
		args = append(args, arg)
	}
	if args[1] != s.channel || args[2] != s.account || args[3] != s.user {
		return false
	}
	if args[0] == s.token {
		return true
	}
	got, err1 := testkit.Inflate007(args[0])
	want, err2 := testkit.Inflate007(s.token)
	return err1 == nil && err2 == nil && bytes.Equal(got, want)
}

func (s fuzzSeed) file() []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, arg := range []string{s.token, s.channel, s.account, s.user} {
		b.WriteString("string(" + strconv.Quote(arg) + ")\n")
	}
	return []byte(b.String())
}

// TestFuzzSeeds keeps the committed corpus equal in meaning to fuzzSeeds,
// so that its valid tokens stay valid as the encoder changes. Run with
// -update-seeds to rewrite it.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzInspect")
	seeds := fuzzSeeds(t)
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range seeds {
			if err := os.WriteFile(filepath.Join(dir, s.name), s.file(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want []string
	for _, s := range seeds {
		want = append(want, s.name)
		got, err := os.ReadFile(filepath.Join(dir, s.name))
		if err != nil {
			t.Errorf("seed %s: %v (run go test ./service -run TestFuzzSeeds -update-seeds)", s.name, err)
			continue
		}
		if !sameSeed(got, s) {
			t.Errorf("seed %s differs from what the encoder mints now (run with -update-seeds if that is intended)", s.name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(want, e.Name()) {
			t.Logf("corpus entry %s is not a listed seed (fuzzing may have added it)", e.Name())
		}
	}
}
