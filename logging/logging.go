// Package logging builds the server's structured logger and carries a
// request's ID through its context, so that every line logged while
// serving a request names it.
package logging

import (
	"context"
	"io"
	"log/slog"
)

// The formats New writes.
const (
	JSON = "json" // one JSON object a line, for log collectors
	Text = "text" // key=value lines, for a developer's terminal
)

// New returns a logger writing lines of format (JSON or Text) at level and
// above to w. Every line logged with a context that holds a request ID
// carries it as "request_id".
func New(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	// slog's handler and LogRequest's lines share w, one Write a line;
	// a Writer already takes each Write whole from any goroutine.
	shared := w
	if _, whole := w.(*Writer); !whole {
		shared = &lockedWriter{w: w}
	}
	var h slog.Handler = slog.NewJSONHandler(shared, opts)
	if format == Text {
		h = slog.NewTextHandler(shared, opts)
	}
	return slog.New(requestIDHandler{h, &requestLines{w: shared, text: format == Text}})
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request ID id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDHandler adds the request ID of the record's context, so that
// code deep in a request needs only to log with its context.
type requestIDHandler struct {
	slog.Handler
	// lines writes access lines as Handler would, while Handler adds no
	// attribute or group of its own; nil after WithAttrs or WithGroup.
	lines *requestLines
}

// Handle writes r, with the request ID of ctx when it holds one.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs returns a handler that adds attrs to every line and still
// adds the request ID.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs), nil}
}

// WithGroup returns a handler that nests later attributes under name and
// still adds the request ID, which then lands in the group too: the
// server logs no group, so request_id stays at the top of every line.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name), nil}
}
