package agoratoken

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"hash/crc32"
	"strings"

	accesstoken "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/AccessToken"
)

// StampLead006 is how far past its issue time Agora's 006 builders stamp
// a token. The stamp is the only time a 006 token carries besides its
// privileges' expiry, so the issue time is read back from it.
const StampLead006 = 24 * 60 * 60

// AccessToken is the content of a legacy 006 token. It names its channel
// and uid (for RTM, the user stands where RTC has the channel) only by
// their CRC-32 (IEEE) sums, yet its signature covers the names, so a
// reader must be told them to check it.
type AccessToken struct {
	AppID      string
	Salt       uint32
	Stamp      uint32 // Unix time
	Privileges []Privilege
	ChannelSum uint32
	UIDSum     uint32

	signature, message []byte
}

// Encode006 builds a 006 token with Agora's package, each privilege
// expiring at a Unix time; uid is a uid's decimal text or an account,
// empty for uid 0.
func Encode006(certificate string, t AccessToken, channel, uid string) (string, error) {
	at := accesstoken.AccessToken{
		AppID:          t.AppID,
		AppCertificate: certificate,
		ChannelName:    channel,
		UidStr:         uid,
		Ts:             t.Stamp,
		Salt:           t.Salt,
		Message:        map[uint16]uint32{},
	}
	for _, p := range t.Privileges {
		at.Message[p.ID] = p.Expire
	}
	return at.Build()
}

// Names reports whether channel and uid are the ones the token's sums
// were taken of.
func (t AccessToken) Names(channel, uid string) (channelOK, uidOK bool) {
	return crc32.ChecksumIEEE([]byte(channel)) == t.ChannelSum, crc32.ChecksumIEEE([]byte(uid)) == t.UIDSum
}

// SignedWith reports whether the token's signature is the certificate's,
// for the channel and uid it was issued for.
func (t AccessToken) SignedWith(certificate, channel, uid string) bool {
	m := hmac.New(sha256.New, []byte(certificate))
	m.Write([]byte(t.AppID + channel + uid))
	m.Write(t.message)
	return hmac.Equal(t.signature, m.Sum(nil))
}

// Decode006 reads a 006 token: "006", the App ID in clear, then base64
// of the signature, the sums of the channel and uid, and the signed
// message of salt, stamp and privileges. A text that is not one is an
// *Error saying what is wrong with it.
func Decode006(token string) (AccessToken, error) {
	const idEnd = len(Version006) + 32
	if !strings.HasPrefix(token, Version006) {
		return AccessToken{}, malformed("has bad version prefix: an AccessToken starts with %s", Version006)
	}
	if len(token) < idEnd {
		return AccessToken{}, malformed("has a truncated field: the App ID needs 32 characters after %s, %d remain", Version006, len(token)-len(Version006))
	}
	raw, err := decodeBase64(token, idEnd)
	if err != nil {
		return AccessToken{}, err
	}

	t := AccessToken{AppID: token[len(Version006):idEnd]}
	r := reader{b: raw}
	t.signature = r.bytes("signature")
	t.ChannelSum = r.u32("channel checksum")
	t.UIDSum = r.u32("uid checksum")
	t.message = r.bytes("message")
	if r.err == nil && len(r.b) > 0 {
		return AccessToken{}, malformed("is malformed: %d bytes follow the message", len(r.b))
	}
	m := reader{b: t.message}
	t.Salt = m.u32("salt")
	t.Stamp = m.u32("time stamp")
	t.Privileges = m.privileges("the message")
	if err := cmp.Or(r.err, m.err); err != nil {
		return AccessToken{}, err
	}
	if len(m.b) > 0 {
		return AccessToken{}, malformed("is malformed: %d bytes follow the privileges", len(m.b))
	}
	return t, nil
}
