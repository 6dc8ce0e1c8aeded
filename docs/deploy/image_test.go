package deploy

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

// readDockerfile returns the Dockerfile's instructions grouped by stage;
// stage 0 holds what comes before the first FROM (global ARGs).
func readDockerfile(t *testing.T) [][]instruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := [][]instruction{nil}
	var pending string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			pending += rest + " "
			continue
		}
		cmd, args, _ := strings.Cut(pending+line, " ")
		pending = ""
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	return stages
}

// goBuild is the Dockerfile's go build command.
type goBuild struct {
	env    []string // NAME=value set on the command line
	args   []string // everything after "go build" but -o and its path
	output string
}

func dockerGoBuild(t *testing.T, stages [][]instruction) goBuild {
	t.Helper()
	for _, stage := range stages {
		for _, in := range stage {
			if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
				continue
			}
			var b goBuild
			words := shellWords(in.args)
			i := 0
			for ; i < len(words) && words[i] != "go"; i++ {
				if strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "--") {
					b.env = append(b.env, words[i])
				}
			}
			if i+1 >= len(words) || words[i+1] != "build" {
				t.Fatalf("cannot read the go build command in RUN %s", in.args)
			}
			for rest := words[i+2:]; len(rest) > 0; rest = rest[1:] {
				if rest[0] == "-o" && len(rest) > 1 {
					b.output, rest = rest[1], rest[1:]
					continue
				}
				b.args = append(b.args, rest[0])
			}
			return b
		}
	}
	t.Fatal("the Dockerfile has no RUN with go build")
	return goBuild{}
}

// shellWords splits a command line as the shell would for the simple
// cases a Dockerfile's RUN uses: spaces between words, quotes around them.
func shellWords(s string) []string {
	var words []string
	var word strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// buildTags returns the build tags of the go command's flags args, as go
// reads them: the last -tags flag wins, its value split at commas.
func buildTags(args []string) []string {
	var tags []string
	for i, f := range args {
		v, ok := strings.CutPrefix(f, "-tags=")
		if f == "-tags" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok {
			tags = strings.Split(v, ",")
		}
	}
	return tags
}

// ldflags returns the value of the build's -ldflags flag.
func (b goBuild) ldflags() string {
	for i, f := range b.args {
		if v, ok := strings.CutPrefix(f, "-ldflags="); ok {
			return v
		}
		if f == "-ldflags" && i+1 < len(b.args) {
			return b.args[i+1]
		}
	}
	return ""
}

// versionSymbol is the variable the Dockerfile's go build sets to VERSION
// with the linker's -X flag.
func versionSymbol(t *testing.T) string {
	t.Helper()
	ld := strings.Fields(dockerGoBuild(t, readDockerfile(t)).ldflags())
	for i, f := range ld {
		if f == "-X" && i+1 < len(ld) && strings.HasSuffix(ld[i+1], "=${VERSION}") {
			return strings.TrimSuffix(ld[i+1], "=${VERSION}")
		}
	}
	t.Fatalf("-ldflags %q sets no variable to ${VERSION}", ld)
	return ""
}

// globalArg returns the default of the ARG name declared before the first
// FROM, where every stage's FROM line can use it.
func globalArg(t *testing.T, stages [][]instruction, name string) string {
	t.Helper()
	for _, in := range stages[0] {
		if v, ok := strings.CutPrefix(in.args, name+"="); in.cmd == "ARG" && ok {
			return v
		}
	}
	t.Fatalf("the Dockerfile has no global ARG %s", name)
	return ""
}

func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 3 {
		t.Fatalf("want a build stage and a run stage, found %d stages", len(stages)-1)
	}
	build := dockerGoBuild(t, stages)
	final := stages[len(stages)-1]

	t.Run("static, stripped, reproducible build", func(t *testing.T) {
		if !slices.Contains(build.env, "CGO_ENABLED=0") {
			t.Errorf("go build env = %v, want CGO_ENABLED=0", build.env)
		}
		if !slices.Contains(build.args, "-trimpath") {
			t.Errorf("go build args = %v, want -trimpath", build.args)
		}
		if ld := strings.Fields(build.ldflags()); !slices.Contains(ld, "-s") || !slices.Contains(ld, "-w") {
			t.Errorf("-ldflags = %q, want -s -w", build.ldflags())
		}
		// Gin's MessagePack codec, which no route reads or writes.
		if !slices.Contains(buildTags(build.args), "nomsgpack") {
			t.Errorf("go build args = %v, want -tags nomsgpack", build.args)
		}
	})

	t.Run("run stage", func(t *testing.T) {
		var from, user, envPort, expose string
		var entrypoint []string
		copied := map[string]string{} // destination -> source, from other stages
		for _, in := range final {
			switch in.cmd {
			case "FROM":
				from = in.args
			case "USER":
				user = in.args
			case "EXPOSE":
				expose = in.args
			case "ENV":
				if v, ok := strings.CutPrefix(in.args, "PORT="); ok {
					envPort = v
				}
			case "ENTRYPOINT":
				if err := json.Unmarshal([]byte(in.args), &entrypoint); err != nil {
					t.Errorf("ENTRYPOINT %s is not in exec form: signals would go to a shell, not the server", in.args)
				}
			case "COPY":
				if w := strings.Fields(in.args); len(w) == 3 && strings.HasPrefix(w[0], "--from=") {
					copied[w[2]] = w[1]
				}
			}
		}
		if from != "scratch" && !strings.Contains(from, "distroless/static") {
			t.Errorf("final image FROM %s, want scratch or distroless static", from)
		}
		uid, _, _ := strings.Cut(user, ":")
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			t.Errorf("USER %q, want a numeric non-root user (Kubernetes' runAsNonRoot checks numbers)", user)
		}
		if envPort == "" || envPort != expose {
			t.Errorf("ENV PORT=%s, EXPOSE %s: want the same port", envPort, expose)
		}
		if len(entrypoint) == 0 || copied[entrypoint[0]] != build.output {
			t.Errorf("ENTRYPOINT %v does not run the binary built at %s", entrypoint, build.output)
		}
	})

	t.Run(".dockerignore keeps secrets out of the build", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Fields(string(data))
		for _, want := range []string{".env", ".git"} {
			if !slices.Contains(lines, want) {
				t.Errorf(".dockerignore does not list %s", want)
			}
		}
	})
}

