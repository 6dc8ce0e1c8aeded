package middleware

import (
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"0b6f9c2e-8d7a-4b1e-9f3a-2c5d6e7f8a9b", true},
		{"Root=1-67891233-abcdef012345678912345678", true},
		{"YWJj+ZGVm/Zw==", true},
		{strings.Repeat("x", MaxRequestIDLen), true},
		{strings.Repeat("x", MaxRequestIDLen+1), false},
		{"", false},
		{"two words", false},
		{"quote\"", false},
		{"line\nbreak", false},
		{"tab\t", false},
		{"é", false},
		{"semi;colon", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := validRequestID(tt.id); got != tt.want {
				t.Errorf("validRequestID(%q) = %t, want %t", tt.id, got, tt.want)
			}
		})
	}
}
