package auth

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

const (
	fixedKey = "fixed-key-0123456789"
	fileKey1 = "file-key-one-0123456789"
	fileKey2 = "file-key-two-0123456789"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func accepts(k *Keys, key string) bool {
	_, err := k.Authenticate(context.Background(), key)
	return err == nil
}

func TestKeysAuthenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	writeFile(t, path, "# rotated monthly\n\n  "+fileKey1+"  \n")
	k, err := NewKeys([]string{fixedKey}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"fixed key", fixedKey, true},
		{"key from the file", fileKey1, true},
		{"unknown key", "unknown-key-0123456789", false},
		{"prefix of a key", fixedKey[:len(fixedKey)-1], false},
		{"key with more after it", fixedKey + "x", false},
		{"comment line", "# rotated monthly", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := k.Authenticate(context.Background(), tt.key)
			if got := err == nil; got != tt.ok {
				t.Fatalf("accepted = %t (%v), want %t", got, err, tt.ok)
			}
			if err != nil {
				if kind := service.KindOf(err); kind != service.Unauthorized {
					t.Errorf("kind = %d, want Unauthorized", kind)
				}
				if tt.key != "" && strings.Contains(err.Error(), tt.key) {
					t.Errorf("error %q repeats the key", err)
				}
				return
			}
			if !strings.HasPrefix(p.ID, "key:") || strings.Contains(p.ID, tt.key) {
				t.Errorf("ID = %q, want a key: digest that does not hold the key", p.ID)
			}
			if p.Binding != nil {
				t.Errorf("an API key is bound to %+v, want unbound", p.Binding)
			}
		})
	}
	a, _ := k.Authenticate(context.Background(), fixedKey)
	b, _ := k.Authenticate(context.Background(), fileKey1)
	if a.ID == b.ID {
		t.Errorf("two keys share the rate-limit identity %q", a.ID)
	}
}

func TestNewKeysRefusesUnusableKeys(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	writeFile(t, short, fileKey1+"\n\nshort-key\n")
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "# nothing yet\n")

	tests := []struct {
		name        string
		fixed       []string
		file        string
		want        string
		wantSetting string
	}{
		{"short fixed key", []string{fixedKey, "tiny"}, "", "API_KEYS: key 2 is shorter than 16", "API_KEYS"},
		{"short key in the file", nil, short, "API_KEYS_FILE: the key on line 3 is shorter than 16", "API_KEYS_FILE"},
		{"missing file", nil, filepath.Join(dir, "absent"), "API_KEYS_FILE: cannot be read", "API_KEYS_FILE"},
		{"no key at all", nil, empty, "needs at least one key", "API_KEYS_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeys(tt.fixed, tt.file, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if se, ok := errors.AsType[*SetupError](err); !ok || se.Setting != tt.wantSetting {
				t.Errorf("got %#v, want a *SetupError naming %s", err, tt.wantSetting)
			}
			if strings.Contains(err.Error(), "tiny") || strings.Contains(err.Error(), "short-key") {
				t.Errorf("error %q repeats a key", err)
			}
		})
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after 5 s waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestKeysWatchReloadsWhenTheFileChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	writeFile(t, path, fileKey1+"\n")
	var logs testkit.Buffer
	k, err := NewKeys([]string{fixedKey}, path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { k.Watch(ctx, 10*time.Millisecond); close(stopped) }()

	writeFile(t, path, "# rotated\n"+fileKey2+"\n")
	waitFor(t, "the new key is accepted", func() bool { return accepts(k, fileKey2) })
	if accepts(k, fileKey1) {
		t.Error("the key removed from the file is still accepted")
	}
	if !accepts(k, fixedKey) {
		t.Error("the fixed key was lost in the reload")
	}

	// A file caught missing mid-rotation keeps the keys in force.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload is logged", func() bool { return strings.Contains(logs.String(), "API keys not reloaded") })
	if !accepts(k, fileKey2) {
		t.Error("a missing file revoked the keys in force")
	}

	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
	for _, key := range []string{fixedKey, fileKey1, fileKey2} {
		if strings.Contains(logs.String(), key) {
			t.Errorf("the log holds a key:\n%s", logs.String())
		}
	}
}

// Rewriting the key file in place truncates it first: a reload that
// catches it empty must not lock out every client of the file's keys.
func TestKeysReloadRefusesToDropEveryKeyOfTheFile(t *testing.T) {
	tests := []struct {
		name  string
		fixed []string
		now   string
	}{
		{"truncated", nil, ""},
		{"comments only", nil, "# keys moved\n"},
		{"truncated, with fixed keys too", []string{fixedKey}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys")
			writeFile(t, path, fileKey1+"\n")
			k, err := NewKeys(tt.fixed, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, tt.now)
			if err := k.Reload(); err == nil || !strings.Contains(err.Error(), "API_KEYS_FILE") {
				t.Errorf("Reload() = %v, want an error naming API_KEYS_FILE", err)
			}
			if !accepts(k, fileKey1) {
				t.Error("a file caught without keys revoked the keys in force")
			}
			// Once the writer is done, the new keys are read.
			writeFile(t, path, fileKey2+"\n")
			if err := k.Reload(); err != nil {
				t.Fatal(err)
			}
			if !accepts(k, fileKey2) || accepts(k, fileKey1) {
				t.Error("the rewritten file's keys are not the ones in force")
			}
		})
	}
}

// A key file that changes while it is read may have been read half
// written, a cut-off key of 16 characters or more looking valid: it is
// read again.
func TestKeysReloadRereadsAFileThatChangedWhileRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	writeFile(t, path, fileKey1+"\n")
	k, err := NewKeys(nil, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The writer is caught a few bytes into the new key, and finishes
	// while the server reads.
	cut := fileKey2[:MinKeyLength+1]
	writeFile(t, path, cut+"\n")
	reads := 0
	k.read = func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if reads++; reads == 1 {
			writeFile(t, path, fileKey2+"\n")
		}
		return b, err
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if accepts(k, cut) {
		t.Error("the key cut off mid-write is accepted")
	}
	if !accepts(k, fileKey2) {
		t.Error("the key the writer finished is refused")
	}
}
