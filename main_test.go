package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	e2eAppID = "970ca35de60c44645bbae8a215061b33"
	e2eCert  = "5cfd2fd1755d40ecb72977518be15d3b"
)

// buildBinary compiles the server from this tree once per test binary.
var buildBinary = func() func(t *testing.T) string {
	var path string
	var err error
	return func(t *testing.T) string {
		t.Helper()
		if path == "" && err == nil {
			dir, _ := os.MkdirTemp("", "agora-token-server-e2e")
			path = filepath.Join(dir, "agora-token-server")
			out, buildErr := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
			if buildErr != nil {
				err = fmt.Errorf("go build: %v\n%s", buildErr, out)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
}()

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer runs the real binary on a free loopback port and waits
// until it answers.
func startServer(t *testing.T, env ...string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(buildBinary(t))
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"HOST=127.0.0.1", "PORT=" + strconv.Itoa(port), "PATH=" + os.Getenv("PATH")}, env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/ping"); err == nil {
			res.Body.Close()
			return base
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not answer on %s", base)
	return ""
}

func TestEndToEnd(t *testing.T) {
	base := startServer(t, "APP_ID="+e2eAppID, "APP_CERTIFICATE="+e2eCert, "DEFAULT_EXPIRY=900")

	res, err := http.Get(base + "/rtc/e2e%20room/publisher/uid/2882341273/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ RTCToken string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, decode %v", res.StatusCode, err)
	}
	at := testkit.Verify007(t, body.RTCToken, e2eAppID, e2eCert)
	rtc := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
	if at.AppId != e2eAppID || at.Expire != 900 || rtc.ChannelName != "e2e room" || rtc.Uid != "2882341273" {
		t.Errorf("token: app %s expire %d channel %q uid %q", at.AppId, at.Expire, rtc.ChannelName, rtc.Uid)
	}
	if age := time.Now().Unix() - int64(at.IssueTs); age < 0 || age > 60 {
		t.Errorf("token issued %d s ago", age)
	}

	res, err = http.Post(base+"/getToken", "application/json", strings.NewReader(`{"tokenType":"rtm"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("bad request: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

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
			// A server that starts is a failure: it is stopped, not waited for.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, buildBinary(t))
			cmd.Dir = t.TempDir()
			cmd.Env = append([]string{"APP_ID=" + e2eAppID, "APP_CERTIFICATE=" + e2eCert, "HOST=127.0.0.1", "PORT=0"}, tt.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit = %v, want status 2; output %s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantKey+": ") || !strings.Contains(lines[0], tt.rule) {
				t.Errorf("output = %q, want one line naming %s and the rule", out, tt.wantKey)
			}
			if tt.secret != "" && strings.Contains(string(out), tt.secret) {
				t.Error("the value was printed")
			}
		})
	}
}

// HOST takes an IPv6 address as it is written, bare or in brackets.
func TestHostTakesIPv6(t *testing.T) {
	for _, host := range []string{"::1", "[::1]", "::"} {
		t.Run(host, func(t *testing.T) {
			s := startLive(t, "HOST="+host)
			_, port, _ := net.SplitHostPort(s.addr)
			res, err := http.Get("http://[::1]:" + port + "/ping")
			if err != nil {
				t.Fatalf("GET /ping over IPv6: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET /ping = %d", res.StatusCode)
			}
		})
	}
}

// In dev mode run prints its made-up credentials and one curl line that
// works as printed, with the port it really listens on; it stops when
// its context ends.
func TestRunInDevMode(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	getenv := func(k string) string {
		return map[string]string{"PORT": "0", "HOST": "127.0.0.1"}[k]
	}
	var stdout, stderr testkit.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--dev"}, getenv, "", strings.NewReader(""), &stdout, &stderr) }()

	curl := regexp.MustCompile(`(?m)^ +curl (\S+)$`)
	var lines [][]string
	deadline := time.Now().Add(10 * time.Second)
	for lines == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no curl line printed: stdout %q, stderr %s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		lines = curl.FindAllStringSubmatch(stdout.String(), -1)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0][1], "http://127.0.0.1:") || strings.HasSuffix(lines[0][1], "127.0.0.1:0") {
		t.Fatalf("curl lines %q, want one to the port listened on", lines)
	}
	res, err := http.Get(lines[0][1])
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ RTCToken string }
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(body.RTCToken, "007") {
		t.Errorf("curl's URL answered %d with rtcToken %.10q (decode error %v), want 200 and a 007 token", res.StatusCode, body.RTCToken, err)
	}
	// Dev mode turns ALLOW_APP_TOKENS on.
	chat := strings.Replace(lines[0][1], "/rtc/lobby/publisher/uid/42", "/chat/app", 1)
	if res, err = http.Get(chat); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /chat/app in dev mode: %d, want 200", res.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
	if !strings.Contains(stdout.String(), "DEV MODE") || !strings.Contains(stdout.String(), "APP_CERTIFICATE=") {
		t.Errorf("dev mode did not print its made-up credentials: %q", stdout.String())
	}
	if !strings.Contains(stdout.String(), "DEV MODE: ALLOW_APP_TOKENS is on") {
		t.Errorf("dev mode did not say that it issues app tokens: %q", stdout.String())
	}
}

// run reads standard input through the reader it is given, so that a
// command such as inspect - can be driven without the process's own.
func TestRunReadsTheStdinItIsGiven(t *testing.T) {
	tokens := service.New(cliAppID, cliCert, service.Options{})
	minted, err := tokens.Issue(context.Background(), service.Bundle{RTMUserID: "stdin-user", Expire: 600})
	if err != nil {
		t.Fatal(err)
	}
	tok := minted[0]
	getenv := func(k string) string {
		return map[string]string{"APP_ID": cliAppID, "APP_CERTIFICATE": cliCert}[k]
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"inspect", "-"}, getenv, "", strings.NewReader(tok.Value+"\n"), &stdout, &stderr); err != nil {
		t.Fatalf("run = %v; stderr %s", err, stderr.String())
	}
	var ins service.Inspection
	if err := json.Unmarshal(stdout.Bytes(), &ins); err != nil {
		t.Fatalf("stdout %q: %v", stdout.String(), err)
	}
	if ins.Signature != "valid" || len(ins.Services) != 1 || ins.Services[0].Service != "rtm" || ins.Services[0].UserID != "stdin-user" {
		t.Errorf("inspection = %+v, want a valid RTM token for stdin-user", ins)
	}
}

// The curl line of dev mode names an address curl can reach.
func TestLocalURL(t *testing.T) {
	tests := []struct {
		listen, want string
	}{
		{"0.0.0.0:8080", "http://localhost:8080"},
		{"[::]:8080", "http://localhost:8080"},
		{"127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.listen)
		if err != nil {
			t.Fatal(err)
		}
		if got := localURL(addr); got != tt.want {
			t.Errorf("localURL(%s) = %s, want %s", tt.listen, got, tt.want)
		}
	}
}

// A newcomer who runs the server without credentials learns how to try
// it without an Agora account.
func TestRunWithoutAppIDSuggestsDevMode(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), nil, func(string) string { return "" }, "", strings.NewReader(""), &stdout, &stderr)
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || cfgErr.Key != "APP_ID" || !strings.Contains(err.Error(), "--dev") {
		t.Errorf("run = %v, want an APP_ID error that mentions --dev", err)
	}
}
