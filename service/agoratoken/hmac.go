package agoratoken

import (
	"crypto/sha256"
	"encoding/binary"
)

// signer computes HMAC-SHA256 (RFC 2104) for keys of at most one SHA-256
// block, which is all an AccessToken2's three signatures use (4-byte
// numbers and 32-byte digests). crypto/hmac allocates two hash states and
// their pads for each signature: about 1.5 KB and several µs more per
// token than this (BenchmarkHMAC). hmac_test.go holds it to crypto/hmac.
type signer struct {
	scratch []byte // the padded key and the message, reused

	// The first of sign007's keys depends on the certificate and the
	// issue time alone, which the tokens signed within a second share:
	// it is kept for the next token, a fifth of the signing saved.
	last struct {
		certificate string
		issueTs     uint32
		key         [sha256.Size]byte
		set         bool
	}
}

// sign007 is AccessToken2's signature: the certificate keyed by the issue
// time, that keyed by the salt, and the result keying the body.
func (h *signer) sign007(certificate string, issueTs, salt uint32, body []byte) [sha256.Size]byte {
	var n [4]byte
	if l := &h.last; !l.set || l.issueTs != issueTs || l.certificate != certificate {
		binary.LittleEndian.PutUint32(n[:], issueTs)
		l.key, l.certificate, l.issueTs, l.set = h.hmac(n[:], []byte(certificate)), certificate, issueTs, true
	}
	binary.LittleEndian.PutUint32(n[:], salt)
	key := h.hmac(n[:], h.last.key[:])
	return h.hmac(key[:], body)
}

func (h *signer) hmac(key, msg []byte) [sha256.Size]byte {
	if len(key) > sha256.BlockSize {
		panic("agoratoken: signer takes keys of at most one block")
	}
	var pad [sha256.BlockSize]byte
	copy(pad[:], key)
	for i := range pad {
		pad[i] ^= 0x36
	}
	h.scratch = append(append(h.scratch[:0], pad[:]...), msg...)
	inner := sha256.Sum256(h.scratch)
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.scratch = append(append(h.scratch[:0], pad[:]...), inner[:]...)
	return sha256.Sum256(h.scratch)
}
