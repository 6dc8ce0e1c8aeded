package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Bounds on what a key set remembers of the key ids tokens name, and on
// what it reads from the provider: made-up ids and a hostile endpoint
// cost at most this much memory.
const (
	maxAskedKIDs   = 1_000
	maxUnknownKIDs = 10_000
	// maxKIDBytes is the longest key id looked for at the provider;
	// providers use a few dozen characters.
	maxKIDBytes  = 256
	maxJWKSBytes = 1 << 20
)

// maxWaitForKeys is the longest a request waits for a fetch under way
// before its token is refused.
const maxWaitForKeys = 5 * time.Second

// keySet is an identity provider's public keys, fetched from its JWKS
// URL at start, every RefreshEvery, and early when a token names a key id
// the set lacks: a provider rotating its keys publishes the new one
// before it signs with it.
//
// Early fetches keep a floor (UnknownKIDEvery) between them, so made-up
// key ids cannot hammer the provider, and no request waits for the
// floor: a key id that misses within it is refused at once and the fetch
// it asks for happens when the floor allows, by itself. A key id still
// missing from a set fetched after it was asked for is remembered as
// unknown for UnknownKIDFor and refused without a fetch, so a flood of
// one bogus id costs one fetch and leaves the next to a real rotation.
//
// Until a fetch has brought a key, every identity token is refused and
// the server is not ready, so a failed fetch is retried on its own, from
// RetryFirst doubling up to RetryCeiling, rather than left to the hourly
// refresh or to a token naming an unknown key id.
type keySet struct {
	url         string
	client      *http.Client
	log         *slog.Logger
	fetchFailed func()
	floor       time.Duration
	unknownFor  time.Duration
	// ctx ends the periodic and scheduled fetches.
	ctx context.Context

	store *jwkset.MemoryJWKSet
	kf    keyfunc.Keyfunc

	mu sync.Mutex
	// asked holds, for each key id that missed, when it first did; a
	// fetch that starts later and still lacks it proves it unknown.
	asked map[string]time.Time
	// unknown holds, for each key id proved unknown, until when it is
	// refused without a fetch.
	unknown map[string]time.Time
	// inFlight is the fetch under way, if any; lastEarly is when the last
	// early one started.
	inFlight  *fetch
	lastEarly time.Time
	scheduled *time.Timer
	// loaded is true once a fetch has brought at least one key that can
	// verify a signature. Until then retry holds the next attempt, and
	// retryWait the wait before the one after it.
	loaded       bool
	retry        *time.Timer
	retryWait    time.Duration
	retryCeiling time.Duration
}

// fetch is one download of the key set; err is set before done closes.
type fetch struct {
	started time.Time
	done    chan struct{}
	err     error
}

// newKeySet fetches the key set once, waiting for it (a provider that is
// down only gets logged), and keeps it fresh until ctx is done.
func newKeySet(ctx context.Context, opts JWTOptions) (*keySet, error) {
	ks := &keySet{
		url:          opts.JWKSURL,
		client:       opts.Client,
		log:          opts.Log,
		fetchFailed:  opts.FetchFailed,
		floor:        opts.UnknownKIDEvery,
		unknownFor:   opts.UnknownKIDFor,
		ctx:          ctx,
		retryWait:    opts.RetryFirst,
		retryCeiling: opts.RetryCeiling,
		store:        jwkset.NewMemoryStorage(),
		asked:        make(map[string]time.Time),
		unknown:      make(map[string]time.Time),
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: ks.store})
	if err != nil {
		return nil, err
	}
	ks.kf = kf
	ks.mu.Lock()
	first := ks.startLocked()
	ks.mu.Unlock()
	<-first.done
	go ks.refreshEvery(opts.RefreshEvery)
	return ks, nil
}

