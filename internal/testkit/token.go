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
func Verify007(t testing.TB, token, appID, certificate string) *accesstoken2.AccessToken {
	t.Helper()
	at, err := Check007(token, appID, certificate)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// Check007 reads an AccessToken2 as Agora's servers would and returns it
// parsed by Agora's own package, after checking in turn, with an error
// that names the check:
//   - its version prefix, base64 and zlib stream;
//   - its App ID;
//   - its signature, with certificate, over the signed content;
//   - that Agora's package reads it and packs the same fields into the
//     same content, so that nothing is left over or read otherwise.
//
// The caller asserts the fields: issue time, expiry, salt, services and
// privileges.
func Check007(token, appID, certificate string) (*accesstoken2.AccessToken, error) {
	payload, err := Inflate007(token)
	if err != nil {
		return nil, err
	}
	sig, content, err := splitSignature(payload)
	if err != nil {
		return nil, err
	}
	at := accesstoken2.CreateAccessToken()
	if ok, err := parse(at, token); !ok || err != nil {
		return nil, fmt.Errorf("Agora's parser refuses the token: %v", err)
	}
	if at.AppId != appID {
		return nil, fmt.Errorf("app ID: the token is for %q, want %q", at.AppId, appID)
	}
	if !hmac.Equal(sig, Sign007(certificate, at.IssueTs, at.Salt, content)) {
		return nil, errors.New("signature: it does not verify with the certificate")
	}
	at.AppCert = certificate
	again, err := at.Build()
	if err != nil {
		return nil, fmt.Errorf("Agora's package cannot pack the parsed fields again: %v", err)
	}
	if want, err := Inflate007(again); err != nil || !bytes.Equal(payload, want) {
		return nil, fmt.Errorf("content: Agora's package packs the same fields otherwise (%v)\n got %x\nwant %x", err, payload, want)
	}
	return at, nil
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
