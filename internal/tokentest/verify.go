package tokentest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
)

// Verified parses a 007 token with Agora's own package and checks that
// certificate signed it. Agora's package packs and signs again the fields
// it read, and must write the very payload the token carries: the same
// signature over the same body. Payloads are compared inflated, since
// how zlib compresses them is not part of the format.
func Verified(t testing.TB, token, certificate string) *accesstoken2.AccessToken {
	t.Helper()
	if !strings.HasPrefix(token, "007") {
		t.Fatalf("token %.20q… is not an AccessToken2", token)
	}
	at := accesstoken2.CreateAccessToken()
	if ok, err := at.Parse(token); !ok || err != nil {
		t.Fatalf("Agora's Parse(%.20q…) = %t, %v", token, ok, err)
	}
	at.AppCert = certificate
	again, err := at.Build()
	if err != nil {
		t.Fatalf("Agora's Build of the parsed token: %v", err)
	}
	if !bytes.Equal(Payload007(t, again), Payload007(t, token)) {
		t.Errorf("token %.20q… is not what Agora's package signs with the certificate for the same fields", token)
	}
	return at
}
