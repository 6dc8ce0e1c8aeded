package logging

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Request is the access line of one answered request: its fields, in the
// order the line gives them.
type Request struct {
	Method   string
	Route    string
	Status   int
	Latency  time.Duration // the line gives it in milliseconds, to the µs
	ClientIP string
	Bytes    int
}

// LogRequest writes r's access line to log, the message "request" at
// info with the time at and the request ID of ctx: the line
// log.LogAttrs would write, short of a source position.
//
// With a logger from New, and a line whose strings need neither quotes
// nor escapes, as every line of a well-formed request does, the line is
// built straight into a buffer. Going through slog's handler costs a
// record, an attribute slice and encoding/json's float formatting, about
// a microsecond a request on the server's every route
// (BenchmarkLogRequest); TestLogRequestWritesWhatSlogWrites holds the
// two to the same bytes.
func LogRequest(ctx context.Context, log *slog.Logger, at time.Time, r Request) {
	h := log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	if base, ok := h.(requestIDHandler); ok && base.lines != nil && base.lines.write(at, r, RequestID(ctx)) {
		return
	}
	_ = h.Handle(ctx, r.record(at))
}

// record is r's line as a slog record.
func (r Request) record(at time.Time) slog.Record {
	line := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	line.AddAttrs(
		slog.String("method", r.Method),
		slog.String("route", r.Route),
		slog.Int("status", r.Status),
		slog.Float64("latency_ms", millis(r.Latency)),
		slog.String("client_ip", r.ClientIP),
		slog.Int("bytes", r.Bytes),
	)
	return line
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// requestLines writes access lines in the format of the handler New
// builds, to the writer that handler writes to.
type requestLines struct {
	w    io.Writer // shared with the handler, and safe for concurrent use
	text bool
}

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// write writes r's line with the request ID id and reports true, or
// reports false, having written nothing, when the line holds what only
// slog's handler formats as it must: a string to quote or escape, the
// zero time (no time at all) or a year RFC 3339 cannot hold.
func (l *requestLines) write(at time.Time, r Request, id string) bool {
	if !plain(r.Method) || !plain(r.Route) || !plain(r.ClientIP) || (id != "" && !plain(id)) || at.IsZero() {
		return false
	}
	// Whole microseconds in milliseconds: a Duration's lie between 1e-3
	// and 1e13 in size, where encoding/json, as slog's JSON handler calls
	// it, writes a float64 in 'f' form.
	ms := millis(r.Latency)
	buf := lineBuffers.Get().(*[]byte)
	defer lineBuffers.Put(buf)
	b := (*buf)[:0]
	if l.text {
		b = append(b, "time="...)
		start := len(b)
		b = at.AppendFormat(b, rfc3339Millis)
		if !fourDigitYear(b[start:]) {
			return false
		}
		b = append(b, " level=INFO msg=request method="...)
		b = append(b, r.Method...)
		b = append(b, " route="...)
		b = append(b, r.Route...)
		b = append(b, " status="...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = append(b, " latency_ms="...)
		b = strconv.AppendFloat(b, ms, 'g', -1, 64)
		b = append(b, " client_ip="...)
		b = append(b, r.ClientIP...)
		b = append(b, " bytes="...)
		b = strconv.AppendInt(b, int64(r.Bytes), 10)
		if id != "" {
			b = append(b, " request_id="...)
			b = append(b, id...)
		}
	} else {
		b = append(b, `{"time":"`...)
		start := len(b)
		b = at.AppendFormat(b, time.RFC3339Nano)
		if !fourDigitYear(b[start:]) {
			return false
		}
		b = append(b, `","level":"INFO","msg":"request","method":"`...)
		b = append(b, r.Method...)
		b = append(b, `","route":"`...)
		b = append(b, r.Route...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = append(b, `,"latency_ms":`...)
		b = strconv.AppendFloat(b, ms, 'f', -1, 64)
		b = append(b, `,"client_ip":"`...)
		b = append(b, r.ClientIP...)
		b = append(b, `","bytes":`...)
		b = strconv.AppendInt(b, int64(r.Bytes), 10)
		if id != "" {
			b = append(b, `,"request_id":"`...)
			b = append(b, id...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, '\n')
	_, _ = l.w.Write(b)
	*buf = b
	return true
}

// fourDigitYear reports whether a formatted time begins with a year RFC
// 3339 can hold, four digits: slog's JSON handler reports an error in the
// line for any other. Reading the year off the text costs nothing, where
// Time.Year works out the date a second time.
func fourDigitYear(formatted []byte) bool {
	return len(formatted) > 4 && formatted[0] != '-' && formatted[4] == '-'
}

// plain reports whether s goes into both formats as it is: not empty,
// and only letters, digits and -_.:/*%+, which need no quotes in a text
// line and no escape in JSON. Methods, route patterns, addresses and the
// request IDs RequestID makes are all plain.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !plainBytes[s[i]] {
			return false
		}
	}
	return true
}

var plainBytes = func() (set [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/*%+" {
		set[c] = true
	}
	return set
}()

// rfc3339Millis is the text handler's layout of a line's time: RFC 3339
// with exactly three digits of milliseconds, cut, not rounded.
const rfc3339Millis = "2006-01-02T15:04:05.000Z07:00"

// lockedWriter lets slog's handler and requestLines share one writer: a
// line goes out in one Write, never interleaved with another.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p to the shared writer, alone.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
