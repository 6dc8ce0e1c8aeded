// Package config loads the server's settings once, from flags, the
// environment, a config file, a .env file and defaults, in that order of
// precedence, and checks them before anything starts.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// Config is every setting the server runs with.
type Config struct {
	AppID            string
	AppCertificate   string
	Host             string
	Port             int
	CORSAllowOrigins []string
	DefaultExpiry    uint32 // seconds
	MaxExpiry        uint32 // seconds
	Dev              bool
	// DevCredentials is true when Dev mode made up the App ID and certificate.
	DevCredentials bool
	// Security is who may ask for tokens, and how often.
	Security Security

	// Operating settings: see ops.go.
	LogFormat         string // logging.JSON or logging.Text
	LogLevel          slog.Level
	MetricsToken      string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	ShutdownTimeout   time.Duration
	ShutdownDelay     time.Duration
}

// Addr is the address to listen on. An IPv6 address may be given bare
// (::1) or in brackets ([::1]).
func (c Config) Addr() string {
	host := strings.TrimSuffix(strings.TrimPrefix(c.Host, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(c.Port))
}

// Tokens is the service that mints tokens with these credentials,
// lifetimes and policy, telling obs (nil: nobody) of every token issued.
func (c Config) Tokens(obs service.Observer) *service.Tokens {
	return service.New(c.AppID, c.AppCertificate, service.Options{
		DefaultExpiry: c.DefaultExpiry,
		MaxExpiry:     c.MaxExpiry,
		Observer:      obs,
		Policy:        c.Security.Policy(),
	})
}

// AgoraMaxExpiry is the longest lifetime Agora honours: 24 hours.
const AgoraMaxExpiry = 86400

// key is one setting: its name in a config file, the environment variables
// that set it (the first is the documented one), its flag and default.
type key struct {
	name  string
	env   []string
	flag  string
	def   string
	usage string
	// required settings have no default; the server refuses to start
	// without them (unless DEV_MODE makes credentials up).
	required bool
	// secret settings must never reach a log line, and deployment files
	// name them without a value.
	secret bool
}

// keys lists every setting once; the tables of docs/configuration.md
// mirror it.
var keys = []key{
	{name: "app_id", env: []string{"APP_ID"}, flag: "app-id", usage: "Agora App ID (32 hex characters)", required: true},
	{name: "app_certificate", env: []string{"APP_CERTIFICATE"}, flag: "app-certificate", usage: "Agora App Certificate (32 hex characters)", required: true, secret: true},
	{name: "host", env: []string{"HOST"}, flag: "host", usage: "interface to listen on; empty means all"},
	{name: "port", env: []string{"PORT", "SERVER_PORT"}, flag: "port", def: "8080", usage: "TCP port to listen on"},
	{name: "cors_allow_origins", env: []string{"CORS_ALLOW_ORIGINS", "CORS_ALLOW_ORIGIN"}, flag: "cors-allow-origins", def: "*", usage: "comma-separated origins allowed by CORS, or *"},
	{name: "default_expiry", env: []string{"DEFAULT_EXPIRY"}, flag: "default-expiry", def: "3600", usage: "token lifetime in seconds when a request names none"},
	{name: "max_expiry", env: []string{"MAX_EXPIRY"}, flag: "max-expiry", def: "86400", usage: "longest token lifetime in seconds a request may ask for"},
	{name: "dev", env: []string{"DEV_MODE"}, flag: "dev", def: "false", usage: "run without an Agora account, with made-up credentials"},
	{name: "log_format", env: []string{"LOG_FORMAT"}, flag: "log-format", usage: "json or text; json unless in dev mode"},
	{name: "log_level", env: []string{"LOG_LEVEL"}, flag: "log-level", def: "info", usage: "debug, info, warn or error"},
	{name: "metrics_token", env: []string{"METRICS_TOKEN"}, flag: "metrics-token", usage: "bearer token /metrics asks for; empty leaves it open", secret: true},
	{name: "read_header_timeout", env: []string{"READ_HEADER_TIMEOUT"}, flag: "read-header-timeout", def: "5s", usage: "longest time a client may take to send its headers"},
	{name: "read_timeout", env: []string{"READ_TIMEOUT"}, flag: "read-timeout", def: "10s", usage: "longest time a client may take to send a whole request"},
	{name: "write_timeout", env: []string{"WRITE_TIMEOUT"}, flag: "write-timeout", def: "10s", usage: "longest time from a request's headers to the end of its response"},
	{name: "idle_timeout", env: []string{"IDLE_TIMEOUT"}, flag: "idle-timeout", def: "60s", usage: "how long an idle keep-alive connection stays open"},
	{name: "max_header_bytes", env: []string{"MAX_HEADER_BYTES"}, flag: "max-header-bytes", def: "16384", usage: "largest request head in bytes"},
	{name: "shutdown_timeout", env: []string{"SHUTDOWN_TIMEOUT"}, flag: "shutdown-timeout", def: "10s", usage: "how long requests in flight may take to finish after SIGTERM"},
	{name: "shutdown_delay", env: []string{"SHUTDOWN_DELAY"}, flag: "shutdown-delay", def: "0s", usage: "how long the server keeps serving, not ready, after SIGTERM before it stops taking connections"},
	{name: "auth_mode", env: []string{"AUTH_MODE"}, flag: "auth-mode", def: "none", usage: "who may ask for tokens: none, apikey or jwt"},
	{name: "api_keys", env: []string{"API_KEYS"}, flag: "api-keys", usage: "comma-separated API keys (AUTH_MODE=apikey)", secret: true},
	{name: "api_keys_file", env: []string{"API_KEYS_FILE"}, flag: "api-keys-file", usage: "file of API keys, one a line, reloaded on change or SIGHUP"},
	{name: "jwt_secret", env: []string{"JWT_SECRET"}, flag: "jwt-secret", usage: "HS256 secret that signs identity tokens (AUTH_MODE=jwt)", secret: true},
	{name: "jwt_jwks_url", env: []string{"JWT_JWKS_URL"}, flag: "jwt-jwks-url", usage: "URL of the identity provider's public keys (AUTH_MODE=jwt)"},
	{name: "jwt_issuer", env: []string{"JWT_ISSUER"}, flag: "jwt-issuer", usage: "iss every identity token must carry"},
	{name: "jwt_audience", env: []string{"JWT_AUDIENCE"}, flag: "jwt-audience", usage: "aud every identity token must carry"},
	{name: "jwt_allow_any_audience", env: []string{"JWT_ALLOW_ANY_AUDIENCE"}, flag: "jwt-allow-any-audience", def: "false", usage: "accept identity tokens for any audience, for issuers whose tokens name none (JWT_JWKS_URL)"},
	{name: "jwt_uid_claim", env: []string{"JWT_UID_CLAIM"}, flag: "jwt-uid-claim", def: "sub", usage: "claim naming the only uid or user id a token may be issued for"},
	{name: "jwt_channels_claim", env: []string{"JWT_CHANNELS_CLAIM"}, flag: "jwt-channels-claim", usage: "claim listing the channels a token may be issued for (\"prefix*\" allowed)"},
	{name: "jwt_role_claim", env: []string{"JWT_ROLE_CLAIM"}, flag: "jwt-role-claim", usage: "claim that must say publisher for a publisher token"},
	{name: "channel_pattern", env: []string{"CHANNEL_PATTERN"}, flag: "channel-pattern", usage: "regular expression every whole channel name must match"},
	{name: "allow_wildcard_uid", env: []string{"ALLOW_WILDCARD_UID"}, flag: "allow-wildcard-uid", def: "true", usage: "issue RTC tokens for uid 0, valid for any user"},
	{name: "allow_app_tokens", env: []string{"ALLOW_APP_TOKENS"}, flag: "allow-app-tokens", usage: "issue Chat and APaaS app tokens, which act for the whole app; false unless in dev mode"},
	{name: "rate_limit", env: []string{"RATE_LIMIT"}, flag: "rate-limit", usage: "token requests per client, such as 60/m or 10/s; empty for no limit"},
	{name: "rate_limit_burst", env: []string{"RATE_LIMIT_BURST"}, flag: "rate-limit-burst", usage: "requests a client may make at once (default: the RATE_LIMIT count)"},
	{name: "redis_url", env: []string{"REDIS_URL"}, flag: "redis-url", usage: "Redis that shares the rate limit between replicas", secret: true},
	{name: "redis_tls_ca_file", env: []string{"REDIS_TLS_CA_FILE"}, flag: "redis-tls-ca-file", usage: "PEM file of the CA that signed the certificate of a rediss:// REDIS_URL"},
	{name: "redis_tls_skip_verify", env: []string{"REDIS_TLS_SKIP_VERIFY"}, flag: "redis-tls-skip-verify", def: "false", usage: "accept any certificate from a rediss:// REDIS_URL, such as a self-signed one (Heroku's Key-Value Store)"},
	{name: "trusted_proxies", env: []string{"TRUSTED_PROXIES"}, flag: "trusted-proxies", usage: "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"},
}

// Error is a setting that cannot be used. Its message names the
// environment variable and the rule, never the value.
type Error struct {
	Key  string
	Rule string
}

// Error names the variable and the rule it breaks.
func (e *Error) Error() string { return e.Key + ": " + e.Rule }

// ErrHelp is returned when the flags asked for help, which has been printed.
var ErrHelp = pflag.ErrHelp

// Load parses args (without the program name) and reads the environment
// through getenv, the .env file at the path dotenv (none when empty: a
// caller names it, so that tests never read a developer's) and the file
// named by --config, then validates the result. On --help it prints nothing and
// returns ErrHelp: the caller's help also lists the commands.
func Load(args []string, getenv func(string) string, dotenv string, stderr io.Writer) (Config, error) {
	fs := pflag.NewFlagSet("agora-token-server", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	Register(fs)
	if err := ParseFlags(fs, args, 0); err != nil {
		if e, ok := errors.AsType[*Error](err); ok && fs.NArg() > 0 {
			e.Rule += "; a command (token, inspect, version) must come before any flag"
		}
		return Config{}, err
	}
	return FromFlags(fs, getenv, dotenv)
}

// Register adds a flag for every setting, and --config, to fs.
func Register(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML config file (env CONFIG_FILE)")
	for _, k := range keys {
		if k.flag == "dev" {
			fs.Bool(k.flag, false, k.usage)
			continue
		}
		fs.String(k.flag, k.def, k.usage+" (env "+k.env[0]+")")
	}
}

// FromFlags resolves every setting from fs (already parsed by a caller
// that used Register), getenv and the files, then validates it. dotenv is
// as for Load.
func FromFlags(fs *pflag.FlagSet, getenv func(string) string, dotenv string) (Config, error) {
	v := viper.New()
	for _, k := range keys {
		v.SetDefault(k.name, k.def)
	}
	if dotenv != "" {
		if err := mergeDotEnv(v, dotenv); err != nil {
			return Config{}, err
		}
	}
	file, _ := fs.GetString("config")
	if file == "" {
		file = getenv("CONFIG_FILE")
	}
	if file != "" {
		if err := mergeConfigFile(v, file); err != nil {
			return Config{}, err
		}
	}
	// viper reads the environment itself only through os.Getenv; resolving
	// flag-over-environment here lets tests pass their own getenv.
	for _, k := range keys {
		if f := fs.Lookup(k.flag); f != nil && f.Changed {
			v.Set(k.name, f.Value.String())
			continue
		}
		for _, name := range k.env {
			if val := getenv(name); val != "" {
				v.Set(k.name, val)
				break
			}
		}
	}
	return build(v)
}

// mergeConfigFile reads a config file's settings under the names the
// keys table knows: the key's own name or any of its environment names in
// lower case. A name it does not know stops the server, because a typo
// would otherwise leave a setting, such as CORS or authentication, at its
// open default without a word.
func mergeConfigFile(v *viper.Viper, file string) error {
	f := viper.New()
	f.SetConfigFile(file)
	if err := f.ReadInConfig(); err != nil {
		return &Error{Key: "CONFIG_FILE", Rule: "cannot read " + file + ": " + err.Error()}
	}
	known := map[string]string{}
	for _, k := range keys {
		known[k.name] = k.name
		for _, env := range k.env {
			known[strings.ToLower(env)] = k.name
		}
	}
	settings := map[string]any{}
	for _, name := range f.AllKeys() {
		key, ok := known[name]
		if !ok {
			return &Error{Key: "CONFIG_FILE", Rule: fmt.Sprintf("%s sets %q, which is not a setting; see docs/configuration.md", file, name)}
		}
		settings[key] = f.Get(name)
	}
	return v.MergeConfigMap(settings)
}

func mergeDotEnv(v *viper.Viper, path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &Error{Key: ".env", Rule: err.Error()}
	}
	env, err := parseDotEnv(string(data))
	if err != nil {
		// The parser quotes the line, which may hold a secret.
		return &Error{Key: ".env", Rule: badDotEnvLine(string(data)) + " cannot be parsed: write NAME=value, in quotes if the value holds spaces"}
	}
	// A .env file uses the environment's names (PORT, SERVER_PORT, ...);
	// map each onto its key, the documented name winning over aliases.
	for _, k := range keys {
		for _, name := range k.env {
			if env.IsSet(name) {
				v.SetDefault(k.name, env.GetString(name))
				break
			}
		}
	}
	return nil
}

func build(v *viper.Viper) (Config, error) {
	c := Config{
		AppID:          strings.TrimSpace(v.GetString("app_id")),
		AppCertificate: strings.TrimSpace(v.GetString("app_certificate")),
		Host:           v.GetString("host"),
	}
	var err error
	if c.Dev, err = strconv.ParseBool(v.GetString("dev")); err != nil {
		return Config{}, &Error{Key: "DEV_MODE", Rule: "must be true or false"}
	}
	if c.Port, err = strconv.Atoi(v.GetString("port")); err != nil || c.Port < 0 || c.Port > 65535 {
		return Config{}, &Error{Key: "PORT", Rule: "must be a whole number from 0 to 65535"}
	}
	if c.DefaultExpiry, err = seconds("DEFAULT_EXPIRY", v.GetString("default_expiry")); err != nil {
		return Config{}, err
	}
	if c.MaxExpiry, err = seconds("MAX_EXPIRY", v.GetString("max_expiry")); err != nil {
		return Config{}, err
	}
	c.CORSAllowOrigins = list(v.GetString("cors_allow_origins"))
	if err := buildOps(v, &c); err != nil {
		return Config{}, err
	}
	if c.Security, err = buildSecurity(v); err != nil {
		return Config{}, err
	}
	// Unset, app tokens follow dev mode: off in production, on where
	// someone is trying the server out.
	c.Security.AllowAppTokens = c.Dev
	if a := strings.TrimSpace(v.GetString("allow_app_tokens")); a != "" {
		if c.Security.AllowAppTokens, err = strconv.ParseBool(a); err != nil {
			return Config{}, &Error{Key: "ALLOW_APP_TOKENS", Rule: "must be true or false"}
		}
	}
	if c.Dev && c.AppID == "" && c.AppCertificate == "" {
		c.AppID, c.AppCertificate, c.DevCredentials = randomHex32(), randomHex32(), true
	}
	return c, c.Validate()
}

// seconds reads the lifetime setting key by the rule of every lifetime.
func seconds(key, s string) (uint32, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		n = 0 // not a whole number, or a huge one: out of range too
	}
	if bad, ok := errors.AsType[*service.Error](service.CheckLifetime(key, n, AgoraMaxExpiry)); ok {
		return 0, &Error{Key: key, Rule: bad.Message}
	}
	return uint32(n), nil
}

