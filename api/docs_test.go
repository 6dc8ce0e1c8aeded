package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seed6ab08d10/agora-token-server/docs"
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

	for _, path := range []string{"/docs/nope.js", "/docs/../main.go", "/docs/swagger-ui-bundle.js.map", "/docs/swagger-ui.js", "/docs/oauth2-redirect.html", "/docs/swagger-ui.css.gz", "/docs/favicon-16x16.png"} {
		w := send(t, r, "GET", path, "")
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, w.Code)
		}
		problem(t, w, http.StatusNotFound)
	}
}

// Swagger UI's files are embedded gzipped: a browser, which takes gzip,
// gets them as they are, with Content-Encoding saying so; a client that
// does not gets them unzipped. Both forms are the module's file, and
// neither loses the page's Content-Security-Policy or its Content-Type.
func TestDocsAssetEncodings(t *testing.T) {
	r := newRouter(t)
	files := map[string]string{
		"swagger-ui-bundle.js":            "text/javascript; charset=utf-8",
		"swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
		"swagger-ui.css":                  "text/css; charset=utf-8",
	}
	for name, contentType := range files {
		gz, err := fs.ReadFile(docs.SwaggerUI(), name+".gz")
		if err != nil {
			t.Fatal(err)
		}
		want := gunzipped(t, gz)
		for accept, gzipOK := range map[string]bool{
			"gzip, deflate, br, zstd": true, // as browsers send it
			"br;q=1.0, GZIP;q=0.5":    true,
			"*":                       true,
			"x-gzip":                  true,
			"br, *;q=0.1":             true,
			"":                        false,
			"identity":                false,
			"br, deflate":             false,
			"gzip;q=0":                false,
			"gzip;q=0.000, *":         false,
			"*;q=0":                   false,
		} {
			t.Run(name+" "+accept, func(t *testing.T) {
				w := send(t, r, http.MethodGet, "/docs/"+name, "", header(map[string]string{"Accept-Encoding": accept}))
				if w.Code != http.StatusOK {
					t.Fatalf("status = %d", w.Code)
				}
				h := w.Header()
				if got := h.Get("Content-Type"); got != contentType {
					t.Errorf("Content-Type = %q, want %q", got, contentType)
				}
				if got := h.Get("Content-Security-Policy"); got != docsCSP {
					t.Errorf("Content-Security-Policy = %q", got)
				}
				if got := h.Get("Vary"); got != "Accept-Encoding" {
					t.Errorf("Vary = %q, want Accept-Encoding", got)
				}
				body := w.Body.Bytes()
				if got := h.Get("Content-Length"); got != strconv.Itoa(len(body)) {
					t.Errorf("Content-Length = %q for a body of %d bytes", got, len(body))
				}
				switch enc := h.Get("Content-Encoding"); {
				case gzipOK && enc != "gzip":
					t.Fatalf("Content-Encoding = %q, want gzip", enc)
				case !gzipOK && enc != "":
					t.Fatalf("Content-Encoding = %q, want none", enc)
				case gzipOK:
					if !bytes.Equal(body, gz) {
						t.Error("the gzipped body is not the module's file as it is")
					}
					body = gunzipped(t, body)
				}
				if !bytes.Equal(body, want) {
					t.Errorf("the body (%d bytes) is not the module's %s (%d bytes) unzipped", len(body), name, len(want))
				}
			})
		}
	}

	// The icon is embedded as it is and sent so, whatever the client takes.
	icon, err := fs.ReadFile(docs.SwaggerUI(), "favicon-32x32.png")
	if err != nil {
		t.Fatal(err)
	}
	w := send(t, r, http.MethodGet, "/docs/favicon-32x32.png", "", header(map[string]string{"Accept-Encoding": "gzip"}))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/png" || w.Header().Get("Content-Encoding") != "" || !bytes.Equal(w.Body.Bytes(), icon) {
		t.Errorf("icon: %d, Content-Type %q, Content-Encoding %q, %d bytes, want the module's %d", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"), w.Body.Len(), len(icon))
	}
}

// gunzipped returns the contents of a gzip stream, unzipped by the
// standard library directly rather than by the code under test.
func gunzipped(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// A gzipped asset is unzipped once, for the first client that does not
// take gzip, and that copy serves the rest: /docs is open to anyone, who
// must not be able to make the server unzip a megabyte per request.
func TestDocsAssetUnzipsOnce(t *testing.T) {
	index, err := fs.ReadFile(docs.UI(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	files, err := pageFiles(index)
	if err != nil {
		t.Fatal(err)
	}
	a := files["swagger-ui-bundle.js"]
	if !a.gzipped {
		t.Fatal("swagger-ui-bundle.js is not held gzipped")
	}
	first, err := a.plain()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.plain()
	if len(first) == 0 || &first[0] != &again[0] {
		t.Error("the bundle was unzipped again for a second client")
	}
}
