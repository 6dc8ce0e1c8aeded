package main

// The wiring run does between the packages: security, background work,
// signals and the HTTP server's settings.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seed6ab08d10/agora-token-server/api"
	"github.com/seed6ab08d10/agora-token-server/auth"
	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/metrics"
	"github.com/seed6ab08d10/agora-token-server/middleware"
	"github.com/seed6ab08d10/agora-token-server/ratelimit"
)

// serverGCPercent is the garbage collector's GOGC in a serving process
// whose environment sets none. The live heap is about 2 MB and a token
// request allocates about 3.5 KB, so at Go's default of 100 the collector
// ran after every 600 or so requests, and took about 2.5 µs of CPU time
// per request, as much as signing the token. At 200 it runs a third as
// often, for 2 to 4 MB more of peak memory (docs/performance.md).
const serverGCPercent = 200

// tuneGC sets serverGCPercent, unless GOGC is set: an operator's own
// setting wins, as it does in any Go program.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// keyFilePoll is how often API_KEYS_FILE is checked for changes.
const keyFilePoll = 2 * time.Second

// security is what decides who may ask for tokens, and how often, and
// the parts of it that run in the background.
type security struct {
	authn   middleware.Authenticator // nil: AUTH_MODE=none
	limiter middleware.RateLimiter   // nil: no RATE_LIMIT
	// keys are reloaded on SIGHUP; nil without API_KEYS_FILE.
	keys *auth.Keys
	// jwks verifies identity tokens with the identity provider's keys,
	// and says whether they have loaded; nil without JWT_JWKS_URL.
	jwks *auth.JWT
	// shared is the rate limit kept in Redis; nil without REDIS_URL.
	shared *ratelimit.Shared
}

// newSecurity builds the authenticator and the rate limiter
// cfg asks for. Background work (reloading API keys, refreshing the
// identity provider's keys) stops when ctx is done; shared, when set,
// holds connections to close. m counts the failed fetches of the identity
// provider's keys.
func newSecurity(ctx context.Context, cfg config.Security, m *metrics.Metrics, log *slog.Logger) (*security, error) {
	s := &security{}
	switch cfg.AuthMode {
	case config.AuthAPIKey:
		keys, err := auth.NewKeys(cfg.APIKeys, cfg.APIKeysFile, log)
		if err != nil {
			return nil, err
		}
		go keys.Watch(ctx, keyFilePoll)
		s.authn = keys
		if cfg.APIKeysFile != "" {
			s.keys = keys
		}
	case config.AuthJWT:
		verifier, err := auth.NewJWT(ctx, auth.JWTOptions{
			Secret:        []byte(cfg.JWTSecret),
			JWKSURL:       cfg.JWTJWKSURL,
			Issuer:        cfg.JWTIssuer,
			Audience:      cfg.JWTAudience,
			UIDClaim:      cfg.JWTUIDClaim,
			ChannelsClaim: cfg.JWTChannelsClaim,
			RoleClaim:     cfg.JWTRoleClaim,
			Log:           log,
			FetchFailed:   m.JWKSFetchFailed,
		})
		if err != nil {
			return nil, err
		}
		s.authn = verifier
		if cfg.JWTJWKSURL != "" {
			s.jwks = verifier
		}
	}

	if cfg.RateCount > 0 {
		rate := ratelimit.Rate{Count: cfg.RateCount, Period: cfg.RatePeriod, Burst: cfg.RateBurst}
		local := ratelimit.NewMemory(rate, ratelimit.MemoryOptions{})
		s.limiter = local
		if cfg.RedisURL != "" {
			shared, err := ratelimit.NewShared(cfg.RedisURL, rate, local, ratelimit.SharedOptions{
				Log: log, RootCAs: cfg.RedisCAs, SkipVerify: cfg.RedisTLSSkipVerify,
			})
			if err != nil {
				return nil, err
			}
			s.limiter, s.shared = shared, shared
		}
	}
	return s, nil
}

