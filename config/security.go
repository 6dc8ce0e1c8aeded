package config

import (
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// The values of AUTH_MODE.
const (
	AuthNone   = "none"
	AuthAPIKey = "apikey"
	AuthJWT    = "jwt"
)

// MinJWTSecretBytes is the shortest HS256 secret accepted: RFC 7518 asks
// for a key at least as long as the hash.
const MinJWTSecretBytes = 32

// MaxRateCount bounds the count of RATE_LIMIT and RATE_LIMIT_BURST.
const MaxRateCount = 1_000_000

// Security is who may ask for tokens, and how often.
type Security struct {
	AuthMode string
	// APIKeys are the fixed keys; APIKeysFile holds more, reloaded while
	// the server runs.
	APIKeys     []string
	APIKeysFile string

	JWTSecret   string
	JWTJWKSURL  string
	JWTIssuer   string
	JWTAudience string
	// JWTAllowAnyAudience lets a JWKS verifier run without JWT_AUDIENCE,
	// for providers whose tokens carry no aud of their own.
	JWTAllowAnyAudience bool
	JWTUIDClaim         string
	JWTChannelsClaim    string
	JWTRoleClaim        string

	// ChannelPattern is CHANNEL_PATTERN, anchored to match whole names;
	// nil when unset.
	ChannelPattern   *regexp.Regexp
	AllowWildcardUID bool
	// AllowAppTokens lets Chat and APaaS app tokens be issued.
	AllowAppTokens bool

	// RateCount requests per RatePeriod, RateBurst at once; RateCount is
	// zero when there is no limit.
	RateCount  int
	RatePeriod time.Duration
	RateBurst  int
	RedisURL   string
	// RedisCAs verify a rediss:// REDIS_URL's certificate instead of the
	// system's CAs; nil without REDIS_TLS_CA_FILE, the file they came from.
	RedisCAs    *x509.CertPool
	RedisCAFile string
	// RedisTLSSkipVerify accepts any certificate from a rediss:// REDIS_URL.
	RedisTLSSkipVerify bool

	TrustedProxies []string
}

func buildSecurity(v *viper.Viper) (Security, error) {
	s := Security{
		AuthMode:         strings.ToLower(strings.TrimSpace(v.GetString("auth_mode"))),
		APIKeys:          list(v.GetString("api_keys")),
		APIKeysFile:      strings.TrimSpace(v.GetString("api_keys_file")),
		JWTSecret:        v.GetString("jwt_secret"),
		JWTJWKSURL:       strings.TrimSpace(v.GetString("jwt_jwks_url")),
		JWTIssuer:        strings.TrimSpace(v.GetString("jwt_issuer")),
		JWTAudience:      strings.TrimSpace(v.GetString("jwt_audience")),
		JWTUIDClaim:      strings.TrimSpace(v.GetString("jwt_uid_claim")),
		JWTChannelsClaim: strings.TrimSpace(v.GetString("jwt_channels_claim")),
		JWTRoleClaim:     strings.TrimSpace(v.GetString("jwt_role_claim")),
		RedisURL:         strings.TrimSpace(v.GetString("redis_url")),
		TrustedProxies:   list(v.GetString("trusted_proxies")),
	}
	var err error
	if s.AllowWildcardUID, err = strconv.ParseBool(strings.TrimSpace(v.GetString("allow_wildcard_uid"))); err != nil {
		return Security{}, &Error{Key: "ALLOW_WILDCARD_UID", Rule: "must be true or false"}
	}
	if a := strings.TrimSpace(v.GetString("jwt_allow_any_audience")); a != "" {
		if s.JWTAllowAnyAudience, err = strconv.ParseBool(a); err != nil {
			return Security{}, &Error{Key: "JWT_ALLOW_ANY_AUDIENCE", Rule: "must be true or false"}
		}
	}
	if p := v.GetString("channel_pattern"); p != "" {
		// Compiled alone first: wrapped before it is checked, "a)|(.*"
		// would close the wrapping group and let every channel by.
		if _, err := regexp.Compile(p); err != nil {
			return Security{}, &Error{Key: "CHANNEL_PATTERN", Rule: "must be a valid regular expression: " + err.Error()}
		}
		// Anchored, so that "room-[0-9]+" does not also let "xroom-1x" by.
		s.ChannelPattern = regexp.MustCompile(`^(?:` + p + `)$`)
	}
	if r := strings.TrimSpace(v.GetString("rate_limit")); r != "" {
		if s.RateCount, s.RatePeriod, err = parseRate(r); err != nil {
			return Security{}, err
		}
	}
	if err := buildRedisTLS(v, &s); err != nil {
		return Security{}, err
	}
	if b := strings.TrimSpace(v.GetString("rate_limit_burst")); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > MaxRateCount {
			return Security{}, &Error{Key: "RATE_LIMIT_BURST", Rule: "must be a whole number from 1 to " + strconv.Itoa(MaxRateCount)}
		}
		s.RateBurst = n
	}
	if err := s.Validate(); err != nil {
		return Security{}, err
	}
	return s, s.checkAPIKeys()
}

