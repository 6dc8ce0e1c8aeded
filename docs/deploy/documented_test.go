package deploy

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/config"
)

// The settings the instructions tell an operator to add must start the
// server, together with what the files already set: a documented step
// that the server refuses crash-loops every replica that follows it.

// sampleSecrets are values for every key a Secret of the manifests holds.
var sampleSecrets = map[string]string{
	"APP_ID":          sampleCredentials["APP_ID"],
	"APP_CERTIFICATE": sampleCredentials["APP_CERTIFICATE"],
	"METRICS_TOKEN":   "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
	"REDIS_URL":       "redis://redis.example:6379/0",
}

// assignment is NAME=value as the instructions write it, in a comment, a
// code block or inline code.
var assignment = regexp.MustCompile("\\b([A-Z][A-Z0-9_]*)=([^\\s`'\"]+)")

// documented returns the server's settings that text assigns.
func documented(t *testing.T, text string) map[string]string {
	t.Helper()
	known := map[string]bool{}
	for _, k := range config.Keys() {
		known[k.Env] = true
	}
	out := map[string]string{}
	for _, m := range assignment.FindAllStringSubmatch(text, -1) {
		if known[m[1]] {
			out[m[1]] = m[2]
		}
	}
	return out
}

// mustStart loads env, on top of the sample credentials, as the server
// would at start.
func mustStart(t *testing.T, env map[string]string) {
	t.Helper()
	full := maps.Clone(sampleCredentials)
	for k, v := range env {
		if v != "" {
			full[k] = v
		}
	}
	if _, err := config.Load(nil, func(name string) string { return full[name] }, "", io.Discard); err != nil {
		t.Errorf("the server refuses the documented settings: %v", err)
	}
}

// docSection returns the text of the page file (a path from the
// repository's root) under heading, up to the next heading of the same or
// a higher level.
func docSection(t *testing.T, file, heading string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q", file, heading)
	}
	level := strings.IndexByte(heading, ' ')
	if end := regexp.MustCompile(`\n#{1,` + strconv.Itoa(level) + `} `).FindStringIndex(section); end != nil {
		section = section[:end[0]]
	}
	return section
}

// .env.example plus what the Compose file and the deploying page say to add
// for the redis profile.
func TestComposeRedisStepsStartTheServer(t *testing.T) {
	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	envExample, err := os.ReadFile(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{}
	for line := range strings.Lines(string(envExample)) {
		if name, value, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(name, "#") {
			base[name] = value
		}
	}
	for name, text := range map[string]string{
		"docker-compose.yml":                 string(compose),
		"docs/deploying.md's Docker Compose": docSection(t, "docs/deploying.md", "## Docker Compose"),
	} {
		t.Run(name, func(t *testing.T) {
			steps := documented(t, text)
			if steps["REDIS_URL"] == "" {
				t.Fatalf("no REDIS_URL=... step found in %s", name)
			}
			env := maps.Clone(base)
			maps.Copy(env, steps)
			mustStart(t, env)
		})
	}
}

// What the deploying page's Heroku section has a user of the Key-Value Store set,
// with the rediss:// URL the add-on sets, starts the server, and accepts
// the add-on's self-signed certificate: without that, every dyno would
// count on its own.
func TestHerokuRedisStepsStartTheServer(t *testing.T) {
	steps := documented(t, docSection(t, "docs/deploying.md", "## Heroku"))
	// Secrets are shown as placeholders to replace.
	for _, k := range config.Keys() {
		if k.Secret || k.Required {
			delete(steps, k.Env)
		}
	}
	if steps["REDIS_TLS_SKIP_VERIFY"] != "true" {
		t.Errorf("the Heroku section does not set REDIS_TLS_SKIP_VERIFY=true for the Key-Value Store (found %v)", steps)
	}
	steps["REDIS_URL"] = "rediss://:add-on-password@redis.example:6380"
	mustStart(t, steps)
}

// tableRow is a row of a settings table: its first cell names the
// variable, with its aliases after it.
var tableRow = regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]*)`([^|]*)\\|(.*)$")

// The configuration page has a row for every setting the server reads,
// with its aliases and its default, and none for a setting it does not
// read: a setting missing from the page is one nobody finds.
func TestConfigurationPageListsEverySetting(t *testing.T) {
	page, err := os.ReadFile(filepath.Join(root, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, m := range tableRow.FindAllStringSubmatch(string(page), -1) {
		rows[m[1]] = m[2] + "|" + m[3]
	}
	known := map[string]bool{"CONFIG_FILE": true}
	for _, k := range config.Keys() {
		known[k.Env] = true
		row, ok := rows[k.Env]
		if !ok {
			t.Errorf("docs/configuration.md has no row for %s", k.Env)
			continue
		}
		for _, alias := range k.Aliases {
			if !strings.Contains(row, "`"+alias+"`") {
				t.Errorf("docs/configuration.md's row for %s does not name its alias %s", k.Env, alias)
			}
		}
		if k.Default != "" && !strings.Contains(row, "`"+k.Default+"`") {
			t.Errorf("docs/configuration.md's row for %s does not give its default `%s`", k.Env, k.Default)
		}
	}
	for name := range rows {
		if !known[name] {
			t.Errorf("docs/configuration.md has a row for %s, which the server does not read", name)
		}
	}
}
