//go:build linux

// Command loadtest builds the token server, starts it on a free loopback
// port with fixed test credentials, and drives GET /ping and an RTC
// publisher token route side by side for a bounded time and number of
// requests. Beside them it drives two bare servers, each in a process of
// its own: a net/http hello and a Gin hello, the floors the server's
// routes are measured against. It prints requests per second, latency
// percentiles and failures for each, the server's peak memory, and
// whether the performance targets hold; it exits non-zero when one does
// not.
//
// Run it from the repository root:
//
//	go run ./tools/loadtest
//
// It reads the server's CPU time from /proc, so it runs on Linux only.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// Made-up credentials: the tokens are never sent to Agora.
const (
	appID          = "970CA35de60c44645bbae8a215061b33"
	appCertificate = "5CFd2fd1755d40ecb72977518be15d3b"
)

// Targets the run is held to.
const (
	minPingShare = 0.85     // /ping throughput as a share of the bare Gin hello's
	minRTCShare  = 0.65     // /rtc throughput as a share of the bare net/http hello's
	maxPeakRSS   = 40 << 20 // bytes
)

// hello is the answer of both bare servers, the same as /ping's.
const hello = `{"message":"pong"}`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	// Ctrl-C ends the run early and still stops the server.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bare := flag.String("bare", "", "serve a bare hello (gin or net/http) on -addr instead; the run starts these itself")
	addr := flag.String("addr", "", "the address -bare listens on")
	duration := flag.Duration("duration", 6*time.Second, "time spent on each endpoint, split over the rounds")
	maxRequests := flag.Int("requests", 300000, "most requests sent to each endpoint")
	concurrency := flag.Int("concurrency", 8, "requests in flight at once")
	rounds := flag.Int("rounds", 12, "times the endpoints take turns, so that a noisy moment hurts them alike")
	logLevel := flag.String("log-level", "info", "the server's LOG_LEVEL: at info, its default, it logs every request")
	flag.Parse()
	if *bare != "" {
		return serveBare(ctx, *bare, *addr)
	}
	if *duration <= 0 || *maxRequests <= 0 || *concurrency <= 0 || *rounds <= 0 {
		return errors.New("-duration, -requests, -concurrency and -rounds must be positive")
	}

	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "agora-token-server")
	// With the Dockerfile's build tags, so that memory is measured as deployed.
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the server (run from the repository root): %w", err)
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	servers := map[string]*server{}
	for _, name := range []string{"ours", "net/http", "gin"} {
		port, err := freePort()
		if err != nil {
			return err
		}
		cmd := exec.Command(self, "-bare", name, "-addr", "127.0.0.1:"+strconv.Itoa(port))
		if name == "ours" {
			cmd = serverCommand(bin, dir, port, *logLevel)
		}
		srv, err := startServer(cmd, port, dir)
		if err != nil {
			return err
		}
		defer srv.stop()
		servers[name] = srv
	}

	for _, srv := range servers {
		if err := waitReady(srv); err != nil {
			return err
		}
	}

	ping := func(int64) string { return "/ping" }
	endpoints := []*endpoint{
		{name: "bare net/http hello", srv: servers["net/http"], path: ping, body: hello},
		{name: "bare Gin hello", srv: servers["gin"], path: ping, body: hello},
		{name: "GET /ping", srv: servers["ours"], path: ping, body: hello},
		{name: "GET /rtc/loadtest/publisher/uid/{n}", srv: servers["ours"], body: `{"rtcToken":"007`, path: func(n int64) string {
			return "/rtc/loadtest/publisher/uid/" + strconv.FormatInt(n%4294967295+1, 10)
		}},
	}
	// A short warm-up fills the servers' caches and grows their heaps.
	for _, e := range endpoints {
		drive(ctx, e, *concurrency, 500, time.Minute, false)
	}
	slice := *duration / time.Duration(*rounds)
	budget := *maxRequests / *rounds
	for range *rounds {
		for _, e := range endpoints {
			server0, self0 := e.srv.cpuTime(), selfCPUTime()
			drive(ctx, e, *concurrency, budget, slice, true)
			e.serverCPU += e.srv.cpuTime() - server0
			e.selfCPU += selfCPUTime() - self0
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}

	for _, srv := range servers {
		if err := srv.stop(); err != nil {
			return err
		}
	}
	// The most resident memory the server held (VmHWM); the kernel counts KiB.
	peak := servers["ours"].cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	return report(os.Stdout, endpoints, peak, *concurrency, *logLevel)
}

