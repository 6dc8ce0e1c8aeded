package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// heldRequest starts a POST whose body is sent only in part, so that
// its handler stays busy reading it; finish sends the rest and returns
// the response.
func heldRequest(t *testing.T, addr string) (finish func() *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := `{"tokenType":"rtm","uid":"held"}`
	fmt.Fprintf(conn, "POST /getToken HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:8])
	return func() *http.Response {
		if _, err := io.WriteString(conn, body[8:]); err != nil {
			t.Fatalf("sending the rest of the body: %v", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("reading the held response: %v", err)
		}
		return resp
	}
}

// serverConfig is the server's default limits, as config gives them, with
// the shutdown a test needs.
func serverConfig(shutdownTimeout time.Duration, onShutdown func()) ServerConfig {
	return ServerConfig{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ShutdownTimeout:   shutdownTimeout,
		OnShutdown:        onShutdown,
	}
}

// A zero limit would mean none at all, so Serve refuses it rather than
// serve a slowloris unguarded.
func TestServeRefusesMissingLimits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sc := serverConfig(time.Second, nil)
	sc.ReadHeaderTimeout = 0
	if err := Serve(context.Background(), ln, newRouter(t), sc, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Serve started without a ReadHeaderTimeout")
	}
	if err := Serve(context.Background(), ln, newRouter(t), ServerConfig{}, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Serve started with a zero ServerConfig")
	}
}

func TestServeDrainsReadinessThenFinishesRequests(t *testing.T) {
	s := newRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, s, serverConfig(5*time.Second, s.ready.Drain), slog.New(slog.DiscardHandler))
	}()

	finish := heldRequest(t, ln.Addr().String())
	waitUntil(t, func() bool { return strings.Contains(s.scrapeText(t), "token_server_http_requests_in_flight 2") })
	cancel()
	waitUntil(t, s.ready.Draining)
	if w := send(t, s, http.MethodGet, "/readyz", ""); w.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz during shutdown = %d, want 503", w.Code)
	}

	resp := finish()
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("held request = %d, want 200", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v, want nil after a clean drain", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its last request")
	}
}

func TestServeCutsOffAfterShutdownTimeout(t *testing.T) {
	s := newRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, s, serverConfig(300*time.Millisecond, nil), slog.New(slog.DiscardHandler))
	}()

	heldRequest(t, ln.Addr().String()) // never finished
	waitUntil(t, func() bool { return strings.Contains(s.scrapeText(t), "token_server_http_requests_in_flight 2") })
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "cut off") {
			t.Errorf("Serve = %v, want an error saying requests were cut off", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its shutdown timeout")
	}
}

func (s *testRouter) scrapeText(t *testing.T) string {
	t.Helper()
	return send(t, s, http.MethodGet, "/metrics", "").Body.String()
}

// waitUntil polls cond for up to five seconds.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The router sets Gin's release mode itself, so that no caller of New can
// forget it and have Gin print every route to standard output.
func TestNewSetsGinReleaseMode(t *testing.T) {
	gin.SetMode(gin.DebugMode)
	newRouter(t)
	if got := gin.Mode(); got != gin.ReleaseMode {
		t.Errorf("gin.Mode() after New = %q, want %q", got, gin.ReleaseMode)
	}
}
