// Package docs holds the API's contract, docs/openapi.yaml, and the page
// that renders it with Swagger UI, all embedded in the binary so that the
// documentation works offline and behind a strict Content-Security-Policy.
package docs

import (
	"embed"
	"encoding/json"
	"io/fs"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml
var spec []byte

//go:embed ui
var ui embed.FS

// OpenAPI returns the OpenAPI document as YAML, as it is written.
func OpenAPI() []byte { return spec }

// OpenAPIJSON returns the same document as JSON.
func OpenAPIJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// UI returns the Swagger UI page: our index.html and init.js, and the
// three files of Swagger UI 5.18.2 that the page loads (swagger-ui.css,
// swagger-ui-bundle.js, swagger-ui-standalone-preset.js) with its icon.
// Those are copies of the files of github.com/swaggo/files/v2, whose
// package embeds Swagger UI's whole distribution, source maps and unused
// bundles included: 11 MB of the binary that no page asks for.
// TestUIFilesMatchSwaggerUI holds the copies to the module's files. Swagger
// UI is under the Apache License 2.0.
func UI() fs.FS {
	own, _ := fs.Sub(ui, "ui")
	return own
}
