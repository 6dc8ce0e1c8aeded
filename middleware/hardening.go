package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// MaxBodyBytes is the largest request body the server reads. Every token
// request fits in a few hundred bytes.
const MaxBodyBytes = 64 << 10

// SecurityHeaders tells browsers not to guess content types and not to
// pass this server's URLs, which can name channels and users, on to
// other sites. It goes first so that every response carries them.
func SecurityHeaders() gin.HandlerFunc {
	return fixedHeaders(http.Header{
		"X-Content-Type-Options": {"nosniff"},
		"Referrer-Policy":        {"no-referrer"},
	})
}

// NoCache forbids every cache between the server and the client from
// keeping a response: a token is personal and short-lived.
//
// Cache-Control alone says so. Pragma and Expires, which older token
// servers also send, add nothing since HTTP/1.1 (RFC 9111 deprecates
// Pragma, and a cache told no-store keeps nothing for Expires to date),
// while writing them cost a /ping about 1.4 µs of the server's CPU time
// under load, and the client the parsing.
func NoCache() gin.HandlerFunc {
	return fixedHeaders(http.Header{
		"Cache-Control": {"private, no-cache, no-store, must-revalidate"},
	})
}

// fixedHeaders sets the same headers on every response. Every response
// shares each value's slice instead of a copy, which Header.Set would
// allocate for each header of each request: net/http and Gin replace a
// header's slice (Set) or grow it into a new one (Add), and never write
// into it. The headers are kept in a slice, not a map: walking a map
// costs more than setting the two or three headers it holds.
func fixedHeaders(fixed http.Header) gin.HandlerFunc {
	type header struct {
		name   string
		values []string
	}
	var headers []header
	for k, v := range fixed {
		headers = append(headers, header{http.CanonicalHeaderKey(k), v[:len(v):len(v)]})
	}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		for _, f := range headers {
			h[f.name] = f.values
		}
		c.Next()
	}
}

// BodyLimit refuses a body over limit bytes with 413: at once when its
// declared length says so (with the error a read past the limit gives),
// else when a handler reads past the limit. It also marks every other
// failure to read the body as the client's (see clientBody).
func BodyLimit(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			_ = c.Error(&http.MaxBytesError{Limit: limit})
			c.Abort()
			return
		}
		// A request that declares an empty body (a GET, most often) has
		// nothing to read: net/http gives it http.NoBody, and wrapping
		// that would cost two allocations a request.
		if c.Request.Body != nil && c.Request.ContentLength != 0 {
			c.Request.Body = http.MaxBytesReader(c.Writer, clientBody{c.Request.Body}, limit)
		}
		c.Next()
	}
}

// clientBody is a request's body as the connection delivers it. Reading
// it fails only through the client (a broken chunked encoding, a cut
// connection, a body slower than the read timeout), so a failure is
// marked errBodyRead, which Errors answers with a 400 or a 408, not a
// 500. io.EOF is left as it is: the decoders look for it.
type clientBody struct{ io.ReadCloser }

var errBodyRead = errors.New("reading the request body")

// Read reads from the connection, marking a failure as the client's.
func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errBodyRead, err)
	}
	return n, err
}