// keyfunc finds the key that signed a token, fetching the set again when
// the token names a key id it lacks and the rules above allow.
func (ks *keySet) keyfunc(ctx context.Context) jwt.Keyfunc {
	lookup := ks.kf.KeyfuncCtx(ctx)
	return func(tok *jwt.Token) (any, error) {
		key, err := lookup(tok)
		if !errors.Is(err, jwkset.ErrKeyNotFound) {
			return key, err
		}
		if kid, _ := tok.Header["kid"].(string); ks.missed(ctx, kid) {
			return lookup(tok)
		}
		return nil, err
	}
}

// missed notes that kid is not in the set, and reports whether a fetch
// that may hold it has since ended, so it is worth looking again.
func (ks *keySet) missed(ctx context.Context, kid string) bool {
	if len(kid) > maxKIDBytes {
		return false
	}
	now := time.Now()
	ks.mu.Lock()
	if until, ok := ks.unknown[kid]; ok {
		if now.Before(until) {
			ks.mu.Unlock()
			return false
		}
		delete(ks.unknown, kid)
	}
	if _, ok := ks.asked[kid]; !ok && len(ks.asked) < maxAskedKIDs {
		ks.asked[kid] = now
	}
	f := ks.inFlight
	if f == nil {
		if ks.scheduleLocked(now) {
			ks.mu.Unlock()
			return false
		}
		ks.lastEarly = now
		f = ks.startLocked()
	}
	ks.mu.Unlock()
	wait := time.NewTimer(maxWaitForKeys)
	defer wait.Stop()
	select {
	case <-f.done:
		return f.err == nil
	case <-ctx.Done():
		return false
	case <-wait.C:
		return false
	}
}

// scheduleLocked reports whether the floor forbids an early fetch at
// now, and if so makes sure one happens as soon as it allows.
func (ks *keySet) scheduleLocked(now time.Time) bool {
	wait := ks.lastEarly.Add(ks.floor).Sub(now)
	if wait <= 0 {
		return false
	}
	if ks.scheduled == nil {
		ks.scheduled = time.AfterFunc(wait, ks.fetchScheduled)
	}
	return true
}

func (ks *keySet) fetchScheduled() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.scheduled = nil
	if ks.ctx.Err() != nil || ks.inFlight != nil {
		return
	}
	now := time.Now()
	if !ks.scheduleLocked(now) {
		ks.lastEarly = now
		ks.startLocked()
	}
}

// refreshEvery fetches the set every period until ctx is done.
func (ks *keySet) refreshEvery(period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ks.ctx.Done():
			ks.mu.Lock()
			if ks.scheduled != nil {
				ks.scheduled.Stop()
			}
			if ks.retry != nil {
				ks.retry.Stop()
			}
			ks.mu.Unlock()
			return
		case <-tick.C:
			ks.mu.Lock()
			ks.startLocked()
			ks.mu.Unlock()
		}
	}
}

// startLocked starts a fetch unless one is under way, and returns it.
func (ks *keySet) startLocked() *fetch {
	if ks.inFlight != nil {
		return ks.inFlight
	}
	f := &fetch{started: time.Now(), done: make(chan struct{})}
	ks.inFlight = f
	go func() {
		n, err := ks.download()
		ks.mu.Lock()
		switch {
		case err != nil && ks.loaded:
			ks.fetchFailed()
			ks.log.WarnContext(ks.ctx, "identity provider's keys not updated (JWT_JWKS_URL); the keys fetched before stay in force", "error", err.Error())
		case err != nil:
			ks.fetchFailed()
			ks.log.WarnContext(ks.ctx, "identity provider's keys not loaded (JWT_JWKS_URL); identity tokens are refused until they are", "error", err.Error())
		case !ks.loaded:
			ks.log.InfoContext(ks.ctx, "identity provider's keys loaded (JWT_JWKS_URL)", "keys", n)
		}
		f.err = err
		ks.inFlight = nil
		ks.loaded = ks.loaded || err == nil
		ks.settleLocked(f)
		ks.retryLocked()
		ks.mu.Unlock()
		close(f.done)
	}()
	return f
}

