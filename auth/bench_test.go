package auth

import (
	"context"
	"strconv"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func BenchmarkKeysAuthenticate(b *testing.B) {
	fixed := make([]string, 20)
	for i := range fixed {
		fixed[i] = "backend-key-number-" + strconv.Itoa(100+i)
	}
	k, err := NewKeys(fixed, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := k.Authenticate(ctx, fixed[19]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWTAuthenticateHS256(b *testing.B) {
	j, err := NewJWT(context.Background(), JWTOptions{Secret: []byte(testSecret), ChannelsClaim: "channels"})
	if err != nil {
		b.Fatal(err)
	}
	c := claims("alice", "channels", []string{"lobby", "team-*"})
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testSecret))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := j.Authenticate(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
