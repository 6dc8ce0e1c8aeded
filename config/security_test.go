package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

func load(env map[string]string) (Config, error) {
	base := map[string]string{"APP_ID": testkit.AppID, "APP_CERTIFICATE": testkit.Certificate}
	for k, v := range env {
		base[k] = v
	}
	return Load(nil, func(k string) string { return base[k] }, ".env", io.Discard)
}

func TestSecurityDefaultsKeepTheServerOpen(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Security
	if s.AuthMode != AuthNone || !s.AllowWildcardUID || s.ChannelPattern != nil || s.RateCount != 0 || len(s.TrustedProxies) != 0 || s.JWTUIDClaim != "sub" {
		t.Errorf("defaults = %+v, want auth none, wildcard uid allowed, no pattern, no limit, no proxies, uid claim sub", s)
	}
	if s.AllowAppTokens || s.Policy().AllowAppTokens {
		t.Error("app tokens are allowed by default; they act for the whole app and must be asked for")
	}
}

// ALLOW_APP_TOKENS follows dev mode with made-up credentials unless it
// is set; with real credentials it is off unless set, dev mode or not,
// since an app token would act for a real app.
func TestAllowAppTokens(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		madeUp  bool // no APP_ID and APP_CERTIFICATE: dev mode makes them up
		want    bool
		warning bool
	}{
		{"unset", nil, nil, false, false, false},
		{"true", nil, map[string]string{"ALLOW_APP_TOKENS": "true"}, false, true, false},
		{"false", nil, map[string]string{"ALLOW_APP_TOKENS": "false"}, false, false, false},
		{"flag", []string{"--allow-app-tokens", "1"}, nil, false, true, false},
		{"unset in dev mode", []string{"--dev"}, nil, true, true, false},
		{"DEV_MODE", nil, map[string]string{"DEV_MODE": "true"}, true, true, false},
		{"turned off in dev mode", []string{"--dev"}, map[string]string{"ALLOW_APP_TOKENS": "false"}, true, false, false},
		{"unset in dev mode with real credentials", []string{"--dev"}, nil, false, false, true},
		{"DEV_MODE with real credentials", nil, map[string]string{"DEV_MODE": "true"}, false, false, true},
		{"asked for in dev mode with real credentials", []string{"--dev"}, map[string]string{"ALLOW_APP_TOKENS": "true"}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"APP_ID": testkit.AppID, "APP_CERTIFICATE": testkit.Certificate}
			if tt.madeUp {
				env = map[string]string{}
			}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load(tt.args, func(k string) string { return env[k] }, ".env", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.Security.AllowAppTokens != tt.want || c.Security.Policy().AllowAppTokens != tt.want {
				t.Errorf("AllowAppTokens = %t, policy %t, want %t", c.Security.AllowAppTokens, c.Security.Policy().AllowAppTokens, tt.want)
			}
			if want := "allow_app_tokens=" + strconv.FormatBool(tt.want); !strings.Contains(c.String(), want) {
				t.Errorf("the start-up line %q does not say %s", c.String(), want)
			}
			warned := slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "ALLOW_APP_TOKENS stays off") })
			if warned != tt.warning {
				t.Errorf("warnings %q; want a warning that app tokens stay off: %t", c.Warnings, tt.warning)
			}
		})
	}
}

