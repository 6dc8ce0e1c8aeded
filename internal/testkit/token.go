package testkit

// Tokens are checked by what they mean, never by their bytes: the zlib
// stream of an AccessToken2 is whatever the compressor of the Go release
// writes, while the inflated payload is what Agora signs and reads.

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// The credentials every test signs with.
const (
	AppID       = "970CA35de60c44645bbae8a215061b33"
	Certificate = "5CFd2fd1755d40ecb72977518be15d3b"
)

// The credentials of a second project, for the tests of a token that is
// not this server's or a certificate that is not the one it was signed
// with.
const (
	OtherAppID       = "0e1d2c3b4a5968778695a4b3c2d1e0f9"
	OtherCertificate = "d4c3b2a1908f7e6d5c4b3a2918f7e6d5"
)

// The credentials the committed corpus of service's FuzzInspect was
// minted with: its tokens are fixed bytes, valid under these alone.
const (
	CorpusAppID       = "5f2c0a9be1d34c7f8a6b9e0d1c2f3a4b"
	CorpusCertificate = "c81d3e7f2a5b4c6d9e0f1a2b3c4d5e6f"
)

// Verify007 is Check007 for a test: it stops the test on the first check
// that fails, saying which.
func Verify007(t testing.TB, token, appID, certificate string) *Token007 {
	t.Helper()
	at, err := Check007(token, appID, certificate)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// Token007 is an AccessToken2 as Check007 reads it: the services Agora's
// Go package knows (RTC, RTM, FPA, Chat, APaaS) parsed by that package,
// and the ones it predates read here, from the layout of Agora's npm
// package, which the tests under tools/node hold as their reference.
type Token007 struct {
	*accesstoken2.AccessToken
	// Newer are the Streaming, FCDN, RTM2, ConvoAI and STT services, in
	// the order the token lists them.
	Newer []Service007
}

// Service007 is one service newer than Agora's Go package.
type Service007 struct {
	Type       uint16
	Privileges map[uint16]uint32
	// Channel and Account belong to Streaming and FCDN, UserID and
	// Permissions (kind, then permission, to names) to RTM2.
	Channel, Account, UserID string
	Permissions              map[uint16]map[uint16][]string
}

// NewerService returns the token's service of type typ among Newer, or false.
func (t *Token007) NewerService(typ uint16) (Service007, bool) {
	for _, s := range t.Newer {
		if s.Type == typ {
			return s, true
		}
	}
	return Service007{}, false
}

// Check007 reads an AccessToken2 as Agora's servers would and returns it
// parsed, after checking in turn, with an error that names the check:
//   - its version prefix, base64 and zlib stream;
//   - its signature, with certificate, over the signed content;
//   - its App ID;
//   - that the content splits into services Agora defines with nothing
//     left over;
//   - that Agora's Go package reads the services it knows and packs the
//     same fields into the same content, and that the newer services,
//     read here, pack back into their own bytes, so that nothing is left
//     over or read otherwise.
//
// The caller asserts the fields: issue time, expiry, salt, services and
// privileges.
func Check007(token, appID, certificate string) (*Token007, error) {
	payload, err := Inflate007(token)
	if err != nil {
		return nil, err
	}
	sig, content, err := splitSignature(payload)
	if err != nil {
		return nil, err
	}
	c, err := splitContent(content)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(sig, Sign007(certificate, c.issueTs, c.salt, content)) {
		return nil, errors.New("signature: it does not verify with the certificate")
	}

	// Agora's Go package reads a token of the services it knows, signed
	// alike: the original token when it holds no newer one.
	known, knownPayload := token, payload
	if len(c.newer) > 0 {
		body := append(bytes.Clone(content[:c.countAt]), byte(len(c.known)), byte(len(c.known)>>8))
		for _, span := range c.known {
			body = append(body, span...)
		}
		knownPayload = append(binary.LittleEndian.AppendUint16(nil, sha256.Size), Sign007(certificate, c.issueTs, c.salt, body)...)
		knownPayload = append(knownPayload, body...)
		known = Pack007(knownPayload)
	}
	at := accesstoken2.CreateAccessToken()
	if ok, err := parse(at, known); !ok || err != nil {
		return nil, fmt.Errorf("Agora's parser refuses the token: %v", err)
	}
	if at.AppId != appID {
		return nil, fmt.Errorf("app ID: the token is for %q, want %q", at.AppId, appID)
	}
	at.AppCert = certificate
	again, err := at.Build()
	if err != nil {
		return nil, fmt.Errorf("Agora's package cannot pack the parsed fields again: %v", err)
	}
	if want, err := Inflate007(again); err != nil || !bytes.Equal(knownPayload, want) {
		return nil, fmt.Errorf("content: Agora's package packs the same fields otherwise (%v)\n got %x\nwant %x", err, knownPayload, want)
	}

	out := &Token007{AccessToken: at}
	for _, span := range c.newer {
		s, rest, err := readNewer(span)
		if err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			return nil, fmt.Errorf("content: service %d leaves %d bytes unread", s.Type, len(rest))
		}
		if again := packNewer(s); !bytes.Equal(again, span) {
			return nil, fmt.Errorf("content: service %d packs otherwise\n got %x\nwant %x", s.Type, span, again)
		}
		out.Newer = append(out.Newer, s)
	}
	return out, nil
}

