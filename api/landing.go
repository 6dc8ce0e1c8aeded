package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

// The landing page is what a platform's "open app" button shows: the root
// of a fresh deployment. It says what answers there and where to go next,
// and never any value of the configuration.

// landingName is the name the pages go by.
const landingName = "agora-token-server"

// exampleRequest is the one request the landing page shows: a token route
// that answers a server with the default settings.
const exampleRequest = "/rtc/test-channel/publisher/uid/1234"

// landingCSS is the page's only style, inline; the CSP allows exactly
// these bytes by their hash, and no script at all.
const landingCSS = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}` +
	`code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}` +
	`.warn{color:#8a4b00}`

const landingTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Name}}</title>
<style>` + landingCSS + `</style>
</head>
<body>
<h1>{{.Name}}</h1>
<p>This server mints Agora tokens. Version <code>{{.Version}}</code>.</p>
{{if .CredentialsConfigured}}<p>Agora credentials: configured.</p>
{{else}}<p class="warn">Agora credentials: made up for this process (dev mode). Agora's servers reject the tokens it signs.</p>
{{end}}<ul>
<li><a href="/check">Token doctor</a>: paste a token and see why Agora would reject it</li>
<li><a href="/docs">API documentation</a></li>
<li><a href="/openapi.yaml">OpenAPI document</a></li>
<li><a href="/healthz">Health</a></li>
</ul>
<p>An example request: <a href="{{.Example}}"><code>GET {{.Example}}</code></a>.
A server that asks for an API key or an identity token wants it as
<code>Authorization: Bearer &lt;credential&gt;</code>.</p>
</body>
</html>
`

// landing is what GET / says, as HTML or JSON.
type landing struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// CredentialsConfigured is false when --dev made the credentials up.
	CredentialsConfigured bool              `json:"credentialsConfigured"`
	Links                 map[string]string `json:"links"`
	Example               string            `json:"example"`
}

// landingPage answers GET / with what the router was built with.
type landingPage struct {
	facts landing
	html  []byte
	csp   string
}

func newLandingPage(version string, devCredentials bool) *landingPage {
	p := &landingPage{facts: landing{
		Name:                  landingName,
		Version:               version,
		CredentialsConfigured: !devCredentials,
		Links:                 map[string]string{"docs": "/docs", "openapi": "/openapi.yaml", "health": "/healthz", "check": "/check"},
		Example:               exampleRequest,
	}}
	// The facts are fixed for the life of the server: render the page once.
	var page bytes.Buffer
	if err := template.Must(template.New("landing").Parse(landingTemplate)).Execute(&page, p.facts); err != nil {
		panic("api: the landing page does not render: " + err.Error())
	}
	p.html = page.Bytes()
	hash := sha256.Sum256([]byte(landingCSS))
	p.csp = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(hash[:]) + "'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return p
}

// handle answers JSON to a client that asks for it before HTML, and the
// page to everyone else: browsers, and clients that name neither.
func (p *landingPage) handle(c *gin.Context) {
	c.Header("Vary", "Accept")
	if c.NegotiateFormat(binding.MIMEHTML, binding.MIMEJSON) == binding.MIMEJSON {
		c.JSON(http.StatusOK, p.facts)
		return
	}
	c.Header("Content-Security-Policy", p.csp)
	c.Header("X-Frame-Options", "DENY")
	c.Data(http.StatusOK, "text/html; charset=utf-8", p.html)
}
