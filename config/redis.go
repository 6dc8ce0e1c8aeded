package config

import (
	"crypto/x509"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// buildRedisTLS reads how the server checks the certificate of a
// rediss:// REDIS_URL. Managed Redis services such as Heroku's Key-Value
// Store present self-signed certificates, which the system's CAs refuse:
// without one of these settings the shared rate limit never connects and
// every replica counts on its own.
func buildRedisTLS(v *viper.Viper, s *Security) error {
	var err error
	if s.RedisTLSSkipVerify, err = strconv.ParseBool(strings.TrimSpace(v.GetString("redis_tls_skip_verify"))); err != nil {
		return &Error{Key: "REDIS_TLS_SKIP_VERIFY", Rule: "must be true or false"}
	}
	s.RedisCAFile = strings.TrimSpace(v.GetString("redis_tls_ca_file"))
	if s.RedisCAFile == "" {
		return nil
	}
	pem, err := os.ReadFile(s.RedisCAFile)
	if err != nil {
		return &Error{Key: "REDIS_TLS_CA_FILE", Rule: "cannot be read: " + err.Error()}
	}
	s.RedisCAs = x509.NewCertPool()
	if !s.RedisCAs.AppendCertsFromPEM(pem) {
		return &Error{Key: "REDIS_TLS_CA_FILE", Rule: "holds no PEM certificate"}
	}
	return nil
}

// validateRedisTLS checks that the TLS settings have a rediss:// URL to
// apply to, and do not contradict each other. No message names the URL,
// which may hold a password.
func (s Security) validateRedisTLS() error {
	key := ""
	switch {
	case s.RedisTLSSkipVerify && s.RedisCAFile != "":
		return &Error{Key: "REDIS_TLS_SKIP_VERIFY", Rule: "must not be true with REDIS_TLS_CA_FILE, which verifies the certificate; unset one of them"}
	case s.RedisTLSSkipVerify:
		key = "REDIS_TLS_SKIP_VERIFY"
	case s.RedisCAFile != "":
		key = "REDIS_TLS_CA_FILE"
	default:
		return nil
	}
	if u, err := url.Parse(s.RedisURL); err != nil || u.Scheme != "rediss" {
		return &Error{Key: key, Rule: "applies only to a rediss:// REDIS_URL (Redis over TLS)"}
	}
	return nil
}
