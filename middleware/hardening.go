package middleware

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// MaxBodyBytes is the largest request body the server reads. Every token
// request fits in a few hundred bytes.
const MaxBodyBytes = 64 << 10

// SecurityHeaders tells browsers not to guess content types and not to
// pass this server's URLs, which can name channels and users, on to
// other sites. It goes first so that every response carries them.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		c.Next()
	}
}

// BodyLimit refuses a body over limit bytes with 413: at once when its
// declared length says so, else when a handler reads past the limit. It
// also marks every other failure to read the body as the client's (see
// clientBody).
func BodyLimit(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			_ = c.Error(tooLarge(limit))
			c.Abort()
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, clientBody{c.Request.Body}, limit)
		}
		c.Next()
	}
}

// clientBody is a request's body as the connection delivers it. Reading
// it fails only through the client: a chunked encoding it broke, a
// connection it cut off, a body it sent slower than the server's read
// timeout. Such a failure becomes a *bodyReadError, which the Errors
// middleware answers with a 400 or a 408, not a 500. io.EOF is left as
// it is: the decoders look for it.
type clientBody struct{ io.ReadCloser }

// Read reads from the connection, marking a failure as the client's.
func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &bodyReadError{err}
	}
	return n, err
}

// bodyReadError is a failure to read a request's body, the client's
// fault.
type bodyReadError struct{ err error }

// Error says the body could not be read, and why.
func (e *bodyReadError) Error() string { return "reading the request body: " + e.err.Error() }

// Unwrap gives the reader's own error, such as a timeout.
func (e *bodyReadError) Unwrap() error { return e.err }

func tooLarge(limit int64) *service.Error {
	return &service.Error{Kind: service.TooLarge, Message: "the body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}
