package agoratoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"math/rand/v2"
	"testing"
)

// PropSeed fixes the inputs the property tests of this package and of
// agoratoken_test draw, so that a run can be repeated; -prop.seed=N
// draws others.
var PropSeed = flag.Uint64("prop.seed", 1, "seed of the property tests")

func libraryHMAC(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// TestHMACVectors checks the test cases of RFC 4231 whose keys fit in one
// block, the only keys signer takes.
func TestHMACVectors(t *testing.T) {
	tests := []struct{ name, key, msg, want string }{
		{"case 1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", hex.EncodeToString([]byte("Hi There")),
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"case 2", hex.EncodeToString([]byte("Jefe")), hex.EncodeToString([]byte("what do ya want for nothing?")),
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"case 3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", hex.EncodeToString(bytes.Repeat([]byte{0xdd}, 50)),
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{"case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", hex.EncodeToString(bytes.Repeat([]byte{0xcd}, 50)),
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	}
	var h signer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, _ := hex.DecodeString(tt.key)
			msg, _ := hex.DecodeString(tt.msg)
			got := h.hmac(key, msg)
			if hex.EncodeToString(got[:]) != tt.want {
				t.Errorf("got %x, want %s", got, tt.want)
			}
			if lib := libraryHMAC(key, msg); hex.EncodeToString(lib) != tt.want {
				t.Fatalf("crypto/hmac disagrees with RFC 4231: %x", lib)
			}
		})
	}
}

// TestHMACMatchesLibrary compares signer with crypto/hmac over keys
// of every length it takes, messages of every length around a block's,
// and one signer reused throughout, as the encoder reuses it.
func TestHMACMatchesLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(*PropSeed, 1))
	var h signer
	for keyLen := 0; keyLen <= sha256.BlockSize; keyLen++ {
		for _, msgLen := range []int{0, 1, 55, 56, 63, 64, 65, 200, 1000} {
			key, msg := make([]byte, keyLen), make([]byte, msgLen)
			for i := range key {
				key[i] = byte(r.Uint32())
			}
			for i := range msg {
				msg[i] = byte(r.Uint32())
			}
			if got, want := h.hmac(key, msg), libraryHMAC(key, msg); !bytes.Equal(got[:], want) {
				t.Fatalf("key %x, message %x: got %x, crypto/hmac %x", key, msg, got, want)
			}
		}
	}
}

// One signer signing for changing certificates and issue times gives
// each token the signature crypto/hmac gives it: the key it keeps from
// the last token serves only the same certificate and second.
func TestSign007KeepsOnlyItsOwnKey(t *testing.T) {
	reference := func(certificate string, issueTs, salt uint32, body []byte) []byte {
		key := libraryHMAC(binary.LittleEndian.AppendUint32(nil, issueTs), []byte(certificate))
		key = libraryHMAC(binary.LittleEndian.AppendUint32(nil, salt), key)
		return libraryHMAC(key, body)
	}
	const a, b = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	steps := []struct {
		certificate string
		issueTs     uint32
	}{
		{a, 1000}, {a, 1000}, {a, 1001}, {b, 1001}, {a, 1001}, {a, 0}, {b, 0}, {b, 0}, {a, 1000},
	}
	var h signer
	for i, s := range steps {
		body := []byte{byte(i), 1, 2, 3}
		salt := uint32(7 * i)
		got := h.sign007(s.certificate, s.issueTs, salt, body)
		if want := reference(s.certificate, s.issueTs, salt, body); !bytes.Equal(got[:], want) {
			t.Fatalf("step %d (%s…, %d): got %x, want %x", i, s.certificate[:4], s.issueTs, got, want)
		}
	}
}

// BenchmarkHMAC signs as a token does, three times, through signer
// and through crypto/hmac: the reason signer exists.
func BenchmarkHMAC(b *testing.B) {
	cert, body := []byte("0123456789abcdef0123456789abcdef"), make([]byte, 150)
	number := []byte{1, 2, 3, 4}
	b.Run("ours", func(b *testing.B) {
		var h signer
		b.ReportAllocs()
		for b.Loop() {
			k := h.hmac(number, cert)
			k = h.hmac(number, k[:])
			h.hmac(k[:], body)
		}
	})
	b.Run("crypto-hmac", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k := libraryHMAC(number, cert)
			k = libraryHMAC(number, k)
			libraryHMAC(k, body)
		}
	})
}
