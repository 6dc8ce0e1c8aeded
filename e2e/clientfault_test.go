package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A body the client breaks (a malformed chunked encoding, a body slower
// than READ_TIMEOUT, a connection cut off halfway) is the client's fault:
// it gets a 400, or a 408 for the timeout, in its route's dialect where an
// answer can still reach it. The server logs the request at INFO, logs no
// error, and counts no 5xx.
func TestClientFaultsInTheBodyAreNotServerFaults(t *testing.T) {
	s := start(t, "READ_TIMEOUT=1s", "WRITE_TIMEOUT=10s")
	routes := []struct {
		path  string
		field string // the member that carries the detail in the route's dialect
	}{
		{"/v1/tokens/rtc", "detail"},
		{"/getToken", "error"},
		{"/token/generate", "message"},
	}
	faults := []struct {
		name       string
		wantStatus int // 0: the client is gone and hears nothing
		send       func(t *testing.T, conn *net.TCPConn, path string)
	}{
		{"malformed chunk size", http.StatusBadRequest, func(t *testing.T, conn *net.TCPConn, path string) {
			write(t, conn, head(path, "Transfer-Encoding: chunked")+"zz\r\n{}\r\n0\r\n\r\n")
		}},
		{"body slower than READ_TIMEOUT", http.StatusRequestTimeout, func(t *testing.T, conn *net.TCPConn, path string) {
			write(t, conn, head(path, "Content-Length: 40")+`{"channel":`)
			time.Sleep(1500 * time.Millisecond)
		}},
		{"connection reset halfway", 0, func(t *testing.T, conn *net.TCPConn, path string) {
			write(t, conn, head(path, "Content-Length: 40")+`{"channel":`)
			time.Sleep(100 * time.Millisecond) // the handler is reading
			_ = conn.SetLinger(0)              // close with a reset
			_ = conn.Close()
		}},
	}
	for _, f := range faults {
		for _, r := range routes {
			t.Run(f.name+" "+r.path, func(t *testing.T) {
				before := len(s.logs.matching(map[string]any{"msg": "request", "route": r.path}))
				conn, err := net.DialTCP("tcp", nil, resolve(t, s.addr))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				f.send(t, conn, r.path)
				if f.wantStatus != 0 {
					_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
					resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
					if err != nil {
						t.Fatalf("no answer: %v", err)
					}
					var p map[string]any
					body, _ := io.ReadAll(resp.Body)
					_ = json.Unmarshal(body, &p)
					if resp.StatusCode != f.wantStatus || resp.Header.Get("Content-Type") != "application/problem+json" || p[r.field] == nil {
						t.Errorf("answer %d %s %s, want %d, a problem with %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, f.wantStatus, r.field)
					}
				}
				want := max(f.wantStatus, http.StatusBadRequest)
				deadline := time.Now().Add(5 * time.Second)
				for {
					logged := s.logs.matching(map[string]any{"msg": "request", "route": r.path})
					if len(logged) > before {
						if got := logged[len(logged)-1]; got["level"] != "INFO" || got["status"] != float64(want) {
							t.Errorf("access log %v, want level INFO and status %d", got, want)
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("no access log line for %s", r.path)
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
	if errs := s.logs.matching(map[string]any{"level": "ERROR"}); len(errs) > 0 {
		t.Errorf("the client's faults were logged as errors: %v", errs)
	}
	for series := range s.scrape(t, http.DefaultClient, nil) {
		if strings.HasPrefix(series, "token_server_http_requests_total{") && strings.Contains(series, `status="5`) {
			t.Errorf("a client's fault counted as a server's: %s", series)
		}
	}
}

// head is the head of a POST of JSON to path, with one more header.
func head(path, header string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: token-server\r\nContent-Type: application/json\r\n" + header + "\r\n\r\n"
}

func write(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatal(err)
	}
}

func resolve(t *testing.T, addr string) *net.TCPAddr {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return &net.TCPAddr{IP: net.ParseIP(host), Port: n}
}
