package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/logging"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	opsAppID = "970ca35de60c44645bbae8a215061b33"
	opsCert  = "5cfd2fd1755d40ecb72977518be15d3b"
	// opsVersion is the release the test router reports.
	opsVersion = "v0.9.1-test"
)

// opsServer is the whole router as run() builds it, with its log, its
// metrics and its readiness at hand.
type opsServer struct {
	router *gin.Engine
	logs   *bytes.Buffer
	ready  *Readiness
}

func newOpsServer(t *testing.T, metricsToken string) *opsServer {
	t.Helper()
	logs := &bytes.Buffer{}
	m := metrics.New()
	ready := NewReadiness()
	tokens := service.New(opsAppID, opsCert, service.Options{Observer: m})
	router := New(Config{
		Tokens:       tokens,
		CORSOrigins:  []string{"*"},
		Logger:       logging.New(logs, logging.JSON, slog.LevelDebug),
		Metrics:      m,
		MetricsToken: metricsToken,
		Ready:        ready,
		Version:      opsVersion,
	})
	return &opsServer{router: router, logs: logs, ready: ready}
}

// do sends one request through the router and holds the exchange to the
// OpenAPI contract, except on the routes a test adds under /test/.
func (s *opsServer) do(t *testing.T, method, target, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	sent := req.Header.Clone()
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, req)
	if !strings.HasPrefix(target, "/test/") {
		checkContract(t, method, target, body, sent, w)
	}
	return w
}

// logLines decodes every JSON log line written so far.
func (s *opsServer) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.logs.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, sc.Text())
		}
		lines = append(lines, line)
	}
	return lines
}

// scrape reads /metrics into a map from "name{labels}" to value.
func (s *opsServer) scrape(t *testing.T, header http.Header) map[string]float64 {
	t.Helper()
	w := s.do(t, http.MethodGet, "/metrics", "", header)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", w.Code, w.Body)
	}
	return testkit.ParseMetrics(t, w.Body)
}

// verifyToken checks that an AccessToken2 is signed with the test
// certificate and returns it parsed by Agora's package.
func verifyToken(t *testing.T, token string) *accesstoken2.AccessToken {
	t.Helper()
	return testkit.Verify007(t, token, opsAppID, opsCert)
}

func TestHealthz(t *testing.T) {
	s := newOpsServer(t, "")
	for _, path := range []string{"/healthz", "/healthz/"} {
		t.Run(path, func(t *testing.T) {
			w := s.do(t, http.MethodGet, path, "", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			var body struct{ Status, Version string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != "ok" || body.Version != opsVersion {
				t.Errorf("body = %+v, want status ok and version %s", body, opsVersion)
			}
		})
	}
}

func TestHealthzReportsTheRelease(t *testing.T) {
	r := New(Config{Tokens: service.New(opsAppID, opsCert, service.Options{}), CORSOrigins: []string{"*"}, Version: "v9.8.7"})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got, want := w.Body.String(), `{"status":"ok","version":"v9.8.7"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestReadyz(t *testing.T) {
	failing := errors.New("dial tcp 127.0.0.1:6379: connection refused")
	tests := []struct {
		name       string
		checks     map[string]error // nil: the check says ok
		drain      bool
		wantStatus int
		wantDetail string
	}{
		{name: "ready", wantStatus: http.StatusOK},
		{name: "passing check", checks: map[string]error{"redis": nil}, wantStatus: http.StatusOK},
		{name: "draining", drain: true, wantStatus: http.StatusServiceUnavailable, wantDetail: "not ready: shutting down"},
		{name: "failing check", checks: map[string]error{"redis": failing}, wantStatus: http.StatusServiceUnavailable, wantDetail: "not ready: redis failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOpsServer(t, "")
			for name, err := range tt.checks {
				s.ready.AddCheck(name, func(context.Context) (string, error) { return "ok", err })
			}
			if tt.drain {
				s.ready.Drain()
			}
			w := s.do(t, http.MethodGet, "/readyz", "", nil)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == http.StatusOK {
				var body struct {
					Status string
					Checks map[string]string
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				if body.Status != "ready" || body.Checks["config"] != "ok" || len(body.Checks) != len(tt.checks)+1 {
					t.Errorf("body = %+v, want ready with config and every check ok", body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p middleware.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.wantDetail)
			}
			if strings.Contains(w.Body.String(), "6379") {
				t.Errorf("body %s shows the check's error; it belongs in the log only", w.Body)
			}
			// A probe is asked every few seconds, and not being ready is
			// what it is there to report: no line above INFO.
			for _, line := range s.logLines(t) {
				if line["level"] != "INFO" && line["level"] != "DEBUG" {
					t.Errorf("a 503 from /readyz logged %v", line)
				}
			}
		})
	}
}
