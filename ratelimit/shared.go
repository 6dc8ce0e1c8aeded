package ratelimit

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultCheckEvery is how often a Shared limiter's Watch checks that it
// can count in Redis.
const DefaultCheckEvery = time.Second

// SharedOptions tunes a Shared limiter; zero or negative fields take defaults.
type SharedOptions struct {
	// CheckEvery is how often Watch checks Redis (DefaultCheckEvery).
	CheckEvery time.Duration
	// Log receives one line when Redis goes away or refuses writes, and
	// one when the limiter can count in it again.
	Log *slog.Logger
	// RootCAs, when set, verify a rediss:// server's certificate instead
	// of the system's CAs.
	RootCAs *x509.CertPool
	// SkipVerify accepts any certificate from a rediss:// server, such as
	// the self-signed ones of Heroku's Key-Value Store: the connection is
	// encrypted, but not to a server whose identity was checked.
	SkipVerify bool
}

// Shared limits clients across every replica that points at the same
// Redis. When Redis cannot answer or refuses to write, each replica
// limits on its own with its fallback Memory limiter, so the service
// keeps serving; Watch notices when the limiter can write to Redis again,
// and limits are shared again.
type Shared struct {
	client     *redis.Client
	limiter    *redis_rate.Limiter
	limit      redis_rate.Limit
	fallback   *Memory
	checkEvery time.Duration
	log        *slog.Logger

	down atomic.Bool
}

// NewShared connects lazily to the Redis at redisURL (redis://, rediss://
// or unix://) and returns a limiter applying r through it.
func NewShared(redisURL string, r Rate, fallback *Memory, opts SharedOptions) (*Shared, error) {
	o, err := redis.ParseURL(redisURL)
	if err != nil {
		// The URL may hold a password: name the setting, never the value.
		return nil, errors.New("REDIS_URL: must be a redis://, rediss:// or unix:// URL")
	}
	// A limiter must answer fast or step aside: short timeouts unless the
	// URL names its own, one retry for a connection Redis dropped, and
	// none of the cluster-maintenance handshakes a single Redis lacks.
	o.DialTimeout = cmp.Or(o.DialTimeout, 500*time.Millisecond)
	o.ReadTimeout = cmp.Or(o.ReadTimeout, 250*time.Millisecond)
	o.WriteTimeout = cmp.Or(o.WriteTimeout, 250*time.Millisecond)
	o.PoolTimeout = cmp.Or(o.PoolTimeout, 500*time.Millisecond)
	o.MaxRetries = cmp.Or(o.MaxRetries, 1)
	o.DialerRetries = cmp.Or(o.DialerRetries, 1)
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if o.TLSConfig != nil { // rediss://
		o.TLSConfig.RootCAs = opts.RootCAs
		o.TLSConfig.InsecureSkipVerify = opts.SkipVerify
	}
	// go-redis logs each failed dial straight to stderr, past the
	// server's logger and its format, and its logger is one for the whole
	// process: silence it, once, and only here, where a Redis is
	// configured. The outage is reported by wentDown and cameBack.
	quietRedis.Do(func() { redis.SetLogger(discard{}) })
	client := redis.NewClient(o)

	return &Shared{
		client:     client,
		limiter:    redis_rate.NewLimiter(client),
		limit:      redis_rate.Limit{Rate: r.Count, Period: r.Period, Burst: r.burst()},
		fallback:   fallback,
		checkEvery: cmp.Or(max(opts.CheckEvery, 0), DefaultCheckEvery),
		log:        cmp.Or(opts.Log, slog.New(slog.DiscardHandler)),
	}, nil
}

