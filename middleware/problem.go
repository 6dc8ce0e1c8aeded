// Package middleware holds the Gin middleware every route shares: error
// rendering, panic recovery, no-cache headers and CORS.
package middleware

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// Problem is an RFC 9457 problem document, the one error body this server
// writes. Error, Code and Message are extension members some older
// clients read; they are filled only on the routes those clients call.
type Problem struct {
	Type    string       `json:"type"`
	Title   string       `json:"title"`
	Status  int          `json:"status"`
	Detail  string       `json:"detail"`
	Errors  []FieldError `json:"errors,omitempty"`
	Error   string       `json:"error,omitempty"`
	Code    *int         `json:"code,omitempty"`
	Message string       `json:"message,omitempty"`
}

// FieldError names one input that broke a rule.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Dialect selects the extension members older clients expect in an error.
type Dialect int

const (
	// Standard adds nothing to the problem document.
	Standard Dialect = iota
	// CommunityDialect adds "error" holding the detail, for clients of the
	// community Node and Go token servers.
	CommunityDialect
	// ReferenceDialect adds "code": -1 and "message", for clients of
	// Agora's reference token server.
	ReferenceDialect
)

// DialectOf names the dialect of the errors on a request's path. It goes
// by the path alone, so that a request refused before reaching its route,
// or matching none, still reaches a client that reads the dialect's
// members.
type DialectOf func(path string) Dialect

// statusOf maps every kind of error to its HTTP status, in this one place.
var statusOf = map[service.Kind]int{
	service.Internal:             http.StatusInternalServerError,
	service.Invalid:              http.StatusBadRequest,
	service.Unauthorized:         http.StatusUnauthorized,
	service.Forbidden:            http.StatusForbidden,
	service.TooManyRequests:      http.StatusTooManyRequests,
	service.NotFound:             http.StatusNotFound,
	service.MethodNotAllowed:     http.StatusMethodNotAllowed,
	service.TooLarge:             http.StatusRequestEntityTooLarge,
	service.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	service.Unavailable:          http.StatusServiceUnavailable,
	service.RequestTimeout:       http.StatusRequestTimeout,
}

// internalDetail is all a client hears of a failure that is not its own.
const internalDetail = "the server could not complete the request"

// Errors renders the last error a handler recorded with c.Error as a
// problem document in the dialect of the request's path. Errors that are
// not ours become a generic 500 and their text goes to the log only.
func Errors(log *slog.Logger, words RuleWords, dialect DialectOf) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err
		p := problemFor(err, words)
		// Only the server's own failure is an error to log: a 503 reports
		// a state (shutting down, a dependency down) that readiness
		// probes ask about every few seconds, and the probe logs why.
		if p.Status == statusOf[service.Internal] {
			log.ErrorContext(c.Request.Context(), "request failed",
				"method", c.Request.Method, "route", c.FullPath(), "error", err.Error())
		}
		write(c, p, dialect)
	}
}

// write sends p as an about:blank problem, adding the extension members
// of the dialect of the request's path.
func write(c *gin.Context, p Problem, dialect DialectOf) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	switch dialect(c.Request.URL.Path) {
	case CommunityDialect:
		p.Error = p.Detail
	case ReferenceDialect:
		p.Code, p.Message = new(-1), p.Detail
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

// problemFor describes err to the client: its kind picks the status, and
// an invalid input is named in errors.
func problemFor(err error, words RuleWords) Problem {
	e, fields := classify(err, words)
	status, known := statusOf[e.Kind]
	switch {
	case !known || e.Kind == service.Internal:
		return Problem{Status: statusOf[service.Internal], Detail: internalDetail}
	case len(fields) > 0:
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = strings.TrimSpace(f.Field + " " + f.Message)
		}
		return Problem{Status: status, Detail: strings.Join(parts, "; "), Errors: fields}
	}
	return Problem{Status: status, Detail: e.Error()}
}

// classify puts any error a handler records in the service's terms, with
// the inputs at fault when it names some; an error that is not the
// client's is Internal.
func classify(err error, words RuleWords) (e *service.Error, fields []FieldError) {
	var (
		verrs   validator.ValidationErrors
		svcErr  *service.Error
		typeErr *json.UnmarshalTypeError
		bigErr  *http.MaxBytesError
	)
	invalidBody := func(detail string) *service.Error { return &service.Error{Kind: service.Invalid, Message: detail} }
	switch {
	case errors.As(err, &bigErr):
		return &service.Error{Kind: service.TooLarge, Message: "the body is larger than " + strconv.FormatInt(bigErr.Limit, 10) + " bytes"}, nil
	case errors.Is(err, errBodyRead) && errors.Is(err, os.ErrDeadlineExceeded):
		return &service.Error{Kind: service.RequestTimeout, Message: "the body did not arrive within the time the server waits for a request"}, nil
	case errors.Is(err, errBodyRead):
		return invalidBody("the body could not be read: it was cut off, or its chunked encoding is malformed"), nil
	case errors.As(err, &verrs):
		for _, fe := range verrs {
			msg := "breaks the rule " + fe.Tag()
			if words != nil {
				msg = cmp.Or(words(fe), msg)
			}
			fields = append(fields, FieldError{Field: fieldPath(fe), Message: msg})
		}
		return &service.Error{Kind: service.Invalid}, fields
	case errors.As(err, &svcErr):
		if svcErr.Kind == service.Invalid && svcErr.Field != "" {
			fields = []FieldError{{Field: svcErr.Field, Message: svcErr.Message}}
		}
		return svcErr, fields
	case errors.As(err, &typeErr) && typeErr.Field == "":
		// The body as a whole has the wrong type, such as an array.
		return invalidBody("the body must be an object"), nil
	case errors.As(err, &typeErr):
		want := jsonKind(typeErr.Type.Kind().String())
		return &service.Error{Kind: service.Invalid}, []FieldError{{Field: typeErr.Field, Message: "must be " + want}}
	case errors.As(err, new(*json.SyntaxError)), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidBody("the body is not valid JSON"), nil
	case errors.Is(err, io.EOF):
		return invalidBody("the body is empty; send a JSON object"), nil
	}
	return &service.Error{Kind: service.Internal, Message: err.Error()}, nil
}

// fieldPath names fe's field by its path from the request's root, in the
// client's words: "rtm.userId", not "userId". An embedded struct (the path
// or query parameters) has no tag to rename it, so it reads alike in both
// namespaces, and adds nothing to the path.
func fieldPath(fe validator.FieldError) string {
	client := strings.Split(fe.Namespace(), ".")
	goNames := strings.Split(fe.StructNamespace(), ".")
	if len(client) != len(goNames) {
		return fe.Field()
	}
	var path []string
	for i := 1; i < len(client)-1; i++ {
		if client[i] != goNames[i] {
			path = append(path, client[i])
		}
	}
	return strings.Join(append(path, fe.Field()), ".")
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "uint"):
		return "a whole number that is not negative and not too large"
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "bool":
		return "true or false"
	case goKind == "string":
		return "a string"
	case goKind == "struct", goKind == "map":
		return "an object"
	}
	return "of another type"
}

// RuleWords says, in words, which rule a field broke. The rules are the
// routes' own, so the package that declares them words them; a nil
// RuleWords, or an empty answer, names the rule by its tag.
type RuleWords func(validator.FieldError) string
