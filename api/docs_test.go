package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestDocs(t *testing.T) {
	r := newRouter(t)
	tests := []struct {
		path        string
		contentType string
		contains    string
	}{
		{"/docs", "text/html", `src="/docs/init.js"`},
		{"/docs/", "text/html", `id="swagger-ui"`},
		{"/docs/init.js", "javascript", `url: "/openapi.yaml"`},
		{"/docs/swagger-ui-bundle.js", "javascript", "SwaggerUIBundle"},
		{"/docs/swagger-ui.css", "text/css", ".swagger-ui"},
		{"/docs/swagger-ui-standalone-preset.js", "javascript", "SwaggerUIStandalonePreset"},
		{"/openapi.yaml", "application/yaml", "openapi: 3."},
		{"/openapi.json", "application/json", `"openapi":"3.`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := send(t, r, "GET", tt.path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, tt.contentType) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.contentType)
			}
			if !strings.Contains(w.Body.String(), tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if strings.HasPrefix(tt.path, "/docs") {
				if csp := w.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
					t.Errorf("Content-Security-Policy = %q", csp)
				}
			}
		})
	}

	// The JSON and YAML forms are the same document.
	var fromYAML, fromJSON any
	if err := yaml.Unmarshal(send(t, r, "GET", "/openapi.yaml", "").Body.Bytes(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(send(t, r, "GET", "/openapi.json", "").Body.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromYAML)
	b, _ := json.Marshal(fromJSON)
	if string(a) != string(b) {
		t.Error("/openapi.json differs from /openapi.yaml")
	}

	// Every file the page names loads, and nothing else of Swagger UI's
	// distribution is served.
	page := send(t, r, "GET", "/docs", "").Body.String()
	refs := regexp.MustCompile(`(?:src|href)="(/docs/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 5 {
		t.Errorf("the page names %d files, want 5 (Swagger UI's style and two scripts, our script, the icon): %v", len(refs), refs)
	}
	for _, ref := range refs {
		if w := send(t, r, "GET", ref[1], ""); w.Code != http.StatusOK || w.Body.Len() == 0 {
			t.Errorf("GET %s, named by the page: %d, %d bytes", ref[1], w.Code, w.Body.Len())
		}
	}

	for _, path := range []string{"/docs/nope.js", "/docs/../main.go", "/docs/swagger-ui-bundle.js.map", "/docs/swagger-ui.js", "/docs/oauth2-redirect.html"} {
		w := send(t, r, "GET", path, "")
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, w.Code)
		}
		problem(t, w, http.StatusNotFound)
	}
}
