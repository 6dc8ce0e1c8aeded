package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A release build stamps its version once; the version command and
// /healthz must both report it.
func TestHealthzAndVersionCommandAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the real server; skipped with -short")
	}
	const release = "v3.2.1-test"
	bin := filepath.Join(t.TempDir(), "agora-token-server")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/seed6ab08d10/agora-token-server/cli.Version="+release, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if fields := strings.Fields(string(out)); len(fields) < 2 || fields[1] != release {
		t.Errorf("version command printed %q, want the release %s second", out, release)
	}

	s := startLiveBinary(t, bin)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.url("/healthz"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Status, Version string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "ok" || body.Version != release {
		t.Errorf("/healthz = %+v, want status ok and version %s", body, release)
	}
}
