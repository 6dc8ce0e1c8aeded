package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Bounds on what a key set remembers of the key ids tokens name, and on
// what it reads from the provider: made-up ids and a hostile endpoint
// cost at most this much memory. Providers' key ids are a few dozen bytes.
const (
	maxAskedKIDs   = 1_000
	maxKIDBytes    = 256
	maxJWKSBytes   = 1 << 20
	maxWaitForKeys = 5 * time.Second // for a fetch under way, before a token is refused
)

// keySet is an identity provider's public keys. jwkset fetches them at
// start and every RefreshEvery; keySet adds the retries until a key has
// loaded, the cap on the answer, keeping the keys held when a fetch brings
// none that can verify, and an early fetch for a key id the set lacks, as
// a provider publishes a key before it signs with it.
//
// jwkset's RefreshUnknownKID would make a request wait out the floor
// between such fetches (or cut the fetch short and never make it up).
// Here a miss within the floor is refused at once and its fetch comes
// when the floor allows. The floor alone bounds what made-up ids cost:
// one fetch per UnknownKIDEvery, however many ids and requests. An id is
// never remembered as unknown past the next fetch the floor allows: an
// attacker who guesses the provider's next key id must not keep its key
// out once it is published.
type keySet struct {
	opts JWTOptions
	// ctx ends the periodic and scheduled fetches.
	ctx context.Context
	// fetchOpts make a storage over store that fetches the set once.
	fetchOpts jwkset.HTTPClientStorageOptions
	store     *usableKeys
	kf        keyfunc.Keyfunc

	mu sync.Mutex
	// asked holds, for each key id that missed, when it first did.
	asked     map[string]time.Time
	inFlight  *fetch
	lastEarly time.Time
	scheduled *time.Timer
}

// fetch is one download of the key set; err is set before done closes.
type fetch struct {
	started time.Time
	done    chan struct{}
	err     error
}

// newKeySet fetches the key set now and keeps it fresh until ctx is done.
func newKeySet(ctx context.Context, opts JWTOptions) (*keySet, error) {
	ks := &keySet{
		opts:  opts,
		ctx:   ctx,
		store: &usableKeys{MemoryJWKSet: jwkset.NewMemoryStorage(), log: opts.Log},
		asked: make(map[string]time.Time),
	}
	ks.fetchOpts = jwkset.HTTPClientStorageOptions{
		Client:                    &http.Client{Transport: capBody{http.DefaultTransport}},
		Ctx:                       ctx,
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       ks.failed,
		Storage:                   ks.store,
	}
	periodic := ks.fetchOpts
	periodic.RefreshInterval = opts.RefreshEvery
	if _, err := jwkset.NewStorageFromHTTP(ks.opts.JWKSURL, periodic); err != nil {
		return nil, err
	}
	ks.kf, _ = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: ks.store}) // fails only without a storage
	go ks.retryUntilLoaded()
	return ks, nil
}

// capBody fails an answer past maxJWKSBytes, which jwkset would read whole.
type capBody struct{ next http.RoundTripper }

// RoundTrip sends req and caps the answer's body.
func (c capBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil {
		resp.Body = http.MaxBytesReader(nil, resp.Body, maxJWKSBytes)
	}
	return resp, err
}

// usableKeys holds only the keys that can verify a token's signature. A
// set without any is refused and the keys held stay: a provider's bad
// minute must not lock every user out.
type usableKeys struct {
	*jwkset.MemoryJWKSet
	log    *slog.Logger
	loaded atomic.Bool
}

var errNoUsableKey = errors.New("the key set holds no key that can verify a signature")

// KeyReplaceAll keeps those of given that can verify, unless none can.
func (u *usableKeys) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	keys := slices.DeleteFunc(given, func(k jwkset.JWK) bool { return !verifies(k) })
	if len(keys) == 0 {
		return errNoUsableKey
	}
	if err := u.MemoryJWKSet.KeyReplaceAll(ctx, keys); err != nil {
		return err
	}
	if !u.loaded.Swap(true) {
		u.log.InfoContext(ctx, "identity provider's keys loaded (JWT_JWKS_URL)", "keys", len(keys))
	}
	return nil
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

