package service

import (
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// nodeBuild is one token for Agora's npm package to mint, by calling
// one of its builders with args.
type nodeBuild struct {
	name    string
	builder string
	args    []any
}

// mintWithNode mints each token with Agora's npm package, through
// testkit's runner, and returns them by name.
func mintWithNode(t *testing.T, builds []nodeBuild) map[string]string {
	t.Helper()
	jobs := make([]testkit.NPMJob, len(builds))
	for i, b := range builds {
		jobs[i] = testkit.NPMCall(b.builder, b.args...)
	}
	tokens := map[string]string{}
	for i, tok := range testkit.NPMTokens(t, jobs...) {
		tokens[builds[i].name] = tok
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

// TestCheckNodeNewestServices diagnoses the tokens of Agora's newest
// services as its npm package mints them: an RTM2 login with resource
// permissions logs in to RTM as the RTM service's does, and a ConvoAI
// agent's token joins RTC and logs in to RTM.
func TestCheckNodeNewestServices(t *testing.T) {
	now := uint32(time.Now().Unix())
	tok := testkit.NPMTokens(t,
		testkit.NPMBuild("rtmPermissions", now, 1, testkit.NPMJob{"userId": "bob", "expire": 600,
			"permissions": map[string]map[string][]string{"0": {"0": {"lobby"}}}}),
		testkit.NPMBuild("convoai", now, 2, testkit.NPMJob{"channel": "lobby", "account": "42",
			"tokenExpire": 600, "privilegeExpire": 600, "rtmUserId": "agent-42", "rtmExpire": 600}),
	)
	rtm2, agent := tok[0], tok[1]
	runAgoraCases(t, []agoraCase{
		{"RTM2 as minted", rtm2, Intent{RTMUserID: "bob"}, nil},
		{"RTM2 as another user", rtm2, Intent{RTMUserID: "alice"}, []string{CheckRTM}},
		{"RTM2 joining RTC", rtm2, Intent{Channel: "lobby", UID: uid(42)}, []string{CheckService}},
		{"agent as minted", agent, Intent{Channel: "lobby", UID: uid(42), Role: Publisher, RTMUserID: "agent-42"}, nil},
		{"agent in another channel", agent, Intent{Channel: "hall", UID: uid(42)}, []string{CheckChannel}},
		{"agent logging in to RTM as its uid", agent, Intent{RTMUserID: "42"}, []string{CheckRTM}},
	})
}
