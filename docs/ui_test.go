package docs

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The page's script starts Swagger UI on this server's contract and with
// the validator off: left on, Swagger UI calls an outside validator from
// any host but localhost, which the Content-Security-Policy blocks. The
// script runs in Node with Swagger UI replaced by a stub that records the
// options it is given.
func TestSwaggerUIOptions(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is not installed: %v", err)
		}
		t.Skip("node is not installed")
	}
	const harness = `
const fs = require("fs");
let onLoad;
globalThis.window = { addEventListener: (event, f) => { if (event === "load") onLoad = f; } };
globalThis.SwaggerUIBundle = (options) => { console.log(JSON.stringify(options)); return {}; };
SwaggerUIBundle.presets = { apis: "apis" };
globalThis.SwaggerUIStandalonePreset = "standalone";
eval(fs.readFileSync(process.argv[1], "utf8"));
onLoad();
`
	out, err := exec.Command(node, "-e", harness, "ui/init.js").Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var options map[string]any
	if err := json.Unmarshal(out, &options); err != nil {
		t.Fatalf("options %q: %v", out, err)
	}
	validator, set := options["validatorUrl"]
	if !set || validator != nil {
		t.Errorf("validatorUrl = %v (set: %t), want null", validator, set)
	}
	if options["url"] != "/openapi.yaml" {
		t.Errorf("url = %v, want /openapi.yaml", options["url"])
	}
}

// assetRef is a file the Swagger UI page loads: a script's src or a
// link's href under /docs/.
var assetRef = regexp.MustCompile(`(?:src|href)="/docs/([^"]+)"`)

// pageLoads returns the files the Swagger UI page names, index.html
// itself first.
func pageLoads(t *testing.T) []string {
	t.Helper()
	index, err := fs.ReadFile(UI(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	loaded := []string{"index.html"}
	for _, m := range assetRef.FindAllSubmatch(index, -1) {
		loaded = append(loaded, string(m[1]))
	}
	return loaded
}

// docs/ui holds our part of the page and nothing else: every file in it
// is one the page loads, and no copy of Swagger UI's files comes back
// into the repository, since the module provides them.
func TestUIShipsWhatThePageLoads(t *testing.T) {
	loaded := pageLoads(t)
	shipped, err := fs.Glob(UI(), "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range shipped {
		if !slices.Contains(loaded, name) {
			t.Errorf("docs/ui holds %s, which the page does not load (it loads %v)", name, loaded)
		}
		if _, err := fs.Stat(swaggerUIFile(name)); err == nil {
			t.Errorf("docs/ui holds %s, a file of Swagger UI's distribution", name)
		}
	}
	for _, name := range []string{"index.html", "init.js"} {
		if !slices.Contains(shipped, name) {
			t.Errorf("docs/ui lacks %s", name)
		}
	}
}

// swaggerUIFile returns SwaggerUI and the name under which it holds the
// file the page loads as name: gzipped, or for the icons as it is.
func swaggerUIFile(name string) (fs.FS, string) {
	if _, err := fs.Stat(SwaggerUI(), name); err == nil {
		return SwaggerUI(), name
	}
	return SwaggerUI(), name + ".gz"
}

// Every file the page loads that is not ours is in the Swagger UI module
// go.mod pins, and its gzipped files unzip to what the page expects, so
// an upgrade of the module that renames or drops one fails here and not
// in a user's browser.
func TestSwaggerUIHoldsWhatThePageLoads(t *testing.T) {
	theirs := 0
	for _, name := range pageLoads(t) {
		if _, err := fs.Stat(UI(), name); err == nil {
			continue
		}
		theirs++
		fsys, file := swaggerUIFile(name)
		body, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Errorf("the page loads %s, which Swagger UI's module lacks: %v", name, err)
			continue
		}
		if strings.HasSuffix(file, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
		}
		want := map[string]string{
			"swagger-ui-bundle.js":            "SwaggerUIBundle",
			"swagger-ui-standalone-preset.js": "SwaggerUIStandalonePreset",
			"swagger-ui.css":                  ".swagger-ui",
			"favicon-32x32.png":               "\x89PNG",
		}[name]
		if want == "" || !bytes.Contains(body, []byte(want)) {
			t.Errorf("%s (%d bytes) lacks %q", name, len(body), want)
		}
	}
	if theirs != 4 {
		t.Errorf("the page loads %d files of Swagger UI, want 4 (style, two scripts, icon)", theirs)
	}
}
