package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pageCase is what a person types into the token doctor's page.
type pageCase struct {
	Token     string `json:"token"`
	Channel   string `json:"channel,omitempty"`
	UserKind  string `json:"userKind,omitempty"`
	User      string `json:"user,omitempty"`
	Role      string `json:"role,omitempty"`
	RTMUserID string `json:"rtmUserId,omitempty"`
}

// pageShown is what the page showed for a case.
type pageShown struct {
	Verdict       string   `json:"verdict"`
	Checks        []string `json:"checks"`
	Messages      []string `json:"messages"`
	Bars          int      `json:"bars"`
	Rows          int      `json:"rows"`
	ConsoleErrors []string `json:"consoleErrors"`
}

// TestCheckPageInBrowser uses the token doctor's page in headless
// Chromium against the real binary, as a person would: a token pasted
// with the wrong channel shows the channel problem and its fix, and the
// token's lifetimes drawn; the right channel shows no problem. Under CI
// it must run; elsewhere it skips without Node or Chromium.
// CHECK_PAGE_SCREENSHOT names a file to keep a picture of the page in.
func TestCheckPageInBrowser(t *testing.T) {
	need := func(name string) string {
		path, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: %v", name, err)
			}
			t.Skipf("%s is not installed; the browser test needs Node and Chromium", name)
		}
		return path
	}
	node, browser := need("node"), need("chromium")
	s := start(t)

	resp, err := http.Post(s.url("/v1/tokens/rtc"), "application/json", strings.NewReader(`{"channel": "lobby", "uid": 42, "role": "subscriber", "expire": 600}`))
	if err != nil {
		t.Fatal(err)
	}
	var minted struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&minted)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("minting: %d %v", resp.StatusCode, err)
	}

	in, err := json.Marshal(map[string]any{
		"url":        s.url(""),
		"chromium":   browser,
		"screenshot": os.Getenv("CHECK_PAGE_SCREENSHOT"),
		"cases": []pageCase{
			{Token: minted.Token, Channel: "hall", UserKind: "uid", User: "42"},
			{Token: minted.Token, Channel: "lobby", UserKind: "uid", User: "42", Role: "subscriber"},
			{Token: "not a token"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tools", "node", "check-page.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check-page.mjs: %v\n%s", err, stderr.String())
	}
	var shown []pageShown
	if err := json.Unmarshal(out, &shown); err != nil || len(shown) != 3 {
		t.Fatalf("check-page.mjs printed %s: %v", out, err)
	}
	for i, got := range shown {
		if len(got.ConsoleErrors) > 0 {
			t.Errorf("case %d: the console reported %q", i, got.ConsoleErrors)
		}
	}

	wrong := shown[0]
	if len(wrong.Checks) != 1 || wrong.Checks[0] != "channel" || !strings.Contains(wrong.Verdict, "1 problem") {
		t.Fatalf("wrong channel: the page shows %+v", wrong)
	}
	for _, want := range []string{`the token is for channel "lobby"; the client joins channel "hall"`, `Fix: join channel "lobby"`, "ERR_INVALID_TOKEN (110)"} {
		if !strings.Contains(wrong.Messages[0], want) {
			t.Errorf("the channel problem reads %q, want %q in it", wrong.Messages[0], want)
		}
	}
	// The token's own bar and its one privilege's, joinChannel.
	if wrong.Bars != 2 || wrong.Rows != 1 {
		t.Errorf("the anatomy shows %d bars and %d privileges, want 2 and 1", wrong.Bars, wrong.Rows)
	}

	if right := shown[1]; len(right.Checks) != 0 || !strings.HasPrefix(right.Verdict, "No problem found") || right.Bars != 2 {
		t.Errorf("right channel: the page shows %+v", right)
	}
	if garbage := shown[2]; len(garbage.Checks) != 1 || garbage.Checks[0] != "format" || garbage.Bars != 0 {
		t.Errorf("not a token: the page shows %+v", garbage)
	}
}
