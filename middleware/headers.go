package middleware

import "github.com/gin-gonic/gin"

// NoCache forbids every cache between the server and the client from
// keeping a response: a token is personal and short-lived.
func NoCache() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
		h.Set("Pragma", "no-cache")
		h.Set("Expires", "-1")
		c.Next()
	}
}
