// Package config loads the server's settings once, from flags, the
// environment, a config file, a .env file and defaults, in that order of
// precedence, and checks them before anything starts.
package config

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/seed6ab08d10/agora-token-server/service"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
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
	Security       Security

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

	// Warnings are what the server should say at start about settings it
	// runs with all the same: a name in .env it does not read, a trusted
	// proxy range that trusts everyone. None quotes a value.
	Warnings []string
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

// keys lists every setting once; the tables of docs/configuration.md
// mirror it.
var keys = []Key{
	{Name: "app_id", Env: "APP_ID", Flag: "app-id", Usage: "Agora App ID (32 hex characters)", Required: true},
	{Name: "app_certificate", Env: "APP_CERTIFICATE", Flag: "app-certificate", Usage: "Agora App Certificate (32 hex characters)", Required: true, Secret: true},
	{Name: "host", Env: "HOST", Flag: "host", Usage: "interface to listen on; empty means all"},
	{Name: "port", Env: "PORT", Aliases: []string{"SERVER_PORT"}, Flag: "port", Default: "8080", Usage: "TCP port to listen on"},
	{Name: "cors_allow_origins", Env: "CORS_ALLOW_ORIGINS", Aliases: []string{"CORS_ALLOW_ORIGIN"}, Flag: "cors-allow-origins", Default: "*", Usage: "comma-separated origins allowed by CORS, or *"},
	{Name: "default_expiry", Env: "DEFAULT_EXPIRY", Flag: "default-expiry", Default: strconv.Itoa(service.DefaultLifetime), Usage: "token lifetime in seconds when a request names none"},
	{Name: "max_expiry", Env: "MAX_EXPIRY", Flag: "max-expiry", Default: strconv.Itoa(service.MaxLifetime), Usage: "longest token lifetime in seconds a request may ask for"},
	{Name: "dev", Env: "DEV_MODE", Flag: "dev", Default: "false", Usage: "run without an Agora account, with made-up credentials"},
	{Name: "log_format", Env: "LOG_FORMAT", Flag: "log-format", Usage: "json or text; json unless in dev mode"},
	{Name: "log_level", Env: "LOG_LEVEL", Flag: "log-level", Default: "info", Usage: "debug, info, warn or error"},
	{Name: "metrics_token", Env: "METRICS_TOKEN", Flag: "metrics-token", Usage: "bearer token /metrics asks for; unset leaves it open", Secret: true},
	{Name: "read_header_timeout", Env: "READ_HEADER_TIMEOUT", Flag: "read-header-timeout", Default: "5s", Usage: "longest time a client may take to send its headers"},
	{Name: "read_timeout", Env: "READ_TIMEOUT", Flag: "read-timeout", Default: "10s", Usage: "longest time a client may take to send a whole request"},
	{Name: "write_timeout", Env: "WRITE_TIMEOUT", Flag: "write-timeout", Default: "10s", Usage: "longest time from a request's headers to the end of its response"},
	{Name: "idle_timeout", Env: "IDLE_TIMEOUT", Flag: "idle-timeout", Default: "60s", Usage: "how long an idle keep-alive connection stays open"},
	{Name: "max_header_bytes", Env: "MAX_HEADER_BYTES", Flag: "max-header-bytes", Default: "16384", Usage: "largest request head in bytes"},
	{Name: "shutdown_timeout", Env: "SHUTDOWN_TIMEOUT", Flag: "shutdown-timeout", Default: "10s", Usage: "how long requests in flight may take to finish after SIGTERM"},
	{Name: "shutdown_delay", Env: "SHUTDOWN_DELAY", Flag: "shutdown-delay", Default: "0s", Usage: "how long the server keeps serving, not ready, after SIGTERM before it stops taking connections"},
	{Name: "auth_mode", Env: "AUTH_MODE", Flag: "auth-mode", Default: "none", Usage: "who may ask for tokens: none, apikey or jwt"},
	{Name: "api_keys", Env: "API_KEYS", Flag: "api-keys", Usage: "comma-separated API keys (AUTH_MODE=apikey)", Secret: true},
	{Name: "api_keys_file", Env: "API_KEYS_FILE", Flag: "api-keys-file", Usage: "file of API keys, one a line, reloaded on change or SIGHUP"},
	{Name: "jwt_secret", Env: "JWT_SECRET", Flag: "jwt-secret", Usage: "HS256 secret that signs identity tokens (AUTH_MODE=jwt)", Secret: true},
	{Name: "jwt_jwks_url", Env: "JWT_JWKS_URL", Flag: "jwt-jwks-url", Usage: "URL of the identity provider's public keys (AUTH_MODE=jwt)"},
	{Name: "jwt_issuer", Env: "JWT_ISSUER", Flag: "jwt-issuer", Usage: "iss every identity token must carry"},
	{Name: "jwt_audience", Env: "JWT_AUDIENCE", Flag: "jwt-audience", Usage: "aud every identity token must carry"},
	{Name: "jwt_allow_any_audience", Env: "JWT_ALLOW_ANY_AUDIENCE", Flag: "jwt-allow-any-audience", Default: "false", Usage: "accept identity tokens for any audience, for issuers whose tokens name none (JWT_JWKS_URL)"},
	{Name: "jwt_uid_claim", Env: "JWT_UID_CLAIM", Flag: "jwt-uid-claim", Default: "sub", Usage: "claim naming the only uid or user id a token may be issued for"},
	{Name: "jwt_channels_claim", Env: "JWT_CHANNELS_CLAIM", Flag: "jwt-channels-claim", Usage: "claim listing the channels a token may be issued for (\"prefix*\" allowed)"},
	{Name: "jwt_role_claim", Env: "JWT_ROLE_CLAIM", Flag: "jwt-role-claim", Usage: "claim that must say publisher for a publisher token or a classroom role other than student"},
	{Name: "channel_pattern", Env: "CHANNEL_PATTERN", Flag: "channel-pattern", Usage: "regular expression every whole channel name must match"},
	{Name: "allow_wildcard_uid", Env: "ALLOW_WILDCARD_UID", Flag: "allow-wildcard-uid", Default: "true", Usage: "issue RTC tokens for uid 0, valid for any user"},
	{Name: "allow_app_tokens", Env: "ALLOW_APP_TOKENS", Flag: "allow-app-tokens", Usage: "issue Chat and APaaS app tokens, which act for the whole app; false unless in dev mode"},
	{Name: "rate_limit", Env: "RATE_LIMIT", Flag: "rate-limit", Usage: "token requests per client, such as 60/m or 10/s; empty for no limit"},
	{Name: "rate_limit_burst", Env: "RATE_LIMIT_BURST", Flag: "rate-limit-burst", Usage: "requests a client may make at once (default: the RATE_LIMIT count)"},
	{Name: "redis_url", Env: "REDIS_URL", Flag: "redis-url", Usage: "Redis that shares the rate limit between replicas", Secret: true},
	{Name: "redis_tls_ca_file", Env: "REDIS_TLS_CA_FILE", Flag: "redis-tls-ca-file", Usage: "PEM file of the CA that signed the certificate of a rediss:// REDIS_URL"},
	{Name: "redis_tls_skip_verify", Env: "REDIS_TLS_SKIP_VERIFY", Flag: "redis-tls-skip-verify", Default: "false", Usage: "accept any certificate from a rediss:// REDIS_URL, such as a self-signed one (Heroku's Key-Value Store)"},
	{Name: "trusted_proxies", Env: "TRUSTED_PROXIES", Flag: "trusted-proxies", Usage: "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"},
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
		if k.Flag == "dev" {
			fs.Bool(k.Flag, false, k.Usage+" (env "+k.Env+")")
			continue
		}
		fs.String(k.Flag, k.Default, k.Usage+" (env "+k.Env+")")
	}
}

