package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A key file saved by an editor on Windows (a byte-order mark, CRLF or
// CR line ends) holds the keys it shows. A file rewritten with a line
// that cannot be a key (binary garbage) is refused whole: the keys in
// force stay, and the log says which line is at fault without showing it.
func TestKeyFileAsEditorsSaveIt(t *testing.T) {
	const keyA, keyB, keyC = "first-api-key-0123456789", "second-api-key-0123456789", "third-api-key-0123456789"
	files := map[string]string{
		"BOM and CRLF": "\ufeff" + keyA + "\r\n# a comment\r\n" + keyB + "\r\n",
		"CR":           keyA + "\r" + keyB + "\r",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			keyFile := writeFile(t, t.TempDir(), "keys", content)
			s := startGuardedServer(t, map[string]string{"AUTH_MODE": "apikey", "API_KEYS_FILE": keyFile, "LOG_FORMAT": "json"})
			for _, key := range []string{keyA, keyB} {
				if r := s.send(t, "GET", "/rtm/42", "", map[string]string{"X-API-Key": key}); r.status != http.StatusOK {
					t.Errorf("key %s = %d %s, want 200", key, r.status, r.body)
				}
			}

			garbage := "\x00\x01garbage\xff\xfe-0123456789"
			if err := os.WriteFile(keyFile, []byte(keyC+"\n"+garbage+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(s.logged(), "API keys not reloaded") {
				if time.Now().After(deadline) {
					t.Fatalf("the rewritten file was not refused within 10 s:\n%s", s.logged())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !strings.Contains(s.logged(), "line 2") || strings.Contains(s.logged(), "garbage") {
				t.Errorf("the log should name line 2 and not show it:\n%s", s.logged())
			}
			for key, want := range map[string]int{keyA: http.StatusOK, keyB: http.StatusOK, keyC: http.StatusUnauthorized} {
				if r := s.send(t, "GET", "/rtm/42", "", map[string]string{"X-API-Key": key}); r.status != want {
					t.Errorf("after the refused file, key %s = %d, want %d", key, r.status, want)
				}
			}
		})
	}
}
