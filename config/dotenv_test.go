package config

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// A .env line the parser cannot read may hold a secret: the error names
// the line, and the setting when it is one of the server's, never what
// the line holds.
func TestDotEnvErrorNamesTheLineNotTheValue(t *testing.T) {
	tests := []struct {
		name     string
		dotenv   string
		wantLine string
		wantKey  string // "" when the line names no setting of the server
	}{
		{"space for =", "APP_ID=" + testkit.AppID + "\nPORT=8080\nAPP_CERTIFICATE " + testkit.Certificate + "\n", "line 3", "APP_CERTIFICATE"},
		{"unclosed quote", "APP_ID=" + testkit.AppID + "\nAPP_CERTIFICATE=\"" + testkit.Certificate + "\nPORT=8080\n", "line 2", "APP_CERTIFICATE"},
		{"export without =", "# settings\nexport APP_CERTIFICATE " + testkit.Certificate + "\n", "line 2", "APP_CERTIFICATE"},
		{"a bare value", "APP_ID=" + testkit.AppID + "\n" + testkit.Certificate + "\n", "line 2", ""},
		{"a name the server does not read", "APP_ID=" + testkit.AppID + "\n\nAGORA CERT=" + testkit.Certificate + "\n", "line 3", ""},
		{"after a quoted value over two lines", "APP_ID=\"" + testkit.AppID + "\n\"\nPORT=8080\nAPP_CERTIFICATE " + testkit.Certificate + "\n", "line 4", "APP_CERTIFICATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inTempDir(t)
			write(t, ".env", tt.dotenv)
			_, err := Load(nil, env(), ".env", io.Discard)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || cfgErr.Key != ".env" {
				t.Fatalf("err = %v, want an error on .env", err)
			}
			msg := err.Error()
			if strings.Contains(msg, testkit.Certificate) || strings.Contains(msg, testkit.Certificate[:8]) {
				t.Fatalf("error %q repeats the certificate", msg)
			}
			if !strings.Contains(msg, tt.wantLine+" ") && !strings.HasSuffix(msg, tt.wantLine) {
				t.Errorf("error %q does not name %s", msg, tt.wantLine)
			}
			if tt.wantKey != "" && !strings.Contains(msg, tt.wantKey) {
				t.Errorf("error %q does not name the setting %s", msg, tt.wantKey)
			}
		})
	}
}
