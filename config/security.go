package config

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
	AllowAppTokens   bool

	// RateCount requests per RatePeriod, RateBurst at once; RateCount is
	// zero when there is no limit.
	RateCount  int
	RatePeriod time.Duration
	RateBurst  int
	RedisURL   string
	// RedisCAs verify a rediss:// REDIS_URL's certificate instead of the
	// system's CAs; nil without REDIS_TLS_CA_FILE, the file they came from.
	RedisCAs           *x509.CertPool
	RedisCAFile        string
	RedisTLSSkipVerify bool

	TrustedProxies []string
}

func (r *reader) security() Security {
	s := Security{
		AuthMode:         strings.ToLower(r.get("auth_mode")),
		APIKeys:          list(r.v.GetString("api_keys")),
		APIKeysFile:      r.get("api_keys_file"),
		JWTSecret:        r.v.GetString("jwt_secret"),
		JWTJWKSURL:       r.get("jwt_jwks_url"),
		JWTIssuer:        r.get("jwt_issuer"),
		JWTAudience:      r.get("jwt_audience"),
		JWTUIDClaim:      r.get("jwt_uid_claim"),
		JWTChannelsClaim: r.get("jwt_channels_claim"),
		JWTRoleClaim:     r.get("jwt_role_claim"),
		RedisURL:         r.get("redis_url"),
		TrustedProxies:   list(r.v.GetString("trusted_proxies")),
	}
	s.AllowWildcardUID = r.bool("allow_wildcard_uid")
	if r.get("jwt_allow_any_audience") != "" {
		s.JWTAllowAnyAudience = r.bool("jwt_allow_any_audience")
	}
	if p := r.v.GetString("channel_pattern"); p != "" {
		// Compiled alone first: wrapped before it is checked, "a)|(.*"
		// would close the wrapping group and let every channel by.
		if _, err := regexp.Compile(p); err != nil {
			r.fail("channel_pattern", "must be a valid regular expression: "+err.Error())
		} else {
			// Anchored, so that "room-[0-9]+" does not also let "xroom-1x" by.
			s.ChannelPattern = regexp.MustCompile(`^(?:` + p + `)$`)
		}
	}
	if rate := r.get("rate_limit"); rate != "" {
		count, unit, ok := strings.Cut(rate, "/")
		n, err := strconv.Atoi(strings.TrimSpace(count))
		period, known := ratePeriods[strings.ToLower(strings.TrimSpace(unit))]
		if !ok || err != nil || n < 1 || n > MaxRateCount || !known {
			r.fail("rate_limit", "must be COUNT/UNIT with COUNT from 1 to "+strconv.Itoa(MaxRateCount)+" and UNIT s, m or h, such as 60/m")
		}
		s.RateCount, s.RatePeriod = n, period
	}
	r.redisTLS(&s)
	if b := r.get("rate_limit_burst"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > MaxRateCount {
			r.fail("rate_limit_burst", "must be a whole number from 1 to "+strconv.Itoa(MaxRateCount))
		}
		s.RateBurst = n
	}
	if r.err == nil {
		r.err = s.Validate()
	}
	// Read the API keys as the server will, so that a key too short or a
	// key file that cannot be read stops it here, before it starts.
	if r.err == nil && s.AuthMode == AuthAPIKey {
		err := auth.CheckKeys(s.APIKeys, s.APIKeysFile)
		if se, ok := errors.AsType[*auth.SetupError](err); ok {
			r.err = &Error{Key: se.Setting, Rule: se.Rule}
		} else if err != nil {
			r.err = &Error{Key: "API_KEYS", Rule: err.Error()}
		}
	}
	return s
}

// Policy is the server's own rules of what may be issued, as these
// settings set them.
func (s Security) Policy() *service.Policy {
	return &service.Policy{ChannelPattern: s.ChannelPattern, RequireUID: !s.AllowWildcardUID, AllowAppTokens: s.AllowAppTokens}
}

// Validate checks the rules that span security settings.
func (s Security) Validate() error {
	if !slices.Contains([]string{AuthNone, AuthAPIKey, AuthJWT}, s.AuthMode) {
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
		if err := checkRedisURL(s.RedisURL); err != nil {
			return err
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

// warnings are what the start-up log says of settings that are allowed
// but defeat their purpose.
func (s Security) warnings() []string {
	var out []string
	for _, p := range s.TrustedProxies {
		if _, n, err := net.ParseCIDR(p); err == nil {
			if ones, _ := n.Mask.Size(); ones == 0 {
				out = append(out, "TRUSTED_PROXIES holds "+p+", which trusts every address: any client can then choose the address its rate limit is counted by with X-Forwarded-For; name only your proxies' addresses (see docs/security.md)")
			}
		}
	}
	return out
}

// checkRedisURL refuses a REDIS_URL that is not a Redis URL, or whose
// user and password do not parse as such: an unescaped /, ? or # in a
// password ends the part of the URL that holds it, and the password
// would then be read, and logged, as the host, path or query.
func checkRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		return &Error{Key: "REDIS_URL", Rule: "must be a redis://, rediss:// or unix:// URL; percent-encode a /, ?, # or @ in the password (%2F, %3F, %23, %40)"}
	}
	if u.Scheme != "unix" && u.Host == "" {
		return &Error{Key: "REDIS_URL", Rule: "must name a host, such as redis://redis:6379/0"}
	}
	if strings.Contains(raw, "@") && u.User == nil || strings.Contains(u.Host, "@") || strings.ContainsAny(u.RawQuery+u.Fragment, "@") {
		return &Error{Key: "REDIS_URL", Rule: "has a user or password that does not parse: percent-encode a /, ?, # or @ in the password (%2F, %3F, %23, %40)"}
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
		fmt.Fprintf(&b, " jwt_secret=%s jwt_jwks_url=%s jwt_issuer=%s jwt_audience=%s jwt_allow_any_audience=%t jwt_uid_claim=%s jwt_channels_claim=%s jwt_role_claim=%s",
			mask(s.JWTSecret), s.JWTJWKSURL, s.JWTIssuer, s.JWTAudience, s.JWTAllowAnyAudience, s.JWTUIDClaim, s.JWTChannelsClaim, s.JWTRoleClaim)
	}
	pattern := ""
	if s.ChannelPattern != nil {
		pattern = s.ChannelPattern.String()
	}
	b.WriteString(" channel_pattern=" + pattern + " allow_wildcard_uid=" + strconv.FormatBool(s.AllowWildcardUID) +
		" allow_app_tokens=" + strconv.FormatBool(s.AllowAppTokens))
	if s.RateCount > 0 {
		unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[s.RatePeriod]
		b.WriteString(" rate_limit=" + strconv.Itoa(s.RateCount) + "/" + unit + " rate_limit_burst=" + strconv.Itoa(cmp.Or(s.RateBurst, s.RateCount)))
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

// secureURL accepts https, and http only to this machine, where nobody
// can tamper with the keys on the way.
func secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	return u.Scheme == "https" || u.Scheme == "http" && (host == "localhost" || net.ParseIP(host).IsLoopback())
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
