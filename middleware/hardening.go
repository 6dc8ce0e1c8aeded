package middleware

import (
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
// declared length says so, else when a handler reads past the limit.
func BodyLimit(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			_ = c.Error(tooLarge(limit))
			c.Abort()
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

func tooLarge(limit int64) *service.Error {
	return &service.Error{Kind: service.TooLarge, Message: "the body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}
