package middleware

import (
	"crypto/rand"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/logging"
)

// RequestIDHeader carries a request's ID in both directions. It is
// spelled in Go's canonical form, as it goes on the wire: net/http would
// otherwise make that spelling anew, one allocation, each time the
// header is read, and the response's header map takes it as it is.
const RequestIDHeader = "X-Request-Id"

// MaxRequestIDLen is the longest request ID taken from a client.
const MaxRequestIDLen = 128

// RequestID gives every request an ID: the client's X-Request-ID when it
// is safe to log (1 to MaxRequestIDLen letters, digits and -_.:+/=),
// else a new random one. The ID is echoed in the response and put in the
// request's context, where the logger finds it.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = rand.Text()
		}
		c.Writer.Header()[RequestIDHeader] = []string{id}
		c.Request = c.Request.WithContext(logging.WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

// validRequestID keeps IDs that a log line, a header and a search box can
// carry as they are; anything else could forge or break log lines.
func validRequestID(id string) bool {
	const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+/="
	return id != "" && len(id) <= MaxRequestIDLen && strings.Trim(id, safe) == ""
}
