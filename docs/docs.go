// Package docs holds the API's contract, docs/openapi.yaml, and the page
// that renders it with Swagger UI, all embedded in the binary so that the
// documentation works offline and behind a strict Content-Security-Policy.
package docs

import (
	"embed"
	"encoding/json"
	"io/fs"

	swgui "github.com/swaggest/swgui/v5/static"
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

// UI returns our own part of the Swagger UI page: index.html and init.js.
// The files of Swagger UI the page loads come from SwaggerUI.
func UI() fs.FS {
	own, _ := fs.Sub(ui, "ui")
	return own
}

// SwaggerUI returns the files of Swagger UI's distribution, as
// github.com/swaggest/swgui/v5/static embeds them: the scripts, style
// sheet and HTML gzipped (swagger-ui.css.gz and so on), the icons as they
// are. Only that package of the module is imported, because it embeds
// nothing but these files (about 600 KB) and depends on nothing; the
// module's other packages bring in HTTP helpers of their own. Swagger UI
// is under the Apache License 2.0.
func SwaggerUI() fs.FS { return swgui.FS }
