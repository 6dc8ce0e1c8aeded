// Package middleware holds the Gin middleware every route shares: error
// rendering, panic recovery, no-cache headers and CORS.
package middleware

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
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

const dialectKey = "problem.dialect"

// UseDialect marks the routes of a group as speaking dialect d in errors.
func UseDialect(d Dialect) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(dialectKey, d)
		c.Next()
	}
}

// HTTPError is an error that already knows its status, for failures that
// belong to HTTP itself: unknown routes, wrong methods, bad media types.
type HTTPError struct {
	Status int
	Detail string
}

func (e *HTTPError) Error() string { return e.Detail }

// statusOf maps the service's error kinds to HTTP statuses; the only
// place that does so.
var statusOf = map[service.Kind]int{
	service.Internal:        http.StatusInternalServerError,
	service.Invalid:         http.StatusBadRequest,
	service.Unauthorized:    http.StatusUnauthorized,
	service.Forbidden:       http.StatusForbidden,
	service.TooManyRequests: http.StatusTooManyRequests,
}

// Errors renders the last error a handler recorded with c.Error as a
// problem document. Errors that are not ours become a generic 500 and
// their text goes to the log only.
func Errors(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err
		p := problemFor(err)
		if p.Status >= 500 {
			log.ErrorContext(c.Request.Context(), "request failed",
				"method", c.Request.Method, "route", c.FullPath(), "error", err.Error())
		}
		Write(c, p)
	}
}

// Write sends p, adding the extension members of the route's dialect.
func Write(c *gin.Context, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	switch d, _ := c.Get(dialectKey); d {
	case CommunityDialect:
		p.Error = p.Detail
	case ReferenceDialect:
		code := -1
		p.Code, p.Message = &code, p.Detail
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

func problemFor(err error) Problem {
	var (
		verrs   validator.ValidationErrors
		svcErr  *service.Error
		httpErr *HTTPError
		synErr  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		bigErr  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &bigErr):
		big := tooLarge(bigErr.Limit)
		return Problem{Status: big.Status, Detail: big.Detail}
	case errors.As(err, &verrs):
		fields := make([]FieldError, 0, len(verrs))
		for _, fe := range verrs {
			fields = append(fields, FieldError{Field: fe.Field(), Message: ruleMessage(fe)})
		}
		return invalid(fields)
	case errors.As(err, &svcErr):
		p := Problem{Status: statusOf[svcErr.Kind], Detail: svcErr.Error()}
		if svcErr.Kind == service.Invalid && svcErr.Field != "" {
			p = invalid([]FieldError{{Field: svcErr.Field, Message: svcErr.Message}})
		}
		if p.Status >= 500 {
			p.Detail = "the server could not complete the request"
		}
		return p
	case errors.As(err, &httpErr):
		return Problem{Status: httpErr.Status, Detail: httpErr.Detail}
	case errors.As(err, &typeErr) && typeErr.Field == "":
		// The body as a whole has the wrong type, such as an array.
		return Problem{Status: http.StatusBadRequest, Detail: "the body must be an object"}
	case errors.As(err, &typeErr):
		return invalid([]FieldError{{Field: typeErr.Field, Message: "must be " + jsonKind(typeErr.Type.Kind().String())}})
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Status: http.StatusBadRequest, Detail: "the body is not valid JSON"}
	case errors.Is(err, io.EOF):
		return Problem{Status: http.StatusBadRequest, Detail: "the body is empty; send a JSON object"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if field == "" {
			// A key that is the empty string still needs a name a
			// client can read.
			field = `""`
		}
		return invalid([]FieldError{{Field: field, Message: "is not a known field"}})
	}
	return Problem{Status: http.StatusInternalServerError, Detail: "the server could not complete the request"}
}

func invalid(fields []FieldError) Problem {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = strings.TrimSpace(f.Field + " " + f.Message)
	}
	return Problem{
		Status: http.StatusBadRequest,
		Detail: strings.Join(parts, "; "),
		Errors: fields,
	}
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

// ruleMessage says, in words, which rule a field broke.
func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		return "must be at most " + fe.Param() + " long"
	case "agora_channel":
		return "must be 1 to " + strconv.Itoa(service.MaxChannelBytes) + " bytes of a-z, A-Z, 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,"
	case "agora_account":
		return "must be 1 to " + strconv.Itoa(service.MaxAccountBytes) + " bytes of a-z, A-Z, 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,"
	case "agora_user_id":
		return "must be 1 to " + strconv.Itoa(service.MaxRTMUserIDBytes) + " bytes"
	case "agora_uid":
		return "must be a whole number from 0 to 4294967295"
	case "agora_rtc_user":
		return "must be a whole number from 0 to 4294967295 for tokenType uid, or 1 to " +
			strconv.Itoa(service.MaxAccountBytes) + " bytes of Agora's account characters for userAccount"
	case "agora_uid_or_account":
		return "must be a whole number from 0 to 4294967295, or 1 to " +
			strconv.Itoa(service.MaxAccountBytes) + " bytes of Agora's account characters"
	case "agora_rtm_uid":
		return "must be 1 to " + strconv.Itoa(service.MaxRTMUserIDBytes) + " bytes and not \"0\" when serviceRtm is enabled"
	case "agora_uid_xor_account":
		return "give exactly one of uid (a whole number from 0 to 4294967295) and account (a string)"
	case "agora_uid_not_account":
		return "give uid or account, not both"
	case "agora_any_service":
		return "at least one of serviceRtc, serviceRtm or serviceChat must be enabled"
	}
	return "breaks the rule " + fe.Tag()
}
