package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// The restart test's bounds: drainClients keep-alive clients, as a
// platform's router keeps open to a replica, through drainRuns restarts
// for each SHUTDOWN_DELAY.
const (
	drainClients = 16
	drainRuns    = 3
	// drainWarmUp is how many answers on a reused connection each client
	// gets before the signal, so that every connection is kept alive.
	drainWarmUp = 20
)

// loopClient asks for RTC tokens in a loop over a single kept-alive
// connection, as a proxy in front of the server does, until a new
// connection fails: the server has closed its listener. Half of them use
// Go's Transport, the others write each request on the connection
// themselves and read its answer, as a proxy with a pool does: they do
// not notice the server closing an idle connection until they send on it.
type loopClient struct {
	id int
	// client is Go's client; nil for a raw one, which uses conn and br.
	client *http.Client
	conn   net.Conn
	br     *bufio.Reader

	answers int // 200s with a valid token
	reused  int // of which on a reused connection
	// lastClose is whether the last answer said Connection: close.
	lastClose bool
	// lastKept is whether the client kept its connection for another
	// request after the last answer. Go's Transport may give a connection
	// up on its own: it does when the write of the request has not
	// reported back within 50 ms of the answer being read.
	lastKept bool
	// drops are the requests sent on a reused connection that got no
	// answer: what a restart must never cause.
	drops []string
	// wrong are answers that are not a 200 with the token asked for.
	wrong []string
	// ended is the error on a new connection that ended the loop.
	ended error
}

func newLoopClient(id int) *loopClient {
	c := &loopClient{id: id}
	if id%2 == 0 {
		c.client = &http.Client{
			Timeout: 5 * time.Second,
			// One connection, kept alive between requests.
			Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true},
		}
	}
	return c
}

func (c *loopClient) close() {
	if c.client != nil {
		c.client.CloseIdleConnections()
	}
	if c.conn != nil {
		c.conn.Close()
	}
}

// get sends GET path and returns the answer with its body read, and
// whether the request went on a connection that had carried one before.
//
// Go's Transport sends a GET again on a new connection when the reused
// one fails before an answer, which would hide the loss from the caller
// (a browser or another proxy may not do so): the trace sees the second
// connection, and the request is reported as failed on the reused one.
func (c *loopClient) get(addr, path string) (resp *http.Response, body []byte, reused, kept bool, err error) {
	if c.client != nil {
		var conns []httptrace.GotConnInfo
		trace := &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { conns = append(conns, info) },
			// Called before the body's last Read returns.
			PutIdleConn: func(err error) { kept = err == nil },
		}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			http.MethodGet, "http://"+addr+path, nil)
		resp, err = c.client.Do(req)
		reused = len(conns) > 0 && conns[0].Reused
		if err == nil && len(conns) > 1 && reused {
			resp.Body.Close()
			resp, err = nil, fmt.Errorf("sent again on a new connection after the reused one failed (%d connections)", len(conns))
		}
	} else {
		reused = c.conn != nil
		if c.conn == nil {
			if c.conn, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
				c.conn = nil
				return nil, nil, false, false, err
			}
			c.br = bufio.NewReader(c.conn)
		}
		_ = c.conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err = fmt.Fprintf(c.conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err == nil {
			resp, err = http.ReadResponse(c.br, nil)
		}
	}
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if c.conn != nil && (err != nil || resp.Close) {
		c.conn.Close()
		c.conn = nil
	}
	if c.client == nil {
		kept = c.conn != nil
	}
	return resp, body, reused, kept, err
}

// once sends request n. It reports false when the loop is over.
func (c *loopClient) once(addr string, n int) bool {
	channel, uid := fmt.Sprintf("room-%d", c.id), strconv.Itoa(n+1)
	resp, raw, reused, kept, err := c.get(addr, "/rtc/"+channel+"/publisher/uid/"+uid)
	switch {
	case err != nil && reused:
		c.drops = append(c.drops, fmt.Sprintf("request %d: %v", n, err))
		return true // the next one goes on a new connection
	case err != nil:
		c.ended = err
		return false
	}
	c.lastClose, c.lastKept = resp.Close, kept
	var body struct {
		RTCToken string `json:"rtcToken"`
	}
	err = json.Unmarshal(raw, &body)
	if err == nil && resp.StatusCode == http.StatusOK {
		err = checkRTCToken(body.RTCToken, channel, uid)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		c.wrong = append(c.wrong, fmt.Sprintf("request %d: %d (%v)", n, resp.StatusCode, err))
		return true
	}
	c.answers++
	if reused {
		c.reused++
	}
	return true
}