// FromFlags resolves every setting from fs (already parsed by a caller
// that used Register), getenv and the files, then validates it. dotenv is
// as for Load.
func FromFlags(fs *pflag.FlagSet, getenv func(string) string, dotenv string) (Config, error) {
	v := viper.New()
	for _, k := range keys {
		v.SetDefault(k.Name, k.Default)
	}
	// empty holds the settings a source set to the empty string, for the
	// settings where that would open what the operator meant to close.
	empty := map[string]bool{}
	var dot dotEnv
	if dotenv != "" {
		var err error
		if dot, err = mergeDotEnv(v, dotenv, empty); err != nil {
			return Config{}, err
		}
	}
	flagFile, _ := fs.GetString("config")
	// CONFIG_FILE may come from .env too, as every other setting may.
	if file := cmp.Or(flagFile, getenv("CONFIG_FILE"), dot.configFile); file != "" {
		if err := mergeConfigFile(v, file, empty); err != nil {
			return Config{}, err
		}
	}
	// viper reads the environment itself only through os.Getenv; resolving
	// flag-over-environment here lets tests pass their own getenv.
	for _, k := range keys {
		if f := fs.Lookup(k.Flag); f != nil && f.Changed {
			v.Set(k.Name, f.Value.String())
			empty[k.Name] = f.Value.String() == ""
			continue
		}
		for _, name := range k.envs() {
			if val := getenv(name); val != "" {
				v.Set(k.Name, val)
				empty[k.Name] = false
				break
			}
		}
	}
	for _, k := range keys {
		if rule, ok := notEmpty[k.Name]; ok && empty[k.Name] && strings.TrimSpace(v.GetString(k.Name)) == "" {
			return Config{}, &Error{Key: k.Env, Rule: rule}
		}
	}
	c, err := build(v)
	c.Warnings = append(dot.warnings, c.Warnings...)
	return c, err
}

