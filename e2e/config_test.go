package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// A setting that cannot be used stops the server before it starts: exit
// status 2 and one line naming the setting and the rule, never a secret
// value.
func TestBadConfigExitsWithStatus2(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		wantKey string
		rule    string
		secret  string // must not be printed
	}{
		{"certificate not hex", []string{"APP_CERTIFICATE=ZZZZd2fd1755d40ecb72977518be15d3"}, "APP_CERTIFICATE", "32 hexadecimal", "ZZZZd2fd1755d40ecb72977518be15d3"},
		{"metrics token too short", []string{"METRICS_TOKEN=abc"}, "METRICS_TOKEN", "at least 16 characters", ""},
		// Wrapped before it was checked, it read ^(?:a)|(.*)$: any channel.
		{"channel pattern that is not whole", []string{"CHANNEL_PATTERN=a)|(.*"}, "CHANNEL_PATTERN", "valid regular expression", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A server that starts is a failure: runBinary stops it.
			got := runBinary(t, append([]string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate, "HOST=127.0.0.1", "PORT=0"}, tt.env...), "")
			out := got.stdout + got.stderr
			if got.code != 2 {
				t.Fatalf("exit %d, want status 2; output %s", got.code, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantKey+": ") || !strings.Contains(lines[0], tt.rule) {
				t.Errorf("output = %q, want one line naming %s and the rule", out, tt.wantKey)
			}
			if tt.secret != "" && strings.Contains(out, tt.secret) {
				t.Error("the value was printed")
			}
		})
	}
}

// An unusable API key setting is a bad setting like any other: exit
// status 2 and one line naming it and the rule, before the server says it
// is starting, and never the key.
func TestBadAPIKeysExitWithStatus2(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("good-api-key-0123456789\n\x00\x01binary-key\xff\xfe-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     []string
		wantKey string
		secret  string
	}{
		{"short key", []string{"API_KEYS=short-key-1"}, "API_KEYS", "short-key-1"},
		{"unreadable key file", []string{"API_KEYS_FILE=" + filepath.Join(dir, "absent")}, "API_KEYS_FILE", ""},
		{"key file with a line of binary garbage", []string{"API_KEYS_FILE=" + garbage}, "API_KEYS_FILE", "binary-key"},
		{"key with a control character", []string{"API_KEYS=tabbed\tapi-key-0123456789"}, "API_KEYS", "api-key-0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, append([]string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate, "AUTH_MODE=apikey"}, tt.env...), "")
			out := got.stdout + got.stderr
			if got.code != 2 {
				t.Fatalf("exit %d, want status 2; output %s", got.code, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantKey+": ") {
				t.Errorf("output = %q, want one line naming %s", out, tt.wantKey)
			}
			if tt.secret != "" && strings.Contains(out, tt.secret) {
				t.Error("the key was printed")
			}
		})
	}
}
