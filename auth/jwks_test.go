package auth

import (
	"strconv"
	"testing"
	"time"
)

// A flood of tokens naming one made-up key id costs one fetch, not one
// per floor, so the provider is left alone and the next fetch is free
// for a real rotation, which is then picked up on its first token.
func TestJWKSOneBogusKIDCostsOneFetch(t *testing.T) {
	rs, es, _ := newSigners(t)
	idp := newJWKS(t)
	idp.publish(rs.jwk())
	const floor = 100 * time.Millisecond
	j := newJWKSVerifier(t, idp.srv.URL, JWTOptions{UnknownKIDEvery: floor})

	ghost := signer{kid: "ghost", method: es.method, key: es.key}
	for range 10 {
		if err := ok(j, ghost.token(t, "mallory")); err == nil {
			t.Fatal("a token with a made-up kid was accepted")
		}
		time.Sleep(floor / 2)
	}
	if got := idp.fetches.Load(); got != 2 {
		t.Errorf("the key set was fetched %d times, want 2: at start and once for the made-up kid", got)
	}

	idp.publish(rs.jwk(), es.jwk())
	if err := ok(j, es.token(t, "alice")); err != nil {
		t.Errorf("the first token signed with a rotated-in key was refused: %v", err)
	}
	if got := idp.fetches.Load(); got != 3 {
		t.Errorf("the key set was fetched %d times, want 3", got)
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
	asked, unknown := len(j.jwks.asked), len(j.jwks.unknown)
	j.jwks.mu.Unlock()
	if asked > maxAskedKIDs || unknown > maxUnknownKIDs {
		t.Errorf("remembering %d asked and %d unknown kids, want at most %d and %d", asked, unknown, maxAskedKIDs, maxUnknownKIDs)
	}
}