// notEmpty holds the settings whose empty value would leave open what
// the operator meant to close, and what to say when one is set but
// empty: unset, each has a default that is plain to see.
var notEmpty = map[string]string{
	"metrics_token":      "is set but empty, which would leave /metrics open to anyone: give it a token of at least 16 characters, or unset it to leave /metrics open on purpose",
	"cors_allow_origins": "is set but empty: name the origins browsers may call from, such as https://app.example.com, or * for any origin",
}

// CheckEnviron checks what getenv cannot tell apart from a variable that
// is unset: a setting of notEmpty set to the empty string in environ (as
// os.Environ lists it), which stops the server as it does from any other
// source. It returns a warning for each variable that looks like a
// misspelt setting.
func CheckEnviron(environ []string) ([]string, error) {
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		for _, k := range keys {
			if rule, ok := notEmpty[k.Name]; ok && slices.Contains(k.envs(), name) && strings.TrimSpace(val) == "" {
				return nil, &Error{Key: name, Rule: rule}
			}
		}
	}
	return MisspeltEnviron(environ), nil
}

// mergeConfigFile reads a config file's settings under the names the
// keys table knows: the key's own name or any of its environment names in
// lower case. A name it does not know stops the server, because a typo
// would otherwise leave a setting, such as CORS or authentication, at its
// open default without a word. No message quotes the file's text: a
// line that does not parse, or a name that is no setting, may be a secret
// written in the wrong place, so its line is named instead.
func mergeConfigFile(v *viper.Viper, file string, empty map[string]bool) error {
	f := viper.New()
	f.SetConfigFile(file)
	if err := f.ReadInConfig(); err != nil {
		if _, ok := errors.AsType[viper.ConfigParseError](err); ok {
			return &Error{Key: "CONFIG_FILE", Rule: file + " cannot be parsed" + parseErrorLine(file, err) + "; see docs/configuration.md for its form"}
		}
		if errors.Is(err, os.ErrNotExist) {
			return &Error{Key: "CONFIG_FILE", Rule: file + " does not exist"}
		}
		if _, ok := errors.AsType[viper.UnsupportedConfigError](err); ok {
			return &Error{Key: "CONFIG_FILE", Rule: file + " is not a config file the server reads: end its name with its form, .yaml, .yml, .json, .toml or .env"}
		}
		return &Error{Key: "CONFIG_FILE", Rule: "cannot read " + file}
	}
	byName := map[string]string{}
	for _, k := range keys {
		byName[k.Name] = k.Name
		for _, env := range k.envs() {
			byName[strings.ToLower(env)] = k.Name
		}
	}
	settings := map[string]any{}
	for _, name := range f.AllKeys() {
		key, ok := byName[name]
		if !ok {
			where := fileLine(file, name)
			if near := closest(name); near != "" && !strings.Contains(name, ".") {
				// A name this close to a setting is a typo, not a secret.
				return &Error{Key: "CONFIG_FILE", Rule: fmt.Sprintf("%s%s sets %s, which is not a setting: did you mean %s? See docs/configuration.md", file, where, name, near)}
			}
			return &Error{Key: "CONFIG_FILE", Rule: file + where + " sets a name that is not a setting, or holds a map where a setting takes one value; see docs/configuration.md"}
		}
		settings[key] = f.Get(name)
		// Only a missing or empty value: a list reads as "" too.
		empty[key] = f.Get(name) == nil || f.Get(name) == ""
	}
	return v.MergeConfigMap(settings)
}

// lineNumber finds "line N" in a parser's message, the only part of it
// that never holds the file's text.
var lineNumber = regexp.MustCompile(`line (\d+)`)

// parseErrorLine names the line at fault in a config file that does not
// parse, when the parser says which: " (line N)".
func parseErrorLine(file string, err error) string {
	if ext := strings.ToLower(filepath.Ext(file)); ext == ".env" || ext == ".dotenv" {
		if data, rerr := os.ReadFile(file); rerr == nil {
			return " (" + badDotEnvLine(string(data)) + ")"
		}
	}
	if m := lineNumber.FindStringSubmatch(err.Error()); m != nil {
		return " (line " + m[1] + ")"
	}
	return ""
}

