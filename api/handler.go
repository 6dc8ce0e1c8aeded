package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// handler is the work of a token route: it binds and checks the request
// and returns the body of its answer, or an error. It never picks a
// status: a body is a 200, and the Errors middleware turns an error's
// kind into its status.
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

// mint checks every bundle against the policy and, when the caller may
// have them all, signs each: a request is refused whole or served whole.
func (h *handlers) mint(ctx context.Context, bundles ...service.Bundle) ([]service.Token, error) {
	for _, b := range bundles {
		if err := h.policy.Check(ctx, b); err != nil {
			return nil, err
		}
	}
	tokens := make([]service.Token, len(bundles))
	for i, b := range bundles {
		var err error
		if tokens[i], err = h.tokens.Bundle(b); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
