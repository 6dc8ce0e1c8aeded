package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDocsPageInChromium opens /docs of the real binary in Chromium: the
// page draws the contract's operations with the Swagger UI files the
// binary ships, and nothing it asks for fails or is refused by its
// Content-Security-Policy.
func TestDocsPageInChromium(t *testing.T) {
	node, nodeErr := exec.LookPath("node")
	browser, browserErr := exec.LookPath("chromium")
	if nodeErr != nil || browserErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node (%v) and chromium (%v) are needed", nodeErr, browserErr)
		}
		t.Skip("node and chromium are needed for the browser test")
	}
	s := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tools", "node", "docs-page.mjs"), s.url("/docs"), browser)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docs-page.mjs: %v\n%s", err, out)
	}
	var page struct {
		Title      string   `json:"title"`
		Operations int      `json:"operations"`
		Problems   []string `json:"problems"`
	}
	if err := json.Unmarshal(out, &page); err != nil {
		t.Fatalf("docs-page.mjs printed %q: %v", out, err)
	}
	t.Logf("/docs: title %q, %d operations", page.Title, page.Operations)
	if !strings.Contains(page.Title, "agora-token-server") {
		t.Errorf("the page's title is %q, want the contract's", page.Title)
	}
	if page.Operations < 10 {
		t.Errorf("the page drew %d operations, want every route of the contract", page.Operations)
	}
	for _, p := range page.Problems {
		t.Errorf("the page: %s", p)
	}
}