// retryLocked makes sure another fetch comes while no key has loaded,
// each one waiting twice as long as the last, up to the ceiling.
func (ks *keySet) retryLocked() {
	if ks.loaded || ks.retry != nil || ks.ctx.Err() != nil {
		return
	}
	ks.retry = time.AfterFunc(ks.retryWait, func() {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.retry = nil
		if ks.loaded || ks.ctx.Err() != nil {
			return
		}
		ks.startLocked()
	})
	ks.retryWait = min(2*ks.retryWait, ks.retryCeiling)
}

// settleLocked sorts the key ids asked for once f has ended well: found,
// or proved unknown when f started after they were asked for and lacks
// them. Those asked for too late to tell get an early fetch of their own.
// After a failed fetch they wait for the next one.
func (ks *keySet) settleLocked(f *fetch) {
	if f.err != nil {
		return
	}
	now := time.Now()
	for kid, at := range ks.asked {
		_, err := ks.store.KeyRead(ks.ctx, kid)
		switch {
		case err == nil:
			delete(ks.asked, kid)
		case !at.After(f.started):
			delete(ks.asked, kid)
			ks.rememberUnknownLocked(kid, now)
		}
	}
	if len(ks.asked) > 0 && ks.ctx.Err() == nil && !ks.scheduleLocked(now) {
		ks.lastEarly = now
		ks.startLocked()
	}
}

func (ks *keySet) rememberUnknownLocked(kid string, now time.Time) {
	if len(ks.unknown) >= maxUnknownKIDs {
		for k, until := range ks.unknown {
			if !now.Before(until) {
				delete(ks.unknown, k)
			}
		}
		if len(ks.unknown) >= maxUnknownKIDs {
			return // the floor still holds for the rest
		}
	}
	ks.unknown[kid] = now.Add(ks.unknownFor)
}

// download fetches the key set and puts it in place of the one held,
// and returns how many keys it holds now. Only keys that can verify a
// token's signature are kept; an answer without any fails, as one that is
// not a key set does, and the keys held stay: a provider's bad minute
// must not lock every user out. Every answer is read up to maxJWKSBytes,
// and one past it fails unread.
func (ks *keySet) download() (int, error) {
	req, err := http.NewRequestWithContext(ks.ctx, http.MethodGet, ks.url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := ks.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the key set answered status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return 0, err
	}
	if len(body) > maxJWKSBytes {
		return 0, fmt.Errorf("the key set is larger than %d bytes", maxJWKSBytes)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(body, &set); err != nil {
		return 0, fmt.Errorf("the key set is not a JSON Web Key Set: %w", err)
	}
	keys := make([]jwkset.JWK, 0, len(set.Keys))
	for _, m := range set.Keys {
		key, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{Private: true}, jwkset.JWKValidateOptions{})
		if errors.Is(err, jwkset.ErrUnsupportedKey) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("the key set holds a key that is not valid (kid %q): %w", m.KID, err)
		}
		if verifies(key) {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return 0, fmt.Errorf("the key set holds no key that can verify a signature (%d of another type or use)", len(set.Keys))
	}
	return len(keys), ks.store.KeyReplaceAll(ks.ctx, keys)
}

// verifies reports whether key can check the signature of a token this
// verifier accepts: a public key (or the public half of a private one) of
// an asymmetric method, published for signatures.
func verifies(key jwkset.JWK) bool {
	m := key.Marshal()
	if (m.USE != "" && m.USE != jwkset.UseSig) || (m.ALG != "" && !slices.Contains(asymmetric, m.ALG.String())) {
		return false
	}
	switch key.Key().(type) {
	case *rsa.PublicKey, *rsa.PrivateKey, *ecdsa.PublicKey, *ecdsa.PrivateKey, ed25519.PublicKey, ed25519.PrivateKey:
		return true
	}
	return false
}

// ready reports whether the keys held can verify a token: not until a
// fetch has brought one.
func (ks *keySet) ready() bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.loaded
}
