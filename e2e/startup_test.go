package e2e

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// wantOneLine checks that a run stopped with exit status 2 and one line
// naming key and saying each of want.
func wantOneLine(t *testing.T, got outcome, key string, want ...string) {
	t.Helper()
	out := got.stdout + got.stderr
	if got.code != 2 {
		t.Fatalf("exit %d, want status 2; output %s", got.code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], key+": ") {
		t.Fatalf("output = %q, want one line naming %s", out, key)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("output %q does not say %q", lines[0], w)
		}
	}
}

// A port in use, or a HOST that is not this machine's, stops the server
// with status 2 and a line naming the setting that fixes it, as any other
// bad setting does, instead of the system's error.
func TestListenFailuresNameTheSetting(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name, key string
		env       []string
		want      []string
	}{
		{"port in use", "PORT", []string{"HOST=127.0.0.1", "PORT=" + port}, []string{port + " is in use", "PORT / --port"}},
		// TEST-NET-1 (RFC 5737) is no address of any machine.
		{"address of another machine", "HOST", []string{"HOST=192.0.2.1", "PORT=0"}, []string{"192.0.2.1 is not an address of this machine", "HOST / --host"}},
		// .invalid never resolves (RFC 6761).
		{"host that does not resolve", "HOST", []string{"HOST=not-a-host.invalid", "PORT=0"}, []string{"not-a-host.invalid", "HOST / --host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, append([]string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate}, tt.env...), "")
			wantOneLine(t, got, tt.key, tt.want...)
		})
	}
}

// Settings that would start a server that does not do what its operator
// meant stop it at start, naming the setting and never its value.
func TestStartUpRefusals(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	const apiKey = "backend-api-key-0a1b2c3d4e5f"
	if err := os.WriteFile(badYAML, []byte("auth_mode: apikey\napi_keys:\n  "+apiKey+": true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badEnv := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(badEnv, []byte("PORT=0\nAPP_CERTIFICATE "+testkit.Certificate+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key string
		env       []string
		args      []string
		want      []string
		secret    string
	}{
		{"certificate one short", "APP_CERTIFICATE", []string{"APP_CERTIFICATE=" + testkit.Certificate[:31]}, nil, []string{"has 31 characters", "Agora Console"}, testkit.Certificate[:31]},
		{"certificate with a bad character", "APP_CERTIFICATE", []string{"APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15dXb"}, nil, []string{"character 31 is not hexadecimal"}, "5CFd2fd1755d40ecb72977518be15dXb"},
		{"origin without a scheme", "CORS_ALLOW_ORIGINS", []string{"CORS_ALLOW_ORIGINS=app.example.com"}, nil, []string{"https://app.example.com"}, ""},
		{"origins set but empty", "CORS_ALLOW_ORIGINS", []string{"CORS_ALLOW_ORIGINS="}, nil, []string{"set but empty"}, ""},
		{"metrics token set but empty", "METRICS_TOKEN", []string{"METRICS_TOKEN="}, nil, []string{"set but empty"}, ""},
		{"Redis password with an unescaped ?", "REDIS_URL", []string{"RATE_LIMIT=10/s", "REDIS_URL=redis://default:8675309?Qx!secret@127.0.0.1:6379/0"}, nil, []string{"percent-encode"}, "Qx!secret"},
		{"config file with a key as a map key", "CONFIG_FILE", nil, []string{"--config", badYAML}, []string{"line 3"}, apiKey},
		{"config file in .env form with a line without =", "CONFIG_FILE", nil, []string{"--config", badEnv}, []string{"line 2"}, testkit.Certificate[:8]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runBinary(t, append([]string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate, "HOST=127.0.0.1", "PORT=0"}, tt.env...), "", tt.args...)
			wantOneLine(t, got, tt.key, tt.want...)
			if tt.secret != "" && strings.Contains(got.stdout+got.stderr, tt.secret) {
				t.Error("the value was printed")
			}
		})
	}
}

