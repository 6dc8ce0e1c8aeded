package main

// The tests of this package that need a server call run in this process,
// through startGuardedServer: they read what run writes, swap the
// process's own output, or start replicas side by side cheaply. The tests
// of the built binary are in e2e/.

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// guardedServer is run() serving on a free loopback port.
type guardedServer struct {
	url    string
	out    *testkit.Buffer
	stop   context.CancelFunc
	done   chan error
	once   sync.Once
	logged func() string
}

// logSettle is how long a line can take to reach a server's log, with
// room to spare.
const logSettle = 100 * time.Millisecond

// listening finds the port in the "listening" log line, JSON or text.
var listening = regexp.MustCompile(`(?:msg=listening addr=\S*|"msg":"listening","addr":"[^"]*):(\d+)`)

// startGuardedServer calls run with env on top of a fixed App ID and
// certificate, and waits until it listens.
func startGuardedServer(t *testing.T, env map[string]string) *guardedServer {
	t.Helper()
	full := map[string]string{"APP_ID": testkit.AppID, "APP_CERTIFICATE": testkit.Certificate, "HOST": "127.0.0.1", "PORT": "0"}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &guardedServer{out: &testkit.Buffer{}, stop: cancel, done: make(chan error, 1)}
	s.logged = func() string {
		// run writes its log from a goroutine of its own, which holds a
		// line for up to logging's gather time: wait for the lines
		// written before this call.
		time.Sleep(logSettle)
		return s.out.String()
	}
	go func() {
		var environ []string
		for k, v := range full {
			environ = append(environ, k+"="+v)
		}
		s.done <- run(ctx, nil, environ, "", strings.NewReader(""), s.out, s.out)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(s.out.String()); m != nil {
			s.url = "http://127.0.0.1:" + m[1]
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("run ended before listening: %v\n%s", err, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no listening line within 10 s:\n%s", s.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(s.shutdown)
	return s
}

// shutdown stops the server and waits for run to return; it may be
// called more than once.
func (s *guardedServer) shutdown() {
	s.once.Do(func() {
		s.stop()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
		}
	})
}

type reply struct {
	status int
	body   string
}

var client = &http.Client{Timeout: 5 * time.Second}

func (s *guardedServer) send(t *testing.T, method, path, body string, header map[string]string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b)}
}
