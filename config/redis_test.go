package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
)

func TestRedisTLSSettings(t *testing.T) {
	dir := t.TempDir()
	ca, _ := redistest.SelfSigned(t, dir)
	garbage := filepath.Join(dir, "not-pem.txt")
	if err := os.WriteFile(garbage, []byte("-----BEGIN NOTHING-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The password must appear in no message.
	const tlsURL, plainURL = "rediss://:hunter2-secret@redis.example:6380/0", "redis://:hunter2-secret@redis.example:6379/0"

	t.Run("accepted", func(t *testing.T) {
		tests := []struct {
			name  string
			env   map[string]string
			check func(Security) bool
		}{
			{"no TLS setting", map[string]string{"REDIS_URL": tlsURL},
				func(s Security) bool { return s.RedisCAs == nil && !s.RedisTLSSkipVerify }},
			{"a CA file", map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_CA_FILE": ca},
				func(s Security) bool { return s.RedisCAs != nil && s.RedisCAFile == ca && !s.RedisTLSSkipVerify }},
			{"skip verify", map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_SKIP_VERIFY": "true"},
				func(s Security) bool { return s.RedisCAs == nil && s.RedisTLSSkipVerify }},
			{"skip verify false without Redis", map[string]string{"REDIS_TLS_SKIP_VERIFY": "false"},
				func(s Security) bool { return !s.RedisTLSSkipVerify }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.env["RATE_LIMIT"] = "60/m"
				c, err := load(tt.env)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.check(c.Security) {
					t.Errorf("settings = %+v", c.Security)
				}
				if s := c.String(); strings.Contains(s, "hunter2-secret") {
					t.Errorf("the start-up line shows the Redis password: %s", s)
				}
			})
		}
	})

	t.Run("refused", func(t *testing.T) {
		tests := []struct {
			name, key, rule string
			env             map[string]string
		}{
			{"skip verify not a boolean", "REDIS_TLS_SKIP_VERIFY", "true or false",
				map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_SKIP_VERIFY": "yes please"}},
			{"skip verify on plain Redis", "REDIS_TLS_SKIP_VERIFY", "rediss://",
				map[string]string{"REDIS_URL": plainURL, "REDIS_TLS_SKIP_VERIFY": "true"}},
			{"skip verify without Redis", "REDIS_TLS_SKIP_VERIFY", "rediss://",
				map[string]string{"REDIS_TLS_SKIP_VERIFY": "true"}},
			{"CA file on plain Redis", "REDIS_TLS_CA_FILE", "rediss://",
				map[string]string{"REDIS_URL": plainURL, "REDIS_TLS_CA_FILE": ca}},
			{"CA file missing", "REDIS_TLS_CA_FILE", "cannot be read",
				map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_CA_FILE": filepath.Join(dir, "absent.pem")}},
			{"CA file without a certificate", "REDIS_TLS_CA_FILE", "no PEM certificate",
				map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_CA_FILE": garbage}},
			{"both", "REDIS_TLS_SKIP_VERIFY", "REDIS_TLS_CA_FILE",
				map[string]string{"REDIS_URL": tlsURL, "REDIS_TLS_CA_FILE": ca, "REDIS_TLS_SKIP_VERIFY": "true"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.env["RATE_LIMIT"] = "60/m"
				_, err := load(tt.env)
				var cfgErr *Error
				if !errors.As(err, &cfgErr) {
					t.Fatalf("err = %v, want a *config.Error", err)
				}
				if cfgErr.Key != tt.key || !strings.Contains(cfgErr.Rule, tt.rule) {
					t.Errorf("err = %v, want key %s and a rule saying %q", err, tt.key, tt.rule)
				}
				if msg := err.Error(); strings.Contains(msg, "hunter2-secret") || strings.Contains(msg, "redis.example") {
					t.Errorf("the message shows REDIS_URL: %s", msg)
				}
			})
		}
	})
}
