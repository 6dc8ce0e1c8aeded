package docs

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPostmanCollection (beside main.go) runs the collection against the
// real server. These tests check what it asks: a request for every route
// of the contract, and the assertions every request must make.

// postmanRequest is one request of the collection, with the folder it is in
// and its test script.
type postmanRequest struct {
	folder, name string
	method       string
	url          string
	header       map[string]string
	script       string
}

// collection is the part of a Postman v2.1 collection the tests read.
type collection struct {
	Event []postmanEvent `json:"event"`
	Item  []postmanItem  `json:"item"`
}

type postmanItem struct {
	Name    string         `json:"name"`
	Item    []postmanItem  `json:"item"`
	Event   []postmanEvent `json:"event"`
	Request *struct {
		Method string `json:"method"`
		Header []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"header"`
		URL struct {
			Raw string `json:"raw"`
		} `json:"url"`
	} `json:"request"`
}

type postmanEvent struct {
	Listen string `json:"listen"`
	Script struct {
		Exec []string `json:"exec"`
	} `json:"script"`
}

func tests(events []postmanEvent) string {
	var b strings.Builder
	for _, e := range events {
		if e.Listen == "test" {
			b.WriteString(strings.Join(e.Script.Exec, "\n"))
		}
	}
	return b.String()
}

func loadCollection(t *testing.T) (collection, []postmanRequest) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("postman", "agora-token-server.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c collection
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	var out []postmanRequest
	var walk func(folder string, items []postmanItem)
	walk = func(folder string, items []postmanItem) {
		for _, it := range items {
			if it.Request == nil {
				walk(it.Name, it.Item)
				continue
			}
			r := postmanRequest{folder: folder, name: it.Name, method: it.Request.Method, url: it.Request.URL.Raw, header: map[string]string{}, script: tests(it.Event)}
			for _, h := range it.Request.Header {
				r.header[http.CanonicalHeaderKey(h.Key)] = h.Value
			}
			out = append(out, r)
		}
	}
	walk("", c.Item)
	return c, out
}

// path is the request's path as the server sees it: without the base URL,
// the query or a trailing slash.
func (r postmanRequest) path() string {
	p := strings.TrimPrefix(r.url, "{{baseUrl}}")
	p, _, _ = strings.Cut(p, "?")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// matches reports whether path fits the contract's template, such as
// /rtm/{uid}.
func matches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// Every route of the contract has at least one request. The preflight,
// which every path answers, needs one for the /v1 API and one for the
// compatible routes.
func TestPostmanCoversEveryRoute(t *testing.T) {
	doc := loadDoc(t)
	_, reqs := loadCollection(t)
	for _, o := range operations(doc) {
		if o.method == http.MethodOptions {
			continue
		}
		found := false
		for _, r := range reqs {
			found = found || (r.method == o.method && matches(o.path, r.path()))
		}
		if !found {
			t.Errorf("no request for %s %s", o.method, o.path)
		}
	}
	for _, v1 := range []bool{true, false} {
		found := false
		for _, r := range reqs {
			preflight := r.method == http.MethodOptions && r.header["Origin"] != ""
			found = found || (preflight && strings.HasPrefix(r.path(), "/v1/") == v1)
		}
		if !found {
			t.Errorf("no preflight (OPTIONS with an Origin) for a route of the /v1 API: %t", v1)
		}
	}
}

var (
	asserts400   = regexp.MustCompile(`have\.status\(400\)`)
	assertsField = regexp.MustCompile(`\.field\)*\.to\.(eql|include)\(\[?"`)
)

// What every request, and some kinds of request, must assert.
func TestPostmanAssertions(t *testing.T) {
	c, reqs := loadCollection(t)
	every := tests(c.Event)
	for _, want := range []string{`"X-Request-ID"`, `"X-Content-Type-Options"`, `"Referrer-Policy"`} {
		if !strings.Contains(every, want) {
			t.Errorf("the collection's own test script, run after every request, does not check %s", want)
		}
	}
	for _, r := range reqs {
		t.Run(r.folder+"/"+r.name, func(t *testing.T) {
			if !strings.Contains(r.script, "pm.test(") {
				t.Fatal("no pm.test")
			}
			if !strings.Contains(r.script, "status") {
				t.Error("the status is not asserted")
			}
			if asserts400.MatchString(r.script) && !assertsField.MatchString(r.script) {
				t.Error("a 400 whose test does not name the field at fault")
			}
			if r.folder == "v1" {
				if r.header["Origin"] != "{{origin}}" {
					t.Errorf("Origin = %q, want {{origin}}: a /v1 request is a browser's", r.header["Origin"])
				}
				if !strings.Contains(r.script, `"Access-Control-Allow-Origin"`) {
					t.Error("the CORS answer is not asserted")
				}
			}
		})
	}
}
