package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/middleware"
)

func TestHealthz(t *testing.T) {
	s := newRouter(t)
	for _, path := range []string{"/healthz", "/healthz/"} {
		t.Run(path, func(t *testing.T) {
			w := send(t, s, http.MethodGet, path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			var body struct{ Status, Version string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != "ok" || body.Version != testVersion {
				t.Errorf("body = %+v, want status ok and version %s", body, testVersion)
			}
		})
	}
}

func TestHealthzReportsTheRelease(t *testing.T) {
	w := send(t, newRouter(t, withVersion("v9.8.7")), http.MethodGet, "/healthz", "")
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
			s := newRouter(t, withLogs())
			for name, err := range tt.checks {
				s.ready.AddCheck(name, func(context.Context) (string, error) { return "ok", err })
			}
			if tt.drain {
				s.ready.Drain()
			}
			w := send(t, s, http.MethodGet, "/readyz", "")
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
