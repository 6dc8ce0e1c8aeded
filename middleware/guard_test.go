package middleware

import "testing"

func TestAddressKey(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"198.51.100.7", "ip:198.51.100.7"},
		{"::ffff:198.51.100.7", "ip:198.51.100.7"},
		{"2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64"},
		{"2001:db8:1:2::", "ip:2001:db8:1:2::/64"},
		{"fe80::1%eth0", "ip:fe80::/64"},
		{"::1", "ip:::/64"},
		{"", "ip:"},
	}
	for _, tt := range tests {
		if got := addressKey(tt.ip); got != tt.want {
			t.Errorf("addressKey(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}