// Validate checks the rules that span settings or need Agora's formats.
func (c Config) Validate() error {
	if c.AppID == "" && !c.Dev {
		return &Error{Key: "APP_ID", Rule: "is required: your project's App ID, 32 hexadecimal characters; or run with --dev to try the server with made-up credentials"}
	}
	if !isHex32(c.AppID) {
		return &Error{Key: "APP_ID", Rule: "is required and must be 32 hexadecimal characters"}
	}
	if !isHex32(c.AppCertificate) {
		return &Error{Key: "APP_CERTIFICATE", Rule: "is required and must be 32 hexadecimal characters"}
	}
	if c.DefaultExpiry > c.MaxExpiry {
		return &Error{Key: "DEFAULT_EXPIRY", Rule: fmt.Sprintf("must not exceed MAX_EXPIRY (%d)", c.MaxExpiry)}
	}
	if len(c.CORSAllowOrigins) == 0 {
		return &Error{Key: "CORS_ALLOW_ORIGINS", Rule: "must name at least one origin, or *"}
	}
	return nil
}

// String renders the config for the start-up log, with the certificate
// masked so that logs can be shared.
func (c Config) String() string {
	return fmt.Sprintf("addr=%s app_id=%s app_certificate=%s cors_allow_origins=%s default_expiry=%d max_expiry=%d dev=%t",
		c.Addr(), c.AppID, mask(c.AppCertificate), strings.Join(c.CORSAllowOrigins, ","), c.DefaultExpiry, c.MaxExpiry, c.Dev) +
		" " + c.Security.String() + " " + c.opsString()
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func randomHex32() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("config: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