// A name in .env close to a setting's stops the server, as a config
// file's does, since the setting it meant would keep its default.
func TestDotEnvTypoStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	dotenv := "APP_ID=" + testkit.AppID + "\nAPP_CERTIFICATE=" + testkit.Certificate + "\nAUTH_MDOE=apikey\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	got := runBinaryIn(t, dir, []string{"HOST=127.0.0.1", "PORT=0"}, "")
	wantOneLine(t, got, ".env", "line 3", "AUTH_MDOE", "did you mean AUTH_MODE?")
}

// Warnings at start: a misspelt name in the environment, a trusted proxy
// range that trusts everyone, and dev mode with real credentials, which
// leaves app tokens off. The server runs all the same.
func TestStartUpWarnings(t *testing.T) {
	s := start(t, "APP_CERTIFCATE="+testkit.Certificate, "TRUSTED_PROXIES=0.0.0.0/0", "DEV_MODE=true")
	for _, want := range []string{
		"APP_CERTIFCATE, which is not a setting: did you mean APP_CERTIFICATE?",
		"TRUSTED_PROXIES holds 0.0.0.0/0",
		"ALLOW_APP_TOKENS stays off",
	} {
		if len(s.logs.matching(map[string]any{"level": "WARN", "msg": warningWith(s, want)})) != 1 {
			t.Errorf("no warning saying %q; log:\n%s", want, s.logs.text())
		}
	}
	if strings.Contains(s.logs.text(), testkit.Certificate[:8]) {
		t.Error("the log holds the certificate")
	}
	// Dev mode with real credentials issues no app token.
	res, err := http.Get(s.url("/chat/app"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET /chat/app = %d, want 403: app tokens stay off with real credentials", res.StatusCode)
	}
}

// warningWith is the message of the first log line holding want, or want
// itself when none does.
func warningWith(s *server, want string) string {
	for _, line := range s.logs.matching(map[string]any{"level": "WARN"}) {
		if msg, _ := line["msg"].(string); strings.Contains(msg, want) {
			return msg
		}
	}
	return want
}

// CONFIG_FILE set in .env is honoured, as every other setting there is.
func TestConfigFileNamedInDotEnv(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("settings.yaml", "metrics_token: scrape-token-0123456789\n")
	write(".env", "CONFIG_FILE=settings.yaml\n")
	s := startBinaryIn(t, dir, binary(t), serverEnv())
	res, err := http.Get(s.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401 from the config file's METRICS_TOKEN", res.StatusCode)
	}

	write(".env", "CONFIG_FILE=absent.yaml\n")
	got := runBinaryIn(t, dir, serverEnv(), "")
	wantOneLine(t, got, "CONFIG_FILE", "absent.yaml does not exist")
}

// With a rate limit, requests through a proxy whose X-Forwarded-For is
// not trusted share one allowance: the server says so once, naming the
// setting that fixes it.
func TestUntrustedProxyIsLoggedOnce(t *testing.T) {
	s := start(t, "RATE_LIMIT=100/s")
	for i := range 5 {
		req, _ := http.NewRequest(http.MethodGet, s.url("/rtm/user-"+strconv.Itoa(i)), nil)
		req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(s.logs.text(), "add the proxy's address or range to TRUSTED_PROXIES") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(s.logs.text(), "add the proxy's address or range to TRUSTED_PROXIES"); n != 1 {
		t.Errorf("%d notices, want 1; log:\n%s", n, s.logs.text())
	}
}

// Help is an answer: on standard output, with exit status 0, for the
// server and for each command.
func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"token", "--help"}, {"token", "rtc", "--help"}, {"inspect", "--help"}, {"check", "--help"}, {"version", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got := runBinary(t, nil, "", args...)
			if got.code != 0 || !strings.Contains(got.stdout, "Usage") || got.stderr != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and the usage on stdout", got.code, got.stdout, got.stderr)
			}
		})
	}
	got := runBinary(t, nil, "", "--help")
	if !strings.Contains(got.stdout, "(env DEV_MODE)") {
		t.Errorf("--help does not name --dev's variable: %q", got.stdout)
	}
}