// Policy is the server's own rules of what may be issued, as these
// settings set them.
func (s Security) Policy() *service.Policy {
	return &service.Policy{ChannelPattern: s.ChannelPattern, RequireUID: !s.AllowWildcardUID, AllowAppTokens: s.AllowAppTokens}
}

// checkAPIKeys reads the API keys as the server will, so that a key too
// short or a key file that cannot be read stops it here, as a bad
// setting, before it starts.
func (s Security) checkAPIKeys() error {
	if s.AuthMode != AuthAPIKey {
		return nil
	}
	err := auth.CheckKeys(s.APIKeys, s.APIKeysFile)
	if se, ok := errors.AsType[*auth.SetupError](err); ok {
		return &Error{Key: se.Setting, Rule: se.Rule}
	}
	if err != nil {
		return &Error{Key: "API_KEYS", Rule: err.Error()}
	}
	return nil
}

// Validate checks the rules that span security settings.
func (s Security) Validate() error {
	switch s.AuthMode {
	case AuthNone, AuthAPIKey, AuthJWT:
	default:
		return &Error{Key: "AUTH_MODE", Rule: "must be none, apikey or jwt"}
	}
	// A setting of another mode is a sign the operator believes the
	// server is protected when it is not: refuse to start.
	for _, o := range []struct {
		key, mode string
		set       bool
	}{
		{"API_KEYS", AuthAPIKey, len(s.APIKeys) > 0},
		{"API_KEYS_FILE", AuthAPIKey, s.APIKeysFile != ""},
		{"JWT_SECRET", AuthJWT, s.JWTSecret != ""},
		{"JWT_JWKS_URL", AuthJWT, s.JWTJWKSURL != ""},
		{"JWT_ISSUER", AuthJWT, s.JWTIssuer != ""},
		{"JWT_AUDIENCE", AuthJWT, s.JWTAudience != ""},
		{"JWT_ALLOW_ANY_AUDIENCE", AuthJWT, s.JWTAllowAnyAudience},
		{"JWT_CHANNELS_CLAIM", AuthJWT, s.JWTChannelsClaim != ""},
		{"JWT_ROLE_CLAIM", AuthJWT, s.JWTRoleClaim != ""},
	} {
		if o.set && s.AuthMode != o.mode {
			return &Error{Key: o.key, Rule: "is set but AUTH_MODE is " + s.AuthMode + "; set AUTH_MODE=" + o.mode + " to use it"}
		}
	}
	switch s.AuthMode {
	case AuthAPIKey:
		// The keys themselves are checked where they are loaded, in auth.
		if len(s.APIKeys) == 0 && s.APIKeysFile == "" {
			return &Error{Key: "API_KEYS", Rule: "or API_KEYS_FILE is required when AUTH_MODE is apikey"}
		}
	case AuthJWT:
		if (s.JWTSecret == "") == (s.JWTJWKSURL == "") {
			return &Error{Key: "JWT_SECRET", Rule: "or JWT_JWKS_URL (exactly one of them) is required when AUTH_MODE is jwt"}
		}
		if s.JWTSecret != "" && len(s.JWTSecret) < MinJWTSecretBytes {
			return &Error{Key: "JWT_SECRET", Rule: "must be at least " + strconv.Itoa(MinJWTSecretBytes) + " bytes"}
		}
		if s.JWTJWKSURL != "" && !secureURL(s.JWTJWKSURL) {
			return &Error{Key: "JWT_JWKS_URL", Rule: "must be an https:// URL (http:// only for localhost)"}
		}
		// A provider's published keys sign the tokens of every app that
		// signs in with it: only iss and aud say a token is meant for this
		// one. A shared secret is this app's alone.
		if s.JWTJWKSURL != "" && s.JWTIssuer == "" {
			return &Error{Key: "JWT_ISSUER", Rule: "is required with JWT_JWKS_URL: without it a token from any issuer using those keys is accepted"}
		}
		if s.JWTAllowAnyAudience && s.JWTAudience != "" {
			return &Error{Key: "JWT_ALLOW_ANY_AUDIENCE", Rule: "must not be true while JWT_AUDIENCE is set; unset one of them"}
		}
		if s.JWTJWKSURL != "" && s.JWTAudience == "" && !s.JWTAllowAnyAudience {
			return &Error{Key: "JWT_AUDIENCE", Rule: "is required with JWT_JWKS_URL: without it a token meant for any app of the issuer is accepted; set JWT_ALLOW_ANY_AUDIENCE=true if the issuer's tokens carry no audience"}
		}
		if s.JWTUIDClaim == "" {
			return &Error{Key: "JWT_UID_CLAIM", Rule: "must name a claim"}
		}
	}
	if s.RateBurst > 0 && s.RateCount == 0 {
		return &Error{Key: "RATE_LIMIT_BURST", Rule: "needs RATE_LIMIT"}
	}
	if s.RedisURL != "" {
		if s.RateCount == 0 {
			return &Error{Key: "REDIS_URL", Rule: "needs RATE_LIMIT: Redis only shares the rate limit"}
		}
		if u, err := url.Parse(s.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return &Error{Key: "REDIS_URL", Rule: "must be a redis://, rediss:// or unix:// URL"}
		}
	}
	if err := s.validateRedisTLS(); err != nil {
		return err
	}
	// Gin's SetTrustedProxies takes an IP address or a CIDR.
	for _, p := range s.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return &Error{Key: "TRUSTED_PROXIES", Rule: p + " is not an IP address or CIDR"}
		}
	}
	return nil
}

