package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/seed6ab08d10/agora-token-server/auth"
)

// The bounds of MAX_HEADER_BYTES: net/http cannot hold a request head
// to less than the lower one, its read buffer; above the upper one a
// client may make the server hold a megabyte per connection.
const (
	minHeaderBytes = 4 << 10
	maxHeaderBytes = 1 << 20
)

// buildOps reads the settings that concern running the server rather than
// minting tokens: logs, metrics and the HTTP server's limits. c.Dev must
// already be set.
func buildOps(v *viper.Viper, c *Config) error {
	switch f := strings.ToLower(strings.TrimSpace(v.GetString("log_format"))); f {
	case "":
		c.LogFormat = "json"
		if c.Dev {
			c.LogFormat = "text"
		}
	case "json", "text":
		c.LogFormat = f
	default:
		return &Error{Key: "LOG_FORMAT", Rule: "must be json or text"}
	}
	// slog would also take offsets such as "info+2", which are no setting.
	level := strings.ToLower(strings.TrimSpace(v.GetString("log_level")))
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, level) || c.LogLevel.UnmarshalText([]byte(level)) != nil {
		return &Error{Key: "LOG_LEVEL", Rule: "must be debug, info, warn or error"}
	}
	c.MetricsToken = strings.TrimSpace(v.GetString("metrics_token"))
	if c.MetricsToken != "" && len(c.MetricsToken) < auth.MinKeyLength {
		return &Error{Key: "METRICS_TOKEN", Rule: fmt.Sprintf("must be at least %d characters, or empty to leave /metrics open", auth.MinKeyLength)}
	}

	durations := []struct {
		env  string
		name string
		dst  *time.Duration
	}{
		{"READ_HEADER_TIMEOUT", "read_header_timeout", &c.ReadHeaderTimeout},
		{"READ_TIMEOUT", "read_timeout", &c.ReadTimeout},
		{"WRITE_TIMEOUT", "write_timeout", &c.WriteTimeout},
		{"IDLE_TIMEOUT", "idle_timeout", &c.IdleTimeout},
		{"SHUTDOWN_TIMEOUT", "shutdown_timeout", &c.ShutdownTimeout},
	}
	for _, d := range durations {
		val, err := duration(v.GetString(d.name))
		if err != nil {
			return &Error{Key: d.env, Rule: "must be a duration above zero and at most 1h, such as 30s, 2m or 30 (seconds)"}
		}
		*d.dst = val
	}
	// Unlike the limits above, the delay may be zero: stop at once.
	d := strings.TrimSpace(v.GetString("shutdown_delay"))
	if zero, err := time.ParseDuration(d); err != nil || zero != 0 {
		val, err := duration(d)
		if err != nil {
			return &Error{Key: "SHUTDOWN_DELAY", Rule: "must be 0 or a duration of at most 1h, such as 5s or 5 (seconds)"}
		}
		c.ShutdownDelay = val
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.GetString("max_header_bytes")))
	if err != nil || n < minHeaderBytes || n > maxHeaderBytes {
		return &Error{Key: "MAX_HEADER_BYTES", Rule: fmt.Sprintf("must be a whole number of bytes from %d to %d", minHeaderBytes, maxHeaderBytes)}
	}
	c.MaxHeaderBytes = n
	return nil
}

// duration reads a Go duration ("30s", "1m30s") or a bare number of
// seconds, as the other settings count time in seconds. Zero is refused:
// to net/http it means no limit at all.
func duration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseUint(s, 10, 32)
		if nerr != nil {
			return 0, err
		}
		d = time.Duration(n) * time.Second
	}
	if d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("%s is out of range", s)
	}
	return d, nil
}

// opsString renders the operating settings for the start-up log, with
// the metrics token masked.
func (c Config) opsString() string {
	return fmt.Sprintf("log_format=%s log_level=%s metrics_token=%s read_header_timeout=%s read_timeout=%s write_timeout=%s idle_timeout=%s max_header_bytes=%d shutdown_timeout=%s shutdown_delay=%s",
		c.LogFormat, strings.ToLower(c.LogLevel.String()), mask(c.MetricsToken),
		c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.MaxHeaderBytes, c.ShutdownTimeout, c.ShutdownDelay)
}
