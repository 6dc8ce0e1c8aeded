package docs

import (
	"encoding/json"
	"os"
	"os/exec"
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