// content is the signed content of an AccessToken2 split into its
// header and the bytes of each service.
type content struct {
	issueTs, salt uint32
	countAt       int // where the count of services sits
	known, newer  [][]byte
}

// The services Agora's Go package reads, and those it predates.
var (
	knownServices = map[uint16]bool{1: true, 2: true, 4: true, 5: true, 7: true}
	newerServices = map[uint16]bool{3: true, 6: true, 8: true, 9: true, 10: true}
)

// splitContent reads the header and finds where each service ends, by
// the layout of its type.
func splitContent(b []byte) (content, error) {
	r := &cursor{b: b}
	var c content
	r.str()
	c.issueTs, _, c.salt = r.u32(), r.u32(), r.u32()
	c.countAt = r.at
	n := r.u16()
	for range n {
		start := r.at
		typ := r.u16()
		r.privileges()
		switch typ {
		case 1, 3, 6: // channel and uid or account
			r.str()
			r.str()
		case 2, 5, 8: // user id
			r.str()
		case 7: // room, user, role
			r.str()
			r.str()
			r.u16()
		}
		if typ == 8 {
			r.permissions()
		}
		if r.err != nil {
			return c, fmt.Errorf("content: %v", r.err)
		}
		span := b[start:r.at]
		switch {
		case knownServices[typ]:
			c.known = append(c.known, span)
		case newerServices[typ]:
			c.newer = append(c.newer, span)
		default:
			return c, fmt.Errorf("content: service type %d is not one Agora defines", typ)
		}
	}
	if r.err == nil && r.at != len(b) {
		return c, fmt.Errorf("content: %d bytes follow the last service", len(b)-r.at)
	}
	if r.err != nil {
		return c, fmt.Errorf("content: %v", r.err)
	}
	return c, nil
}

// readNewer reads one service newer than Agora's Go package.
func readNewer(b []byte) (Service007, []byte, error) {
	r := &cursor{b: b}
	s := Service007{Type: r.u16(), Privileges: r.privileges()}
	switch s.Type {
	case 3, 6:
		s.Channel, s.Account = r.str(), r.str()
	case 8:
		s.UserID, s.Permissions = r.str(), r.permissions()
	}
	return s, b[r.at:], r.err
}

// packNewer packs s as Agora's npm package does.
func packNewer(s Service007) []byte {
	b := binary.LittleEndian.AppendUint16(nil, s.Type)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s.Privileges)))
	for _, id := range slices.Sorted(maps.Keys(s.Privileges)) {
		b = binary.LittleEndian.AppendUint16(b, id)
		b = binary.LittleEndian.AppendUint32(b, s.Privileges[id])
	}
	str := func(v string) {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
		b = append(b, v...)
	}
	switch s.Type {
	case 3, 6:
		str(s.Channel)
		str(s.Account)
	case 8:
		str(s.UserID)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(s.Permissions)))
		for _, kind := range slices.Sorted(maps.Keys(s.Permissions)) {
			perms := s.Permissions[kind]
			b = binary.LittleEndian.AppendUint16(b, kind)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(perms)))
			for _, perm := range slices.Sorted(maps.Keys(perms)) {
				b = binary.LittleEndian.AppendUint16(b, perm)
				b = binary.LittleEndian.AppendUint16(b, uint16(len(perms[perm])))
				for _, name := range perms[perm] {
					str(name)
				}
			}
		}
	}
	return b
}

// cursor reads little-endian fields; after the first short read, err
// says so and every read gives zero.
type cursor struct {
	b   []byte
	at  int
	err error
}

func (r *cursor) take(n int) []byte {
	if r.err != nil || r.at+n > len(r.b) {
		if r.err == nil {
			r.err = fmt.Errorf("cut short at byte %d", r.at)
		}
		return make([]byte, n)
	}
	p := r.b[r.at : r.at+n]
	r.at += n
	return p
}

func (r *cursor) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *cursor) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *cursor) str() string {
	n := int(r.u16())
	if r.err != nil {
		return ""
	}
	return string(r.take(n))
}

