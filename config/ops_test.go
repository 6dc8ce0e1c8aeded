package config

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// opsEnv is a valid environment plus the given variables.
func opsEnv(vars map[string]string) func(string) string {
	base := map[string]string{
		"APP_ID":          testkit.AppID,
		"APP_CERTIFICATE": testkit.Certificate,
	}
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return base[k]
	}
}

func TestOpsDefaults(t *testing.T) {
	tests := []struct {
		name       string
		vars       map[string]string
		wantFormat string
	}{
		{"production", nil, "json"},
		{"dev mode", map[string]string{"DEV_MODE": "true"}, "text"},
		{"dev mode asking for json", map[string]string{"DEV_MODE": "true", "LOG_FORMAT": "json"}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(nil, opsEnv(tt.vars), ".env", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.LogFormat != tt.wantFormat {
				t.Errorf("LogFormat = %q, want %q", c.LogFormat, tt.wantFormat)
			}
			got := []any{c.LogLevel, c.MetricsToken, c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.MaxHeaderBytes, c.ShutdownTimeout, c.ShutdownDelay}
			want := []any{slog.LevelInfo, "", 5 * time.Second, 10 * time.Second, 10 * time.Second, 60 * time.Second, 16384, 10 * time.Second, time.Duration(0)}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("setting %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestOpsSettings(t *testing.T) {
	c, err := Load([]string{"--shutdown-timeout", "25s"}, opsEnv(map[string]string{
		"LOG_FORMAT":          "TEXT",
		"LOG_LEVEL":           "Warn",
		"METRICS_TOKEN":       "scrape-me-0123456789",
		"READ_HEADER_TIMEOUT": "2",
		"READ_TIMEOUT":        "1m30s",
		"WRITE_TIMEOUT":       "45s",
		"IDLE_TIMEOUT":        "2m",
		"MAX_HEADER_BYTES":    "32768",
		"SHUTDOWN_TIMEOUT":    "5s", // the flag wins
		"SHUTDOWN_DELAY":      "5",
	}), "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.LogFormat, c.LogLevel, c.MetricsToken, c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.MaxHeaderBytes, c.ShutdownTimeout, c.ShutdownDelay}
	want := []any{"text", slog.LevelWarn, "scrape-me-0123456789", 2 * time.Second, 90 * time.Second, 45 * time.Second, 2 * time.Minute, 32768, 25 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("setting %d = %v, want %v", i, got[i], want[i])
		}
	}
	if s := c.String(); strings.Contains(s, "scrape-me") || !strings.Contains(s, "metrics_token=****") {
		t.Errorf("String() = %q, want the metrics token masked", s)
	}
}

func TestOpsInvalid(t *testing.T) {
	tests := []struct {
		env, value string
	}{
		{"LOG_FORMAT", "xml"},
		{"LOG_LEVEL", "verbose"},
		{"READ_HEADER_TIMEOUT", "0"},
		{"READ_TIMEOUT", "-5s"},
		{"WRITE_TIMEOUT", "soon"},
		{"IDLE_TIMEOUT", "2h"},
		{"SHUTDOWN_TIMEOUT", "0s"},
		{"SHUTDOWN_DELAY", "-1s"},
		{"SHUTDOWN_DELAY", "2h"},
		{"SHUTDOWN_DELAY", "later"},
		{"MAX_HEADER_BYTES", "4095"}, // below net/http's read buffer
		{"MAX_HEADER_BYTES", "2000000"},
		{"MAX_HEADER_BYTES", "16k"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			_, err := Load(nil, opsEnv(map[string]string{tt.env: tt.value}), ".env", io.Discard)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if cfgErr.Key != tt.env {
				t.Errorf("error names %q, want %q", cfgErr.Key, tt.env)
			}
			// Short values such as "0" occur in the rule's own examples.
			if len(tt.value) > 3 && strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

// SHUTDOWN_DELAY, unlike the timeouts, may be zero: no delay at all.
func TestShutdownDelayMayBeZero(t *testing.T) {
	for _, v := range []string{"0", "0s", " 0s ", "0ms"} {
		c, err := Load(nil, opsEnv(map[string]string{"SHUTDOWN_DELAY": v}), ".env", io.Discard)
		if err != nil || c.ShutdownDelay != 0 {
			t.Errorf("SHUTDOWN_DELAY=%q: delay %v, err %v; want 0 and no error", v, c.ShutdownDelay, err)
		}
	}
}
