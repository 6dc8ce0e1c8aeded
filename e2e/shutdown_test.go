package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowPost is a POST /getToken whose body arrives in two parts, so that
// the server is busy with it for as long as the test likes.
type slowPost struct {
	conn net.Conn
	body string
}

const slowPostSplit = 10 // bytes of the body sent up front

func startSlowPost(t *testing.T, addr, uid string) *slowPost {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &slowPost{conn: conn, body: fmt.Sprintf(`{"tokenType":"rtm","uid":%q}`, uid)}
	_, err = fmt.Fprintf(conn, "POST /getToken HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(p.body), p.body[:slowPostSplit])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// finish sends the rest of the body and reads the response.
func (p *slowPost) finish() (*http.Response, error) {
	if _, err := io.WriteString(p.conn, p.body[slowPostSplit:]); err != nil {
		return nil, err
	}
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return http.ReadResponse(bufio.NewReader(p.conn), nil)
}

// waitInFlight waits until the server is serving n requests besides the
// scrape that asks.
func waitInFlight(t *testing.T, s *server, n int) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.scrape(t, client, nil)["token_server_http_requests_in_flight"]
		if int(got) == n+1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests in flight = %v, want %d", got-1, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := start(t, "SHUTDOWN_TIMEOUT=10s")
			const held = 4
			posts := make([]*slowPost, held)
			for i := range posts {
				posts[i] = startSlowPost(t, s.addr, fmt.Sprintf("held-%d", i))
			}
			waitInFlight(t, s, held)

			s.signal(t, sig)

			// The listener closes: new connections are refused.
			deadline := time.Now().Add(5 * time.Second)
			for {
				conn, err := net.DialTimeout("tcp", s.addr, time.Second)
				if err == nil {
					conn.Close()
				}
				if isRefused(err) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("connections still accepted 5s after %v (last dial error %v)", sig, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			select {
			case <-s.exited:
				t.Fatalf("server exited with requests in flight: %v", s.err)
			default:
			}

			// The requests in flight complete, with tokens.
			for i, p := range posts {
				resp, err := p.finish()
				if err != nil {
					t.Fatalf("held request %d: %v", i, err)
				}
				var body struct{ Token string }
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil {
					t.Fatalf("held request %d = %d (%v), want 200", i, resp.StatusCode, err)
				}
				if err := checkToken(body.Token); err != nil {
					t.Errorf("held request %d: %v", i, err)
				}
				// The server closes the connection instead of keeping it.
				if n, err := p.conn.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("held request %d: after the response, read = %d, %v; want EOF", i, n, err)
				}
			}

			if code := s.waitExit(t, 5*time.Second); code != 0 {
				t.Errorf("exit code = %d, want 0", code)
			}
			if n := len(s.logs.matching(map[string]any{"msg": "request", "route": "/getToken", "status": float64(200)})); n != held {
				t.Errorf("access lines for the held requests = %d, want %d", n, held)
			}
			for _, msg := range []string{"shutting down", "stopped"} {
				if len(s.logs.matching(map[string]any{"msg": msg})) != 1 {
					t.Errorf("no %q log line", msg)
				}
			}
		})
	}
}

func TestShutdownTimeoutCutsOffStragglers(t *testing.T) {
	s := start(t, "SHUTDOWN_TIMEOUT=1s")
	post := startSlowPost(t, s.addr, "straggler")
	waitInFlight(t, s, 1)

	start := time.Now()
	s.signal(t, syscall.SIGTERM)
	code := s.waitExit(t, 5*time.Second)
	if code == 0 {
		t.Errorf("exit code = 0, want non-zero when requests were cut off")
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("exited %v after the signal, before SHUTDOWN_TIMEOUT", took)
	}
	if _, err := post.finish(); err == nil {
		t.Errorf("the straggler got a response after the server exited")
	}
}

// With SHUTDOWN_DELAY, the server answers /readyz with 503 at once but
// goes on taking connections and minting tokens for the delay, so that
// a load balancer has time to stop sending traffic; then it stops as
// without a delay.
func TestShutdownDelayKeepsServingWhileNotReady(t *testing.T) {
	const delay = 2 * time.Second
	s := start(t, "SHUTDOWN_DELAY="+delay.String())
	fresh := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, error) {
		resp, err := fresh.Get(s.url(path))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var body struct{ RtmToken string }
		if resp.StatusCode == http.StatusOK && strings.HasPrefix(path, "/rtm/") {
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				return 0, err
			}
			if err := checkToken(body.RtmToken); err != nil {
				return 0, err
			}
		}
		return resp.StatusCode, nil
	}

	start := time.Now()
	s.signal(t, syscall.SIGTERM)
	deadline := time.Now().Add(delay / 2)
	for {
		if code, err := get("/readyz"); err == nil && code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 503 within %v of SIGTERM", delay/2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Still inside the delay: a new connection gets a token.
	code, err := get("/rtm/late-comer")
	if took := time.Since(start); took >= delay {
		t.Fatalf("the check took until %v after the signal, past the delay", took)
	}
	if err != nil || code != http.StatusOK {
		t.Fatalf("during the delay: GET /rtm = %d, %v; want 200 with a token", code, err)
	}

	if code := s.waitExit(t, delay+5*time.Second); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("exited %v after the signal, before SHUTDOWN_DELAY (%v)", took, delay)
	}
	if _, err := get("/ping"); !isRefused(err) {
		t.Errorf("after exit: %v, want connection refused", err)
	}
}