func TestSecuritySettings(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(Security) bool
	}{
		{"api keys", map[string]string{"AUTH_MODE": "APIKEY", "API_KEYS": " a-key-of-16-chars! , another-key-0123456 ,"},
			func(s Security) bool {
				return s.AuthMode == AuthAPIKey && len(s.APIKeys) == 2 && s.APIKeys[1] == "another-key-0123456"
			}},
		{"jwt with a secret", map[string]string{"AUTH_MODE": "jwt", "JWT_SECRET": strings.Repeat("s", 32), "JWT_UID_CLAIM": "uid", "JWT_ISSUER": "https://id.example.com/"},
			func(s Security) bool {
				return s.AuthMode == AuthJWT && s.JWTUIDClaim == "uid" && s.JWTIssuer == "https://id.example.com/"
			}},
		{"jwt with a local JWKS", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "http://127.0.0.1:9999/jwks", "JWT_ISSUER": "https://id.example.com/", "JWT_AUDIENCE": "agora"},
			func(s Security) bool {
				return s.JWTJWKSURL == "http://127.0.0.1:9999/jwks" && s.JWTAudience == "agora" && !s.JWTAllowAnyAudience
			}},
		{"JWKS for tokens without an audience", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "https://id.example.com/jwks", "JWT_ISSUER": "https://id.example.com/", "JWT_ALLOW_ANY_AUDIENCE": "true"},
			func(s Security) bool { return s.JWTAllowAnyAudience && s.JWTAudience == "" }},
		{"rate per minute", map[string]string{"RATE_LIMIT": "60/m"},
			func(s Security) bool { return s.RateCount == 60 && s.RatePeriod == time.Minute && s.RateBurst == 0 }},
		{"rate per second with burst", map[string]string{"RATE_LIMIT": "10/second", "RATE_LIMIT_BURST": "20"},
			func(s Security) bool { return s.RateCount == 10 && s.RatePeriod == time.Second && s.RateBurst == 20 }},
		{"redis", map[string]string{"RATE_LIMIT": "5/h", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0"},
			func(s Security) bool {
				return s.RedisURL == "redis://:pw@127.0.0.1:6379/0" && s.RatePeriod == time.Hour
			}},
		{"channel pattern is anchored", map[string]string{"CHANNEL_PATTERN": "room-[0-9]+"},
			func(s Security) bool {
				return s.ChannelPattern.MatchString("room-1") && !s.ChannelPattern.MatchString("xroom-1") && !s.ChannelPattern.MatchString("room-1x")
			}},
		{"alternation stays inside the anchors", map[string]string{"CHANNEL_PATTERN": "a|b"},
			func(s Security) bool { return s.ChannelPattern.MatchString("a") && !s.ChannelPattern.MatchString("ab") }},
		{"no wildcard uid", map[string]string{"ALLOW_WILDCARD_UID": "false"},
			func(s Security) bool { return !s.AllowWildcardUID }},
		{"trusted proxies", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1,::1"},
			func(s Security) bool { return len(s.TrustedProxies) == 3 && s.TrustedProxies[1] == "192.0.2.1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c.Security) {
				t.Errorf("got %+v", c.Security)
			}
		})
	}
}

func TestSecurityRejects(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		env     map[string]string
		wantKey string
	}{
		{"unknown mode", map[string]string{"AUTH_MODE": "oauth"}, "AUTH_MODE"},
		{"apikey without keys", map[string]string{"AUTH_MODE": "apikey"}, "API_KEYS"},
		{"keys without the mode", map[string]string{"API_KEYS": "a-key-of-16-chars!"}, "API_KEYS"},
		{"key file without the mode", map[string]string{"API_KEYS_FILE": "/etc/keys"}, "API_KEYS_FILE"},
		{"jwt secret without the mode", map[string]string{"JWT_SECRET": secret}, "JWT_SECRET"},
		{"jwt issuer in apikey mode", map[string]string{"AUTH_MODE": "apikey", "API_KEYS": "a-key-of-16-chars!", "JWT_ISSUER": "x"}, "JWT_ISSUER"},
		{"jwt without a key source", map[string]string{"AUTH_MODE": "jwt"}, "JWT_SECRET"},
		{"jwt with both key sources", map[string]string{"AUTH_MODE": "jwt", "JWT_SECRET": secret, "JWT_JWKS_URL": "https://id.example.com/jwks"}, "JWT_SECRET"},
		{"short jwt secret", map[string]string{"AUTH_MODE": "jwt", "JWT_SECRET": "short"}, "JWT_SECRET"},
		{"plain http JWKS elsewhere", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "http://id.example.com/jwks", "JWT_ISSUER": "x", "JWT_AUDIENCE": "y"}, "JWT_JWKS_URL"},
		// A provider's keys sign tokens for every one of its customers:
		// without iss and aud checks, anyone's sign-in would do.
		{"JWKS without an issuer", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "https://id.example.com/jwks", "JWT_AUDIENCE": "agora"}, "JWT_ISSUER"},
		{"JWKS without an audience", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "https://id.example.com/jwks", "JWT_ISSUER": "https://id.example.com/"}, "JWT_AUDIENCE"},
		{"JWKS with any audience but no issuer", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "https://id.example.com/jwks", "JWT_ALLOW_ANY_AUDIENCE": "true"}, "JWT_ISSUER"},
		{"any audience and an audience", map[string]string{"AUTH_MODE": "jwt", "JWT_JWKS_URL": "https://id.example.com/jwks", "JWT_ISSUER": "x", "JWT_AUDIENCE": "y", "JWT_ALLOW_ANY_AUDIENCE": "true"}, "JWT_ALLOW_ANY_AUDIENCE"},
		{"any audience not a boolean", map[string]string{"AUTH_MODE": "jwt", "JWT_SECRET": secret, "JWT_ALLOW_ANY_AUDIENCE": "yes please"}, "JWT_ALLOW_ANY_AUDIENCE"},
		{"any audience in apikey mode", map[string]string{"AUTH_MODE": "apikey", "API_KEYS": "a-key-of-16-chars!", "JWT_ALLOW_ANY_AUDIENCE": "true"}, "JWT_ALLOW_ANY_AUDIENCE"},
		{"rate without a unit", map[string]string{"RATE_LIMIT": "60"}, "RATE_LIMIT"},
		{"rate with an unknown unit", map[string]string{"RATE_LIMIT": "60/day"}, "RATE_LIMIT"},
		{"zero rate", map[string]string{"RATE_LIMIT": "0/s"}, "RATE_LIMIT"},
		{"negative burst", map[string]string{"RATE_LIMIT": "1/s", "RATE_LIMIT_BURST": "-1"}, "RATE_LIMIT_BURST"},
		{"burst without a rate", map[string]string{"RATE_LIMIT_BURST": "5"}, "RATE_LIMIT_BURST"},
		{"redis without a rate", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379"}, "REDIS_URL"},
		{"redis with another scheme", map[string]string{"RATE_LIMIT": "1/s", "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"},
		{"bad channel pattern", map[string]string{"CHANNEL_PATTERN": "room-("}, "CHANNEL_PATTERN"},
		{"bad wildcard flag", map[string]string{"ALLOW_WILDCARD_UID": "maybe"}, "ALLOW_WILDCARD_UID"},
		{"bad app tokens flag", map[string]string{"ALLOW_APP_TOKENS": "sometimes"}, "ALLOW_APP_TOKENS"},
		{"bad proxy", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,router"}, "TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.env)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || cfgErr.Key != tt.wantKey {
				t.Fatalf("got %v, want a config error on %s", err, tt.wantKey)
			}
			for k, v := range tt.env {
				if (k == "JWT_SECRET" || k == "API_KEYS") && strings.Contains(err.Error(), v) {
					t.Errorf("error %q repeats the secret in %s", err, k)
				}
			}
		})
	}
}

