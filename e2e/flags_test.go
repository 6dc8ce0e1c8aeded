package e2e

import (
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// A flag typed wrong names the flag and never echoes what follows it:
// the value may be a certificate, a key or a password. Each secret flag
// is tried in each way it can go wrong, on the server and on the command
// line.
func TestFlagErrorsNeverEchoASecret(t *testing.T) {
	secrets := map[string]string{
		"app-certificate": testkit.Certificate,
		"api-keys":        "backend-key-9f8e7d6c5b4a",
		"jwt-secret":      "identity-token-secret-of-32-bytes!!",
		"metrics-token":   "scrape-token-1a2b3c4d5e6f",
		"redis-url":       "redis://user:hunter2-password@cache:6379",
	}
	typos := []struct {
		name  string
		args  func(flag, value string) []string
		names string // what the error says, with the flag's name for %s
	}{
		{"one dash", func(f, v string) []string { return []string{"-" + f + "=" + v} }, "-%s has one dash"},
		{"one dash, value apart", func(f, v string) []string { return []string{"-" + f, v} }, "-%s has one dash"},
		{"value glued on", func(f, v string) []string { return []string{"--" + f + v} }, "--%s must be followed by = and its value"},
		{"space after =", func(f, v string) []string { return []string{"--" + f + "=", v} }, "after --%s=,"},
	}
	commands := map[string][]string{"server": nil, "token command": {"token", "rtm", "--user-id", "bob"}}
	for cmd, prefix := range commands {
		for flag, secret := range secrets {
			for _, typo := range typos {
				t.Run(cmd+" "+flag+" "+typo.name, func(t *testing.T) {
					args := append(append([]string{}, prefix...), typo.args(flag, secret)...)
					got := runBinary(t, cliEnv, "", args...)
					if got.code != 2 || !strings.Contains(got.stderr, strings.ReplaceAll(typo.names, "%s", flag)) {
						t.Errorf("exit %d, stderr %q; want exit 2 and an error naming the flag", got.code, got.stderr)
					}
					if strings.Contains(got.stdout+got.stderr, secret) || strings.Contains(got.stderr, secret[len(secret)-8:]) {
						t.Errorf("the value was echoed: %q", got.stderr)
					}
				})
			}
		}
	}
}
