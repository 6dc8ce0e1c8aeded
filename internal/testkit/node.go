package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Agora's npm package agora-token, pinned in tools/node, is the second
// reference for tokens: it knows the services Agora added after the Go
// package this module depends on. tools/node/agora-oracle.mjs builds and
// reads tokens with it; these helpers run it.

// NPMToken is a token as Agora's npm package reads it.
type NPMToken struct {
	OK             bool         `json:"ok"`
	AppID          string       `json:"appId"`
	IssueTs        uint32       `json:"issueTs"`
	Expire         uint32       `json:"expire"`
	Salt           uint32       `json:"salt"`
	SignatureValid bool         `json:"signatureValid"`
	Services       []NPMService `json:"services"`
}

// NPMService is one service as Agora's npm package reads it: every field
// its class keeps, by the class's own name for it (channel_name, uid,
// account, user_id, room_uuid, permissions, ...).
type NPMService struct {
	Type       uint16            `json:"type"`
	Privileges map[uint16]uint32 `json:"privileges"`
	Fields     map[string]any    `json:"fields"`
}

// NPMJob is one job for tools/node/agora-oracle.mjs; its comment lists
// the jobs and their fields.
type NPMJob map[string]any

// NPMBuild is a job that builds a token with the named builder of Agora's
// npm package, with the test credentials and the given issue time and
// salt; args are the builder's own.
func NPMBuild(builder string, issueTs, salt uint32, args NPMJob) NPMJob {
	job := NPMJob{"op": "build", "builder": builder, "appId": AppID, "certificate": Certificate, "issueTs": issueTs, "salt": salt}
	for k, v := range args {
		job[k] = v
	}
	return job
}

// NPMCall is a job that builds a token by calling a builder of Agora's
// npm package with args, as an app would: on the real clock, with a
// random salt. builder names a class and method, such as
// "RtcTokenBuilder.buildTokenWithUid"; the 006 builders go by
// RtcTokenBuilder006 and RtmTokenBuilder006.
func NPMCall(builder string, args ...any) NPMJob {
	return NPMJob{"op": "call", "builder": builder, "args": args}
}

// NPMDecode is a job that reads token with Agora's npm package and checks
// its signature with certificate.
func NPMDecode(token, certificate string) NPMJob {
	return NPMJob{"op": "decode", "token": token, "certificate": certificate}
}

// RunNPM runs the jobs through Agora's npm package and returns each
// answer. Without node or the installed package the test is skipped,
// except under CI, where it fails: CI installs both.
func RunNPM(t testing.TB, jobs ...NPMJob) []json.RawMessage {
	t.Helper()
	node, err := exec.LookPath("node")
	dir := filepath.Join(moduleRoot(), "tools", "node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "agora-token", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Agora's npm package cannot be run: %v", err)
		}
		t.Skipf("Agora's npm package cannot be run (%v); run npm ci --prefix tools/node, or ./scripts/test which does", err)
	}
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "agora-oracle.mjs"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("agora-oracle.mjs: %v\n%s", err, stderr.Bytes())
	}
	var answers []json.RawMessage
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != len(jobs) {
		t.Fatalf("agora-oracle.mjs answered %d of %d jobs (%v): %s", len(answers), len(jobs), err, out)
	}
	return answers
}

// NPMTokens runs build jobs and returns the tokens they build.
func NPMTokens(t testing.TB, jobs ...NPMJob) []string {
	t.Helper()
	tokens := make([]string, len(jobs))
	for i, a := range RunNPM(t, jobs...) {
		var built struct{ Token string }
		if err := json.Unmarshal(a, &built); err != nil || built.Token == "" {
			t.Fatalf("job %d built no token: %s", i, a)
		}
		tokens[i] = built.Token
	}
	return tokens
}

// NPMRead reads each token with Agora's npm package, checking its
// signature with the test certificate.
func NPMRead(t testing.TB, tokens ...string) []NPMToken {
	t.Helper()
	jobs := make([]NPMJob, len(tokens))
	for i, tok := range tokens {
		jobs[i] = NPMDecode(tok, Certificate)
	}
	read := make([]NPMToken, len(tokens))
	for i, a := range RunNPM(t, jobs...) {
		if err := json.Unmarshal(a, &read[i]); err != nil {
			t.Fatalf("token %d: %v: %s", i, err, a)
		}
	}
	return read
}

// moduleRoot is the directory of go.mod, found upward from the test's
// own directory, where go test runs it.
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
