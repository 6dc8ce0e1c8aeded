package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// Every build path stamps the version once, and the version command, the
// start-up log line, /healthz and go_build_info in /metrics all report it.
func TestEveryBuildReportsItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the real server; skipped with -short")
	}
	t.Run("stamped at link time", func(t *testing.T) {
		// What the Dockerfile's VERSION and Heroku's GO_LINKER_SYMBOL do.
		const release = "v3.2.1-test"
		bin := filepath.Join(t.TempDir(), "agora-token-server")
		build := exec.Command("go", "build", "-ldflags", "-X github.com/seed6ab08d10/agora-token-server/cli.Version="+release, "-o", bin, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		checkReportedVersion(t, bin, release)
	})

	t.Run("go build in a git checkout", func(t *testing.T) {
		// The Go toolchain names an untagged commit with a pseudo-version
		// ending in the commit's first 12 hex digits.
		dir, commit := gitCheckout(t)
		bin := filepath.Join(t.TempDir(), "agora-token-server")
		// -buildvcs=true, the default on most machines, overrides a GOFLAGS
		// that turns VCS stamping off.
		build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "version").Output()
		if err != nil {
			t.Fatalf("version: %v", err)
		}
		f := strings.Fields(string(out))
		if len(f) < 2 || !strings.HasPrefix(f[1], "v0.0.0-") || !strings.HasSuffix(f[1], "-"+commit[:12]) {
			t.Fatalf("version command printed %q, want a pseudo-version naming commit %s", out, commit[:12])
		}
		checkReportedVersion(t, bin, f[1])
	})
}

// checkReportedVersion runs bin's version command, then bin as a server,
// and wants release from each, and from its start-up log line.
func checkReportedVersion(t *testing.T, bin, release string) {
	t.Helper()
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if fields := strings.Fields(string(out)); len(fields) < 2 || fields[1] != release {
		t.Errorf("version command printed %q, want the release %s second", out, release)
	}

	s := startBinary(t, bin, serverEnv())
	if status, version := testkit.Health(t, s.url("/healthz")); status != "ok" || version != release {
		t.Errorf("/healthz: status %q, version %q; want ok and %s", status, version, release)
	}
	if n := len(s.logs.matching(map[string]any{"msg": "starting", "version": release})); n != 1 {
		t.Errorf("%d start-up lines with version %s, want 1:\n%s", n, release, s.logs.text())
	}
	var buildInfo []string
	for sample := range s.scrape(t, http.DefaultClient, nil) {
		if strings.HasPrefix(sample, "go_build_info{") {
			buildInfo = append(buildInfo, sample)
		}
	}
	if len(buildInfo) != 1 || !strings.Contains(buildInfo[0], `version="`+release+`"`) {
		t.Errorf("/metrics has go_build_info %q, want one naming version %s", buildInfo, release)
	}
}

// gitCheckout copies this tree's files (tracked, and new ones not ignored)
// into a new git repository with one commit, and returns its directory and
// that commit. Built there, the binary is this tree's code with the
// version control information of a fresh checkout.
func gitCheckout(t *testing.T) (dir, commit string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not on PATH")
		}
		t.Skip("git is not on PATH")
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
			"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return string(out)
	}
	dir = t.TempDir()
	for name := range strings.Lines(git(root, "ls-files", "--cached", "--others", "--exclude-standard")) {
		name = strings.TrimSpace(name)
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(dir, "init", "--quiet")
	git(dir, "add", "--all")
	git(dir, "commit", "--quiet", "--message", "checkout")
	return dir, strings.TrimSpace(git(dir, "rev-parse", "HEAD"))
}