// serveBare answers GET /ping with hello, as the bare server kind does,
// until ctx ends: the least a Go server, and a Gin server, can do for a
// request.
func serveBare(ctx context.Context, kind, addr string) error {
	var h http.Handler
	switch kind {
	case "net/http":
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, hello)
		})
	case "gin":
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"message": "pong"}) })
		h = r
	default:
		return fmt.Errorf("-bare %q: want gin or net/http", kind)
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// freePort is a loopback port nobody uses.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// endpoint is one route under load and what was seen of it.
type endpoint struct {
	name string
	srv  *server
	path func(n int64) string
	body string // every answer must start with this

	elapsed   time.Duration
	serverCPU time.Duration // CPU time the server spent, user and system
	selfCPU   time.Duration // CPU time this load generator spent
	nonOK     int
	failed    int             // transport errors and unexpected bodies
	latencies []time.Duration // one for each request
}

// drive sends requests to e from concurrency workers, each on a
// kept-alive connection of its own, until budget requests are sent or
// limit has passed, and records them when keep is set.
func drive(ctx context.Context, e *endpoint, concurrency, budget int, limit time.Duration, keep bool) {
	var (
		sent    atomic.Int64
		mu      sync.Mutex
		wg      sync.WaitGroup
		start   = time.Now()
		stopped = start.Add(limit)
	)
	for range concurrency {
		wg.Go(func() {
			var lat []time.Duration
			nonOK, failed := 0, 0
			c := &client{addr: e.srv.addr}
			defer c.close()
			for ctx.Err() == nil && time.Now().Before(stopped) {
				n := sent.Add(1)
				if n > int64(budget) {
					break
				}
				t0 := time.Now()
				status, body, err := c.get(e.path(n))
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					failed++
				case status < 200 || status > 299:
					nonOK++
				case !bytes.HasPrefix(body, []byte(e.body)):
					failed++
				}
			}
			if !keep {
				return
			}
			mu.Lock()
			e.latencies = append(e.latencies, lat...)
			e.nonOK += nonOK
			e.failed += failed
			mu.Unlock()
		})
	}
	wg.Wait()
	if keep {
		e.elapsed += time.Since(start)
	}
}

// client sends GET requests on one kept-alive connection and reads
// their answers, as wrk does: it parses no more of an answer than its
// status, length and body, and allocates nothing for it. A load
// generator that parses every header into a map, as net/http's client
// does, spends more CPU time on an answer than the server: on two cores
// it takes that time from the server, and every server then looks alike.
type client struct {
	addr string // host:port
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
}

// get sends GET path and returns the answer's status and body, valid
// until the next call. It opens a connection when it has none and
// closes it after an answer that says Connection: close, or an error.
func (c *client) get(path string) (status int, body []byte, err error) {
	if c.conn == nil {
		if c.conn, err = net.DialTimeout("tcp", c.addr, 5*time.Second); err != nil {
			c.conn = nil
			return 0, nil, err
		}
		c.br = bufio.NewReader(c.conn)
	}
	_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\n\r\n"...)
	status, body, keep, err := c.exchange()
	if err != nil || !keep {
		c.close()
	}
	return status, body, err
}

