package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPostmanCollection runs docs/postman with newman, the Postman
// runner, against the real binary: what a user importing the collection
// sees is what CI checks.
func TestPostmanCollection(t *testing.T) {
	newman := filepath.Join("node_modules", ".bin", "newman")
	if _, err := os.Stat(newman); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("newman is not installed (run npm ci): %v", err)
		}
		t.Skip("newman is not installed; run npm ci, or ./scripts/test which does")
	}
	base := startServer(t, "APP_ID="+e2eAppID, "APP_CERTIFICATE="+e2eCert,
		"CORS_ALLOW_ORIGINS=https://app.example.com")

	cmd := exec.Command(newman, "run", filepath.Join("docs", "postman", "agora-token-server.postman_collection.json"),
		"--environment", filepath.Join("docs", "postman", "local.postman_environment.json"),
		"--env-var", "baseUrl="+base,
		"--reporters", "cli", "--color", "off", "--disable-unicode")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("newman: %v\n%s", err, out)
	}
	t.Logf("newman:\n%s", out)
}
