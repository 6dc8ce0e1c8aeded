package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// Bearer returns the credential in the value of an Authorization header
// that uses the Bearer scheme, whose name may be in any case (RFC 6750).
// isBearer is false for another scheme or no header at all; a Bearer
// header with nothing after the scheme gives isBearer true and token "".
func Bearer(header string) (token string, isBearer bool) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// Digest is what the server keeps of a secret a caller must present: its
// SHA-256. Comparing digests in constant time reveals neither the
// secret's bytes nor its length through timing.
type Digest [sha256.Size]byte

// DigestOf returns the digest of secret.
func DigestOf(secret string) Digest { return sha256.Sum256([]byte(secret)) }

// Matches reports whether presented is the secret d was made from.
func (d Digest) Matches(presented string) bool {
	return anyOf([]Digest{d}, DigestOf(presented))
}

// anyOf reports whether d is one of set, comparing with every member in
// constant time, so that the time taken does not tell which one matched.
func anyOf(set []Digest, d Digest) bool {
	match := 0
	for _, known := range set {
		match |= subtle.ConstantTimeCompare(d[:], known[:])
	}
	return match == 1
}