// exchange writes c.req and reads the answer to it.
func (c *client) exchange() (status int, body []byte, keep bool, err error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, nil, false, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, false, fmt.Errorf("status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, fmt.Errorf("status line %q", line)
	}
	length, keep := -1, true
	for {
		if line, err = c.br.ReadSlice('\n'); err != nil {
			return 0, nil, false, err
		}
		if string(line) == "\r\n" {
			break
		}
		name, value, _ := bytes.Cut(bytes.TrimSpace(line), []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, fmt.Errorf("Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	if length < 0 {
		return 0, nil, false, errors.New("an answer without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.br, c.body); err != nil {
		return 0, nil, false, err
	}
	return status, c.body, keep, nil
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func report(w io.Writer, endpoints []*endpoint, peak int64, concurrency int, logLevel string) error {
	fmt.Fprintf(w, "%d requests in flight, loopback, each server in its own process; the token server at LOG_LEVEL=%s\n\n", concurrency, logLevel)
	fmt.Fprintln(w, "| endpoint | requests | req/s | p50 | p99 | non-2xx | errors | server CPU/req | load generator CPU/req |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, e := range endpoints {
		slices.Sort(e.latencies)
		n := len(e.latencies)
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %d | %d | %s | %s |\n", e.name, n, e.rate(),
			millis(percentile(e.latencies, 0.50)), millis(percentile(e.latencies, 0.99)), e.nonOK, e.failed,
			micros(e.serverCPU, n), micros(e.selfCPU, n))
	}
	bareHTTP, bareGin, ping, rtc := endpoints[0], endpoints[1], endpoints[2], endpoints[3]
	pingShare, rtcShare := ping.rate()/bareGin.rate(), rtc.rate()/bareHTTP.rate()
	nonOK, failed := 0, 0
	for _, e := range endpoints {
		nonOK, failed = nonOK+e.nonOK, failed+e.failed
	}
	checks := []struct {
		ok   bool
		text string
	}{
		{pingShare >= minPingShare, fmt.Sprintf("/ping throughput is %.0f%% of the bare Gin hello's (target: at least %.0f%%)", 100*pingShare, 100*minPingShare)},
		{rtcShare >= minRTCShare, fmt.Sprintf("/rtc throughput is %.0f%% of the bare net/http hello's (target: at least %.0f%%)", 100*rtcShare, 100*minRTCShare)},
		{nonOK+failed == 0, fmt.Sprintf("%d non-2xx and %d errors (target: none)", nonOK, failed)},
		{peak < maxPeakRSS, fmt.Sprintf("server peak RSS (VmHWM) is %.1f MB (target: under %d MB)", float64(peak)/(1<<20), maxPeakRSS>>20)},
	}
	fmt.Fprintln(w)
	missed := 0
	for _, c := range checks {
		verdict := "ok    "
		if !c.ok {
			verdict, missed = "MISSED", missed+1
		}
		fmt.Fprintf(w, "%s %s\n", verdict, c.text)
	}
	if missed > 0 {
		return fmt.Errorf("%d of %d targets missed", missed, len(checks))
	}
	return nil
}

func (e *endpoint) rate() float64 { return float64(len(e.latencies)) / e.elapsed.Seconds() }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func micros(total time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", float64(total)/float64(n)/float64(time.Microsecond))
}

type server struct {
	addr   string // 127.0.0.1:port
	cmd    *exec.Cmd
	log    *os.File // what the server prints
	exited chan struct{}
	err    error // set when exited is closed
	once   sync.Once
}

// logTail is the end of what the server printed, for an error report.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.log.Name())
	return string(b[max(0, len(b)-16<<10):])
}

// serverCommand runs the token server bin in dir, so that no .env file
// of the developer's leaks in, with only the settings the run needs.
func serverCommand(bin, dir string, port int, logLevel string) *exec.Cmd {
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = []string{
		"APP_ID=" + appID,
		"APP_CERTIFICATE=" + appCertificate,
		"HOST=127.0.0.1",
		"PORT=" + strconv.Itoa(port),
		"LOG_LEVEL=" + logLevel,
	}
	return cmd
}

// startServer starts cmd, a server that listens on port, with its output
// going to a file in dir. A file, not a pipe to this process: reading a
// line for every request would cost the load generator CPU time, and the
// server's own share of the two cores with it.
func startServer(cmd *exec.Cmd, port int, dir string) (*server, error) {
	log, err := os.CreateTemp(dir, "server-*.log")
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s := &server{addr: addr, cmd: cmd, log: log, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	go func() {
		s.err = cmd.Wait()
		log.Close()
		close(s.exited)
	}()
	return s, nil
}

// stop asks the server to shut down and kills it if it has not within
// a few seconds.
func (s *server) stop() error {
	var err error
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			err = s.err
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			err = errors.New("the server did not stop within 5s of SIGTERM")
		}
		if err != nil {
			err = fmt.Errorf("server: %w\n%s", err, s.logTail())
		}
	})
	return err
}

func waitReady(s *server) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited before it was ready: %v\n%s", s.err, s.logTail())
		default:
		}
		probe := &client{addr: s.addr}
		status, _, err := probe.get("/ping")
		probe.close()
		if err == nil && status == http.StatusOK {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server did not answer /ping within 15s")
}

// cpuTime is the CPU time the server has used so far, from
// /proc/PID/stat in clock ticks of 10 ms (Linux's USER_HZ is 100); zero
// when it cannot be read.
func (s *server) cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces: count fields after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPUTime is the CPU time this process has used so far.
func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
