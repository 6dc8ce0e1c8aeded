package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// slogLine is r's access line as slog's own handler writes it, built
// here attribute by attribute rather than by Request.record.
func slogLine(t testing.TB, format string, at time.Time, r Request, id string) string {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewJSONHandler(&buf, nil)
	if format == Text {
		h = slog.NewTextHandler(&buf, nil)
	}
	rec := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("route", r.Route),
		slog.Int("status", r.Status),
		slog.Float64("latency_ms", float64(r.Latency.Microseconds())/1000),
		slog.String("client_ip", r.ClientIP),
		slog.Int("bytes", r.Bytes),
	)
	if id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	if err := h.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// loggedLine is what LogRequest writes through a logger from New.
func loggedLine(format string, at time.Time, r Request, id string) string {
	var buf bytes.Buffer
	ctx := context.Background()
	if id != "" {
		ctx = WithRequestID(ctx, id)
	}
	LogRequest(ctx, New(&buf, format, slog.LevelInfo), at, r)
	return buf.String()
}

var (
	noon = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ping = Request{Method: "GET", Route: "/ping", Status: 200, Latency: 819 * time.Microsecond, ClientIP: "127.0.0.1", Bytes: 18}
)

func TestLogRequestWritesWhatSlogWrites(t *testing.T) {
	with := func(change func(*Request)) Request {
		r := ping
		change(&r)
		return r
	}
	tests := []struct {
		name string
		at   time.Time
		r    Request
		id   string
		fast bool // the line is plain: written without slog's handler
	}{
		{"a ping", noon.Add(149027848), ping, "M4QVRUA3RE4PSCJTSMENRWJ2M4", true},
		{"no request ID", noon, ping, "", true},
		{"a token route", noon, with(func(r *Request) {
			r.Route, r.Latency, r.Bytes = "/rtc/:channelName/:role/:tokenType/:uid", 1500*time.Microsecond, 206
		}), "a-b_c.d:e/f+g", true},
		{"IPv6 with a zone", noon, with(func(r *Request) { r.ClientIP = "fe80::1%eth0" }), "x", true},
		{"a catch-all route", noon, with(func(r *Request) { r.Route, r.Status = "/docs/*any", 404 }), "x", true},
		{"no time", noon, with(func(r *Request) { r.Latency = 0 }), "x", true},
		{"a microsecond", noon, with(func(r *Request) { r.Latency = time.Microsecond }), "x", true},
		{"less than a microsecond", noon, with(func(r *Request) { r.Latency = 999 }), "x", true},
		{"whole milliseconds", noon, with(func(r *Request) { r.Latency = 3 * time.Millisecond }), "x", true},
		{"a slow request", noon, with(func(r *Request) { r.Latency = 42*time.Minute + 7*time.Microsecond }), "x", true},
		{"a millisecond's last nanosecond", noon.Add(time.Millisecond - 1), ping, "x", true},
		{"another time zone", noon.In(time.FixedZone("IST", 5*3600+1800)).Add(123456789), ping, "x", true},
		{"a zone west of UTC", noon.In(time.FixedZone("", -7*3600)), ping, "x", true},
		{"the first year", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), ping, "x", true},
		{"the last year of RFC 3339", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), ping, "x", true},
		// Not plain: slog's handler writes them.
		{"a request ID with =", noon, ping, "YWJj=", false},
		{"a method to quote", noon, with(func(r *Request) { r.Method = `GET "x"` }), "x", false},
		{"an empty method", noon, with(func(r *Request) { r.Method = "" }), "x", false},
		{"a control character", noon, with(func(r *Request) { r.ClientIP = "1\n2" }), "x", false},
		{"not ASCII", noon, with(func(r *Request) { r.Route = "/é" }), "x", false},
		{"the longest latency", noon, with(func(r *Request) { r.Latency = 1<<63 - 1 }), "x", true},
		{"a negative latency", noon, with(func(r *Request) { r.Latency = -5 * time.Microsecond }), "x", true},
		{"the zero time, which slog leaves out", time.Time{}, ping, "x", false},
		{"a year past RFC 3339", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), ping, "x", false},
	}
	for _, format := range []string{JSON, Text} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				want := slogLine(t, format, tt.at, tt.r, tt.id)
				if got := loggedLine(format, tt.at, tt.r, tt.id); got != want {
					t.Errorf("LogRequest wrote\n%s\nslog writes\n%s", got, want)
				}
				var buf bytes.Buffer
				fast := (&requestLines{w: &buf, text: format == Text}).write(tt.at, tt.r, tt.id)
				if fast != tt.fast {
					t.Errorf("written without slog: %v, want %v", fast, tt.fast)
				}
				if fast && buf.String() != want {
					t.Errorf("the line built without slog is\n%s\nslog writes\n%s", buf.String(), want)
				}
				if !fast && buf.Len() > 0 {
					t.Errorf("a line left to slog was written too: %q", buf.String())
				}
			})
		}
	}
}

