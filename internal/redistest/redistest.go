// Package redistest runs a real redis-server for tests, on a free
// loopback port, and stops it when the test ends.
package redistest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process that a test can stop and start again
// on the same port.
type Server struct {
	t    testing.TB
	path string
	port int
	dir  string
	cmd  *exec.Cmd
	// certFile and keyFile are set for a server that speaks TLS only.
	certFile, keyFile string
}

// Start runs redis-server for the rest of the test. Without redis-server
// on PATH the test is skipped, or fails when CI=true, where it must be
// installed (Debian's redis-server package).
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartTLS runs redis-server as Start does, speaking TLS only, with a
// certificate for 127.0.0.1 that signs itself, as a managed Redis's does:
// a client that trusts only the system's CAs refuses it.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not on PATH; CI must install Debian's redis-server package")
		}
		t.Skip("redis-server is not on PATH; install Debian's redis-server package to run this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	s := &Server{t: t, path: path, port: port, dir: t.TempDir()}
	if withTLS {
		s.certFile, s.keyFile = SelfSigned(t, s.dir)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's address as REDIS_URL takes it: rediss:// for a
// server that speaks TLS.
func (s *Server) URL() string {
	scheme := "redis"
	if s.certFile != "" {
		scheme = "rediss"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(s.port) + "/0"
}

// CAFile is the PEM file of the certificate a TLS server presents, which
// is its own CA; empty for a server without TLS.
func (s *Server) CAFile() string { return s.certFile }

// Start runs the server again after Stop, on the same port, empty.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port)}
	if s.certFile != "" {
		// TLS on the port, and no plain-text port at all. Clients need
		// no certificate of their own, as on managed services.
		args = []string{"--bind", "127.0.0.1", "--port", "0", "--tls-port", strconv.Itoa(s.port),
			"--tls-cert-file", s.certFile, "--tls-key-file", s.keyFile, "--tls-ca-cert-file", s.certFile,
			"--tls-auth-clients", "no"}
	}
	cmd := exec.Command(s.path, append(args, "--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning")...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for !s.ping() {
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("redis-server did not answer on port %d within 10 s", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server, as a crash or a lost network would, and waits
// for it to be gone.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused process must wake to die
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open and nothing
// answers, as with a hung host or a partitioned network.
func (s *Server) Pause() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Refusal is a way a Redis answers PING and reads but refuses every
// write.
type Refusal int

const (
	// AsReplica makes the server a replica of a primary that is not
	// there, as a failover can leave a node: writes get READONLY.
	AsReplica Refusal = iota
	// AsFull sets maxmemory far below what the server uses, with no
	// eviction policy: writes get OOM.
	AsFull
)

// RefuseWrites makes the running server refuse writes the way how says,
// until AcceptWrites.
func (s *Server) RefuseWrites(how Refusal) {
	s.t.Helper()
	switch how {
	case AsReplica:
		// A loopback port nothing listens on: the replica never syncs, so
		// it keeps its data and stays read-only.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.t.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		s.do("REPLICAOF", "127.0.0.1", port)
	case AsFull:
		s.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
		s.do("CONFIG", "SET", "maxmemory", "1")
	}
}

// AcceptWrites undoes RefuseWrites: the server is a primary again, with
// no memory limit.
func (s *Server) AcceptWrites() {
	s.t.Helper()
	s.do("REPLICAOF", "NO", "ONE")
	s.do("CONFIG", "SET", "maxmemory", "0")
}

// Info is the field of the server's INFO answer named name (such as
// "errorstat_READONLY"), or "" when it has none.
func (s *Server) Info(name string) string {
	s.t.Helper()
	for line := range strings.Lines(s.do("INFO", "everything")) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return value
		}
	}
	return ""
}

// do sends one command and returns its answer: a status line, or a bulk
// string's text. An error answer, or no answer, fails the test.
func (s *Server) do(args ...string) string {
	s.t.Helper()
	conn, err := s.dial()
	if err != nil {
		s.t.Fatalf("redis-server on port %d: %v", s.port, err)
	}
	defer conn.Close()
	cmd := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		cmd += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	answer, err := roundTrip(conn, cmd)
	if err != nil {
		s.t.Fatalf("redis-server: %v: %v", args, err)
	}
	return answer
}

// dial connects to the server, over TLS for a server that speaks it,
// trusting its own certificate, with a deadline of a second for what
// follows.
func (s *Server) dial() (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), 200*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if s.certFile != "" {
		pool := x509.NewCertPool()
		if data, err := os.ReadFile(s.certFile); err != nil || !pool.AppendCertsFromPEM(data) {
			conn.Close()
			return nil, errors.New("cannot read the server's certificate")
		}
		conn = tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	}
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	return conn, nil
}

// roundTrip writes cmd and reads one answer of the kinds do returns.
func roundTrip(conn net.Conn, cmd string) (string, error) {
	if _, err := conn.Write([]byte(cmd)); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("unexpected answer %q", line)
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	}
	return "", fmt.Errorf("unexpected answer %q", line)
}

func (s *Server) ping() bool {
	conn, err := s.dial()
	if err != nil {
		return false
	}
	defer conn.Close()
	answer, err := roundTrip(conn, "PING\r\n")
	return err == nil && answer == "PONG"
}

// SelfSigned writes into dir a new ECDSA key and a certificate for
// 127.0.0.1 and localhost that signs itself, valid for a day, and returns
// the two PEM files.
func SelfSigned(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "redistest " + serial.String()},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, "cert-"+serial.String()+".pem")
	keyFile = filepath.Join(dir, "key-"+serial.String()+".pem")
	write := func(name, blockType string, der []byte) {
		if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, "CERTIFICATE", der)
	write(keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}
