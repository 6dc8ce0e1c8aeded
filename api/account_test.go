package api

import "testing"

func TestAccountOf(t *testing.T) {
	tests := []struct{ uid, want string }{
		{"", ""},
		{"0", ""},
		{"42", "42"},
		{"042", "42"},
		{"4294967295", "4294967295"},
		{"alice", "alice"},
		{"4294967296", "4294967296"}, // too large for a uid: validation refuses it first
	}
	for _, tt := range tests {
		if got := accountOf(tt.uid); got != tt.want {
			t.Errorf("accountOf(%q) = %q, want %q", tt.uid, got, tt.want)
		}
	}
	// On the path, tokenType says which it is: digits stay an account.
	p := rtcPath{Channel: "lobby", Role: "publisher", TokenType: "userAccount", UID: "042"}
	if got := p.rtc().Account; got != "042" {
		t.Errorf("userAccount 042: account = %q, want 042", got)
	}
	p.TokenType = "uid"
	if got := p.rtc().Account; got != "42" {
		t.Errorf("uid 042: account = %q, want 42", got)
	}
}
