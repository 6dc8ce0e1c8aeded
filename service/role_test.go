package service

import (
	"strconv"
	"testing"
)

func TestRoleOf(t *testing.T) {
	tests := []struct {
		in    string
		want  Role
		known bool
	}{
		{"publisher", Publisher, true},
		{"1", Publisher, true},
		{"subscriber", Subscriber, true},
		{"audience", Subscriber, true},
		{"2", Subscriber, true},
		{"0", Subscriber, true},
		{"", 0, false},
		{"Publisher", 0, false},
		{"host", 0, false},
		{"3", 0, false},
	}
	for _, tt := range tests {
		if got, known := RoleOf(tt.in); got != tt.want || known != tt.known {
			t.Errorf("RoleOf(%q) = %d, %t; want %d, %t", tt.in, got, known, tt.want, tt.known)
		}
	}
}

func TestCheckLifetime(t *testing.T) {
	tests := []struct {
		seconds uint64
		max     uint32
		ok      bool
	}{
		{1, 86400, true},
		{86400, 86400, true},
		{0, 86400, false},
		{86401, 86400, false},
		{600, 600, true},
		{601, 600, false},
		{1 << 33, 86400, false},
	}
	for _, tt := range tests {
		err := CheckLifetime("expire", tt.seconds, tt.max)
		if (err == nil) != tt.ok {
			t.Errorf("CheckLifetime(%d, max %d) = %v, want ok %t", tt.seconds, tt.max, err, tt.ok)
		}
		if err != nil && err.Error() != "expire: must be a whole number of seconds from 1 to "+strconv.Itoa(int(tt.max)) {
			t.Errorf("CheckLifetime(%d, max %d) says %q", tt.seconds, tt.max, err)
		}
	}
}