// Allow counts a request from the client key, in Redis while it answers
// and in this process while it does not. A request never waits for a
// Redis known to be down: Watch finds out when it is back.
func (s *Shared) Allow(ctx context.Context, key string) Result {
	if s.down.Load() {
		return s.fallback.Allow(ctx, key)
	}
	res, err := s.limiter.Allow(ctx, key, s.limit)
	if err != nil {
		if ctx.Err() == nil {
			s.wentDown(ctx, err)
		}
		return s.fallback.Allow(ctx, key)
	}
	return Result{
		Allowed:    res.Allowed > 0,
		Limit:      s.limit.Burst,
		Remaining:  res.Remaining,
		RetryAfter: max(res.RetryAfter, 0),
		ResetAfter: max(res.ResetAfter, 0),
	}
}

// Watch checks Redis every CheckEvery until ctx is done, and keeps
// Degraded true exactly while the limiter cannot count in Redis, whether
// or not requests come. Run it in its own goroutine for as long as the
// limiter is used: without it, a limiter that lost Redis never uses it
// again.
func (s *Shared) Watch(ctx context.Context) {
	tick := time.NewTicker(s.checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.Check(ctx)
		}
	}
}

// Check counts one request on a key of its own through the limiter, for
// at most a few seconds, and updates Degraded. A server calls it before
// it starts serving, so that its readiness is right from the first probe.
//
// A PING is not enough: a Redis that a failover left a replica, or that
// is out of memory with no eviction policy, answers PING and reads but
// refuses every write, and each request would then find it down again.
// Only a write the limiter made itself shows that limits can be shared.
func (s *Shared) Check(ctx context.Context) {
	// Only a Check brings the limiter back, and only from a state it saw
	// before it asked: a request that found Redis gone while the probe
	// was on its way is newer news than the probe's success.
	wasDown := s.down.Load()
	// The client's own timeouts are shorter; this one holds if the URL
	// changes them.
	probeCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := s.limiter.Allow(probeCtx, probeKey, probeLimit)
	switch {
	case ctx.Err() != nil:
		// Stopping: the probe failed because of it, not because of Redis.
	case err != nil:
		s.wentDown(ctx, err)
	case wasDown:
		s.cameBack(ctx)
	}
}

// probeKey is the key Check counts on. Clients' keys carry a prefix with
// a colon ("ip:", "key:", "jwt:"), so none can be this one.
const probeKey = "rate-limit-store-check"

// probeLimit lets every Check through, so that each one writes: the
// limiter writes only for a request it allows. A burst of a thousand a
// second covers many replicas checking once a second each, and the key
// expires a second after the last check.
var probeLimit = redis_rate.Limit{Rate: 1000, Period: time.Second, Burst: 1000}

// Degraded reports whether Redis is down or refuses writes, so that
// limits are per replica.
func (s *Shared) Degraded() bool { return s.down.Load() }

// Close releases the connections to Redis.
func (s *Shared) Close() error { return s.client.Close() }

// quietRedis lets NewShared silence go-redis once per process.
var quietRedis sync.Once

type discard struct{}

// Printf drops the line.
func (discard) Printf(context.Context, string, ...any) {}

// wentDown and cameBack log each change of state once, with ctx: the
// line carries the request ID when a request found Redis gone, and none
// when Watch's ping did.
func (s *Shared) wentDown(ctx context.Context, err error) {
	if !s.down.CompareAndSwap(false, true) {
		return
	}
	attrs := []any{"error", err.Error(), "check_every", s.checkEvery.String()}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		// The usual cause on a managed Redis, and the one the operator
		// can fix at once.
		attrs = append(attrs, "hint", "the Redis server's certificate was not verified: set REDIS_TLS_CA_FILE to the CA that signed it, or REDIS_TLS_SKIP_VERIFY=true for a self-signed one such as Heroku's")
	}
	s.log.WarnContext(ctx, "rate limit store unreachable or refusing writes; each replica now limits on its own until it accepts them again", attrs...)
}

func (s *Shared) cameBack(ctx context.Context) {
	if s.down.CompareAndSwap(true, false) {
		s.log.InfoContext(ctx, "rate limit store answers again and accepts writes; limits are shared by every replica again")
	}
}
