package docs

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The API tests hold every response they see to the headers the contract
// declares (api/openapi_test.go). These tests make sure it declares them
// all, for every route and every answer, so that nothing goes unchecked.

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// operation is one method of one path of the contract.
type operation struct {
	method, path string
	op           *openapi3.Operation
}

func operations(doc *openapi3.T) []operation {
	var out []operation
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			out = append(out, operation{method, path, op})
		}
	}
	slices.SortFunc(out, func(a, b operation) int {
		return strings.Compare(a.method+" "+a.path, b.method+" "+b.path)
	})
	return out
}

// guarded reports whether op mints or inspects tokens: only those may ask
// for a credential, and only those are rate limited.
func (o operation) guarded() bool { return o.op.Security != nil && len(*o.op.Security) > 0 }

// header is what the contract says of one response header.
type header struct {
	name     string
	required bool
}

func TestContractDeclaresEveryHeader(t *testing.T) {
	doc := loadDoc(t)
	// What every answer of the router carries, whatever the route.
	everywhere := []header{{"X-Request-ID", true}, {"X-Content-Type-Options", true}, {"Referrer-Policy", true}, {"Access-Control-Allow-Origin", false}, {"Access-Control-Expose-Headers", false}}
	rateLimit := []header{{"RateLimit-Limit", false}, {"RateLimit-Remaining", false}, {"RateLimit-Reset", false}}
	// What some answers carry besides.
	byStatus := map[string][]header{
		"204": {{"Access-Control-Allow-Origin", true}, {"Access-Control-Allow-Methods", true}, {"Access-Control-Allow-Headers", true}, {"Access-Control-Max-Age", true}},
		"401": {{"WWW-Authenticate", true}},
		"405": {{"Allow", true}},
		"429": {{"Retry-After", true}, {"RateLimit-Limit", true}, {"RateLimit-Remaining", true}, {"RateLimit-Reset", true}},
	}
	tokenOK := []header{{"Cache-Control", true}}

	for _, o := range operations(doc) {
		for status, ref := range o.op.Responses.Map() {
			t.Run(o.method+" "+o.path+" "+status, func(t *testing.T) {
				want := slices.Concat(everywhere, byStatus[status])
				// The body limit refuses a 413 before the guard sees it;
				// the guard and everything after it count against the limit.
				if o.guarded() && slices.Contains([]string{"200", "400", "401", "403", "415", "429"}, status) {
					want = append(want, rateLimit...)
				}
				if o.guarded() && status == "200" {
					want = append(want, tokenOK...)
				}
				if o.method == http.MethodOptions && status == "204" {
					want = slices.DeleteFunc(want, func(h header) bool { return h.name == "Access-Control-Expose-Headers" })
				}
				for _, h := range want {
					got, ok := ref.Value.Headers[h.name]
					switch {
					case !ok:
						t.Errorf("%s is not declared", h.name)
					case h.required && !got.Value.Required:
						t.Errorf("%s is declared optional; every such answer carries it", h.name)
					}
				}
			})
		}
	}
}

// The errors an operation can end in, by what it is.
func TestContractDeclaresEveryError(t *testing.T) {
	doc := loadDoc(t)
	for _, o := range operations(doc) {
		t.Run(o.method+" "+o.path, func(t *testing.T) {
			var want []string
			switch {
			case o.guarded():
				want = []string{"200", "400", "401", "403", "429"}
				if o.op.RequestBody != nil {
					want = append(want, "413")
				}
			default:
				want = []string{"200"}
			}
			switch o.method + " " + o.path {
			case "GET /readyz":
				want = append(want, "503")
			case "GET /metrics":
				want = append(want, "401")
			}
			for _, status := range want {
				if o.op.Responses.Value(status) == nil {
					t.Errorf("no %s response", status)
				}
			}
			if o.op.Responses.Default() == nil {
				t.Error("no default response: any route can answer 404, 405, 413 or 500")
			}
		})
	}
}

// A browser sends a preflight before a cross-origin call on any path, and
// the server answers it there: the contract says so in every path's
// description. It lists no OPTIONS operation, which Swagger UI's "Try it
// out" would offer and could only fail: a browser cannot set Origin.
func TestContractDescribesEveryPreflight(t *testing.T) {
	doc := loadDoc(t)
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		if item.Options != nil {
			t.Errorf("%s has an OPTIONS operation, which Try it out cannot send", path)
		}
		if !strings.Contains(item.Description, "preflight") || !strings.Contains(item.Description, "204") {
			t.Errorf("%s's description does not say how its preflight is answered", path)
		}
	}
}