// checkRTCToken checks that token is signed with the server's
// certificate and grants an RTC channel to a user.
func checkRTCToken(token, channel, uid string) error {
	at, err := testkit.Check007(token, testkit.AppID, testkit.Certificate)
	if err != nil {
		return err
	}
	rtc, ok := at.Services[accesstoken2.ServiceTypeRtc].(*accesstoken2.ServiceRtc)
	if !ok || rtc.ChannelName != channel || rtc.Uid != uid {
		return fmt.Errorf("token for %+v, want channel %q and uid %q", at.Services, channel, uid)
	}
	return nil
}

// A rolling restart: keep-alive clients loop on GET /rtc/... while the
// server gets SIGTERM. Not one request sent on a kept-alive connection
// may go unanswered: each connection gets an answer with Connection:
// close during the drain, and the client opens a new one for its next
// request, which the server takes during SHUTDOWN_DELAY and refuses once
// its listener is closed (a refusal the client retries elsewhere).
func TestRestartLosesNoRequestOnKeptAliveConnections(t *testing.T) {
	for _, delay := range []time.Duration{2 * time.Second, 0} {
		t.Run("SHUTDOWN_DELAY="+delay.String(), func(t *testing.T) {
			for run := range drainRuns {
				t.Run(strconv.Itoa(run+1), func(t *testing.T) { restartUnderLoad(t, delay) })
			}
		})
	}
}

func restartUnderLoad(t *testing.T, delay time.Duration) {
	s := start(t, "SHUTDOWN_DELAY="+delay.String(), "SHUTDOWN_TIMEOUT=10s")
	clients := make([]*loopClient, drainClients)
	var warm, done sync.WaitGroup
	warm.Add(drainClients)
	done.Add(drainClients)
	for i := range clients {
		c := newLoopClient(i)
		clients[i] = c
		go func() {
			defer done.Done()
			defer c.close()
			warming := true
			deadline := time.Now().Add(delay + 20*time.Second) // bounded, whatever the server does
			for n := 0; time.Now().Before(deadline); n++ {
				if !c.once(s.addr, n) {
					break
				}
				if warming && c.reused >= drainWarmUp {
					warming = false
					warm.Done()
				}
			}
			if warming {
				warm.Done()
			}
		}()
	}
	warm.Wait()
	signalled := time.Now()
	s.signal(t, syscall.SIGTERM)
	done.Wait()
	if code := s.waitExit(t, delay+10*time.Second); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	took := time.Since(signalled)

	answers, reused, reset := 0, 0, 0
	for _, c := range clients {
		answers += c.answers
		reused += c.reused
		if c.reused < drainWarmUp {
			t.Errorf("client %d: %d answers on a reused connection, want %d before the signal: keep-alive did not hold", c.id, c.reused, drainWarmUp)
		}
		if len(c.drops) > 0 {
			t.Errorf("client %d: %d requests on a kept-alive connection got no answer; first: %s", c.id, len(c.drops), c.drops[0])
		}
		if len(c.wrong) > 0 {
			t.Errorf("client %d: %d wrong answers; first: %s", c.id, len(c.wrong), c.wrong[0])
		}
		// The answer that ended a kept-alive connection told the client so.
		switch {
		case c.lastClose:
		case !c.lastKept:
			// Go's Transport closed the connection itself after the answer
			// (a slow write report under load does it), so no answer could
			// end it: nothing was asked of the server. Raw clients always
			// keep theirs.
			t.Logf("client %d: its Transport gave up its connection after the last answer (the loop ended on %v)", c.id, c.ended)
		default:
			t.Errorf("client %d: its last answer did not say Connection: close (the loop ended on %v)", c.id, c.ended)
		}
		// The loop ends on a new connection the server never took: refused
		// by the closed listener, or reset by the kernel, which had queued
		// it when the listener closed. A new connection closed without an
		// answer (EOF) would be a request the server took and dropped.
		switch {
		case isRefused(c.ended):
		case errors.Is(c.ended, syscall.ECONNRESET):
			reset++
		default:
			t.Errorf("client %d: a new connection failed otherwise than refused or reset: %v", c.id, c.ended)
		}
	}
	// Every token the server gave reached its client: none was answered
	// on a connection closed under it.
	if logged := len(s.logs.matching(map[string]any{"msg": "request", "status": float64(200)})); logged != answers {
		t.Errorf("the server logged %d answers with a token, the clients got %d", logged, answers)
	}
	t.Logf("%d answers, %d on reused connections; the last connect refused for %d clients, reset for %d; all done %v after SIGTERM",
		answers, reused, drainClients-reset, reset, took.Round(time.Millisecond))
}
