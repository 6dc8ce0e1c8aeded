// Package deploy tests the deployment files: the Dockerfile, .env.example,
// docker-compose.yml, app.json and Procfile (Heroku), render.yaml and the
// Kubernetes manifests beside this file. They are checked against the
// server's own key table (config.Keys) and routes, and the binary is built
// and run the way the image builds and runs it.
package deploy

import (
	"bufio"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// root is the repository, where the deployment files live.
const root = "../.."

// notDeployed are the settings the one-click deploys (app.json,
// render.yaml) leave out on purpose, and why. Every other setting is in
// Heroku's form; render.yaml has those with a default or a secret.
var notDeployed = map[string]string{
	"PORT":     "the platform sets it",
	"HOST":     "the server must listen on every interface the platform routes to",
	"DEV_MODE": "made-up credentials have no place in a deployment",
}

// generated are the secrets the one-click deploys make up for each new
// app, so that nothing is open by default: /metrics asks for a token.
var generated = []string{"METRICS_TOKEN"}

// buildpackVars are the variables app.json sets for Heroku's Go buildpack,
// which reads them while it builds; the server never sees them.
var buildpackVars = []string{"GO_LINKER_SYMBOL"}

// sampleCredentials are values the server accepts for its required keys.
var sampleCredentials = map[string]string{
	"APP_ID":          testkit.AppID,
	"APP_CERTIFICATE": testkit.Certificate,
}

// envDecl is what one deployment file puts in the server's environment:
// each variable with the literal value the file gives it, or "" when the
// file only names it (a prompt, a reference, a secret filled in elsewhere).
type envDecl struct {
	vars map[string]string
	// portSet is true where the platform sets PORT itself.
	portSet bool
}

// checkEnv runs the checks every deployment file must pass.
func checkEnv(t *testing.T, d envDecl) {
	t.Helper()
	keys := config.Keys()

	t.Run("required keys are declared", func(t *testing.T) {
		for _, k := range keys {
			if _, ok := d.vars[k.Env]; k.Required && !ok {
				t.Errorf("%s is required by the server but not declared", k.Env)
			}
		}
		if _, ok := d.vars["PORT"]; !d.portSet && !ok {
			t.Error("PORT is not declared, and this platform does not set it")
		}
	})

	t.Run("every variable is a key the server reads", func(t *testing.T) {
		known := map[string]bool{}
		for _, k := range keys {
			known[k.Env] = true
			for _, a := range k.Aliases {
				known[a] = true
			}
		}
		for _, name := range sortedKeys(d.vars) {
			if !known[name] {
				t.Errorf("%s is not a setting of the server", name)
			}
		}
	})

	t.Run("secrets have no value", func(t *testing.T) {
		for _, k := range keys {
			if v := d.vars[k.Env]; (k.Secret || k.Required) && v != "" {
				t.Errorf("%s is given a value in the file; credentials belong to whoever deploys", k.Env)
			}
		}
	})

	t.Run("the server accepts the values", func(t *testing.T) {
		env := maps.Clone(sampleCredentials)
		for name, v := range d.vars {
			if v != "" {
				env[name] = v
			}
		}
		if _, err := config.Load(nil, func(name string) string { return env[name] }, "", io.Discard); err != nil {
			t.Errorf("the server refuses this file's values: %v", err)
		}
	})
}

func TestEnvExample(t *testing.T) {
	f, err := os.Open(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	assignment := regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=(.*)$`)
	// A setting that must not be set empty is listed commented out.
	unset := regexp.MustCompile(`^# ?([A-Z][A-Z0-9_]*)=$`)
	d := envDecl{vars: map[string]string{}}
	var undocumented []string
	commented := false
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		switch m := assignment.FindStringSubmatch(text); {
		case unset.MatchString(text):
			name := unset.FindStringSubmatch(text)[1]
			if _, dup := d.vars[name]; dup {
				t.Errorf("line %d: %s is set twice", line, name)
			}
			d.vars[name] = ""
		case strings.HasPrefix(text, "#"):
			commented = true
		case text == "":
			commented = false
		case m != nil:
			if _, dup := d.vars[m[1]]; dup {
				t.Errorf("line %d: %s is set twice", line, m[1])
			}
			d.vars[m[1]] = m[2]
			if !commented {
				undocumented = append(undocumented, m[1])
			}
		default:
			t.Errorf("line %d is neither a comment nor NAME=value: %q", line, text)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	t.Run("every key is listed and explained", func(t *testing.T) {
		for _, k := range config.Keys() {
			if _, ok := d.vars[k.Env]; !ok {
				t.Errorf("%s is missing", k.Env)
			}
		}
		for _, name := range undocumented {
			t.Errorf("%s has no comment above it", name)
		}
	})
	checkEnv(t, d)
}

func TestHeroku(t *testing.T) {
	var app struct {
		Repository string `json:"repository"`
		Buildpacks []struct {
			URL string `json:"url"`
		} `json:"buildpacks"`
		Env map[string]struct {
			Description string  `json:"description"`
			Value       *string `json:"value"`
			Required    *bool   `json:"required"`
			Generator   string  `json:"generator"`
		} `json:"env"`
	}
	readJSON(t, filepath.Join(root, "app.json"), &app)

	if got, want := app.Repository, "https://github.com/seed6ab08d10/agora-token-server"; got != want {
		t.Errorf("repository = %q, want %q", got, want)
	}
	if len(app.Buildpacks) != 1 || app.Buildpacks[0].URL != "heroku/go" {
		t.Errorf("buildpacks = %+v, want only heroku/go", app.Buildpacks)
	}

	// The Go buildpack installs the main package "." as bin/<last element
	// of the module path>; the Procfile must run that.
	procfile, err := os.ReadFile(filepath.Join(root, "Procfile"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(procfile)), "web: bin/"+lastElem(modulePath(t)); got != want {
		t.Errorf("Procfile = %q, want %q", got, want)
	}

	// The buildpack installs every main package unless go.mod names the
	// ones to install; the dyno needs the server alone. It runs
	// "go install -v -tags heroku" followed by the directive's words, so
	// the directive's own -tags, which replaces the buildpack's, carries
	// heroku and the Dockerfile's tags.
	install := herokuDirective(t, "install")
	var flags, pkgs []string
	for i := 0; i < len(install); i++ {
		switch w := install[i]; {
		case w == "-tags" && i+1 < len(install):
			flags = append(flags, w, install[i+1])
			i++
		case strings.HasPrefix(w, "-"):
			flags = append(flags, w)
		default:
			pkgs = append(pkgs, w)
		}
	}
	if want := []string{"."}; !slices.Equal(pkgs, want) {
		t.Errorf("go.mod: // +heroku install installs %v, want %v: only the server is deployed", pkgs, want)
	}
	tags := buildTags(append([]string{"-tags", "heroku"}, flags...))
	for _, want := range append([]string{"heroku"}, buildTags(dockerGoBuild(t, readDockerfile(t)).args)...) {
		if !slices.Contains(tags, want) {
			t.Errorf("go.mod: // +heroku install %v builds with the tags %v, without %s", install, tags, want)
		}
	}

	t.Run("deploy form", func(t *testing.T) {
		for _, k := range config.Keys() {
			e, ok := app.Env[k.Env]
			if why, out := notDeployed[k.Env]; out {
				if ok {
					t.Errorf("%s is in app.json, but %s", k.Env, why)
				}
				continue
			}
			if !ok {
				t.Errorf("%s is missing: whoever deploys cannot set it in the form", k.Env)
				continue
			}
			// app.json treats a variable as required unless it says otherwise.
			required := e.Required == nil || *e.Required
			if required != k.Required {
				t.Errorf("%s: required = %t in app.json, %t in the server", k.Env, required, k.Required)
			}
			if wantGen := slices.Contains(generated, k.Env); wantGen != (e.Generator == "secret") {
				t.Errorf("%s: generator = %q, want secret: %t", k.Env, e.Generator, wantGen)
			}
			if k.Secret || k.Required {
				continue // checkEnv: no value
			}
			if got := deref(e.Value); got != k.Default {
				t.Errorf("%s = %q in app.json, want the server's default %q", k.Env, got, k.Default)
			}
		}
		for name, e := range app.Env {
			if e.Description == "" {
				t.Errorf("%s has no description", name)
			}
		}
	})

	// The buildpack links with -X GO_LINKER_SYMBOL=GO_LINKER_VALUE (the
	// commit, unless set): the symbol must be the one the Dockerfile's
	// VERSION sets, which TestBinary shows the server reports.
	if got, want := deref(app.Env["GO_LINKER_SYMBOL"].Value), versionSymbol(t); got != want {
		t.Errorf("GO_LINKER_SYMBOL = %q, want %q: Heroku's builds would report no version", got, want)
	}

	d := envDecl{vars: map[string]string{}, portSet: true}
	for name, e := range app.Env {
		if !slices.Contains(buildpackVars, name) {
			d.vars[name] = deref(e.Value)
		}
	}
	checkEnv(t, d)
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// renderBlueprint is the part of render.yaml the tests read.
type renderBlueprint struct {
	Services []struct {
		Type            string `yaml:"type"`
		Runtime         string `yaml:"runtime"`
		DockerfilePath  string `yaml:"dockerfilePath"`
		HealthCheckPath string `yaml:"healthCheckPath"`
		EnvVars         []struct {
			Key           string  `yaml:"key"`
			Value         *string `yaml:"value"`
			Sync          *bool   `yaml:"sync"`
			GenerateValue bool    `yaml:"generateValue"`
		} `yaml:"envVars"`
	} `yaml:"services"`
}

func readRender(t *testing.T) renderBlueprint {
	t.Helper()
	var bp renderBlueprint
	readYAML(t, filepath.Join(root, "render.yaml"), &bp)
	if len(bp.Services) != 1 || bp.Services[0].Type != "web" {
		t.Fatalf("render.yaml: want exactly one web service, got %+v", bp.Services)
	}
	return bp
}

func TestRender(t *testing.T) {
	svc := readRender(t).Services[0]
	if svc.Runtime != "docker" {
		t.Errorf("runtime = %q, want docker: the image is built the same way everywhere", svc.Runtime)
	}
	if _, err := os.Stat(filepath.Join(root, svc.DockerfilePath)); err != nil {
		t.Errorf("dockerfilePath: %v", err)
	}
	if svc.HealthCheckPath == "" {
		t.Error("no healthCheckPath: Render would send traffic before the server listens")
	}

	d := envDecl{vars: map[string]string{}, portSet: true}
	for _, e := range svc.EnvVars {
		if _, dup := d.vars[e.Key]; dup {
			t.Errorf("%s is declared twice", e.Key)
		}
		if e.Value != nil {
			d.vars[e.Key] = *e.Value
			continue
		}
		// A variable with neither a value, sync: false nor a generated
		// value would be created empty, without asking whoever deploys.
		if !e.GenerateValue && (e.Sync == nil || *e.Sync) {
			t.Errorf("%s has no value, is not sync: false and is not generated", e.Key)
		}
		d.vars[e.Key] = ""
	}

	// A setting with no default turns something on (API keys, a rate
	// limit, Redis, trusted proxies): a Blueprint could only fix one
	// value for every deployer. Whoever deploys adds those under the
	// service's Environment; the rest are here, with their defaults.
	t.Run("blueprint", func(t *testing.T) {
		generatedHere := map[string]bool{}
		for _, e := range svc.EnvVars {
			generatedHere[e.Key] = e.GenerateValue
		}
		for _, k := range config.Keys() {
			v, ok := d.vars[k.Env]
			gen := slices.Contains(generated, k.Env)
			switch why, out := notDeployed[k.Env]; {
			case out:
				if ok {
					t.Errorf("%s is in render.yaml, but %s", k.Env, why)
				}
			case gen != generatedHere[k.Env]:
				t.Errorf("%s: generateValue = %t, want %t", k.Env, generatedHere[k.Env], gen)
			case (k.Required || k.Default != "") && !ok:
				t.Errorf("%s is missing", k.Env)
			case ok && !k.Required && !k.Secret && v != k.Default:
				t.Errorf("%s = %q in render.yaml, want the server's default %q", k.Env, v, k.Default)
			}
		}
	})
	checkEnv(t, d)
}

func TestCompose(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			EnvFile     any               `yaml:"env_file"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Profiles    []string          `yaml:"profiles"`
			HealthCheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
				Required  *bool  `yaml:"required"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	readYAML(t, filepath.Join(root, "docker-compose.yml"), &compose)

	server, ok := compose.Services["server"]
	if !ok {
		t.Fatal("no service named server")
	}
	if !slices.Contains(envFiles(server.EnvFile), ".env") {
		t.Errorf("env_file = %v, want .env", server.EnvFile)
	}
	redis, ok := compose.Services["redis"]
	if !ok || !slices.Contains(redis.Profiles, "redis") {
		t.Errorf("want a redis service under the redis profile, got %+v", redis)
	}

	t.Run("the server waits for a healthy Redis when there is one", func(t *testing.T) {
		if len(redis.HealthCheck.Test) == 0 {
			t.Fatal("the redis service has no healthcheck to wait for")
		}
		dep, ok := server.DependsOn["redis"]
		if !ok || dep.Condition != "service_healthy" {
			t.Errorf("server depends_on redis = %+v, want condition service_healthy", dep)
		}
		// Compose refuses a project whose service depends on one a
		// profile left out, unless the dependency is not required.
		if dep.Required == nil || *dep.Required {
			t.Error("server depends_on redis is required: docker compose up without --profile redis would refuse to start")
		}
	})

	t.Run("Redis is a fixed release", func(t *testing.T) {
		m := fixedRedisTag.FindStringSubmatch(redis.Image)
		if m == nil {
			t.Fatalf("image %q floats; want a full release such as redis:%s-alpine", redis.Image, newestRedis)
		}
		if release, newest := versionOf(t, m[1]), versionOf(t, newestRedis); slices.Compare(release, newest) < 0 {
			t.Errorf("image %q is older than redis %s, whose line has had security fixes since", redis.Image, newestRedis)
		}
	})

	d := envDecl{vars: map[string]string{}}
	for name, v := range server.Environment {
		d.vars[name] = interpolate(v)
	}
	t.Run("published port is the one the server listens on", func(t *testing.T) {
		want := d.vars["PORT"]
		for _, p := range server.Ports {
			p = interpolate(p)
			if got := p[strings.LastIndex(p, ":")+1:]; got != want {
				t.Errorf("ports entry %q reaches container port %s, the server listens on %s", p, got, want)
			}
		}
		if len(server.Ports) == 0 {
			t.Error("no ports published")
		}
	})
	checkEnv(t, d)
}

// fixedRedisTag is an image tag that names one release of Redis.
var fixedRedisTag = regexp.MustCompile(`^redis:(\d+\.\d+\.\d+)(-[a-z0-9.]+)?(@sha256:[0-9a-f]{64})?$`)

// newestRedis is the newest patch of the Redis line docker-compose.yml
// runs, as of the last time the pin was raised: a Redis older than that
// lacks security fixes its line has. Raise both together.
const newestRedis = "7.2.16"

// versionOf splits a release such as 7.2.16 into its numbers.
func versionOf(t *testing.T, release string) []int {
	t.Helper()
	var parts []int
	for _, s := range strings.Split(release, ".") {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("release %q: %v", release, err)
		}
		parts = append(parts, n)
	}
	return parts
}

// interpolate resolves compose's ${NAME:-default} to its default and
// ${NAME:?message} to "", as they read with nothing set: what is left is the
// value the file itself gives.
func interpolate(s string) string {
	return composeVar.ReplaceAllString(s, "$1")
}

var composeVar = regexp.MustCompile(`\$\{[A-Z0-9_]+(?::-([^}]*)|:\?[^}]*)?\}`)

// envFiles lists the files of compose's env_file, in any of its forms.
func envFiles(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			switch e := e.(type) {
			case string:
				out = append(out, e)
			case map[string]any:
				if p, ok := e["path"].(string); ok {
					out = append(out, p)
				}
			}
		}
		return out
	}
	return nil
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// modulePath reads the module path from go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	return goModLine(t, "module")
}

// goModLine returns the argument of go.mod's first line starting with verb.
func goModLine(t *testing.T, verb string) string {
	t.Helper()
	lines := goModLines(t, verb)
	if len(lines) == 0 {
		t.Fatalf("go.mod has no %s line", verb)
	}
	return lines[0]
}

// goModLines returns the arguments of every go.mod line starting with verb.
func goModLines(t *testing.T, verb string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, verb+" "); ok {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// lastElem is the last element of a slash-separated path.
func lastElem(p string) string { return p[strings.LastIndex(p, "/")+1:] }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The deploy buttons, on the front page and on the deploying page, open
// this repository's app.json and render.yaml.
func TestReadmeButtons(t *testing.T) {
	var app struct {
		Repository string `json:"repository"`
	}
	readJSON(t, filepath.Join(root, "app.json"), &app)
	for _, page := range []string{"README.md", "docs/deploying.md"} {
		text, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, link := range []string{
			"https://heroku.com/deploy?template=" + app.Repository,
			"https://render.com/deploy?repo=" + app.Repository,
		} {
			if !strings.Contains(string(text), "("+link+")") {
				t.Errorf("%s has no button linking to %s", page, link)
			}
		}
	}
}