// String renders the settings for the start-up log with every secret
// masked: keys are counted, never shown.
func (s Security) String() string {
	var b strings.Builder
	b.WriteString("auth_mode=" + s.AuthMode)
	switch s.AuthMode {
	case AuthAPIKey:
		b.WriteString(" api_keys=" + strconv.Itoa(len(s.APIKeys)) + " api_keys_file=" + s.APIKeysFile)
	case AuthJWT:
		b.WriteString(" jwt_secret=" + mask(s.JWTSecret) + " jwt_jwks_url=" + s.JWTJWKSURL +
			" jwt_issuer=" + s.JWTIssuer + " jwt_audience=" + s.JWTAudience + " jwt_allow_any_audience=" + strconv.FormatBool(s.JWTAllowAnyAudience) +
			" jwt_uid_claim=" + s.JWTUIDClaim +
			" jwt_channels_claim=" + s.JWTChannelsClaim + " jwt_role_claim=" + s.JWTRoleClaim)
	}
	pattern := ""
	if s.ChannelPattern != nil {
		pattern = s.ChannelPattern.String()
	}
	b.WriteString(" channel_pattern=" + pattern + " allow_wildcard_uid=" + strconv.FormatBool(s.AllowWildcardUID) +
		" allow_app_tokens=" + strconv.FormatBool(s.AllowAppTokens))
	if s.RateCount > 0 {
		burst := s.RateBurst
		if burst == 0 {
			burst = s.RateCount
		}
		unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[s.RatePeriod]
		b.WriteString(" rate_limit=" + strconv.Itoa(s.RateCount) + "/" + unit + " rate_limit_burst=" + strconv.Itoa(burst))
	}
	if s.RedisURL != "" {
		b.WriteString(" redis_url=" + redactURL(s.RedisURL) + " redis_tls_ca_file=" + s.RedisCAFile + " redis_tls_skip_verify=" + strconv.FormatBool(s.RedisTLSSkipVerify))
	}
	b.WriteString(" trusted_proxies=" + strings.Join(s.TrustedProxies, ","))
	return b.String()
}

// redactURL masks the whole userinfo of raw, a user name as much as a
// password: Redis providers put their password in either place.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "****"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	return u.String()
}

var ratePeriods = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hour": time.Hour,
}

// parseRate reads RATE_LIMIT: COUNT/UNIT, such as 60/m or 10/s.
func parseRate(s string) (int, time.Duration, error) {
	count, unit, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	period, known := ratePeriods[strings.ToLower(strings.TrimSpace(unit))]
	if !ok || err != nil || n < 1 || n > MaxRateCount || !known {
		return 0, 0, &Error{Key: "RATE_LIMIT", Rule: "must be COUNT/UNIT with COUNT from 1 to " + strconv.Itoa(MaxRateCount) + " and UNIT s, m or h, such as 60/m"}
	}
	return n, period, nil
}

// secureURL accepts https, and http only to this machine, where nobody
// can tamper with the keys on the way.
func secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback()))
}

func list(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
