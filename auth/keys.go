// Package auth checks the credentials callers present: API keys for
// backends, and identity tokens (JWTs) from the app's own sign-in for
// end users. It turns a valid credential into a service.Principal and an
// invalid one into an Unauthorized error whose message never holds the
// credential.
package auth

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// MinKeyLength is the shortest API key accepted: shorter ones can be guessed.
const MinKeyLength = 16

// Keys is the set of API keys the server accepts: the fixed ones from
// API_KEYS and those in API_KEYS_FILE, which Watch reloads while the
// server runs so that keys can be rotated without a restart.
type Keys struct {
	fixed []Digest
	file  string
	log   *slog.Logger
	all   atomic.Pointer[[]Digest]
	// seen is the key file's stamp when it was last read whole.
	seen atomic.Pointer[os.FileInfo]
	// read is os.ReadFile, or a test's writer racing the read.
	read func(path string) ([]byte, error)
}

// SetupError is an API key setting that cannot be used. It names the
// setting and the rule, never a key.
type SetupError struct {
	Setting string // API_KEYS or API_KEYS_FILE
	Rule    string
}

// Error names the setting and the rule it breaks.
func (e *SetupError) Error() string { return e.Setting + ": " + e.Rule }

// NewKeys returns the keys in fixed and in the file at path (which may be
// empty for none). It fails with a *SetupError when a key is too short,
// the file cannot be read, or no key is given at all.
func NewKeys(fixed []string, path string, log *slog.Logger) (*Keys, error) {
	k := &Keys{file: path, log: cmp.Or(log, slog.New(slog.DiscardHandler)), read: os.ReadFile}
	for i, key := range fixed {
		if problem := keyProblem(key); problem != "" {
			return nil, &SetupError{"API_KEYS", fmt.Sprintf("key %d %s", i+1, problem)}
		}
		k.fixed = append(k.fixed, DigestOf(key))
	}
	k.all.Store(&k.fixed)
	if err := k.Reload(); err != nil {
		return nil, err
	}
	if k.Count() == 0 {
		setting := "API_KEYS"
		if path != "" {
			setting = "API_KEYS_FILE"
		}
		return nil, &SetupError{setting, "holds no key: AUTH_MODE=apikey needs at least one key, in API_KEYS or API_KEYS_FILE"}
	}
	return k, nil
}

// CheckKeys reads the keys NewKeys would, keeping none, so that an
// unusable setting can stop the server before it starts.
func CheckKeys(fixed []string, path string) error {
	_, err := NewKeys(fixed, path, nil)
	return err
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

// Reload reads the key file again. A file that cannot be read, holds a
// key that is too short, or has lost every key it held leaves the keys as
// they were: a file caught half-written, or truncated before it is
// written again, must not lock clients out. To revoke every key of the
// file, put a new one in it.
func (k *Keys) Reload() error {
	if k.file == "" {
		return nil
	}
	fromFile, err := k.readFile()
	if err != nil {
		return err
	}
	old := *k.all.Load()
	if len(fromFile) == 0 && len(old) > len(k.fixed) {
		return &SetupError{"API_KEYS_FILE", "holds no key now; keeping the keys it held, since it may be in the middle of being rewritten"}
	}
	all := slices.Concat(k.fixed, fromFile)
	k.all.Store(&all)
	return nil
}

// readFile reads the key file whole: when its stamp moved while it was
// read, a writer was at work and what was read may be cut off, so it is
// read again, a little later.
func (k *Keys) readFile() ([]Digest, error) {
	for try := 1; ; try++ {
		before := stamp(k.file)
		data, err := k.read(k.file)
		if err != nil {
			k.seen.Store(&before) // Watch reports a missing file once
			return nil, &SetupError{"API_KEYS_FILE", "cannot be read: " + err.Error()}
		}
		if !same(stamp(k.file), before) {
			if try < 3 {
				time.Sleep(time.Duration(try) * 50 * time.Millisecond)
				continue
			}
			// Watch sees the stamp move and tries again.
			return nil, &SetupError{"API_KEYS_FILE", "kept changing while it was read"}
		}
		k.seen.Store(&before)
		return parseKeys(data)
	}
}

// Watch reloads the key file whenever it changes or another file is
// renamed into its place, checking every poll, until ctx is done. Run it in
// its own goroutine. SIGHUP belongs to the program, which calls Reload.
func (k *Keys) Watch(ctx context.Context, poll time.Duration) {
	if k.file == "" {
		return
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if seen := k.seen.Load(); seen != nil && same(stamp(k.file), *seen) {
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

// stamp is the file at path as same compares it; nil when there is none.
func stamp(path string) os.FileInfo {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return fi
}

// same reports whether a and b stamp the same, unchanged file: a file
// renamed into place is another file, even of the same size and time.
func same(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// parseKeys reads one key a line; blank lines and lines starting with
// "#" are skipped. A byte-order mark and carriage returns, which editors
// on Windows add, are not part of any key. A line that cannot be a key
// fails the whole file, naming the line and never its content.
func parseKeys(data []byte) ([]Digest, error) {
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var keys []Digest
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if problem := keyProblem(line); problem != "" {
			return nil, &SetupError{"API_KEYS_FILE", fmt.Sprintf("the key on line %d %s", n+1, problem)}
		}
		keys = append(keys, DigestOf(line))
	}
	return keys, nil
}

// keyProblem says why key cannot be an API key, one that a client can
// send in a header, or "" when it can.
func keyProblem(key string) string {
	if strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) {
		return "holds a control character or a byte that is not printable ASCII"
	}
	if len(key) < MinKeyLength {
		return fmt.Sprintf("is shorter than %d characters", MinKeyLength)
	}
	return ""
}
