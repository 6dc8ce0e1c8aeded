package api

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/docs"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// docsCSP lets the Swagger UI page load only this server's own assets.
// Swagger UI sets style attributes, hence 'unsafe-inline' for styles only.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

// docsRoutes serves the OpenAPI document and Swagger UI at /docs.
func docsRoutes(r *gin.Engine) {
	specJSON, err := docs.OpenAPIJSON()
	if err != nil {
		panic("api: docs/openapi.yaml is not valid YAML: " + err.Error())
	}
	index, err := fs.ReadFile(docs.UI(), "index.html")
	if err != nil {
		panic("api: the Swagger UI page is missing: " + err.Error())
	}
	files, err := pageFiles(index)
	if err != nil {
		panic("api: " + err.Error())
	}

	withSlash(r, http.MethodGet, "/openapi.yaml", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/yaml", docs.OpenAPI())
	})
	withSlash(r, http.MethodGet, "/openapi.json", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", specJSON)
	})
	page := func(c *gin.Context) {
		c.Header("Content-Security-Policy", docsCSP)
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	}
	handle(r, http.MethodGet, "/docs", page)
	handle(r, http.MethodGet, "/docs/*file", func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("file"), "/")
		if name == "" || name == "index.html" {
			page(c)
			return
		}
		f, ok := files[name]
		if !ok {
			_ = c.Error(service.Errorf(service.NotFound, "no document %s", c.Request.URL.Path))
			return
		}
		c.Header("Content-Security-Policy", docsCSP)
		f.serve(c)
	})
}

// pageRef is a file the Swagger UI page loads: a script's src or a
// link's href under /docs/.
var pageRef = regexp.MustCompile(`(?:src|href)="/docs/([^"]+)"`)

// assetTypes gives each kind of file the page loads its Content-Type,
// written out rather than looked up in the system's MIME tables, which
// differ from one machine to the next.
var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
}

// pageFiles reads, once at start, every file the page names: ours from
// docs.UI, Swagger UI's from docs.SwaggerUI, where most are gzipped. Only
// these are served, so the rest of Swagger UI's distribution (its
// oauth2-redirect.html and unused bundle) is not reachable.
func pageFiles(index []byte) (map[string]asset, error) {
	files := map[string]asset{}
	for _, m := range pageRef.FindAllSubmatch(index, -1) {
		name := string(m[1])
		a := asset{contentType: assetTypes[path.Ext(name)]}
		if a.contentType == "" {
			return nil, fmt.Errorf("the Swagger UI page loads %s, a kind of file with no Content-Type here", name)
		}
		var err error
		if a.body, err = fs.ReadFile(docs.UI(), name); err == nil {
			files[name] = a
			continue
		}
		if a.body, err = fs.ReadFile(docs.SwaggerUI(), name); err == nil {
			files[name] = a
			continue
		}
		if a.body, err = fs.ReadFile(docs.SwaggerUI(), name+".gz"); err != nil {
			return nil, fmt.Errorf("the Swagger UI page loads %s, which is neither ours nor Swagger UI's: %w", name, err)
		}
		a.gzipped = true
		a.plain = sync.OnceValues(func() ([]byte, error) { return gunzip(a.body) })
		files[name] = a
	}
	return files, nil
}

// An asset is a file the Swagger UI page loads, held as it is embedded.
type asset struct {
	contentType string
	body        []byte
	gzipped     bool // body is gzip; see serve
	// plain unzips a gzipped body the first time a client that does not
	// take gzip asks for it, and keeps it: /docs is open to anyone, and
	// unzipping on every request would let them spend the server's CPU.
	plain func() ([]byte, error)
}

// serve sends a gzipped asset as it is to clients that take gzip (every
// browser), so that the binary holds no second, larger copy of it, and
// its unzipped copy, made once, to the few that do not.
func (a asset) serve(c *gin.Context) {
	body := a.body
	if a.gzipped {
		c.Header("Vary", "Accept-Encoding")
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			c.Header("Content-Encoding", "gzip")
		} else {
			var err error
			if body, err = a.plain(); err != nil {
				_ = c.Error(err)
				return
			}
		}
	}
	c.Data(http.StatusOK, a.contentType, body)
}

// gunzip returns the contents of a gzip stream.
func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// acceptsGzip tells whether an Accept-Encoding header (RFC 9110, section
// 12.5.3) allows gzip: named, or covered by "*", with a q-value above 0.
// A missing header allows any coding, but clients that send none are
// rarely browsers, so they get the plain file.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		ok := qAboveZero(params)
		if coding == "*" {
			star = ok
			continue
		}
		return ok
	}
	return star
}

// qAboveZero tells whether the parameters of one coding of an
// Accept-Encoding header leave its q-value, 1 when absent, above 0.
func qAboveZero(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			return err == nil && q > 0
		}
	}
	return true
}
