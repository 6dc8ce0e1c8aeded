package docs

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// What a newcomer pastes or reads first says what the code does.

// shellBlock is a fenced block of shell commands.
var shellBlock = regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\\n(.*?)^```")

// quoted is a quoted part of a shell line, where < and > are no syntax.
var quoted = regexp.MustCompile(`'[^']*'|"[^"]*"`)

// placeholder is a <word> outside quotes: to the shell, a redirection
// from a file named word, and a syntax error before the next word.
var placeholder = regexp.MustCompile(`<[A-Za-z0-9][^<>]*>`)

// Every shell command of the README and the pages pastes as it is: its
// placeholders are words, not <angle brackets>.
func TestShellExamplesPaste(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append(pages, "../README.md") {
		for _, block := range shellBlock.FindAllStringSubmatch(readPage(t, page), -1) {
			for line := range strings.Lines(block[1]) {
				if p := placeholder.FindString(quoted.ReplaceAllString(line, "''")); p != "" {
					t.Errorf("%s: %q holds %s, a shell syntax error when pasted", page, strings.TrimSpace(line), p)
				}
			}
		}
	}
}

// .env.example gives MAX_HEADER_BYTES the bounds the server holds it to.
func TestEnvExampleHeaderBounds(t *testing.T) {
	example := readPage(t, "../.env.example")
	m := regexp.MustCompile(`(?s)request head.*?bytes: (\d+) to\s*#?\s*(\d+)\.`).FindStringSubmatch(example)
	if m == nil {
		t.Fatal(".env.example gives no bounds for MAX_HEADER_BYTES")
	}
	low, _ := strconv.Atoi(m[1])
	high, _ := strconv.Atoi(m[2])
	for n, ok := range map[int]bool{low - 1: false, low: true, high: true, high + 1: false} {
		_, err := config.Load(nil, func(name string) string {
			return map[string]string{"APP_ID": testkit.AppID, "APP_CERTIFICATE": testkit.Certificate, "MAX_HEADER_BYTES": strconv.Itoa(n)}[name]
		}, "", io.Discard)
		if (err == nil) != ok {
			t.Errorf("MAX_HEADER_BYTES=%d: error %v; .env.example says %d to %d", n, err, low, high)
		}
	}
}

// The web client's tests say how to run them, with a command that finds
// the Go test that runs them.
func TestWebClientTestNamesItsRunner(t *testing.T) {
	text := readPage(t, "clients/web/token-client.test.mjs")
	m := regexp.MustCompile(`go test (\./\S+) -run (\w+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("token-client.test.mjs names no go test command")
	}
	files, err := filepath.Glob(filepath.Join("..", m[1], "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		found = found || strings.Contains(readPage(t, f), "func "+m[2]+"(")
	}
	if !found {
		t.Errorf("go test %s -run %s runs nothing: no such test in %s", m[1], m[2], m[1])
	}
}

// Without cgo, which the race detector needs, ./scripts/test stops before
// it tests and says to install gcc, as the README's set-up says.
func TestScriptsTestSaysToInstallGCC(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed: the script would install it first")
	}
	if !strings.Contains(readPage(t, "../README.md"), "gcc") {
		t.Error("README's set-up does not say a C compiler is needed")
	}
	cmd := exec.Command("../scripts/test")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "CI=")
	out, err := cmd.CombinedOutput()
	if _, failed := err.(*exec.ExitError); !failed || !strings.Contains(string(out), "install gcc") {
		t.Errorf("scripts/test without cgo: %v, %q; want it to stop and say to install gcc", err, out)
	}
}
