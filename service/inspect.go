package service

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"time"
)

// The verdicts of an inspection on a token's signature.
const (
	// SignatureValid: signed with this server's App ID and certificate.
	SignatureValid = "valid"
	// SignatureInvalid: this server's App ID, but not its certificate's
	// signature; the token was altered or signed with another certificate.
	SignatureInvalid = "invalid"
	// SignatureForeign: issued for another App ID, whose certificate this
	// server does not have.
	SignatureForeign = "foreign"
	// SignatureUnverifiable: a 006 token inspected without the channel and
	// user it was issued for, which its signature covers but it does not carry.
	SignatureUnverifiable = "unverifiable"
)

// Bounds that keep inspection cheap whatever it is handed. Real tokens
// are a few hundred characters.
const (
	// MaxTokenChars is the longest string Inspect decodes.
	MaxTokenChars = 4096
	// maxPayloadBytes bounds what a 007 token may inflate to.
	maxPayloadBytes = 16 << 10
)

// Inspection is what a token says about itself, and whether this server
// signed it. Its JSON form is the body the /v1 API and the command line
// answer with.
type Inspection struct {
	Version   string    `json:"version"`
	AppID     string    `json:"appId"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// RenewAt is as in Token: when a client should fetch a new token.
	RenewAt  time.Time `json:"renewAt"`
	Salt     uint32    `json:"salt"`
	Services []Access  `json:"services"`
	// Expired is true once ExpiresAt has passed on this server's clock.
	Expired bool `json:"expired"`
	// Signature is one of the Signature* verdicts.
	Signature string `json:"signature"`
	// Checksums are the CRC-32 sums a 006 token keeps of its channel and
	// user in place of the names themselves.
	Checksums *Checksums `json:"checksums,omitempty"`
	// Note explains, for people, a verdict that is not "valid".
	Note string `json:"note,omitempty"`
}

// Checksums are the CRC-32 (IEEE) sums inside a 006 token.
type Checksums struct {
	Channel uint32 `json:"channel"`
	UID     uint32 `json:"uid"`
}

// Subject names what a 006 token was issued for: an RTC channel with the
// uid as text ("" for uid 0) or user account, or an RTM user. A 006 token
// keeps only checksums of these, yet its signature covers them, so they
// must be supplied to verify it. A 007 token names them itself and is
// inspected with the zero Subject.
type Subject struct {
	Channel string
	Account string
	UserID  string
}

// Inspect decodes a 006 or 007 token and checks its signature against
// this server's App ID and certificate. A token that cannot be decoded is
// an Invalid *Error saying what is wrong with it; an intact token signed
// by someone else is not an error but a verdict in the Inspection.
// Inspect never panics, and its work is bounded by MaxTokenChars.
func (t *Tokens) Inspect(token string, who Subject) (Inspection, error) {
	if len(token) > MaxTokenChars {
		return Inspection{}, Invalidf("token", "is %d characters long; no Agora token is longer than %d", len(token), MaxTokenChars)
	}
	var (
		ins Inspection
		err error
	)
	switch {
	case strings.HasPrefix(token, Version007):
		ins, err = t.inspect007(token, who)
	case strings.HasPrefix(token, Version006):
		ins, err = t.inspect006(token, who)
	default:
		return Inspection{}, Invalidf("token", "has a bad version prefix: an Agora token starts with %s or %s", Version007, Version006)
	}
	if err != nil {
		return Inspection{}, err
	}
	ins.RenewAt = renewAt(ins.IssuedAt, ins.ExpiresAt, ins.Services)
	ins.Expired = !t.now().Before(ins.ExpiresAt)
	switch ins.Signature {
	case SignatureInvalid:
		ins.Note = "the App ID is this server's but the signature is not its certificate's: the token was altered or signed with another certificate"
	case SignatureForeign:
		ins.Note = "issued for another App ID: only that project's certificate can verify it"
	case SignatureUnverifiable:
		ins.Note = "a 006 token keeps only checksums of its channel and user: give them (channel with uid or account, or userId) to verify its signature"
	}
	return ins, nil
}

// inspect007 decodes an AccessToken2: "007", then base64 of a zlib stream
// holding the signature and the signed body.
func (t *Tokens) inspect007(token string, who Subject) (Inspection, error) {
	if field := who.firstField(); field != "" {
		return Inspection{}, Invalidf(field, "applies to %s tokens only: a %s token names its own channel and user", Version006, Version007)
	}
	raw, err := decodeBase64(token, len(Version007))
	if err != nil {
		return Inspection{}, err
	}
	payload, err := inflate(raw)
	if err != nil {
		return Inspection{}, err
	}

	r := reader{b: payload}
	signature := r.bytes("signature")
	body := r.b
	appID := r.bytes("App ID")
	issueTs := r.u32("issue time")
	expire := r.u32("expiry")
	salt := r.u32("salt")
	count := r.u16("service count")
	if r.err != nil {
		return Inspection{}, r.err
	}

	issued := time.Unix(int64(issueTs), 0).UTC()
	ins := Inspection{
		Version:   Version007,
		AppID:     string(appID),
		IssuedAt:  issued,
		ExpiresAt: after(issued, expire),
		Salt:      salt,
		Services:  []Access{},
	}
	seen := map[uint16]bool{}
	for range count {
		typ := r.u16("service type")
		if r.err != nil {
			return Inspection{}, r.err
		}
		name := serviceName(typ)
		if _, known := serviceNames[typ]; !known {
			return Inspection{}, Invalidf("token", "is malformed: service type %d is not one Agora defines, so the rest cannot be read", typ)
		}
		if seen[typ] {
			return Inspection{}, Invalidf("token", "is malformed: service %s appears twice", name)
		}
		seen[typ] = true

		g := grant{service: typ, privileges: r.privileges(name)}
		for _, field := range fieldNames[typ] {
			g.fields = append(g.fields, string(r.bytes(name+" "+field)))
		}
		if typ == serviceAPaaS {
			g.role = int16(r.u16(name + " role"))
		}
		if r.err != nil {
			return Inspection{}, r.err
		}
		ins.Services = append(ins.Services, g.access(issued, ins.ExpiresAt))
	}
	if len(r.b) > 0 {
		return Inspection{}, Invalidf("token", "is malformed: %d bytes follow the last service", len(r.b))
	}

	if ins.AppID != t.appID {
		ins.Signature = SignatureForeign
		return ins, nil
	}
	var s signer
	want := s.sign007(t.certificate, issueTs, salt, body)
	ins.Signature = SignatureInvalid
	if hmac.Equal(signature, want[:]) {
		ins.Signature = SignatureValid
	}
	return ins, nil
}

func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// inspect006 decodes a legacy AccessToken: "006", the App ID in clear,
// then base64 of the signature, checksums of the channel and uid, and the
// signed message of salt, stamp and privileges.
func (t *Tokens) inspect006(token string, who Subject) (Inspection, error) {
	const idEnd = len(Version006) + 32
	if len(token) < idEnd {
		return Inspection{}, Invalidf("token", "has a truncated field: the App ID needs 32 characters after %s, %d remain", Version006, len(token)-len(Version006))
	}
	appID := token[len(Version006):idEnd]
	raw, err := decodeBase64(token, idEnd)
	if err != nil {
		return Inspection{}, err
	}

	r := reader{b: raw}
	signature := r.bytes("signature")
	sums := Checksums{Channel: r.u32("channel checksum"), UID: r.u32("uid checksum")}
	message := r.bytes("message")
	if r.err == nil && len(r.b) > 0 {
		return Inspection{}, Invalidf("token", "is malformed: %d bytes follow the message", len(r.b))
	}
	m := reader{b: message}
	salt := m.u32("salt")
	stamp := m.u32("time stamp")
	privs := m.privileges("the message")
	for _, err := range []error{r.err, m.err} {
		if err != nil {
			return Inspection{}, err
		}
	}
	if len(m.b) > 0 {
		return Inspection{}, Invalidf("token", "is malformed: %d bytes follow the privileges", len(m.b))
	}

	channel, uid, checked, err := who.legacyNames(sums)
	if err != nil {
		return Inspection{}, err
	}
	stamped := time.Unix(int64(stamp), 0).UTC()
	ins := Inspection{
		Version:   Version006,
		AppID:     appID,
		IssuedAt:  stamped.Add(-legacyStampLead * time.Second),
		Salt:      salt,
		Services:  legacyAccess(privs, stamped, channel, uid, checked),
		Checksums: &sums,
	}
	// The token lasts as long as its longest privilege, within its stamp.
	for _, s := range ins.Services {
		for _, p := range s.Privileges {
			ins.ExpiresAt = later(ins.ExpiresAt, p.ExpiresAt)
		}
	}
	if ins.ExpiresAt.IsZero() || ins.ExpiresAt.After(stamped) {
		ins.ExpiresAt = stamped
	}

	switch {
	case appID != t.appID:
		ins.Signature = SignatureForeign
	case !checked:
		ins.Signature = SignatureUnverifiable
	case hmac.Equal(signature, hmacSHA256([]byte(t.certificate), []byte(appID+channel+uid), message)):
		ins.Signature = SignatureValid
	default:
		ins.Signature = SignatureInvalid
	}
	return ins, nil
}

// legacyAccess groups a 006 token's privileges by service. A privilege
// stamped 0 has no limit of its own and lasts as long as the token.
func legacyAccess(privs []privilege, stamped time.Time, channel, uid string, named bool) []Access {
	rtc := Access{Service: "rtc"}
	rtm := Access{Service: "rtm"}
	var other []PrivilegeExpiry
	for _, p := range privs {
		expires := stamped
		if p.expire != 0 {
			expires = time.Unix(int64(p.expire), 0).UTC()
		}
		known, ok := legacyPrivileges[p.id]
		switch {
		case !ok:
			other = append(other, PrivilegeExpiry{privilegeName(0, p.id), expires})
		case known.service == "rtm":
			rtm.Privileges = append(rtm.Privileges, PrivilegeExpiry{known.name, expires})
		default:
			rtc.Privileges = append(rtc.Privileges, PrivilegeExpiry{known.name, expires})
		}
	}
	if named {
		rtc.Channel = channel
		rtc.UID, rtc.Account = splitAccount(uid)
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		rtm.UserID = channel
	}
	out := []Access{}
	if rtc.Privileges != nil {
		out = append(out, rtc)
	}
	if rtm.Privileges != nil {
		out = append(out, rtm)
	}
	if other != nil {
		out = append(out, Access{Service: "unknown", Privileges: other})
	}
	return out
}

// firstField names the first field of who that is set, in the API's words.
func (who Subject) firstField() string {
	switch {
	case who.Channel != "":
		return "channel"
	case who.Account != "":
		return "uid"
	case who.UserID != "":
		return "userId"
	}
	return ""
}

// legacyNames turns who into the channel and uid strings a 006 signature
// covers and checks them against the token's checksums. checked is false
// when who is empty: the signature then cannot be verified.
func (who Subject) legacyNames(sums Checksums) (channel, uid string, checked bool, err error) {
	switch {
	case who == (Subject{}):
		return "", "", false, nil
	case who.UserID != "" && (who.Channel != "" || who.Account != ""):
		return "", "", false, Invalidf("userId", "names an RTM user; give it alone, or channel with uid or account for RTC")
	case who.UserID != "":
		if crc32.ChecksumIEEE([]byte(who.UserID)) != sums.Channel || sums.UID != crc32.ChecksumIEEE(nil) {
			return "", "", false, Invalidf("userId", "does not match the token's checksum: it was issued for another user")
		}
		return who.UserID, "", true, nil
	case who.Channel == "":
		return "", "", false, Invalidf("channel", "is required with uid or account to verify a %s token", Version006)
	case crc32.ChecksumIEEE([]byte(who.Channel)) != sums.Channel:
		return "", "", false, Invalidf("channel", "does not match the token's checksum: it was issued for another channel")
	case crc32.ChecksumIEEE([]byte(who.Account)) != sums.UID:
		return "", "", false, Invalidf("uid", "does not match the token's checksum: it was issued for another uid or account (omit both for uid 0)")
	}
	return who.Channel, who.Account, true, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// decodeBase64 decodes the part of a token after its first offset
// characters, naming the position of a bad character in the whole token.
func decodeBase64(token string, offset int) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(token[offset:])
	var bad base64.CorruptInputError
	switch {
	case errors.As(err, &bad):
		return nil, Invalidf("token", "has bad base64 at character %d", int64(offset)+int64(bad))
	case err != nil:
		return nil, Invalidf("token", "has bad base64: %v", err)
	}
	return raw, nil
}

// inflate undoes AccessToken2's zlib compression, refusing output beyond
// maxPayloadBytes and any bytes after the stream.
func inflate(raw []byte) ([]byte, error) {
	in := bytes.NewReader(raw)
	zr, err := zlib.NewReader(in)
	if err != nil {
		return nil, badZlib(err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxPayloadBytes+1))
	switch {
	case err != nil:
		return nil, badZlib(err)
	case len(out) > maxPayloadBytes:
		return nil, Invalidf("token", "has bad zlib: it inflates to more than %d bytes; no Agora token does", maxPayloadBytes)
	case in.Len() > 0:
		return nil, Invalidf("token", "has bad zlib: %d bytes follow the stream", in.Len())
	}
	return out, nil
}

func badZlib(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return Invalidf("token", "has bad zlib: the stream is cut short")
	}
	return Invalidf("token", "has bad zlib: %s", strings.TrimPrefix(err.Error(), "zlib: "))
}

// reader reads Agora's little-endian packing. It checks every length
// against what remains before it slices; after the first short read
// every read returns zero values and err says what was cut short.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = Invalidf("token", "has a truncated field: %s needs %d bytes, %d remain", what, n, len(r.b))
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u16(what string) uint16 {
	if p := r.take(2, what); r.err == nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if p := r.take(4, what); r.err == nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// bytes reads a string packed as its 16-bit length, then its bytes.
func (r *reader) bytes(what string) []byte {
	n := r.u16(what + " length")
	return r.take(int(n), what)
}

// privileges reads a privilege map: a 16-bit count, then that many
// 16-bit ids with their 32-bit expiry. It sorts them by id and rejects
// an id listed twice, which no encoder writes.
func (r *reader) privileges(owner string) []privilege {
	n := int(r.u16(owner + " privilege count"))
	if r.err != nil {
		return nil
	}
	if need := 6 * n; need > len(r.b) {
		r.err = Invalidf("token", "has a truncated field: %s lists %d privileges needing %d bytes, %d remain", owner, n, need, len(r.b))
		return nil
	}
	out := make([]privilege, 0, n)
	for range n {
		out = append(out, privilege{id: r.u16("privilege id"), expire: r.u32("privilege expiry")})
	}
	slices.SortFunc(out, func(a, b privilege) int { return cmp.Compare(a.id, b.id) })
	for i := 1; i < len(out); i++ {
		if out[i].id == out[i-1].id {
			r.err = Invalidf("token", "is malformed: %s lists privilege %d twice", owner, out[i].id)
			return nil
		}
	}
	return out
}
