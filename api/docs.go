package api

import (
	"io/fs"
	"net/http"
	"strings"

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
	ui := docs.UI()
	index, err := fs.ReadFile(ui, "index.html")
	if err != nil {
		panic("api: the Swagger UI page is missing: " + err.Error())
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
		if _, err := fs.Stat(ui, name); err != nil {
			_ = c.Error(service.Errorf(service.NotFound, "no document %s", c.Request.URL.Path))
			return
		}
		c.Header("Content-Security-Policy", docsCSP)
		c.FileFromFS(name, http.FS(ui))
	})
}
