package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A flood of tokens naming one made-up key id costs at most one fetch
// per floor, however long it lasts: the floor, not a memory of the id,
// keeps the provider from being hammered.
func TestJWKSOneBogusKIDCostsOneFetchPerFloor(t *testing.T) {
	rs, es, _ := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	const floor = 100 * time.Millisecond
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: floor})

	ghost := signer{kid: "ghost", method: es.method, key: es.key}
	start := time.Now()
	for range 200 {
		if err := ok(j, ghost.token(t, "mallory")); err == nil {
			t.Fatal("a token with a made-up kid was accepted")
		}
		time.Sleep(floor / 20)
	}
	elapsed := time.Since(start)
	// At start, then at most one per floor, and one the last tokens asked for.
	if got, most := idp.fetches.Load(), int32(1+elapsed/floor+2); got > most {
		t.Errorf("%d fetches in %v, want at most %d with a floor of %v", got, elapsed, most, floor)
	}
}

// Someone who guesses the key id the provider will publish next, and
// sends a token naming it first, must not keep that key out once it is
// published: a key id is never remembered as unknown past the next fetch
// the floor allows, so the first genuine token after the floor is
// accepted.
func TestJWKSForgedKIDDoesNotKeepOutItsKey(t *testing.T) {
	rs, es, ed := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	const floor = 100 * time.Millisecond
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: floor})

	// The forger names es's key id but cannot sign with es's key.
	forged := signer{kid: es.kid, method: ed.method, key: ed.key}
	if err := ok(j, forged.token(t, "mallory")); err == nil {
		t.Fatal("a token with a kid the provider does not publish was accepted")
	}
	if got := idp.fetches.Load(); got != 2 {
		t.Fatalf("the key set was fetched %d times, want 2: at start and once for the forged kid", got)
	}

	idp.publish(rs.jwk(), es.jwk())
	time.Sleep(floor) // the floor that the forged kid's fetch started
	if err := ok(j, es.token(t, "alice")); err != nil {
		t.Fatalf("a genuine token signed with the published key was refused after the floor: %v", err)
	}
	if got := idp.fetches.Load(); got != 3 {
		t.Errorf("the key set was fetched %d times, want 3", got)
	}
	if err := ok(j, forged.token(t, "mallory")); err == nil {
		t.Error("the forged token was accepted once the kid it names was published")
	}
}

// A token with a new key id that arrives before the floor allows another
// fetch is refused at once, not held until then; the fetch it asked for
// happens when the floor allows, without waiting for another request.
func TestJWKSUnknownKIDWithinTheFloorFetchesLater(t *testing.T) {
	rs, es, ed := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	const floor = time.Second
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: floor})

	// A made-up kid spends the floor's fetch.
	ghost := signer{kid: "ghost", method: ed.method, key: ed.key}
	if err := ok(j, ghost.token(t, "mallory")); err == nil {
		t.Fatal("a token with a made-up kid was accepted")
	}
	spent := time.Now()
	idp.publish(rs.jwk(), es.jwk())
	if err := ok(j, es.token(t, "alice")); err == nil {
		t.Fatal("a new kid within the floor was accepted: the floor let a second fetch through")
	}
	if waited := time.Since(spent); waited > floor/2 {
		t.Errorf("refusing the new kid took %v: it waited for the floor", waited)
	}
	waitFor(t, "the fetch the new kid asked for", func() bool { return idp.fetches.Load() == 3 })
	if early := time.Since(spent); early < floor*9/10 {
		t.Errorf("the asked-for fetch came %v after the last, within the floor of %v", early, floor)
	}
	if err := ok(j, es.token(t, "alice")); err != nil {
		t.Errorf("the rotated-in key is refused after the fetch: %v", err)
	}
	if got := idp.fetches.Load(); got != 3 {
		t.Errorf("the key set was fetched %d times, want 3", got)
	}
}

