package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// An unusable API key setting is a bad setting like any other: exit
// status 2 and one line naming it and the rule, before the server says it
// is starting, and never the key.
func TestBadAPIKeysExitWithStatus2(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		env     []string
		wantKey string
		secret  string
	}{
		{"short key", []string{"API_KEYS=short-key-1"}, "API_KEYS", "short-key-1"},
		{"unreadable key file", []string{"API_KEYS_FILE=" + filepath.Join(dir, "absent")}, "API_KEYS_FILE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(buildBinary(t))
			cmd.Dir = dir
			cmd.Env = append([]string{"APP_ID=" + e2eAppID, "APP_CERTIFICATE=" + e2eCert, "AUTH_MODE=apikey"}, tt.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit = %v, want status 2; output %s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantKey+": ") {
				t.Errorf("output = %q, want one line naming %s", out, tt.wantKey)
			}
			if tt.secret != "" && strings.Contains(string(out), tt.secret) {
				t.Error("the key was printed")
			}
		})
	}
}