// fileLine names the first line of file that holds the last part of the
// viper key name, " (line N)", or "" when none does.
func fileLine(file, name string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	last := name[strings.LastIndex(name, ".")+1:]
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(strings.ToLower(line), last) {
			return " (line " + strconv.Itoa(i+1) + ")"
		}
	}
	return ""
}

// dotEnv is what a .env file says beyond the settings it sets.
type dotEnv struct {
	configFile string   // its CONFIG_FILE
	warnings   []string // names it sets that the server does not read
}

// mergeDotEnv reads the .env file at path, when there is one. A name in
// it close to a setting's stops the server, as it does in a config file
// and for the same reason; a name far from every setting's is warned of
// by its line, since it may be for another program (docker compose reads
// .env too) and is not quoted in case it is not a name at all.
func mergeDotEnv(v *viper.Viper, path string, empty map[string]bool) (dotEnv, error) {
	var dot dotEnv
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return dot, nil
	}
	if err != nil {
		return dot, &Error{Key: ".env", Rule: err.Error()}
	}
	env, err := parseDotEnv(string(data))
	if err != nil {
		// The parser quotes the line, which may hold a secret.
		return dot, &Error{Key: ".env", Rule: badDotEnvLine(string(data)) + " cannot be parsed: write NAME=value, in quotes if the value holds spaces"}
	}
	for i, line := range strings.Split(string(data), "\n") {
		name := leadingName.FindStringSubmatch(strings.TrimSpace(line))[1]
		if name == "" || known(strings.ToUpper(name)) || !env.IsSet(name) {
			continue
		}
		where := "line " + strconv.Itoa(i+1) + " of " + path
		if near := closest(name); near != "" {
			return dot, &Error{Key: ".env", Rule: where + " sets " + name + ", which is not a setting: did you mean " + near + "?"}
		}
		dot.warnings = append(dot.warnings, where+" sets a name that is not a setting; the server ignores it")
	}
	dot.configFile = strings.TrimSpace(env.GetString("CONFIG_FILE"))
	// A .env file uses the environment's names (PORT, SERVER_PORT, ...);
	// map each onto its key, the documented name winning over aliases.
	for _, k := range keys {
		for _, name := range k.envs() {
			if env.IsSet(name) {
				v.SetDefault(k.Name, env.GetString(name))
				empty[k.Name] = env.GetString(name) == ""
				break
			}
		}
	}
	return dot, nil
}

// reader reads settings by their name in the keys table and keeps the
// first that cannot be used, so that build reads straight through and
// checks once. Its errors name the setting's environment variable.
type reader struct {
	v   *viper.Viper
	err error
}

func (r *reader) get(name string) string { return strings.TrimSpace(r.v.GetString(name)) }

func (r *reader) fail(name, rule string) {
	if r.err == nil {
		k := keys[slices.IndexFunc(keys, func(k Key) bool { return k.Name == name })]
		r.err = &Error{Key: k.Env, Rule: rule}
	}
}

func (r *reader) bool(name string) bool {
	b, err := strconv.ParseBool(r.get(name))
	if err != nil {
		r.fail(name, "must be true or false")
	}
	return b
}

// seconds reads a lifetime setting by the rule of every lifetime.
func (r *reader) seconds(name string) uint32 {
	n, err := strconv.ParseUint(r.get(name), 10, 64)
	if err != nil {
		n = 0 // not a whole number, or a huge one: out of range too
	}
	if bad, ok := errors.AsType[*service.Error](service.CheckLifetime(name, n, service.MaxLifetime)); ok {
		r.fail(name, bad.Message)
	}
	return uint32(n)
}

