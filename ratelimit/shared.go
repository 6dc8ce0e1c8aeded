package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultRetryEvery is how often a Shared limiter whose Redis is down
// tries it again.
const DefaultRetryEvery = time.Second

// SharedOptions tunes a Shared limiter. Zero fields take the defaults.
type SharedOptions struct {
	// RetryEvery is how often to try Redis again while it is down
	// (DefaultRetryEvery). Only one request per interval pays for a try.
	RetryEvery time.Duration
	// Log receives one line when Redis goes away and one when it returns.
	Log *slog.Logger
}

// Shared limits clients across every replica that points at the same
// Redis. When Redis cannot answer, each replica limits on its own with
// its fallback Memory limiter, so the service keeps serving; it tries
// Redis again every RetryEvery and shares limits again once it answers.
type Shared struct {
	client     *redis.Client
	limiter    *redis_rate.Limiter
	limit      redis_rate.Limit
	fallback   *Memory
	retryEvery time.Duration
	log        *slog.Logger

	down atomic.Bool
	// retryAt is when, in Unix nanoseconds, Redis may next be tried while
	// it is down.
	retryAt atomic.Int64
}

var _ Limiter = (*Shared)(nil)

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
	if o.DialTimeout == 0 {
		o.DialTimeout = 500 * time.Millisecond
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 250 * time.Millisecond
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 250 * time.Millisecond
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = 500 * time.Millisecond
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 1
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	quietRedis.Do(func() { redis.SetLogger(discard{}) })
	client := redis.NewClient(o)

	s := &Shared{
		client:     client,
		limiter:    redis_rate.NewLimiter(client),
		limit:      redis_rate.Limit{Rate: r.Count, Period: r.Period, Burst: r.burst()},
		fallback:   fallback,
		retryEvery: opts.RetryEvery,
		log:        opts.Log,
	}
	if s.retryEvery <= 0 {
		s.retryEvery = DefaultRetryEvery
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Allow counts a request from the client key, in Redis when it answers
// and in this process when it does not.
func (s *Shared) Allow(ctx context.Context, key string) Result {
	if s.down.Load() {
		next := s.retryAt.Load()
		if time.Now().UnixNano() < next || !s.retryAt.CompareAndSwap(next, time.Now().Add(s.retryEvery).UnixNano()) {
			return s.fallback.Allow(ctx, key)
		}
	}
	res, err := s.limiter.Allow(ctx, key, s.limit)
	if err != nil {
		if ctx.Err() == nil {
			s.wentDown(err)
		}
		return s.fallback.Allow(ctx, key)
	}
	s.cameBack()
	return Result{
		Allowed:    res.Allowed > 0,
		Limit:      s.limit.Burst,
		Remaining:  res.Remaining,
		RetryAfter: max(res.RetryAfter, 0),
		ResetAfter: max(res.ResetAfter, 0),
	}
}

// Degraded reports whether Redis is down and limits are per replica.
func (s *Shared) Degraded() bool { return s.down.Load() }

// Close releases the connections to Redis.
func (s *Shared) Close() error { return s.client.Close() }

// quietRedis silences go-redis, which can only log to stderr for the
// whole process, once per failed dial: Shared reports an outage itself,
// once when it starts and once when it ends, through the server's log.
var quietRedis sync.Once

type discard struct{}

func (discard) Printf(context.Context, string, ...any) {}

func (s *Shared) wentDown(err error) {
	s.retryAt.Store(time.Now().Add(s.retryEvery).UnixNano())
	if s.down.CompareAndSwap(false, true) {
		s.log.Warn("rate limit store unreachable; each replica now limits on its own until it answers again",
			"error", err.Error(), "retry_every", s.retryEvery.String())
	}
}

func (s *Shared) cameBack() {
	if s.down.CompareAndSwap(true, false) {
		s.log.Info("rate limit store answers again; limits are shared by every replica again")
	}
}