// maxBinaryBytes bounds the binary the Dockerfile builds: 30 MB.
const maxBinaryBytes = 30_000_000

// release is the VERSION TestBinary gives the Dockerfile's build.
const release = "v1.4.2-deploytest"

// TestBinary builds the server as the Dockerfile does, with VERSION set,
// and runs it with nothing in its environment but APP_ID, APP_CERTIFICATE
// and PORT, in a directory without a .env, as the image runs it.
func TestBinary(t *testing.T) {
	stages := readDockerfile(t)
	build := dockerGoBuild(t, stages)
	bin := filepath.Join(t.TempDir(), "agora-token-server")

	// The build stage's arguments, as docker build --build-arg VERSION=...
	// sets them; a reference to any other stops the test, which would
	// otherwise build something the image does not.
	buildArgs := map[string]string{"VERSION": release}
	for name := range buildArgs {
		if !declaresArg(stages, name) {
			t.Fatalf("the build stage declares no ARG %s", name)
		}
	}
	args := make([]string, len(build.args))
	for i, a := range build.args {
		args[i] = os.Expand(a, func(name string) string {
			v, ok := buildArgs[name]
			if !ok {
				t.Fatalf("the go build line uses $%s, which this test does not set", name)
			}
			return v
		})
	}
	cmd := exec.Command("go", append([]string{"build", "-o", bin}, args...)...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	for _, e := range build.env {
		// GOOS and GOARCH come from the image's target platform; here the
		// binary is for this machine.
		if !strings.Contains(e, "$") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("static and stripped", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the image is Linux; this machine builds " + runtime.GOOS + " binaries")
		}
		checkStaticELF(t, bin)
	})

	// The binary is almost all of the image. It was 45 MB while Swagger
	// UI's whole distribution and Gin's MessagePack codec were built in.
	t.Run("at most 30 MB", func(t *testing.T) {
		info, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		if size := info.Size(); size > maxBinaryBytes {
			t.Errorf("the binary is %d bytes, more than %d: see what went into it with go tool nm -size -sort size on an unstripped build", size, maxBinaryBytes)
		}
	})

	port := freePort(t)
	cert := sampleCredentials["APP_CERTIFICATE"]
	var stdout, stderr testkit.Buffer // read while the server writes
	server := exec.Command(bin)
	server.Dir = t.TempDir()
	server.Env = []string{"APP_ID=" + sampleCredentials["APP_ID"], "APP_CERTIFICATE=" + cert, "PORT=" + port}
	server.Stdout, server.Stderr = &stdout, &stderr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var exitErr error
	go func() { exitErr = server.Wait(); close(done) }()
	stop := func() {
		select {
		case <-done:
		default:
			server.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)

	base := "http://127.0.0.1:" + port
	if err := waitForPing(base, done); err != nil {
		stop()
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}

	t.Run("reports the VERSION it was built with", func(t *testing.T) {
		if _, version := testkit.Health(t, base+"/healthz"); version != release {
			t.Errorf("/healthz version = %q, want %q", version, release)
		}
		if got := startingVersion(t, stderr.String()); got != release {
			t.Errorf("start-up log line: version %q, want %q", got, release)
		}
		out, err := exec.Command(bin, "version").Output()
		if err != nil {
			t.Fatalf("%s version: %v", bin, err)
		}
		if f := strings.Fields(string(out)); len(f) < 2 || f[1] != release {
			t.Errorf("version command printed %q, want %s second", out, release)
		}
	})

	t.Run("the landing page answers a browser and a script", func(t *testing.T) {
		for accept, want := range map[string]string{
			"text/html,application/xhtml+xml,*/*;q=0.8": "text/html; charset=utf-8",
			"application/json":                          "application/json; charset=utf-8",
		} {
			req, err := http.NewRequest(http.MethodGet, base+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want {
				t.Errorf("GET / with Accept %s: %d %s, want 200 %s", accept, resp.StatusCode, resp.Header.Get("Content-Type"), want)
			}
			if !strings.Contains(string(body), release) {
				t.Errorf("GET / with Accept %s does not name the version %s:\n%s", accept, release, body)
			}
			if strings.Contains(string(body), cert) {
				t.Errorf("GET / with Accept %s shows the App Certificate", accept)
			}
		}
	})

	t.Run("health check paths answer", func(t *testing.T) {
		paths := map[string]bool{readRender(t).Services[0].HealthCheckPath: true, herokuSuccessURL(t): true}
		for _, p := range k8sProbePaths(t) {
			paths[p] = true
		}
		for _, p := range sortedKeys(paths) {
			t.Run(p, func(t *testing.T) {
				resp, err := http.Get(base + p)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got, want := resp.StatusCode, http.StatusOK; got != want {
					t.Errorf("GET %s: status %d, want %d", p, got, want)
				}
			})
		}
	})

	// Docker, Kubernetes, Heroku and Render all stop a server with SIGTERM.
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		if exitErr != nil {
			t.Errorf("exit after SIGTERM: %v\nstderr:\n%s", exitErr, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop within 20s of SIGTERM")
	}
	if out := stdout.String() + stderr.String(); strings.Contains(out, cert) {
		t.Errorf("the App Certificate reached the output:\n%s", out)
	}
}

// herokuSuccessURL is the path app.json's button opens after a deploy.
func herokuSuccessURL(t *testing.T) string {
	t.Helper()
	var app struct {
		SuccessURL string `json:"success_url"`
	}
	readJSON(t, filepath.Join(root, "app.json"), &app)
	return app.SuccessURL
}

// declaresArg reports whether a stage after the first FROM declares ARG
// name, so that its RUN lines can use it.
func declaresArg(stages [][]instruction, name string) bool {
	for _, stage := range stages[1:] {
		for _, in := range stage {
			if arg, _, _ := strings.Cut(in.args, "="); in.cmd == "ARG" && arg == name {
				return true
			}
		}
	}
	return false
}

// startingVersion returns the version of the server's start-up log line,
// one JSON object among the lines of log.
func startingVersion(t *testing.T, log string) string {
	t.Helper()
	for line := range strings.Lines(log) {
		var entry struct{ Msg, Version string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "starting" {
			return entry.Version
		}
	}
	t.Fatalf("no start-up line in the log:\n%s", log)
	return ""
}

// waitForPing polls GET /ping until it answers pong, the server exits, or
// ten seconds pass.
func waitForPing(base string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case <-exited:
			return errors.New("the server exited before answering")
		case <-ctx.Done():
			return errors.New("GET /ping did not answer within 10s")
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(base + "/ping")
		if err != nil {
			continue
		}
		var body struct {
			Message string `json:"message"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || body.Message != "pong" {
			return errors.New("GET /ping: status " + resp.Status + ", message " + strconv.Quote(body.Message))
		}
		return nil
	}
}

// checkStaticELF checks what the build flags promise: no dynamic loader
// (CGO_ENABLED=0), no symbol table or debug info (-s -w), and no path of
// this machine (-trimpath).
func checkStaticELF(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%s): it cannot run FROM scratch", p.Type)
		}
	}
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("the binary has section %s: -s -w did not apply", s.Name)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(abs)) {
		t.Errorf("the binary holds the build directory %s: -trimpath did not apply", abs)
	}
}

// freePort returns a loopback TCP port that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
