package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handler is the work of a token route: it binds and checks the request
// and returns the body of its answer, or an error. It never picks a status:
// a body is a 200, and the Errors middleware maps an error's kind to one.
type handler func(c *gin.Context) (any, error)

// respond runs h as a Gin handler.
func respond(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := h(c)
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.JSON(http.StatusOK, body)
	}
}
