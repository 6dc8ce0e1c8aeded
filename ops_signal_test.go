package main

import (
	"syscall"
	"testing"
	"time"
)

// The first SIGTERM or SIGINT drains; a second one, while requests still
// hold the server up, ends the process at once.
func TestSecondSignalEndsTheProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := startLive(t, "SHUTDOWN_TIMEOUT=30s")
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
