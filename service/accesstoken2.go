package service

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Service types and privileges of AccessToken2, as Agora numbers them.
const (
	serviceRTC   uint16 = 1
	serviceRTM   uint16 = 2
	serviceFPA   uint16 = 4
	serviceChat  uint16 = 5
	serviceAPaaS uint16 = 7

	privJoinChannel   uint16 = 1
	privPublishAudio  uint16 = 2
	privPublishVideo  uint16 = 3
	privPublishData   uint16 = 4
	privRTMLogin      uint16 = 1
	privFPALogin      uint16 = 1
	privChatUser      uint16 = 1
	privChatApp       uint16 = 2
	privAPaaSRoomUser uint16 = 1
	privAPaaSUser     uint16 = 2
	privAPaaSApp      uint16 = 3
)

// grant is one service inside an AccessToken2: its privileges in
// ascending order, then the strings that service packs after them
// (channel and uid for RTC, the user id for RTM and Chat, room and user
// for APaaS, none for FPA).
type grant struct {
	service    uint16
	privileges []privilege
	fields     []string
	// role is the APaaS user's role, which APaaS packs after its strings.
	role int16
}

type privilege struct {
	id     uint16
	expire uint32
}

// fieldNames names, in order, the strings each service packs after its
// privileges.
var fieldNames = map[uint16][]string{
	serviceRTC:   {"channel", "uid"},
	serviceRTM:   {"user id"},
	serviceFPA:   {},
	serviceChat:  {"user id"},
	serviceAPaaS: {"room uuid", "user uuid"},
}

// An AccessToken2 is "007" then the standard base64 of a zlib stream
// holding:
//
//	signature   string: HMAC-SHA256(signing key, body)
//	body        app ID string, issueTs uint32, expire uint32, salt uint32,
//	            uint16 count of services, then each service by ascending type:
//	              type uint16, uint16 count of privileges, then each
//	              privilege by ascending id as (id uint16, expire uint32),
//	              then the service's strings, and for APaaS the role
//	              as an int16
//
// The signing key is HMAC-SHA256(salt, HMAC-SHA256(issueTs, certificate)),
// with the two numbers as 4 bytes each. Integers are little-endian; a
// string is its uint16 length, then its bytes. The inflated bytes are the
// ones Agora's own package writes; the tests hold it as the reference.
//
// Any valid zlib stream will do, since Agora signs the uncompressed bytes
// and every reader inflates first. We write stored (uncompressed) blocks:
// a token is a few hundred bytes, which DEFLATE barely shrinks, and a
// stored block costs a fraction of a microsecond where compressing costs
// tens. It also gives the same bytes whichever Go release builds us.

// sigField is the room the packed signature takes in front of the body.
const sigField = 2 + sha256.Size

// encoder holds the buffers of one encoding, so that they are reused from
// token to token.
type encoder struct {
	plain    []byte // the packed signature, then the body
	deflated bytes.Buffer
	zlib     *zlib.Writer
	token    []byte
	signer   signer
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	// NoCompression is a valid level: the error cannot happen.
	e.zlib, _ = zlib.NewWriterLevel(&e.deflated, zlib.NoCompression)
	return e
}}

// encode007 signs and encodes an AccessToken2. Grants come in ascending
// service type, each service at most once.
func encode007(appID, certificate string, issueTs, salt, expire uint32, grants []grant) (string, error) {
	if !isHex32(appID) || !isHex32(certificate) {
		return "", errors.New("service: the App ID and App Certificate must be 32 hexadecimal characters")
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)

	b := append(e.plain[:0], make([]byte, sigField)...)
	b = appendString(b, appID)
	b = binary.LittleEndian.AppendUint32(b, issueTs)
	b = binary.LittleEndian.AppendUint32(b, expire)
	b = binary.LittleEndian.AppendUint32(b, salt)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(grants)))
	var last uint16
	for i, g := range grants {
		if i > 0 && g.service <= last {
			return "", fmt.Errorf("service: AccessToken2 service %d out of order", g.service)
		}
		last = g.service
		names, known := fieldNames[g.service]
		if !known || len(g.fields) != len(names) {
			return "", fmt.Errorf("service: AccessToken2 service %d with %d fields", g.service, len(g.fields))
		}
		b = binary.LittleEndian.AppendUint16(b, g.service)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(g.privileges)))
		for j, p := range g.privileges {
			if j > 0 && p.id <= g.privileges[j-1].id {
				return "", fmt.Errorf("service: AccessToken2 privilege %d of service %d out of order", p.id, g.service)
			}
			b = binary.LittleEndian.AppendUint16(b, p.id)
			b = binary.LittleEndian.AppendUint32(b, p.expire)
		}
		for _, f := range g.fields {
			if len(f) > math.MaxUint16 {
				return "", fmt.Errorf("service: a string of service %d is longer than AccessToken2 allows", g.service)
			}
			b = appendString(b, f)
		}
		if g.service == serviceAPaaS {
			b = binary.LittleEndian.AppendUint16(b, uint16(g.role))
		}
	}
	e.plain = b

	sig := e.signer.sign007(certificate, issueTs, salt, b[sigField:])
	binary.LittleEndian.PutUint16(b, sha256.Size)
	copy(b[2:sigField], sig[:])

	e.deflated.Reset()
	e.zlib.Reset(&e.deflated)
	// Writes to a bytes.Buffer do not fail.
	_, _ = e.zlib.Write(b)
	_ = e.zlib.Close()
	e.token = append(e.token[:0], Version007...)
	e.token = base64.StdEncoding.AppendEncode(e.token, e.deflated.Bytes())
	return string(e.token), nil
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// isHex32 is Agora's test of an App ID or App Certificate.
func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
