// Package e2e runs the real program, built once from this tree, as an
// operator would: on a free loopback port, from an empty directory, with
// the environment the test gives it and nothing else.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// root is the module's root, where the binary is built from and the docs
// live; go test runs this package in e2e/.
const root = ".."

var (
	buildOnce sync.Once
	builtDir  string
	built     string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// binary is the program built from this tree, once per test run, and
// only if a test asks for it.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "agora-token-server-e2e")
		if buildErr != nil {
			return
		}
		built = filepath.Join(builtDir, "agora-token-server")
		build := exec.Command("go", "build", "-o", built, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

type server struct {
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	logs   *lineLog
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// start runs the program with serverEnv(env...) and waits until it
// listens.
func start(t *testing.T, env ...string) *server {
	t.Helper()
	return startBinary(t, binary(t), serverEnv(env...))
}

// serverEnv is a server's whole environment: port 0 of 127.0.0.1, the
// test credentials and JSON logs, with env on top.
func serverEnv(env ...string) []string {
	return append([]string{
		"APP_ID=" + testkit.AppID,
		"APP_CERTIFICATE=" + testkit.Certificate,
		"HOST=127.0.0.1",
		"PORT=0",
		"LOG_FORMAT=json",
	}, env...)
}

// startBinary runs bin with exactly env and args, in an empty directory
// (no stray .env file), and waits until it logs the address it listens
// on. The process is killed when the test ends, if it still runs.
func startBinary(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	return startBinaryIn(t, t.TempDir(), bin, env, args...)
}

// startBinaryIn is startBinary in the directory dir, for a test that puts
// a .env file there.
func startBinaryIn(t *testing.T, dir, bin string, env []string, args ...string) *server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the real server; skipped with -short")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{}, env...) // never nil: nil would inherit ours
	s := &server{cmd: cmd, logs: &lineLog{listening: make(chan string, 1)}, exited: make(chan struct{})}
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

func (s *server) url(path string) string { return "http://" + s.addr + path }

func (s *server) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// waitExit waits up to d for the process to end and returns its exit code.
func (s *server) waitExit(t *testing.T, d time.Duration) int {
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
func (s *server) peakRSS(t *testing.T) int64 {
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
func (s *server) scrape(t *testing.T, client *http.Client, header http.Header) map[string]float64 {
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

// textListening is the "listening" line of the text log format.
var textListening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// lineLog keeps the server's log lines and reports its address once it
// logs that it listens, in either log format.
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
			if m := textListening.FindSubmatch(rest[:i]); m != nil {
				line["msg"], line["addr"] = "listening", string(m[1])
			}
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

type outcome struct {
	stdout, stderr string
	code           int
}

// runBinary runs the program to its end with exactly env, in an empty
// directory, feeding it stdin, and waits at most 30 s for it.
func runBinary(t *testing.T, env []string, stdin string, args ...string) outcome {
	t.Helper()
	return runBinaryIn(t, t.TempDir(), env, stdin, args...)
}

// runBinaryIn is runBinary in the directory dir, for a test that puts a
// .env file there.
func runBinaryIn(t *testing.T, dir string, env []string, stdin string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{}, env...) // never nil: nil would inherit ours
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %v: %v", args, err)
	}
	return outcome{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// checkToken checks that an AccessToken2 is signed with the server's
// certificate and carries at least one service.
func checkToken(token string) error {
	at, err := testkit.Check007(token, testkit.AppID, testkit.Certificate)
	if err == nil && len(at.Services) == 0 {
		err = errors.New("the token carries no service")
	}
	return err
}

// isRefused reports whether err is a refused TCP connection.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