// API keys are checked with the other settings, so that a bad one stops
// the server before it says it is starting, with the status of a bad
// setting, and without repeating a key.
func TestSecurityChecksTheAPIKeys(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := file("good", "# backends\nfile-key-0123456789abc\n")
	short := file("short", "file-key-0123456789abc\nshort-key-12\n")
	empty := file("empty", "# nothing yet\n")
	tests := []struct {
		name    string
		env     map[string]string
		wantKey string // "" when the keys are usable
		secret  string // must not appear in the error
	}{
		{"usable keys and file", map[string]string{"API_KEYS": "a-key-of-16-chars!", "API_KEYS_FILE": good}, "", ""},
		{"short key", map[string]string{"API_KEYS": "a-key-of-16-chars!,tiny-key-1"}, "API_KEYS", "tiny-key-1"},
		{"missing file", map[string]string{"API_KEYS_FILE": filepath.Join(dir, "absent")}, "API_KEYS_FILE", ""},
		{"file that is a directory", map[string]string{"API_KEYS_FILE": dir}, "API_KEYS_FILE", ""},
		{"short key in the file", map[string]string{"API_KEYS_FILE": short}, "API_KEYS_FILE", "short-key-12"},
		{"file with no key", map[string]string{"API_KEYS_FILE": empty}, "API_KEYS_FILE", ""},
		{"file with no key beside fixed keys", map[string]string{"API_KEYS": "a-key-of-16-chars!", "API_KEYS_FILE": empty}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["AUTH_MODE"] = "apikey"
			_, err := load(tt.env)
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || cfgErr.Key != tt.wantKey {
				t.Fatalf("got %v, want a config error on %s", err, tt.wantKey)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q repeats a key", err)
			}
		})
	}
}

func TestSecurityStringMasksSecrets(t *testing.T) {
	secret := "jwt-secret-that-must-not-be-logged"
	tests := []map[string]string{
		{"AUTH_MODE": "jwt", "JWT_SECRET": secret, "RATE_LIMIT": "3/s", "REDIS_URL": "redis://user:redis-password-xyz@127.0.0.1:6379/0"},
		{"AUTH_MODE": "apikey", "API_KEYS": "api-key-that-must-not-be-logged"},
	}
	for _, env := range tests {
		c, err := load(env)
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		for _, leak := range []string{secret, "redis-password-xyz", "api-key-that-must-not-be-logged", testkit.Certificate} {
			if strings.Contains(s, leak) {
				t.Errorf("config line %q shows a secret", s)
			}
		}
		if !strings.Contains(s, "auth_mode="+env["AUTH_MODE"]) {
			t.Errorf("config line %q does not say the auth mode", s)
		}
	}
}
