package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// SIGHUP ends a process that does not catch it. The server always
// catches it, whether or not it has keys to reload.
func TestSIGHUPKeepsServing(t *testing.T) {
	const oldKey, newKey = "old-api-key-0123456789", "new-api-key-9876543210"
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     []string
		key     string // sent as X-API-Key after the signal
		wantLog string
	}{
		{"AUTH_MODE=none", nil, "", "SIGHUP received; nothing to reload: only API_KEYS_FILE is reloaded on SIGHUP"},
		{"API_KEYS only", []string{"AUTH_MODE=apikey", "API_KEYS=" + oldKey}, oldKey, "SIGHUP received; nothing to reload: only API_KEYS_FILE is reloaded on SIGHUP"},
		{"API_KEYS_FILE", []string{"AUTH_MODE=apikey", "API_KEYS_FILE=" + keyFile}, newKey, "SIGHUP received; API keys reloaded"},
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(keyFile, []byte(oldKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := start(t, tt.env...)
			if tt.key == newKey {
				// A rotation: the old key gives way to the new one.
				if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s.signal(t, syscall.SIGHUP)
			deadline := time.Now().Add(5 * time.Second)
			for len(s.logs.matching(map[string]any{"msg": tt.wantLog})) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no %q log line 5 s after SIGHUP", tt.wantLog)
				}
				select {
				case <-s.exited:
					t.Fatalf("SIGHUP ended the server: %v", s.err)
				case <-time.After(20 * time.Millisecond):
				}
			}

			req, _ := http.NewRequest(http.MethodGet, s.url("/rtm/after-hangup"), nil)
			if tt.key != "" {
				req.Header.Set("X-API-Key", tt.key)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("after SIGHUP: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("token request after SIGHUP = %d, want 200", resp.StatusCode)
			}
			s.signal(t, syscall.SIGTERM)
			if code := s.waitExit(t, 5*time.Second); code != 0 {
				t.Errorf("exit code = %d, want 0", code)
			}
		})
	}
}

// The first SIGTERM or SIGINT drains; a second one, while requests still
// hold the server up, ends the process at once.
func TestSecondSignalEndsTheProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := start(t, "SHUTDOWN_TIMEOUT=30s")
			startSlowPost(t, s.addr, "held")
			waitInFlight(t, s, 1)

			s.signal(t, sig)
			deadline := time.Now().Add(5 * time.Second)
			for len(s.logs.matching(map[string]any{"msg": "shutting down"})) == 0 {
				if time.Now().After(deadline) {
					t.Fatal(`no "shutting down" log line 5 s after the first signal`)
				}
				time.Sleep(10 * time.Millisecond)
			}
			select {
			case <-s.exited:
				t.Fatalf("the first signal ended the process with a request in flight: %v", s.err)
			case <-time.After(200 * time.Millisecond):
			}

			s.signal(t, sig)
			select {
			case <-s.exited:
			case <-time.After(3 * time.Second):
				t.Fatal("still running 3 s after the second signal")
			}
			if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("process state %v, want ended by %v", s.cmd.ProcessState, sig)
			}
		})
	}
}

// SIGHUP while the server drains, after SIGTERM: it is still caught, so
// the request in flight gets its token and the server exits 0.
func TestSIGHUPWhileDraining(t *testing.T) {
	s := start(t, "SHUTDOWN_TIMEOUT=10s")
	post := startSlowPost(t, s.addr, "held")
	waitInFlight(t, s, 1)

	s.signal(t, syscall.SIGTERM)
	waitLog(t, s, "shutting down")
	s.signal(t, syscall.SIGHUP)
	waitLog(t, s, "SIGHUP received; nothing to reload: only API_KEYS_FILE is reloaded on SIGHUP")

	resp, err := post.finish()
	if err != nil {
		t.Fatalf("the request in flight: %v", err)
	}
	var body struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("the request in flight = %d (%v), want 200", resp.StatusCode, err)
	}
	if err := checkToken(body.Token); err != nil {
		t.Error(err)
	}
	if code := s.waitExit(t, 5*time.Second); code != 0 {
		t.Errorf("exit code = %d (%v), want 0", code, s.cmd.ProcessState)
	}
}

// waitLog waits up to 5 s for the server to log msg, and fails if it
// exits first.
func waitLog(t *testing.T, s *server, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.logs.matching(map[string]any{"msg": msg})) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no %q log line within 5 s", msg)
		}
		select {
		case <-s.exited:
			t.Fatalf("the server exited (%v) before logging %q", s.err, msg)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