// onHangup catches SIGHUP, so that the signal, whose default is to end
// the process, never stops the server. Until ctx is done, each one
// reloads keys when there is a key file, and otherwise logs that there is
// nothing to reload; after that, it is caught and dropped until the
// process ends. The signal is caught from the moment onHangup returns.
func onHangup(ctx context.Context, keys *auth.Keys, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	// Never stopped: signal.Stop would bring back the default action
	// while the process finishes.
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if keys == nil {
				log.Info("SIGHUP received; nothing to reload: only API_KEYS_FILE is reloaded on SIGHUP")
				continue
			}
			if err := keys.Reload(); err != nil {
				log.Error("SIGHUP received; API keys not reloaded, the previous keys stay in force", "error", err.Error())
				continue
			}
			log.Info("SIGHUP received; API keys reloaded", "keys", keys.Count())
		}
	}()
}

// watchDependencies checks the server's dependencies in the background
// until ctx is done, and reports them in the readiness probe and the
// metrics.
//
// A shared rate limit whose Redis is down, or refuses writes, falls back
// to counting in each server, so the server stays ready; the probe says "fallback" and the
// gauge token_server_rate_limit_store_up drops to 0. Identity tokens
// cannot be checked before a key of the provider that can verify them has
// loaded: until then every one would get 401, so the server is not ready.
func watchDependencies(ctx context.Context, ready *api.Readiness, m *metrics.Metrics, sec *security, log *slog.Logger) {
	if sec.jwks != nil {
		if !sec.jwks.Ready() {
			log.Warn("identity provider's keys (JWT_JWKS_URL) did not load: every identity token is refused, and /readyz says not ready, until they do")
		}
		ready.AddCheck("jwks", func(context.Context) (string, error) {
			if !sec.jwks.Ready() {
				return "", errors.New("no key of the identity provider (JWT_JWKS_URL) that can verify a signature has loaded yet")
			}
			return "ok", nil
		})
	}

	shared := sec.shared
	if shared == nil {
		return
	}
	shared.Check(ctx)
	go shared.Watch(ctx)
	m.WatchRateLimitStore(func() bool { return !shared.Degraded() })
	ready.AddCheck("redis", func(context.Context) (string, error) {
		if shared.Degraded() {
			return "fallback", nil
		}
		return "ok", nil
	})
}

// listen opens the server's address. A failure is a setting's fault far
// more often than the machine's, so it is told as a bad setting is, by
// the setting that would fix it and with exit status 2, instead of as
// the system's error, which names none.
func listen(cfg config.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr())
	if err == nil {
		return ln, nil
	}
	port := strconv.Itoa(cfg.Port)
	host := cfg.Host
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, &config.Error{Key: "PORT", Rule: port + " is in use: stop the other server or set PORT / --port to a free port"}
	case errors.Is(err, syscall.EACCES):
		return nil, &config.Error{Key: "PORT", Rule: port + " needs privileges this process lacks: set PORT / --port to 1024 or above"}
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, &config.Error{Key: "HOST", Rule: host + " is not an address of this machine: set HOST / --host to one of its addresses, 127.0.0.1 for this machine only, or leave it empty for every interface"}
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return nil, &config.Error{Key: "HOST", Rule: host + " is not an address and does not resolve: set HOST / --host to an address of this machine, 127.0.0.1 for this machine only, or leave it empty for every interface"}
	}
	return nil, &config.Error{Key: "HOST", Rule: "cannot listen on " + cfg.Addr() + " (" + err.Error() + "): check HOST / --host and PORT / --port"}
}

// lookup reads one variable of environ, as os.Getenv reads the process's.
func lookup(environ []string) func(string) string {
	vars := map[string]string{}
	for _, kv := range environ {
		if name, val, ok := strings.Cut(kv, "="); ok {
			if _, seen := vars[name]; !seen { // the first wins, as in os.Getenv
				vars[name] = val
			}
		}
	}
	return func(name string) string { return vars[name] }
}

// localURL is the base URL a client on this machine reaches addr by:
// localhost when the server listens on every interface.
func localURL(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
