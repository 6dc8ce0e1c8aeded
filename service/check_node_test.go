package service

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// nodeBuild is one token for tools/node/mint-tokens.mjs to mint with
// Agora's npm package.
type nodeBuild struct {
	Name    string `json:"name"`
	Builder string `json:"builder"`
	Args    []any  `json:"args"`
}

// mintWithNode runs tools/node/mint-tokens.mjs. Without Node the test
// skips, except under CI, where Node is part of the suite.
func mintWithNode(t *testing.T, builds []nodeBuild) map[string]string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is not installed: %v", err)
		}
		t.Skip("node is not installed; these tests mint with Agora's npm package")
	}
	in, err := json.Marshal(builds)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "tools", "node", "mint-tokens.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mint-tokens.mjs: %v\n%s", err, stderr.String())
	}
	tokens := map[string]string{}
	if err := json.Unmarshal(out, &tokens); err != nil {
		t.Fatalf("mint-tokens.mjs printed %q: %v", out, err)
	}
	return tokens
}

// TestCheckNodeTokens diagnoses tokens minted by Agora's npm package,
// agora-token, each with one mistake, in both formats.
func TestCheckNodeTokens(t *testing.T) {
	app, cert := testkit.AppID, testkit.Certificate
	expires := time.Now().Add(600 * time.Second).Unix()
	const publisher, subscriber = 1, 2
	tok := mintWithNode(t, []nodeBuild{
		{"pub", "RtcTokenBuilder.buildTokenWithUid", []any{app, cert, "lobby", 42, publisher, 600, 600}},
		{"sub", "RtcTokenBuilder.buildTokenWithUid", []any{app, cert, "lobby", 42, subscriber, 600, 600}},
		{"bob", "RtcTokenBuilder.buildTokenWithUserAccount", []any{app, cert, "lobby", "bob", publisher, 600, 600}},
		{"otherCert", "RtcTokenBuilder.buildTokenWithUid", []any{app, testkit.OtherCertificate, "lobby", 42, publisher, 600, 600}},
		{"otherApp", "RtcTokenBuilder.buildTokenWithUid", []any{testkit.OtherAppID, testkit.OtherCertificate, "lobby", 42, publisher, 600, 600}},
		{"rtm", "RtmTokenBuilder.buildToken", []any{app, cert, "bob", 600}},
		{"pub006", "RtcTokenBuilder006.buildTokenWithUid", []any{app, cert, "lobby", 42, publisher, expires}},
		{"sub006", "RtcTokenBuilder006.buildTokenWithUid", []any{app, cert, "lobby", 42, subscriber, expires}},
		{"bob006", "RtcTokenBuilder006.buildTokenWithAccount", []any{app, cert, "lobby", "bob", publisher, expires}},
		{"otherCert006", "RtcTokenBuilder006.buildTokenWithUid", []any{app, testkit.OtherCertificate, "lobby", 42, publisher, expires}},
		{"rtm006", "RtmTokenBuilder006.buildToken", []any{app, cert, "bob", 1, expires}},
	})
	lobby42 := Intent{Channel: "lobby", UID: uid(42), Role: Publisher}
	later := Intent{Channel: "lobby", UID: uid(42), At: time.Now().Add(601 * time.Second)}
	runAgoraCases(t, []agoraCase{
		{"007 as minted", tok["pub"], lobby42, nil},
		{"007 another channel", tok["pub"], Intent{Channel: "hall", UID: uid(42)}, []string{CheckChannel}},
		{"007 another uid", tok["pub"], Intent{Channel: "lobby", UID: uid(7)}, []string{CheckUID}},
		{"007 account token joined with a uid", tok["bob"], Intent{Channel: "lobby", UID: uid(42)}, []string{CheckUID}},
		{"007 subscriber publishing", tok["sub"], lobby42, []string{CheckPublish}},
		{"007 expired", tok["pub"], later, []string{CheckExpired}},
		{"007 another certificate", tok["otherCert"], lobby42, []string{CheckSignature}},
		{"007 another project", tok["otherApp"], lobby42, []string{CheckAppID}},
		{"007 RTM token joining RTC", tok["rtm"], lobby42, []string{CheckService}},
		{"007 RTM as another user", tok["rtm"], Intent{RTMUserID: "alice"}, []string{CheckRTM}},
		{"007 RTM as minted", tok["rtm"], Intent{RTMUserID: "bob"}, nil},
		{"006 as minted", tok["pub006"], lobby42, nil},
		{"006 another channel", tok["pub006"], Intent{Channel: "hall", UID: uid(42)}, []string{CheckChannel}},
		{"006 another uid", tok["pub006"], Intent{Channel: "lobby", UID: uid(7)}, []string{CheckUID}},
		{"006 account token as minted", tok["bob006"], Intent{Channel: "lobby", Account: account("bob")}, nil},
		{"006 account token joined with a uid", tok["bob006"], Intent{Channel: "lobby", UID: uid(42)}, []string{CheckUID}},
		{"006 subscriber publishing", tok["sub006"], lobby42, []string{CheckPublish}},
		{"006 expired", tok["pub006"], later, []string{CheckExpired}},
		{"006 another certificate", tok["otherCert006"], lobby42, []string{CheckSignature}},
		{"006 RTM as minted", tok["rtm006"], Intent{RTMUserID: "bob"}, nil},
		{"006 RTM as another user", tok["rtm006"], Intent{RTMUserID: "alice"}, []string{CheckRTM}},
	})
}
