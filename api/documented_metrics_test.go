package api

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/operating.md says which metrics a server exports whatever its
// settings, and which only with a setting ("With REDIS_URL only"): a
// server with no optional setting exports exactly the first kind of the
// plain (unlabelled) ones.
func TestPlainMetricsAreExportedAsDocumented(t *testing.T) {
	page, err := os.ReadFile("../docs/operating.md")
	if err != nil {
		t.Fatal(err)
	}
	// A row of the metrics table whose metric has no labels.
	row := regexp.MustCompile("(?m)^\\| `(token_server_[a-z_]+)` \\| — \\| (.*) \\|$")
	rows := row.FindAllStringSubmatch(string(page), -1)
	if len(rows) < 3 {
		t.Fatalf("found %d plain metrics in docs/operating.md's table", len(rows))
	}
	r := newRouter(t)
	got := r.scrape(t, nil)
	for _, m := range rows {
		name, always := m[1], !strings.Contains(m[2], " only")
		_, exported := got[name]
		if exported != always {
			t.Errorf("%s: exported %t, but docs/operating.md says exported by every server: %t", name, exported, always)
		}
	}
}
