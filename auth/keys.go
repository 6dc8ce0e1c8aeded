// Package auth checks the credentials callers present: API keys for
// backends, and identity tokens (JWTs) from the app's own sign-in for
// end users. It turns a valid credential into a service.Principal and an
// invalid one into an Unauthorized error whose message never holds the
// credential.
package auth

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// MinKeyLength is the shortest API key accepted: shorter ones can be
// guessed.
const MinKeyLength = 16

// Keys is the set of API keys the server accepts: the fixed ones from
// API_KEYS and those in API_KEYS_FILE, which Watch reloads while the
// server runs so that keys can be rotated without a restart.
//
// Only SHA-256 digests of the keys are kept, and a presented key is
// compared with every one of them in constant time.
type Keys struct {
	fixed []Digest
	file  string
	log   *slog.Logger
	all   atomic.Pointer[[]Digest]
	// seen is the key file's stamp when it was last read, taken before
	// reading so that a change made during the read is seen next time.
	seen atomic.Pointer[fileStamp]
}

// NewKeys returns the keys in fixed and in the file at path (which may be
// empty for none). It fails when a key is too short or no key is left.
func NewKeys(fixed []string, path string, log *slog.Logger) (*Keys, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &Keys{file: path, log: log}
	for i, key := range fixed {
		if len(key) < MinKeyLength {
			return nil, fmt.Errorf("API_KEYS: key %d is shorter than %d characters", i+1, MinKeyLength)
		}
		k.fixed = append(k.fixed, DigestOf(key))
	}
	var fromFile []Digest
	if path != "" {
		st := stamp(path)
		k.seen.Store(&st)
		var bad []int
		var err error
		if fromFile, bad, err = readKeyFile(path); err != nil {
			return nil, fmt.Errorf("API_KEYS_FILE: %w", err)
		}
		if len(bad) > 0 {
			return nil, fmt.Errorf("API_KEYS_FILE: the key on line %d is shorter than %d characters", bad[0], MinKeyLength)
		}
	}
	all := append(append([]Digest{}, k.fixed...), fromFile...)
	if len(all) == 0 {
		return nil, errors.New("API_KEYS or API_KEYS_FILE: AUTH_MODE=apikey needs at least one key")
	}
	k.all.Store(&all)
	return k, nil
}

// Authenticate accepts key if it is one of the set.
func (k *Keys) Authenticate(_ context.Context, key string) (service.Principal, error) {
	if key == "" {
		return service.Principal{}, errMissing
	}
	d := DigestOf(key)
	if !anyOf(*k.all.Load(), d) {
		return service.Principal{}, unauthorized("the API key is not valid")
	}
	// The rate limit keys on a digest prefix: enough to tell keys apart,
	// useless for recovering one.
	return service.Principal{ID: "key:" + hex.EncodeToString(d[:8])}, nil
}

// Count returns how many keys are accepted now.
func (k *Keys) Count() int { return len(*k.all.Load()) }

// Reload reads the key file again. A file that cannot be read, or holds a
// key that is too short, leaves the keys as they were: a rotation caught
// half-written must not lock every client out. A readable file with no
// keys is taken at its word.
func (k *Keys) Reload() error {
	if k.file == "" {
		return nil
	}
	st := stamp(k.file)
	k.seen.Store(&st)
	fromFile, bad, err := readKeyFile(k.file)
	if err != nil {
		return fmt.Errorf("API_KEYS_FILE: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("API_KEYS_FILE: the key on line %d is shorter than %d characters", bad[0], MinKeyLength)
	}
	all := append(append([]Digest{}, k.fixed...), fromFile...)
	k.all.Store(&all)
	if len(all) == 0 {
		k.log.Warn("API_KEYS_FILE holds no key: every token request will be refused until one is added")
	}
	return nil
}

// Watch reloads the key file on SIGHUP and whenever its size or time of
// change moves, checking every poll, until ctx is done. Run it in its own
// goroutine; it returns when ctx is done.
func (k *Keys) Watch(ctx context.Context, poll time.Duration) {
	if k.file == "" {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(poll)
	defer tick.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-tick.C:
			if stamp(k.file) == *k.seen.Load() {
				continue
			}
		}
		if err := k.Reload(); err != nil {
			k.log.Error("API keys not reloaded; the previous keys stay in force", "error", err.Error())
			continue
		}
		k.log.Info("API keys reloaded", "keys", k.Count())
	}
}

// fileStamp tells whether a file may have changed.
type fileStamp struct {
	size    int64
	modTime time.Time
	exists  bool
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: fi.Size(), modTime: fi.ModTime(), exists: true}
}

// readKeyFile reads one key a line; blank lines and lines starting with
// "#" are skipped. bad lists the lines whose key is too short. Errors
// name lines, never keys.
func readKeyFile(path string) (keys []Digest, bad []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) < MinKeyLength {
			bad = append(bad, n)
			continue
		}
		keys = append(keys, DigestOf(line))
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return keys, bad, nil
}

// AcceptsXAPIKey says that callers may send an API key in the X-API-Key
// header as well as in Authorization.
func (*Keys) AcceptsXAPIKey() bool { return true }