// failed logs and counts a fetch that brought no key that can verify.
func (ks *keySet) failed(ctx context.Context, err error) {
	// jwkset wraps these in words about its own steps.
	if tooBig, ok := errors.AsType[*http.MaxBytesError](err); ok {
		err = fmt.Errorf("the key set is larger than %d bytes", tooBig.Limit)
	} else if errors.Is(err, errNoUsableKey) {
		err = errNoUsableKey
	}
	ks.opts.FetchFailed()
	if ks.store.loaded.Load() {
		ks.opts.Log.WarnContext(ctx, "identity provider's keys not updated (JWT_JWKS_URL); the keys fetched before stay in force", "error", err.Error())
	} else {
		ks.opts.Log.WarnContext(ctx, "identity provider's keys not loaded (JWT_JWKS_URL); identity tokens are refused until they are", "error", err.Error())
	}
}

// retryUntilLoaded fetches again, as JWTOptions.RetryFirst says, while no
// key has loaded: the server is not ready until one has, which must not
// last until the hourly refresh.
func (ks *keySet) retryUntilLoaded() {
	for wait := ks.opts.RetryFirst; !ks.store.loaded.Load(); wait = min(2*wait, ks.opts.RetryCeiling) {
		select {
		case <-ks.ctx.Done():
			return
		case <-time.After(wait):
		}
		ks.mu.Lock()
		f := ks.startLocked()
		ks.mu.Unlock()
		<-f.done
	}
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
	if _, ok := ks.asked[kid]; !ok && len(ks.asked) < maxAskedKIDs {
		ks.asked[kid] = now
	}
	f := ks.earlyLocked(now)
	ks.mu.Unlock()
	if f == nil {
		return false
	}
	select {
	case <-f.done:
		return f.err == nil
	case <-ctx.Done():
	case <-time.After(maxWaitForKeys):
	}
	return false
}

// earlyLocked returns the fetch under way, or starts one unless the
// floor forbids it at now; then it returns nil and makes sure one starts
// as soon as the floor allows.
func (ks *keySet) earlyLocked(now time.Time) *fetch {
	if ks.inFlight != nil {
		return ks.inFlight
	}
	if wait := ks.lastEarly.Add(ks.opts.UnknownKIDEvery).Sub(now); wait > 0 {
		if ks.scheduled == nil {
			ks.scheduled = time.AfterFunc(wait, func() {
				ks.mu.Lock()
				defer ks.mu.Unlock()
				ks.scheduled = nil
				if ks.ctx.Err() == nil {
					ks.earlyLocked(time.Now())
				}
			})
		}
		return nil
	}
	ks.lastEarly = now
	return ks.startLocked()
}

// startLocked starts a fetch unless one is under way, and returns it.
// jwkset fetches only on its own ticker; a storage over the same keys
// fetches once when it is made.
func (ks *keySet) startLocked() *fetch {
	if ks.inFlight != nil {
		return ks.inFlight
	}
	f := &fetch{started: time.Now(), done: make(chan struct{})}
	ks.inFlight = f
	opts := ks.fetchOpts
	opts.RefreshErrorHandler = func(ctx context.Context, err error) {
		f.err = err
		ks.failed(ctx, err)
	}
	go func() {
		_, _ = jwkset.NewStorageFromHTTP(ks.opts.JWKSURL, opts) // only the handler sees a failed fetch
		ks.mu.Lock()
		ks.inFlight = nil
		ks.settleLocked(f)
		ks.mu.Unlock()
		close(f.done)
	}()
	return f
}

// settleLocked forgets the key ids asked for once f has ended well and
// answered them: found, or missing from a set fetched after they were
// asked for. Nothing else is kept of the missing ones: their next token
// may ask again, when the floor allows. Those asked for too late to tell
// get an early fetch of their own.
func (ks *keySet) settleLocked(f *fetch) {
	if f.err != nil {
		return
	}
	maps.DeleteFunc(ks.asked, func(kid string, at time.Time) bool {
		_, err := ks.store.KeyRead(ks.ctx, kid)
		return err == nil || !at.After(f.started)
	})
	if len(ks.asked) > 0 && ks.ctx.Err() == nil {
		ks.earlyLocked(time.Now())
	}
}
