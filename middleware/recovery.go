package middleware

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// Recovery turns a panic in any later handler into a 500 problem
// document in the dialect of the request's path, logs it with its stack,
// and keeps the server serving. Placed after RequestID, its log line
// carries the request's ID.
func Recovery(log *slog.Logger, dialect DialectOf) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(rec) // the client went away; net/http handles this one
			}
			log.ErrorContext(c.Request.Context(), "panic in handler",
				"method", c.Request.Method, "route", routeOf(c),
				"panic", rec, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				write(c, problemFor(service.Errorf(service.Internal, "panic"), nil), dialect)
			}
			c.Abort()
		}()
		c.Next()
	}
}
