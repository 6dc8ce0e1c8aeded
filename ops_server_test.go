package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// These helpers run the real program, built from this tree, on a free
// loopback port, as an operator would run it.

const (
	liveAppID = "970ca35de60c44645bbae8a215061b33"
	liveCert  = "5cfd2fd1755d40ecb72977518be15d3b"
)

type liveServer struct {
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	logs   *lineLog
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// startLive builds the program (once per test binary) and starts it with a valid configuration
// plus env, and waits until it listens.
func startLive(t *testing.T, env ...string) *liveServer {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the real server; skipped with -short")
	}
	return startLiveBinary(t, buildBinary(t), env...)
}

// startLiveBinary starts bin as startLive does.
func startLiveBinary(t *testing.T, bin string, env ...string) *liveServer {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // no stray .env file
	cmd.Env = append([]string{
		"APP_ID=" + liveAppID,
		"APP_CERTIFICATE=" + liveCert,
		"HOST=127.0.0.1",
		"PORT=0",
		"LOG_FORMAT=json",
	}, env...)
	s := &liveServer{cmd: cmd, logs: &lineLog{listening: make(chan string, 1)}, exited: make(chan struct{})}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.text())
		}
	})

	select {
	case s.addr = <-s.logs.listening:
	case <-s.exited:
		t.Fatalf("server exited before listening: %v\n%s", s.err, s.logs.text())
	case <-time.After(15 * time.Second):
		t.Fatalf("server did not listen within 15s\n%s", s.logs.text())
	}
	return s
}

func (s *liveServer) url(path string) string { return "http://" + s.addr + path }

func (s *liveServer) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// waitExit waits up to d for the process to end and returns its exit code.
func (s *liveServer) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-s.exited:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("server still running %v after the signal", d)
		return -1
	}
}

// peakRSS is the process's peak resident set size in bytes (VmHWM).
func (s *liveServer) peakRSS(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatalf("reading the server's memory use: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// scrape reads /metrics into a map from "name{labels}" to value.
func (s *liveServer) scrape(t *testing.T, client *http.Client, header http.Header) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url("/metrics"), nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	return testkit.ParseMetrics(t, resp.Body)
}

// lineLog keeps the server's log lines and reports its address once it
// logs that it listens.
type lineLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	parsed    int // bytes of buf already split into lines
	lines     []map[string]any
	listening chan string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		rest := l.buf.Bytes()[l.parsed:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.parsed += i + 1
		var line map[string]any
		if json.Unmarshal(rest[:i], &line) != nil {
			line = map[string]any{"unparsed": string(rest[:i])}
		}
		l.lines = append(l.lines, line)
		if addr, ok := line["addr"].(string); ok && line["msg"] == "listening" {
			l.listening <- addr
		}
	}
}

func (l *lineLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// matching returns the log lines whose fields equal all of want.
func (l *lineLog) matching(want map[string]any) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines {
		ok := true
		for k, v := range want {
			ok = ok && line[k] == v
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// checkToken checks that an AccessToken2 is signed with the server's
// certificate and carries at least one service.
func checkToken(token string) error {
	at, err := testkit.Check007(token, liveAppID, liveCert)
	if err == nil && len(at.Services) == 0 {
		err = errors.New("the token carries no service")
	}
	return err
}

// isRefused reports whether err is a refused TCP connection.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
