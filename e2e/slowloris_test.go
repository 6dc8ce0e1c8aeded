package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The slowloris test's bounds.
const (
	slowConns         = 200                    // connections that dribble headers
	slowByteEvery     = 100 * time.Millisecond // one header byte per connection this often
	slowHeaderTimeout = 2 * time.Second        // READ_HEADER_TIMEOUT for the run
	slowRun           = 5 * time.Second        // how long the attack lasts at most
)

func TestSlowHeadersDoNotStarveOthers(t *testing.T) {
	s := start(t, "READ_HEADER_TIMEOUT="+slowHeaderTimeout.String())

	type outcome struct {
		cutAfter time.Duration // when the server closed the connection; 0 if it never did
		err      error
	}
	outcomes := make(chan outcome, slowConns)
	stop := make(chan struct{})
	var attackers sync.WaitGroup
	for range slowConns {
		attackers.Add(1)
		go func() {
			defer attackers.Done()
			start := time.Now()
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				outcomes <- outcome{err: err}
				return
			}
			defer conn.Close()
			closed := make(chan struct{})
			go func() {
				// The server says nothing to a client it cuts off; a read
				// ends when it closes the connection.
				_, _ = io.Copy(io.Discard, conn)
				close(closed)
			}()
			head := "GET /ping HTTP/1.1\r\nHost: " + s.addr + "\r\nX-Slow: " + strings.Repeat("z", 1000)
			tick := time.NewTicker(slowByteEvery)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-closed:
					outcomes <- outcome{cutAfter: time.Since(start)}
					return
				case <-stop:
					outcomes <- outcome{}
					return
				case <-tick.C:
					// Once cut off, writes fail; the read above reports it.
					_, _ = conn.Write([]byte{head[i%len(head)]})
				}
			}
		}()
	}

	// Meanwhile ordinary clients, each on a new connection, get tokens.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	served, failed := 0, 0
	deadline := time.Now().Add(slowRun)
	for n := 0; time.Now().Before(deadline); n++ {
		if err := getRTMToken(client, s, n); err != nil {
			failed++
			t.Errorf("ordinary request %d during the attack: %v", n, err)
		} else {
			served++
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	attackers.Wait()
	close(outcomes)

	cut := 0
	for o := range outcomes {
		switch {
		case o.err != nil:
			t.Errorf("slow connection: %v", o.err)
		case o.cutAfter == 0:
			t.Errorf("a slow connection was still open after %v", slowRun)
		case o.cutAfter < slowHeaderTimeout-100*time.Millisecond:
			t.Errorf("a slow connection was cut after %v, before READ_HEADER_TIMEOUT", o.cutAfter)
		default:
			cut++
		}
	}
	t.Logf("%d ordinary requests served, %d failed; %d of %d slow connections cut off", served, failed, cut, slowConns)
	if served < 20 {
		t.Errorf("only %d ordinary requests served in %v", served, slowRun)
	}
}

func getRTMToken(client *http.Client, s *server, n int) error {
	resp, err := client.Get(s.url(fmt.Sprintf("/rtm/ordinary-%d", n)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct{ RtmToken string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, body error %v", resp.StatusCode, err)
	}
	return checkToken(body.RtmToken)
}

// MAX_HEADER_BYTES is the largest request head served, to the byte:
// net/http's own slack past its limit is taken off.
func TestHeaderLimits(t *testing.T) {
	for _, limit := range []int{16384, 8192} { // the default, and a setting
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			var env []string
			if limit != 16384 {
				env = append(env, "MAX_HEADER_BYTES="+strconv.Itoa(limit))
			}
			s := start(t, env...)
			tests := []struct {
				head int // bytes of the request line and headers
				want int
			}{
				{limit, http.StatusOK},
				{limit + 1, http.StatusRequestHeaderFieldsTooLarge},
				{limit + 4096, http.StatusRequestHeaderFieldsTooLarge},
			}
			for _, tt := range tests {
				if got := statusForHead(t, s.addr, tt.head); got != tt.want {
					t.Errorf("a head of %d bytes got %d, want %d", tt.head, got, tt.want)
				}
			}
		})
	}
}

// statusForHead sends GET /ping with a head of exactly n bytes, padded
// by one header, and returns the status of the answer.
func statusForHead(t *testing.T, addr string, n int) int {
	t.Helper()
	const start, end = "GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Padding: ", "\r\n\r\n"
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, start+strings.Repeat("p", n-len(start)-len(end))+end); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to a head of %d bytes: %v", n, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
