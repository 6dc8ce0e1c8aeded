package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed6ab08d10/agora-token-server/docs"
)

// Every operation of the contract, sent as Swagger UI's "Try it out"
// prefills it (each parameter's example, and each of the body's
// examples), succeeds against the server as `go run . --dev` runs it:
// the examples are what a newcomer presses first.
func TestEveryOperationsExampleSucceeds(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := newRouter(t, withAppTokens(), withDevCredentials())
	ran := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			target, headers, ok := prefilled(t, path, op)
			if !ok {
				continue
			}
			for name, body := range prefilledBodies(t, op) {
				t.Run(method+" "+path+" "+name, func(t *testing.T) {
					w := send(t, r, method, target, body, header(headers))
					if w.Code < 200 || w.Code > 299 {
						t.Errorf("%s %s with body %s = %d: %s", method, target, body, w.Code, w.Body)
					}
				})
				ran++
			}
		}
	}
	if ran < 20 {
		t.Errorf("only %d examples ran", ran)
	}
}

// prefilled is the target and headers of op on path, each parameter
// filled with its example; a required parameter without one fails the
// test, since "Try it out" would leave it empty.
func prefilled(t *testing.T, path string, op *openapi3.Operation) (string, map[string]string, bool) {
	t.Helper()
	query := url.Values{}
	headers := map[string]string{}
	for _, ref := range op.Parameters {
		p := ref.Value
		v, ok := exampleOf(p)
		if !ok {
			if p.Required {
				t.Errorf("%s %s: required parameter %s has no example", op.OperationID, path, p.Name)
				return "", nil, false
			}
			continue
		}
		switch p.In {
		case openapi3.ParameterInPath:
			path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(v), 1)
		case openapi3.ParameterInQuery:
			query.Set(p.Name, v)
		case openapi3.ParameterInHeader:
			headers[p.Name] = v
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return path, headers, true
}

// exampleOf is the value Swagger UI prefills a parameter with: its
// example, its first named example, or its schema's example.
func exampleOf(p *openapi3.Parameter) (string, bool) {
	v := p.Example
	if v == nil && len(p.Examples) > 0 {
		names := slices.Sorted(func(yield func(string) bool) {
			for name := range p.Examples {
				if !yield(name) {
					return
				}
			}
		})
		v = p.Examples[names[0]].Value.Value
	}
	if v == nil && p.Schema != nil && p.Schema.Value != nil {
		v = p.Schema.Value.Example
	}
	if v == nil {
		return "", false
	}
	return fmt.Sprint(v), true
}

// prefilledBodies are op's request bodies as JSON, by the name of their
// example: each of them, since the reader may pick any; one empty body
// when op takes none.
func prefilledBodies(t *testing.T, op *openapi3.Operation) map[string]string {
	t.Helper()
	if op.RequestBody == nil {
		return map[string]string{"": ""}
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil {
		t.Fatalf("%s: a request body that is not JSON", op.OperationID)
	}
	examples := map[string]any{}
	if mt.Example != nil {
		examples["example"] = mt.Example
	}
	for name, ex := range mt.Examples {
		examples[name] = ex.Value.Value
	}
	if len(examples) == 0 && mt.Schema != nil && mt.Schema.Value.Example != nil {
		examples["schema's example"] = mt.Schema.Value.Example
	}
	if len(examples) == 0 {
		t.Errorf("%s: a request body without an example", op.OperationID)
	}
	out := map[string]string{}
	for name, v := range examples {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}
