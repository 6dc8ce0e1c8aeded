package config

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// creds are working credentials, for tests about other settings.
func creds(kv ...string) func(string) string {
	return env(append([]string{"APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate}, kv...)...)
}

// wantError checks that err is a *Error on key whose message holds each
// of want and none of secrets.
func wantError(t *testing.T, err error, key string, want []string, secrets ...string) {
	t.Helper()
	cfgErr, ok := errors.AsType[*Error](err)
	if !ok || cfgErr.Key != key {
		t.Fatalf("err = %v, want an error on %s", err, key)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q repeats %q", err, s)
		}
	}
}

// A credential of the wrong form is described by its length or its first
// bad character's place, never by its value, with where to find the real
// one.
func TestBadCredentialSaysWhatIsWrong(t *testing.T) {
	inTempDir(t)
	short := testkit.Certificate[:31]
	notHex := testkit.Certificate[:4] + "z" + testkit.Certificate[5:]
	tests := []struct {
		name, key, value string
		want             []string
	}{
		{"certificate one short", "APP_CERTIFICATE", short, []string{"has 31 characters", "32 hexadecimal", "Agora Console"}},
		{"certificate with a bad character", "APP_CERTIFICATE", notHex, []string{"character 5 is not hexadecimal", "Agora Console"}},
		{"app id too long", "APP_ID", testkit.AppID + "0", []string{"has 33 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, creds(tt.key, tt.value), ".env", io.Discard)
			wantError(t, err, tt.key, tt.want, tt.value, tt.value[:8])
		})
	}
}

// An origin is written as a browser sends it; one without a scheme would
// match no request.
func TestCORSOriginNeedsAScheme(t *testing.T) {
	inTempDir(t)
	_, err := Load(nil, creds("CORS_ALLOW_ORIGINS", "https://admin.example.com, app.example.com"), ".env", io.Discard)
	wantError(t, err, "CORS_ALLOW_ORIGINS", []string{"app.example.com has no scheme", "https://app.example.com"})
	for _, ok := range []string{"*", "https://app.example.com", "http://localhost:3000,https://*.example.com"} {
		if _, err := Load(nil, creds("CORS_ALLOW_ORIGINS", ok), ".env", io.Discard); err != nil {
			t.Errorf("CORS_ALLOW_ORIGINS=%s: %v", ok, err)
		}
	}
}

// A setting whose empty value would open what the operator meant to
// close stops the server when it is set but empty, from any source.
func TestSetButEmptyIsRefused(t *testing.T) {
	for _, name := range []string{"METRICS_TOKEN", "CORS_ALLOW_ORIGINS"} {
		flag := "--" + strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		t.Run(name+" by flag", func(t *testing.T) {
			inTempDir(t)
			_, err := Load([]string{flag + "="}, creds(), ".env", io.Discard)
			wantError(t, err, name, []string{"set but empty"})
		})
		t.Run(name+" in .env", func(t *testing.T) {
			inTempDir(t)
			write(t, ".env", name+"=\n")
			_, err := Load(nil, creds(), ".env", io.Discard)
			wantError(t, err, name, []string{"set but empty"})
		})
		t.Run(name+" in a config file", func(t *testing.T) {
			inTempDir(t)
			write(t, "c.yaml", strings.ToLower(name)+": \"\"\n")
			_, err := Load([]string{"--config", "c.yaml"}, creds(), ".env", io.Discard)
			wantError(t, err, name, []string{"set but empty"})
		})
		t.Run(name+" in the environment", func(t *testing.T) {
			_, err := CheckEnviron([]string{"APP_ID=" + testkit.AppID, name + "="})
			wantError(t, err, name, []string{"set but empty"})
		})
		t.Run(name+" in .env, set again in the environment", func(t *testing.T) {
			inTempDir(t)
			write(t, ".env", name+"=\n")
			value := "scrape-token-0123456789"
			if name == "CORS_ALLOW_ORIGINS" {
				value = "https://app.example.com"
			}
			if _, err := Load(nil, creds(name, value), ".env", io.Discard); err != nil {
				t.Error(err)
			}
		})
	}
	// Unset, METRICS_TOKEN leaves /metrics open, as documented.
	if _, err := CheckEnviron([]string{"APP_ID=" + testkit.AppID}); err != nil {
		t.Error(err)
	}
}

// A misspelt name in the environment is warned of with the setting it
// is close to; other programs' variables are left alone.
func TestMisspeltEnviron(t *testing.T) {
	environ := []string{"APP_CERTIFCATE=" + testkit.Certificate, "AUTH_MDOE=jwt", "app_id=x", "HOME=/root", "PATH=/bin", "HOSTNAME=box", "USER=me", "PORT=8080", "REDIS_TLS_URL=rediss://h", "TERM=xterm", "LANG=C"}
	got, err := CheckEnviron(environ)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"APP_CERTIFCATE": "APP_CERTIFICATE", "AUTH_MDOE": "AUTH_MODE", "app_id": "APP_ID"}
	if len(got) != len(want) {
		t.Errorf("warnings %q, want one for each of %v", got, want)
	}
	for typo, setting := range want {
		if !slices.ContainsFunc(got, func(w string) bool {
			return strings.Contains(w, typo+",") && strings.Contains(w, "did you mean "+setting+"?")
		}) {
			t.Errorf("warnings %q do not name %s and %s", got, typo, setting)
		}
	}
	for _, w := range got {
		if strings.Contains(w, testkit.Certificate[:8]) || strings.Contains(w, "jwt") {
			t.Errorf("warning %q quotes a value", w)
		}
	}
}

// A name in .env close to a setting stops the server, as in a config
// file; a name far from every setting is warned of by its line only.
func TestDotEnvNames(t *testing.T) {
	inTempDir(t)
	write(t, ".env", "APP_ID="+testkit.AppID+"\nAPP_CERTIFCATE="+testkit.Certificate+"\n")
	_, err := Load(nil, env(), ".env", io.Discard)
	wantError(t, err, ".env", []string{"line 2", "APP_CERTIFCATE", "did you mean APP_CERTIFICATE?"}, testkit.Certificate[:8])

	write(t, ".env", "APP_ID="+testkit.AppID+"\napp_certificate="+testkit.Certificate+"\nCOMPOSE_PROJECT_NAME=tokens\n")
	c, err := Load(nil, env(), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.AppCertificate != testkit.Certificate {
		t.Error("a lower-case name in .env is not read")
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "line 3 of .env") || strings.Contains(c.Warnings[0], "COMPOSE") {
		t.Errorf("warnings %q, want one naming line 3 and not the name", c.Warnings)
	}
}

// CONFIG_FILE may be set in .env like every other setting, and a path
// that does not exist stops the server.
func TestConfigFileFromDotEnv(t *testing.T) {
	inTempDir(t)
	write(t, "settings.yaml", "port: 9123\n")
	write(t, ".env", "CONFIG_FILE=settings.yaml\n")
	c, err := Load(nil, creds(), ".env", io.Discard)
	if err != nil || c.Port != 9123 {
		t.Fatalf("port %d, err %v; want 9123 from the config file .env names", c.Port, err)
	}
	write(t, ".env", "CONFIG_FILE=absent.yaml\n")
	_, err = Load(nil, creds(), ".env", io.Discard)
	wantError(t, err, "CONFIG_FILE", []string{"absent.yaml does not exist"})
}

// A config file that does not parse, or that sets a name that is no
// setting, is named by its line: neither a value nor an unknown name,
// which may be a secret written in the wrong place, is quoted.
func TestConfigFileErrorsQuoteNothing(t *testing.T) {
	const key = "backend-api-key-0a1b2c3d4e5f"
	tests := []struct {
		name, file, text string
		want             []string
	}{
		{"a .env line without =", "bad.env", "PORT=8080\nAPP_CERTIFICATE " + testkit.Certificate + "\n", []string{"line 2", "cannot be parsed"}},
		{"a key written as a map key", "bad.yaml", "auth_mode: apikey\napi_keys:\n  " + key + ": true\n", []string{"line 3", "not a setting"}},
		{"a secret as a name", "bad.yaml", "port: 8080\n" + testkit.Certificate + ": 1\n", []string{"line 2", "not a setting"}},
		{"YAML that does not parse", "bad.yaml", "port: 8080\napp_certificate: \"" + testkit.Certificate + "\n  x: [\n", []string{"cannot be parsed"}},
		{"JSON that does not parse", "bad.json", "{\"app_certificate\": " + testkit.Certificate + "}", []string{"cannot be parsed"}},
		{"a typo", "typo.yaml", "port: 8080\nauth_mdoe: apikey\n", []string{"line 2", "auth_mdoe", "did you mean AUTH_MODE?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inTempDir(t)
			write(t, tt.file, tt.text)
			_, err := Load([]string{"--config", tt.file}, creds(), ".env", io.Discard)
			wantError(t, err, "CONFIG_FILE", tt.want, testkit.Certificate[:8], key[:10])
		})
	}
}

// A REDIS_URL whose password holds an unescaped /, ? or # parses with
// the password in the host, path or query, where it would be logged: it
// is refused, and the message says to percent-encode it.
func TestRedisURLWithUnescapedPassword(t *testing.T) {
	inTempDir(t)
	for _, raw := range []string{
		"redis://default:8675309?Qx!secret@host:6379/0",
		"redis://default:8675309/Qx!secret@host:6379/0",
		"redis://default:8675309#Qx!secret@host:6379/0",
	} {
		_, err := Load(nil, creds("RATE_LIMIT", "10/s", "REDIS_URL", raw), ".env", io.Discard)
		wantError(t, err, "REDIS_URL", []string{"percent-encode"}, "Qx!secret", "8675309")
	}
	c, err := Load(nil, creds("RATE_LIMIT", "10/s", "REDIS_URL", "redis://default:8675309%3FQx%21secret@host:6379/0"), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, "secret") || strings.Contains(s, "8675309") || !strings.Contains(s, "redis_url=redis://xxxxx@host:6379/0") {
		t.Errorf("start-up line %q, want the URL with its user info masked", s)
	}
}

// A trusted proxy range that holds every address is allowed, but warned
// of: it lets any client choose its rate-limit address.
func TestTrustEveryoneIsWarnedOf(t *testing.T) {
	inTempDir(t)
	for _, all := range []string{"0.0.0.0/0", "::/0"} {
		c, err := Load(nil, creds("TRUSTED_PROXIES", "10.0.0.0/8,"+all), ".env", io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "TRUSTED_PROXIES holds "+all) {
			t.Errorf("warnings %q, want one on %s", c.Warnings, all)
		}
	}
	c, err := Load(nil, creds("TRUSTED_PROXIES", "10.0.0.0/8"), ".env", io.Discard)
	if err != nil || len(c.Warnings) != 0 {
		t.Errorf("warnings %q, err %v; want none for a private range", c.Warnings, err)
	}
}

// .env.example copied to .env, with the credentials filled in, is what a
// newcomer starts with: the server takes it without a word.
func TestEnvExampleAsDotEnv(t *testing.T) {
	data, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	inTempDir(t)
	text := strings.Replace(string(data), "\nAPP_ID=\n", "\nAPP_ID="+testkit.AppID+"\n", 1)
	text = strings.Replace(text, "\nAPP_CERTIFICATE=\n", "\nAPP_CERTIFICATE="+testkit.Certificate+"\n", 1)
	write(t, ".env", text)
	c, err := Load(nil, env(), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.AppCertificate != testkit.Certificate || len(c.Warnings) != 0 {
		t.Errorf("certificate read: %t; warnings %q", c.AppCertificate == testkit.Certificate, c.Warnings)
	}
}