// Made-up key ids, each new, get at most one fetch per floor between
// them, and their memory is bounded.
func TestJWKSManyBogusKIDsKeepTheFloor(t *testing.T) {
	rs, es, _ := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	const floor = 200 * time.Millisecond
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: floor})

	start := time.Now()
	for i := range 3 * maxAskedKIDs {
		ghost := signer{kid: "ghost-" + strconv.Itoa(i), method: es.method, key: es.key}
		if err := ok(j, ghost.token(t, "mallory")); err == nil {
			t.Fatal("a token with a made-up kid was accepted")
		}
	}
	elapsed := time.Since(start)
	// At start, then at most one per floor, and one the last ids asked for.
	if got, most := idp.fetches.Load(), int32(2+elapsed/floor+1); got > most {
		t.Errorf("%d fetches in %v, want at most %d with a floor of %v", got, elapsed, most, floor)
	}
	j.jwks.mu.Lock()
	asked := len(j.jwks.asked)
	j.jwks.mu.Unlock()
	if asked > maxAskedKIDs {
		t.Errorf("remembering %d asked kids, want at most %d", asked, maxAskedKIDs)
	}
}

// A provider that is down when the server starts is asked again every
// few seconds, waiting twice as long each time up to a ceiling, until its
// keys load: no token has to come first, and the hourly refresh is not
// what brings them. Once they have loaded the retries stop.
func TestJWKSRetriesUntilTheKeysLoad(t *testing.T) {
	rs, _, _ := newSigners(t)
	var (
		mu     sync.Mutex
		starts []time.Time
	)
	const failures = 5
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		starts = append(starts, time.Now())
		n := len(starts)
		mu.Unlock()
		if n <= failures {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{rs.jwk()}})
	}))
	t.Cleanup(provider.Close)
	fetches := func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(starts)
	}

	const first, ceiling = 40 * time.Millisecond, 160 * time.Millisecond
	j := newJWKSVerifier(t, provider.URL, JWTOptions{
		RetryFirst: first, RetryCeiling: ceiling,
		RefreshEvery: time.Hour, UnknownKIDEvery: time.Hour,
	})
	waitFor(t, "the keys to load after the provider came back", func() bool { return holds(j, rs.kid) })
	if err := ok(j, rs.token(t, "alice")); err != nil {
		t.Fatalf("a token signed with the provider's key was refused once it answered: %v", err)
	}

	got := fetches()
	wants := []time.Duration{first, 2 * first, 4 * first, ceiling, ceiling}
	for i, want := range wants {
		if gap := got[i+1].Sub(got[i]); gap < want*9/10 || gap > want+time.Second {
			t.Errorf("wait before attempt %d = %v, want about %v", i+2, gap, want)
		}
	}
	time.Sleep(3 * ceiling)
	if n := len(fetches()); n != failures+1 {
		t.Errorf("the key set was fetched %d times, want %d: retries went on after the keys loaded", n, failures+1)
	}
}

// A provider whose key set holds no key is no better than one that is
// down: the server goes on asking.
func TestJWKSRetriesAnEmptyKeySet(t *testing.T) {
	rs, _, _ := newSigners(t)
	idp := newJWKS(t)
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{
		RetryFirst: 20 * time.Millisecond, RetryCeiling: 20 * time.Millisecond,
		RefreshEvery: time.Hour, UnknownKIDEvery: time.Hour,
	})
	waitFor(t, "a second fetch of the empty key set", func() bool { return idp.fetches.Load() >= 2 })
	idp.publish(rs.jwk())
	waitFor(t, "the published key to be fetched", func() bool { return holds(j, rs.kid) })
	if err := ok(j, rs.token(t, "alice")); err != nil {
		t.Errorf("a token signed with the published key was refused: %v", err)
	}
}

// holds reports whether j has the key kid, without asking the provider
// as a token with an unknown key id would.
func holds(j *JWT, kid string) bool {
	_, err := j.jwks.store.KeyRead(context.Background(), kid)
	return err == nil
}

// Retries end with the context that started them.
func TestJWKSRetriesStopWithTheContext(t *testing.T) {
	idp := newJWKS(t)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := NewJWT(ctx, JWTOptions{JWKSURL: idp.srv.URL, RetryFirst: 20 * time.Millisecond, RetryCeiling: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a retry", func() bool { return idp.fetches.Load() >= 2 })
	cancel()
	time.Sleep(50 * time.Millisecond)
	before := idp.fetches.Load()
	time.Sleep(200 * time.Millisecond)
	if after := idp.fetches.Load(); after != before {
		t.Errorf("%d fetches after the context ended, want none", after-before)
	}
}
