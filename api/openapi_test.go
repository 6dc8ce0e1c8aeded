package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/seed6ab08d10/agora-token-server/docs"
)

// The contract, docs/openapi.yaml, is checked against every request and
// response the API tests send through the router, so the document cannot
// drift from the code.

var loadContract = sync.OnceValues(func() (routers.Router, error) {
	for _, ct := range []string{"text/html", "text/javascript", "text/css", "text/plain"} {
		openapi3filter.RegisterBodyDecoder(ct, textBody)
	}
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI())
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // match any host: the tests' requests go to example.com
	return gorillamux.NewRouter(doc)
})

func TestOpenAPIDocumentIsValid(t *testing.T) {
	if _, err := loadContract(); err != nil {
		t.Fatal(err)
	}
}

// contractCheck is how much of an exchange send holds to the contract.
type contractCheck int

const (
	// requestAndResponse: the request when the server accepted it (a
	// request the contract calls invalid must not succeed), and always
	// the response.
	requestAndResponse contractCheck = iota
	// responseOnly: the response, where the contract knows the route; a
	// route it does not know must be refused.
	responseOnly
	// unchecked: nothing.
	unchecked
)

// checkContract holds one exchange to the contract, as far as check says.
func checkContract(t testing.TB, check contractCheck, method, target, body string, header http.Header, w *httptest.ResponseRecorder) {
	t.Helper()
	if check == unchecked {
		return
	}
	router, err := loadContract()
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	if method == http.MethodHead {
		// Every GET route answers HEAD with the same status and headers;
		// the contract lists the GET.
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header = header.Clone()
	// Every route answers with and without a trailing slash; the contract
	// lists each once.
	if p := req.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		req.URL.Path = strings.TrimSuffix(p, "/")
		req.URL.RawPath = ""
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if w.Code == http.StatusNotFound || w.Code == http.StatusMethodNotAllowed {
			return // neither the contract nor the server knows this route
		}
		if method == http.MethodOptions && header.Get("Origin") != "" && (w.Code == http.StatusNoContent || w.Code == http.StatusForbidden) {
			// CORS answers a preflight on any path, 403 from an origin it
			// refuses; the contract describes it in each path's description,
			// not as an operation.
			return
		}
		if check == responseOnly && w.Code >= 400 {
			return // the contract cannot describe some paths the router refuses, such as one with an empty segment
		}
		t.Errorf("contract: %s %s answered %d but the contract has no such route: %v", method, target, w.Code, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if check == requestAndResponse && w.Code < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("contract: %s %s succeeded but the contract rejects the request: %v", method, target, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				t.Errorf("contract: %s %s response %d: %v", method, target, w.Code, e)
			}
			return
		}
		t.Errorf("contract: %s %s response %d: %v", method, target, w.Code, err)
	}
}

// textBody lets the validator read the documentation's text responses.
func textBody(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	return string(b), err
}
