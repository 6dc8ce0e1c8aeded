package middleware

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// LimitBody refuses to read more than n bytes of a request body: a
// token request is a few hundred bytes, and without a limit one client
// could make the server buffer gigabytes. Reading past n fails with an
// *http.MaxBytesError, which the Errors middleware answers with a 413.
func LimitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
