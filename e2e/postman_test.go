package e2e

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
	postman := filepath.Join(root, "docs", "postman")
	newman := filepath.Join(postman, "node_modules", ".bin", "newman")
	if _, err := os.Stat(newman); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("newman is not installed (run npm ci --prefix docs/postman): %v", err)
		}
		t.Skip("newman is not installed; run npm ci --prefix docs/postman, or ./scripts/test which does")
	}
	const apiKey = "postman-api-key-0123456789"
	const metricsToken = "postman-metrics-token"
	// The open server issues app tokens, as one run with --dev does; the
	// others leave ALLOW_APP_TOKENS at its default, and refuse them. With
	// appTokens as the environment file leaves it (not passed here), the
	// collection takes the refusal as the configured answer: it passes
	// against any server configured either way.
	servers := []struct {
		name                     string
		env                      []string
		credential, metricsToken string
		appTokens                string
	}{
		{"open server", []string{"ALLOW_APP_TOKENS=true"}, "", "", "true"},
		{"API keys", []string{"AUTH_MODE=apikey", "API_KEYS=" + apiKey, "METRICS_TOKEN=" + metricsToken}, apiKey, metricsToken, "false"},
		{"default server, appTokens as the environment file has it", nil, "", "", ""},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			srv := start(t, append([]string{"CORS_ALLOW_ORIGINS=https://app.example.com"}, s.env...)...)
			args := []string{"run", filepath.Join(postman, "agora-token-server.postman_collection.json"),
				"--environment", filepath.Join(postman, "local.postman_environment.json"),
				"--env-var", "baseUrl=" + srv.url(""), "--env-var", "credential=" + s.credential, "--env-var", "metricsToken=" + s.metricsToken,
				"--reporters", "cli", "--color", "off", "--disable-unicode"}
			if s.appTokens != "" {
				args = append(args, "--env-var", "appTokens="+s.appTokens)
			}
			cmd := exec.Command(newman, args...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("newman: %v\n%s", err, out)
			}
			t.Logf("newman:\n%s", out)
		})
	}
}