func build(v *viper.Viper) (Config, error) {
	r := &reader{v: v}
	c := Config{
		AppID:            r.get("app_id"),
		AppCertificate:   r.get("app_certificate"),
		Host:             v.GetString("host"),
		CORSAllowOrigins: list(v.GetString("cors_allow_origins")),
	}
	var err error
	if c.Dev, err = strconv.ParseBool(v.GetString("dev")); err != nil {
		r.fail("dev", "must be true or false")
	}
	if c.Port, err = strconv.Atoi(v.GetString("port")); err != nil || c.Port < 0 || c.Port > 65535 {
		r.fail("port", "must be a whole number from 0 to 65535")
	}
	c.DefaultExpiry = r.seconds("default_expiry")
	c.MaxExpiry = r.seconds("max_expiry")
	r.ops(&c)
	c.Security = r.security()
	// Unset, app tokens follow dev mode where someone is trying the
	// server out with made-up credentials: off in production, and off in
	// dev mode with real credentials, where an app token would act for a
	// real app.
	ownCredentials := c.AppID != "" || c.AppCertificate != ""
	c.Security.AllowAppTokens = c.Dev && !ownCredentials
	if r.get("allow_app_tokens") != "" {
		c.Security.AllowAppTokens = r.bool("allow_app_tokens")
	} else if c.Dev && ownCredentials {
		c.Warnings = append(c.Warnings, "dev mode with your own APP_ID and APP_CERTIFICATE: ALLOW_APP_TOKENS stays off, since an app token would act for your real app; set ALLOW_APP_TOKENS=true to issue them")
	}
	if r.err != nil {
		return Config{}, r.err
	}
	if c.Dev && !ownCredentials {
		c.AppID, c.AppCertificate, c.DevCredentials = randomHex32(), randomHex32(), true
	}
	c.Warnings = append(c.Warnings, c.Security.warnings()...)
	return c, c.Validate()
}

// credentialProblem says what is wrong with an App ID or certificate
// that is not 32 hexadecimal characters, by its length or the place of
// its first bad character, never by the value, and where to find the
// real one. It is "" for a credential of the right form.
func credentialProblem(s string) string {
	const where = "; copy it from your project's page in Agora Console (console.agora.io, Projects)"
	if agoratoken.ValidCredential(s) {
		return ""
	}
	if len(s) != 32 {
		return fmt.Sprintf("has %d characters; it must be 32 hexadecimal characters%s", len(s), where)
	}
	bad := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) })
	return fmt.Sprintf("character %d is not hexadecimal (0-9, a-f); it must be 32 hexadecimal characters%s", bad+1, where)
}

// Validate checks the rules that span settings or need Agora's formats.
func (c Config) Validate() error {
	if c.AppID == "" && !c.Dev {
		return &Error{Key: "APP_ID", Rule: "is required: your project's App ID, 32 hexadecimal characters; or run with --dev to try the server with made-up credentials"}
	}
	if c.AppCertificate == "" {
		return &Error{Key: "APP_CERTIFICATE", Rule: "is required with APP_ID: your project's primary App Certificate, 32 hexadecimal characters from your project's page in Agora Console (console.agora.io, Projects)"}
	}
	if problem := credentialProblem(c.AppID); problem != "" {
		return &Error{Key: "APP_ID", Rule: problem}
	}
	if problem := credentialProblem(c.AppCertificate); problem != "" {
		return &Error{Key: "APP_CERTIFICATE", Rule: problem}
	}
	if c.DefaultExpiry > c.MaxExpiry {
		return &Error{Key: "DEFAULT_EXPIRY", Rule: fmt.Sprintf("must not exceed MAX_EXPIRY (%d)", c.MaxExpiry)}
	}
	if len(c.CORSAllowOrigins) == 0 {
		return &Error{Key: "CORS_ALLOW_ORIGINS", Rule: "must name at least one origin, or *"}
	}
	// A browser sends its origin with a scheme: an origin without one
	// matches no request, and every browser gets a 403 it cannot read.
	for _, o := range c.CORSAllowOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			return &Error{Key: "CORS_ALLOW_ORIGINS", Rule: o + " has no scheme: an origin is written as browsers send it, such as https://" + o}
		}
	}
	return nil
}

// String renders the config for the start-up log, with every secret
// masked so that logs can be shared.
func (c Config) String() string {
	return fmt.Sprintf("addr=%s app_id=%s app_certificate=%s cors_allow_origins=%s default_expiry=%d max_expiry=%d dev=%t %s "+
		"log_format=%s log_level=%s metrics_token=%s read_header_timeout=%s read_timeout=%s write_timeout=%s idle_timeout=%s max_header_bytes=%d shutdown_timeout=%s shutdown_delay=%s",
		c.Addr(), c.AppID, mask(c.AppCertificate), strings.Join(c.CORSAllowOrigins, ","), c.DefaultExpiry, c.MaxExpiry, c.Dev, c.Security,
		c.LogFormat, strings.ToLower(c.LogLevel.String()), mask(c.MetricsToken),
		c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.MaxHeaderBytes, c.ShutdownTimeout, c.ShutdownDelay)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

func randomHex32() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: since Go 1.24 it crashes the program instead
	return hex.EncodeToString(b[:])
}
