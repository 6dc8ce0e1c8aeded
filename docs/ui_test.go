package docs

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"

	swaggerui "github.com/swaggo/files/v2"
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

// The page ships exactly the files it loads: each one it names is there,
// and nothing else is, so that no unused bundle or source map comes back
// into the binary.
func TestUIShipsWhatThePageLoads(t *testing.T) {
	ui := UI()
	index, err := fs.ReadFile(ui, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	loaded := []string{"index.html"}
	for _, m := range assetRef.FindAllSubmatch(index, -1) {
		loaded = append(loaded, string(m[1]))
	}
	shipped, err := fs.Glob(ui, "*")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(loaded)
	if !slices.Equal(shipped, loaded) {
		t.Errorf("docs/ui holds %v; the page loads %v", shipped, loaded)
	}
}

// The copies of Swagger UI's files are those of the module go.mod pins:
// after an upgrade of github.com/swaggo/files/v2, copy them again from
// its dist folder.
func TestUIFilesMatchSwaggerUI(t *testing.T) {
	ui := UI()
	copies := 0
	err := fs.WalkDir(ui, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "index.html" || name == "init.js" {
			return err
		}
		copies++
		ours, err := fs.ReadFile(ui, name)
		if err != nil {
			return err
		}
		theirs, err := fs.ReadFile(swaggerui.FS, name)
		if err != nil {
			t.Errorf("%s is not a file of Swagger UI's distribution: %v", name, err)
			return nil
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("docs/ui/%s differs from the file of the Swagger UI that go.mod pins", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if copies == 0 {
		t.Error("docs/ui holds no file of Swagger UI")
	}
}
