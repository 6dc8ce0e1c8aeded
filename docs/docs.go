// Package docs holds the API's contract, docs/openapi.yaml, and the page
// that renders it with Swagger UI, all embedded in the binary so that the
// documentation works offline and behind a strict Content-Security-Policy.
package docs

import (
	"embed"
	"encoding/json"
	"io/fs"

	swaggerui "github.com/swaggo/files/v2"
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

// UI returns our page and its start-up script (index.html, init.js)
// over Swagger UI's own assets (swagger-ui.css, swagger-ui-bundle.js, …).
func UI() fs.FS {
	own, _ := fs.Sub(ui, "ui")
	return layered{own, swaggerui.FS}
}

// layered opens a name in the first file system that has it.
type layered []fs.FS

// Open returns name from the first file system that has it, or the last one's error.
func (l layered) Open(name string) (fs.File, error) {
	var err error
	for _, f := range l {
		var file fs.File
		if file, err = f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, err
}
