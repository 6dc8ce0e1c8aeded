package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// In dev mode run prints its made-up credentials and one curl line that
// works as printed, with the port it really listens on; it stops when
// its context ends.
func TestRunInDevMode(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	environ := []string{"PORT=0", "HOST=127.0.0.1"}
	var stdout, stderr testkit.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--dev"}, environ, "", strings.NewReader(""), &stdout, &stderr) }()

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
	tokens := service.New(testkit.AppID, testkit.Certificate, service.Options{})
	minted, err := tokens.Issue(context.Background(), service.Bundle{RTMUserID: "stdin-user", Expire: new(uint64(600))})
	if err != nil {
		t.Fatal(err)
	}
	tok := minted[0]
	environ := []string{"APP_ID=" + testkit.AppID, "APP_CERTIFICATE=" + testkit.Certificate}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"inspect", "-"}, environ, "", strings.NewReader(tok.Value+"\n"), &stdout, &stderr); err != nil {
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

// The server runs its collector less often than Go's default, unless the
// operator's GOGC says how often.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		gogc string
		want int
	}{
		{"", serverGCPercent},
		{"50", 100}, // the runtime applied the operator's GOGC at start; it stays
	}
	for _, tt := range tests {
		debug.SetGCPercent(100)
		tuneGC(func(name string) string {
			if name == "GOGC" {
				return tt.gogc
			}
			return ""
		})
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q: GC percent = %d, want %d", tt.gogc, got, tt.want)
		}
	}
}

// A newcomer who runs the server without credentials learns how to try
// it without an Agora account.
func TestRunWithoutAppIDSuggestsDevMode(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), nil, nil, "", strings.NewReader(""), &stdout, &stderr)
	var cfgErr *config.Error
	if !errors.As(err, &cfgErr) || cfgErr.Key != "APP_ID" || !strings.Contains(err.Error(), "--dev") {
		t.Errorf("run = %v, want an APP_ID error that mentions --dev", err)
	}
}
