package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// inTempDir runs the test in an empty directory, so that no .env leaks in.
func inTempDir(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A .env file is read only where the caller says it is: tests and the
// command line's callers that name none are not swayed by one lying in
// the working directory.
func TestDotEnvOnlyWhereNamed(t *testing.T) {
	inTempDir(t)
	write(t, ".env", "PORT=1001\n")
	getenv := env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate)
	c, err := Load(nil, getenv, "", io.Discard)
	if err != nil || c.Port != 8080 {
		t.Errorf("with no .env named: port %d, err %v; want 8080", c.Port, err)
	}
	c, err = Load(nil, getenv, ".env", io.Discard)
	if err != nil || c.Port != 1001 {
		t.Errorf("with .env named: port %d, err %v; want 1001", c.Port, err)
	}
}

func TestDefaults(t *testing.T) {
	inTempDir(t)
	c, err := Load(nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.Host != "" || c.DefaultExpiry != 3600 || c.MaxExpiry != 86400 ||
		len(c.CORSAllowOrigins) != 1 || c.CORSAllowOrigins[0] != "*" || c.Dev {
		t.Errorf("defaults = %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	dir := inTempDir(t)
	write(t, ".env", "APP_ID="+testkit.AppID+"\nAPP_CERTIFICATE="+testkit.Certificate+"\nPORT=1001\nDEFAULT_EXPIRY=100\nMAX_EXPIRY=200\nHOST=dotenv\n")
	file := filepath.Join(dir, "server.yaml")
	write(t, file, "port: 1002\ndefault_expiry: 101\nmax_expiry: 201\n")
	write(t, filepath.Join(dir, "vars.yaml"), "SERVER_PORT: 1007\nCORS_ALLOW_ORIGIN: https://c.example\n")

	tests := []struct {
		name    string
		args    []string
		getenv  func(string) string
		port    int
		expiry  uint32
		max     uint32
		host    string
		origins string
	}{
		{".env over defaults", nil, env(), 1001, 100, 200, "dotenv", "*"},
		{"config file over .env", []string{"--config", file}, env(), 1002, 101, 201, "dotenv", "*"},
		{"CONFIG_FILE names the file", nil, env("CONFIG_FILE", file), 1002, 101, 201, "dotenv", "*"},
		{"environment over config file", []string{"--config", file}, env("PORT", "1003", "MAX_EXPIRY", "300"), 1003, 101, 300, "dotenv", "*"},
		{"flag over environment", []string{"--config", file, "--port", "1004"}, env("PORT", "1003"), 1004, 101, 201, "dotenv", "*"},
		{"aliases", nil, env("SERVER_PORT", "1005", "CORS_ALLOW_ORIGIN", "https://a.example, https://b.example"), 1005, 100, 200, "dotenv", "https://a.example,https://b.example"},
		{"documented name over alias", nil, env("PORT", "1006", "SERVER_PORT", "1005"), 1006, 100, 200, "dotenv", "*"},
		{"config file spells keys as variables", []string{"--config", filepath.Join(dir, "vars.yaml")}, env(), 1007, 100, 200, "dotenv", "https://c.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, tt.getenv, ".env", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.CORSAllowOrigins, ",")
			if c.Port != tt.port || c.DefaultExpiry != tt.expiry || c.MaxExpiry != tt.max || c.Host != tt.host || got != tt.origins {
				t.Errorf("got port %d expiry %d max %d host %q origins %q", c.Port, c.DefaultExpiry, c.MaxExpiry, c.Host, got)
			}
		})
	}
}

func TestInvalidSettings(t *testing.T) {
	inTempDir(t)
	write(t, "typo.yaml", "cors_allow_origin_list: https://app.example.com\n")
	const badCert = "not-a-certificate-value-0123456"
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		key    string
	}{
		{"no app id", nil, env("APP_CERTIFICATE", testkit.Certificate), "APP_ID"},
		{"short app id", nil, env("APP_ID", "abc", "APP_CERTIFICATE", testkit.Certificate), "APP_ID"},
		{"no certificate", nil, env("APP_ID", testkit.AppID), "APP_CERTIFICATE"},
		{"certificate not hex", nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", badCert), "APP_CERTIFICATE"},
		{"port not a number", nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate, "PORT", "http"), "PORT"},
		{"port too big", []string{"--port", "70000"}, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate), "PORT"},
		{"max expiry over Agora's cap", nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate, "MAX_EXPIRY", "86401"), "MAX_EXPIRY"},
		{"default over max", nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate, "MAX_EXPIRY", "60"), "DEFAULT_EXPIRY"},
		{"default zero", nil, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate, "DEFAULT_EXPIRY", "0"), "DEFAULT_EXPIRY"},
		{"missing config file", []string{"--config", "nope.yaml"}, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate), "CONFIG_FILE"},
		{"unknown flag", []string{"--colour"}, env(), "flags"},
		{"stray argument", []string{"--dev", "serve"}, env(), "flags"},
		{"unknown key in the config file", []string{"--config", "typo.yaml"}, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate), "CONFIG_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, tt.getenv, ".env", io.Discard)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || cfgErr.Key != tt.key {
				t.Fatalf("err = %v, want an error on %s", err, tt.key)
			}
			if strings.Contains(err.Error(), badCert) {
				t.Errorf("error echoes the certificate: %v", err)
			}
		})
	}
}

func TestDevMode(t *testing.T) {
	inTempDir(t)
	a, err := Load([]string{"--dev"}, env(), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(nil, env("DEV_MODE", "true"), ".env", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Dev || !a.DevCredentials || a.Validate() != nil {
		t.Errorf("dev config = %+v", a)
	}
	if a.AppID == b.AppID || a.AppCertificate == b.AppCertificate || a.AppID == a.AppCertificate {
		t.Error("dev credentials are not fresh for each process")
	}
	c, err := Load([]string{"--dev"}, env("APP_ID", testkit.AppID, "APP_CERTIFICATE", testkit.Certificate), ".env", io.Discard)
	if err != nil || c.DevCredentials || c.AppID != testkit.AppID {
		t.Errorf("dev mode must keep given credentials: %+v, %v", c, err)
	}
}

func TestStringMasksCertificate(t *testing.T) {
	c := Config{AppID: testkit.AppID, AppCertificate: testkit.Certificate, Port: 80, CORSAllowOrigins: []string{"*"}}
	if s := c.String(); strings.Contains(s, testkit.Certificate) || !strings.Contains(s, testkit.AppID) {
		t.Errorf("String() = %q", s)
	}
}
