// Package tokentest takes AccessToken2 tokens apart and packs them again,
// so that tests can tamper with what a token carries and check that the
// signature tells.
package tokentest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"testing"
)

// Payload007 returns the inflated payload of a 007 token: its signature,
// then the signed content.
func Payload007(t testing.TB, token string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token[3:])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Deflate is zlib at its default level, as 007 tokens use it.
func Deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}

// Pack007 makes a 007 token of a payload.
func Pack007(payload []byte) string {
	return "007" + base64.StdEncoding.EncodeToString(Deflate(payload))
}

// Flip007 inverts one byte of a 007 token's payload, counting from the
// end when at is negative, and packs the token again.
func Flip007(t testing.TB, token string, at int) string {
	t.Helper()
	p := Payload007(t, token)
	if at < 0 {
		at += len(p)
	}
	p[at] ^= 0xff
	return Pack007(p)
}
