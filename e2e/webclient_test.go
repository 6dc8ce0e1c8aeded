package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestWebTokenClient runs the tests of the web example,
// docs/clients/web/token-client.mjs, with Node against the real binary:
// the module docs/clients.md gives web apps is the one CI runs.
func TestWebTokenClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is not installed: %v", err)
		}
		t.Skip("node is not installed; the web example's tests need Node 20 or later")
	}
	const apiKey = "web-client-api-key-0123456789"
	s := start(t, "AUTH_MODE=apikey", "API_KEYS="+apiKey)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", filepath.Join(root, "docs", "clients", "web", "token-client.test.mjs"))
	cmd.Env = append(os.Environ(), "TOKEN_SERVER_URL="+s.url(""), "TOKEN_SERVER_API_KEY="+apiKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
}
