package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The token doctor's page, GET /check, is for people: a form that calls
// POST /v1/tokens/check as any client would, and draws the diagnosis and
// the token's lifetimes as inline SVG. It loads nothing from anywhere:
// its one style and one script are inline, allowed by their hashes.

//go:embed checkpage
var checkFiles embed.FS

// checkPage is the page, rendered once, and the CSP that allows it.
type checkPage struct {
	html []byte
	csp  string
}

func newCheckPage(name string) *checkPage {
	read := func(file string) string {
		b, err := checkFiles.ReadFile("checkpage/" + file)
		if err != nil {
			panic("api: the check page lacks " + file + ": " + err.Error())
		}
		return string(b)
	}
	css, js := read("check.css"), read("check.js")
	page := template.Must(template.New("check").Parse(read("page.html")))
	var out bytes.Buffer
	if err := page.Execute(&out, struct {
		Name string
		CSS  template.CSS
		JS   template.JS
	}{name, template.CSS(css), template.JS(js)}); err != nil {
		panic("api: the check page does not render: " + err.Error())
	}
	return &checkPage{
		html: out.Bytes(),
		csp: "default-src 'none'; script-src " + hashSource(js) + "; style-src " + hashSource(css) + "; " +
			"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	}
}

// hashSource is a CSP source that allows one inline element by its hash.
func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func (p *checkPage) handle(c *gin.Context) {
	c.Header("Content-Security-Policy", p.csp)
	c.Header("X-Frame-Options", "DENY")
	c.Data(http.StatusOK, "text/html; charset=utf-8", p.html)
}
