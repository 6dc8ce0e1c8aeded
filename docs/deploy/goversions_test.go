package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// supportedGo lists the Go releases the server supports, oldest first; CI
// tests the newest patch release of each. Every file that names a Go
// release is checked against this list, so that a new release is added
// here and the tests say what else must follow.
var supportedGo = []string{"1.26", "1.27"}

func TestGoVersions(t *testing.T) {
	oldest := supportedGo[0]

	t.Run("go.mod asks for no newer Go than the oldest supported", func(t *testing.T) {
		// A go line naming a patch release makes older patch releases of
		// the same Go refuse the module, or fetch a toolchain: Heroku's
		// buildpack does not always offer the newest patch release.
		if got, want := goModLine(t, "go"), oldest+".0"; got != want {
			t.Errorf("go.mod: go %s, want go %s", got, want)
		}
		if v := goModLines(t, "toolchain"); len(v) > 0 {
			t.Errorf("go.mod: toolchain %v makes every build fetch that toolchain", v)
		}
	})

	t.Run("Heroku builds with the oldest supported Go", func(t *testing.T) {
		if got, want := herokuDirective(t, "goVersion"), []string{"go" + oldest}; !slices.Equal(got, want) {
			t.Errorf("go.mod: // +heroku goVersion %v, want %v", got, want)
		}
	})

	t.Run("the Dockerfile builds with the Go Heroku uses", func(t *testing.T) {
		if got := globalArg(t, readDockerfile(t), "GO_VERSION"); got != oldest {
			t.Errorf("ARG GO_VERSION=%s, want %s: the image and Heroku's dynos should run the same Go", got, oldest)
		}
	})

	t.Run("the README names the supported releases", func(t *testing.T) {
		want := "Go " + strings.Join(supportedGo, " or ")
		if !strings.Contains(docSection(t, "README.md", "## Set up"), want) {
			t.Errorf("README.md's Set up does not say %q", want)
		}
		want = "Go " + strings.Join(supportedGo, " and ")
		if !strings.Contains(docSection(t, "README.md", "## Supported Go versions"), want) {
			t.Errorf("README.md's Supported Go versions does not say %q", want)
		}
	})

	t.Run("the README names the Go release CI tests last", func(t *testing.T) {
		// .ci/run pins the newest release it tests with GOTOOLCHAIN.
		data, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^export GOTOOLCHAIN=go(\S+)$`).FindSubmatch(data)
		if m == nil {
			t.Fatal(".ci/run sets no GOTOOLCHAIN")
		}
		if want := "Go " + string(m[1]); !strings.Contains(docSection(t, "README.md", "## Supported Go versions"), want) {
			t.Errorf("README.md's Supported Go versions does not say %q, which .ci/run tests", want)
		}
	})

	t.Run("this test runs on a supported Go", func(t *testing.T) {
		release := strings.TrimPrefix(runtime.Version(), "go")
		if parts := strings.SplitN(release, ".", 3); len(parts) < 2 || !slices.Contains(supportedGo, parts[0]+"."+parts[1]) {
			t.Errorf("built with %s, which is not among the supported %v", runtime.Version(), supportedGo)
		}
	})
}

// herokuDirective returns the words after "// +heroku name" in go.mod, as
// Heroku's Go buildpack reads them; nil when go.mod has no such line.
func herokuDirective(t *testing.T, name string) []string {
	t.Helper()
	for _, line := range goModLines(t, "//") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "+heroku" && f[1] == name {
			return f[2:]
		}
	}
	return nil
}
