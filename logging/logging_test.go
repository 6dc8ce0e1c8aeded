package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestNewJSONCarriesRequestID(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string // request_id in the line; "" means absent
	}{
		{"with an ID", WithRequestID(context.Background(), "req-1"), "req-1"},
		{"without one", context.Background(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, JSON, slog.LevelInfo).With("component", "test")
			log.InfoContext(tt.ctx, "hello", "n", 1)

			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("line is not JSON: %v: %q", err, buf.String())
			}
			got, _ := line["request_id"].(string)
			if got != tt.want {
				t.Errorf("request_id = %q, want %q", got, tt.want)
			}
			if line["msg"] != "hello" || line["component"] != "test" || line["n"] != float64(1) {
				t.Errorf("line = %v, want msg, component and n kept", line)
			}
		})
	}
}

func TestNewText(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, Text, slog.LevelInfo).InfoContext(WithRequestID(context.Background(), "abc"), "hello")
	got := buf.String()
	for _, want := range []string{"level=INFO", "msg=hello", "request_id=abc"} {
		if !strings.Contains(got, want) {
			t.Errorf("text line %q lacks %q", got, want)
		}
	}
}

func TestNewLevel(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  []string // messages that reach the output
	}{
		{slog.LevelDebug, []string{"debug", "info", "warn", "error"}},
		{slog.LevelInfo, []string{"info", "warn", "error"}},
		{slog.LevelWarn, []string{"warn", "error"}},
		{slog.LevelError, []string{"error"}},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, JSON, tt.level)
			log.Debug("debug")
			log.Info("info")
			log.Warn("warn")
			log.Error("error")
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var line struct{ Msg string }
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				got = append(got, line.Msg)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("logged %v, want %v", got, tt.want)
			}
		})
	}
}
