package config

import (
	"crypto/x509"
	"net/url"
	"os"
)

// redisTLS reads how the server checks the certificate of a
// rediss:// REDIS_URL. Managed Redis services such as Heroku's Key-Value
// Store present self-signed certificates, which the system's CAs refuse:
// without one of these settings the shared rate limit never connects and
// every replica counts on its own.
func (r *reader) redisTLS(s *Security) {
	s.RedisTLSSkipVerify = r.bool("redis_tls_skip_verify")
	s.RedisCAFile = r.get("redis_tls_ca_file")
	if s.RedisCAFile == "" {
		return
	}
	pem, err := os.ReadFile(s.RedisCAFile)
	if err != nil {
		r.fail("redis_tls_ca_file", "cannot be read: "+err.Error())
		return
	}
	s.RedisCAs = x509.NewCertPool()
	if !s.RedisCAs.AppendCertsFromPEM(pem) {
		r.fail("redis_tls_ca_file", "holds no PEM certificate")
	}
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