// Random plain lines come out as slog writes them.
func TestLogRequestMatchesSlogOnRandomLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 21))
	const alphabet = "abcXYZ019-_.:/*%+"
	word := func() string {
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := range 2000 {
		at := time.Unix(rng.Int64N(1<<35), rng.Int64N(1e9)).In(time.FixedZone("", 60*(rng.IntN(24*60)-12*60)))
		r := Request{
			Method:   word(),
			Route:    word(),
			Status:   100 + rng.IntN(500),
			Latency:  time.Duration(rng.Int64N(int64(time.Duration(1) << (10 + rng.IntN(40))))),
			ClientIP: word(),
			Bytes:    rng.IntN(1 << 20),
		}
		id := ""
		if i%2 == 0 {
			id = word()
		}
		for _, format := range []string{JSON, Text} {
			if got, want := loggedLine(format, at, r, id), slogLine(t, format, at, r, id); got != want {
				t.Fatalf("LogRequest wrote\n%s\nslog writes\n%s", got, want)
			}
		}
	}
}

// A logger with attributes of its own writes them in every access line:
// the line is then slog's.
func TestLogRequestKeepsTheLoggersAttributes(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, JSON, slog.LevelInfo).With("component", "api")
	LogRequest(WithRequestID(context.Background(), "r1"), log, noon, ping)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("line %q: %v", buf.String(), err)
	}
	if line["component"] != "api" || line["route"] != "/ping" || line["request_id"] != "r1" || line["latency_ms"] != 0.819 {
		t.Errorf("line = %v, want component, route, request_id and latency_ms", line)
	}
}

func TestLogRequestFollowsTheLevel(t *testing.T) {
	var buf bytes.Buffer
	LogRequest(context.Background(), New(&buf, JSON, slog.LevelWarn), noon, ping)
	if buf.Len() != 0 {
		t.Errorf("at warn, LogRequest wrote %q", buf.String())
	}
}

// Access lines and other lines share the writer whole: none is cut into
// another, whether the writer is any io.Writer or the server's Writer.
func TestLogRequestSharesTheWriter(t *testing.T) {
	for _, batched := range []bool{false, true} {
		var buf bytes.Buffer
		var w io.Writer = &buf
		var out *Writer
		if batched {
			out = NewWriter(&buf)
			w = out
		}
		log := New(w, JSON, slog.LevelInfo)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 200 {
					LogRequest(context.Background(), log, noon, ping)
					log.Info("other", "n", 1)
				}
			})
		}
		wg.Wait()
		if out != nil {
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != 4*200*2 {
			t.Fatalf("batched %v: %d lines, want %d", batched, len(lines), 4*200*2)
		}
		for _, l := range lines {
			if !json.Valid([]byte(l)) {
				t.Fatalf("batched %v: line %q is not JSON", batched, l)
			}
		}
	}
}

// BenchmarkLogRequest compares the access line built directly with the
// same line through slog's handler, for both formats.
func BenchmarkLogRequest(b *testing.B) {
	ctx := WithRequestID(context.Background(), "M4QVRUA3RE4PSCJTSMENRWJ2M4")
	for _, format := range []string{JSON, Text} {
		log := New(io.Discard, format, slog.LevelInfo)
		b.Run(format+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				LogRequest(ctx, log, noon, ping)
			}
		})
		b.Run(format+"/slog", func(b *testing.B) {
			b.ReportAllocs()
			h := log.Handler()
			for b.Loop() {
				_ = h.Handle(ctx, ping.record(noon))
			}
		})
	}
}
