package auth

import "testing"

func TestBearer(t *testing.T) {
	tests := []struct {
		header    string
		wantToken string
		wantOK    bool
	}{
		{"Bearer abc.def", "abc.def", true},
		{"bearer abc", "abc", true},
		{"BEARER   abc  ", "abc", true},
		{"  Bearer abc", "abc", true},
		{"Bearer", "", true},
		{"Bearer   ", "", true},
		{"Basic dXNlcjpwdw==", "", false},
		{"Bearerabc", "", false},
		{"Token abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := Bearer(tt.header)
			if got != tt.wantToken || ok != tt.wantOK {
				t.Errorf("Bearer(%q) = %q, %t; want %q, %t", tt.header, got, ok, tt.wantToken, tt.wantOK)
			}
		})
	}
}

func TestDigestMatches(t *testing.T) {
	d := DigestOf("s3cret-metrics-token")
	tests := []struct {
		presented string
		want      bool
	}{
		{"s3cret-metrics-token", true},
		{"s3cret-metrics-toke", false},
		{"s3cret-metrics-token ", false},
		{"S3CRET-METRICS-TOKEN", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := d.Matches(tt.presented); got != tt.want {
			t.Errorf("Matches(%q) = %t, want %t", tt.presented, got, tt.want)
		}
	}
}
