package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed6ab08d10/agora-token-server/auth"
)

// The bounds of MAX_HEADER_BYTES: net/http cannot hold a request head
// to less than the lower one, its read buffer; above the upper one a
// client may make the server hold a megabyte per connection.
const (
	minHeaderBytes = 4 << 10
	maxHeaderBytes = 1 << 20
)

// ops reads the settings that concern running the server rather than
// minting tokens: logs, metrics and the HTTP server's limits. c.Dev must
// already be set.
func (r *reader) ops(c *Config) {
	switch f := strings.ToLower(r.get("log_format")); f {
	case "":
		c.LogFormat = "json"
		if c.Dev {
			c.LogFormat = "text"
		}
	case "json", "text":
		c.LogFormat = f
	default:
		r.fail("log_format", "must be json or text")
	}
	// slog would also take offsets such as "info+2", which are no setting.
	level := strings.ToLower(r.get("log_level"))
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, level) || c.LogLevel.UnmarshalText([]byte(level)) != nil {
		r.fail("log_level", "must be debug, info, warn or error")
	}
	c.MetricsToken = r.get("metrics_token")
	if c.MetricsToken != "" && len(c.MetricsToken) < auth.MinKeyLength {
		r.fail("metrics_token", fmt.Sprintf("must be at least %d characters, or empty to leave /metrics open", auth.MinKeyLength))
	}

	c.ReadHeaderTimeout = r.duration("read_header_timeout")
	c.ReadTimeout = r.duration("read_timeout")
	c.WriteTimeout = r.duration("write_timeout")
	c.IdleTimeout = r.duration("idle_timeout")
	c.ShutdownTimeout = r.duration("shutdown_timeout")
	// Unlike the limits above, the delay may be zero: stop at once.
	d := r.get("shutdown_delay")
	if zero, err := time.ParseDuration(d); err != nil || zero != 0 {
		val, err := duration(d)
		if err != nil {
			r.fail("shutdown_delay", "must be 0 or a duration of at most 1h, such as 5s or 5 (seconds)")
		}
		c.ShutdownDelay = val
	}
	n, err := strconv.Atoi(r.get("max_header_bytes"))
	if err != nil || n < minHeaderBytes || n > maxHeaderBytes {
		r.fail("max_header_bytes", fmt.Sprintf("must be a whole number of bytes from %d to %d", minHeaderBytes, maxHeaderBytes))
	}
	c.MaxHeaderBytes = n
}

func (r *reader) duration(name string) time.Duration {
	d, err := duration(r.get(name))
	if err != nil {
		r.fail(name, "must be a duration above zero and at most 1h, such as 30s, 2m or 30 (seconds)")
	}
	return d
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