func (r *cursor) privileges() map[uint16]uint32 {
	m := map[uint16]uint32{}
	for n := r.u16(); n > 0 && r.err == nil; n-- {
		id := r.u16()
		m[id] = r.u32()
	}
	return m
}

func (r *cursor) permissions() map[uint16]map[uint16][]string {
	m := map[uint16]map[uint16][]string{}
	for kinds := r.u16(); kinds > 0 && r.err == nil; kinds-- {
		kind := r.u16()
		if m[kind] == nil {
			m[kind] = map[uint16][]string{}
		}
		for perms := r.u16(); perms > 0 && r.err == nil; perms-- {
			perm := r.u16()
			names := []string{}
			for n := r.u16(); n > 0 && r.err == nil; n-- {
				names = append(names, r.str())
			}
			m[kind][perm] = names
		}
	}
	return m
}

// parse runs Agora's parser, which panics on some malformed input.
func parse(at *accesstoken2.AccessToken, token string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("panic: %v", r)
		}
	}()
	return at.Parse(token)
}

// Sign007 is AccessToken2's signature, computed with crypto/hmac: the
// certificate keyed by the issue time, that keyed by the salt, and the
// result keying the signed content.
func Sign007(certificate string, issueTs, salt uint32, content []byte) []byte {
	mac := func(key, msg []byte) []byte {
		h := hmac.New(sha256.New, key)
		h.Write(msg)
		return h.Sum(nil)
	}
	key := mac(binary.LittleEndian.AppendUint32(nil, issueTs), []byte(certificate))
	key = mac(binary.LittleEndian.AppendUint32(nil, salt), key)
	return mac(key, content)
}

func splitSignature(payload []byte) (sig, content []byte, err error) {
	if len(payload) < 2 {
		return nil, nil, errors.New("payload: too short for its signature")
	}
	n := int(binary.LittleEndian.Uint16(payload))
	if n != sha256.Size || len(payload) < 2+n {
		return nil, nil, fmt.Errorf("payload: a signature of %d bytes in %d", n, len(payload))
	}
	return payload[2 : 2+n], payload[2+n:], nil
}

// Inflate007 returns the inflated payload of a 007 token: its signature,
// then the signed content.
func Inflate007(token string) ([]byte, error) {
	rest, ok := strings.CutPrefix(token, "007")
	if !ok {
		return nil, fmt.Errorf("version: %.12q… is not an AccessToken2", token)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("base64: %v", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("zlib: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("zlib: %v", err)
	}
	return out, nil
}

// Payload007 is Inflate007 for a test.
func Payload007(t testing.TB, token string) []byte {
	t.Helper()
	p, err := Inflate007(token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// SamePayload fails the test unless the two tokens inflate to the same
// payload: the same signature over the same content, however each was
// compressed.
func SamePayload(t testing.TB, got, want string) {
	t.Helper()
	if g, w := Payload007(t, got), Payload007(t, want); !bytes.Equal(g, w) {
		t.Errorf("payloads differ:\n got %x\nwant %x", g, w)
	}
}

// Deflate is b as a zlib stream at the default level.
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

// Agora007 builds t with Agora's own package: the reference for the
// server's encoder.
func Agora007(certificate string, t agoratoken.AccessToken2) (string, error) {
	at := &accesstoken2.AccessToken{
		AppId:    t.AppID,
		AppCert:  certificate,
		IssueTs:  t.IssueTs,
		Salt:     t.Salt,
		Expire:   t.Expire,
		Services: map[uint16]accesstoken2.IService{},
	}
	for _, g := range t.Grants {
		var s accesstoken2.IService
		var base *accesstoken2.Service
		switch g.Service {
		case agoratoken.ServiceRTC:
			rtc := accesstoken2.NewServiceRtc(g.Fields[0], g.Fields[1])
			s, base = rtc, rtc.Service
		case agoratoken.ServiceRTM:
			rtm := accesstoken2.NewServiceRtm(g.Fields[0])
			s, base = rtm, rtm.Service
		case agoratoken.ServiceFPA:
			fpa := accesstoken2.NewServiceFpa()
			s, base = fpa, fpa.Service
		case agoratoken.ServiceChat:
			chat := accesstoken2.NewServiceChat(g.Fields[0])
			s, base = chat, chat.Service
		case agoratoken.ServiceAPaaS:
			apaas := accesstoken2.NewServiceApaas(g.Fields[0], g.Fields[1], g.Role)
			s, base = apaas, apaas.Service
		default:
			return "", fmt.Errorf("no Agora service %d", g.Service)
		}
		for _, p := range g.Privileges {
			base.AddPrivilege(p.ID, p.Expire)
		}
		at.AddService(s)
	}
	return at.Build()
}
