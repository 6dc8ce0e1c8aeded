package agoratoken

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// AccessToken2 is the content of a 007 token, short of its signature.
type AccessToken2 struct {
	AppID   string
	IssueTs uint32 // Unix time
	Expire  uint32 // seconds from IssueTs
	Salt    uint32
	// Grants come in ascending service type, each service at most once.
	Grants []Grant
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
//	              as an int16; for RTM2 its resource permissions:
//	                uint16 count of kinds, then each kind by ascending
//	                number: kind uint16, uint16 count of permissions,
//	                then each permission by ascending number:
//	                permission uint16, uint16 count of names, the names
//
// The signing key is HMAC-SHA256(salt, HMAC-SHA256(issueTs, certificate)),
// with the two numbers as 4 bytes each. Integers are little-endian; a
// string is its uint16 length, then its bytes. The inflated bytes are the
// ones Agora's own package writes; the tests hold it as the reference.
//
// Any valid zlib stream will do, since Agora signs the uncompressed bytes
// and every reader inflates first. We write stored (uncompressed) blocks
// (appendStored): a token is a few hundred bytes, which DEFLATE barely
// shrinks, and a stored block costs a fraction of a microsecond where
// compressing costs tens. It also gives the same bytes whichever Go
// release builds us, where compress/zlib's final block changed in 1.27.

// sigField is the room the packed signature takes in front of the body.
const sigField = 2 + sha256.Size

// encoder holds the buffers of one encoding, so that they are reused from
// token to token.
type encoder struct {
	plain  []byte // the packed signature, then the body
	zlib   []byte // plain as a zlib stream
	token  []byte
	signer signer
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// Encode007 signs t with the certificate and encodes it.
func Encode007(certificate string, t AccessToken2) (string, error) {
	if !ValidCredential(t.AppID) || !ValidCredential(certificate) {
		return "", errors.New("agoratoken: the App ID and App Certificate must be 32 hexadecimal characters")
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)

	b := append(e.plain[:0], make([]byte, sigField)...)
	b = appendString(b, t.AppID)
	b = binary.LittleEndian.AppendUint32(b, t.IssueTs)
	b = binary.LittleEndian.AppendUint32(b, t.Expire)
	b = binary.LittleEndian.AppendUint32(b, t.Salt)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(t.Grants)))
	for i, g := range t.Grants {
		if i > 0 && g.Service <= t.Grants[i-1].Service {
			return "", fmt.Errorf("agoratoken: service %d out of order", g.Service)
		}
		names, known := fieldNames[g.Service]
		if !known || len(g.Fields) != len(names) {
			return "", fmt.Errorf("agoratoken: service %d with %d fields", g.Service, len(g.Fields))
		}
		b = binary.LittleEndian.AppendUint16(b, g.Service)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(g.Privileges)))
		for j, p := range g.Privileges {
			if j > 0 && p.ID <= g.Privileges[j-1].ID {
				return "", fmt.Errorf("agoratoken: privilege %d of service %d out of order", p.ID, g.Service)
			}
			b = binary.LittleEndian.AppendUint16(b, p.ID)
			b = binary.LittleEndian.AppendUint32(b, p.Expire)
		}
		for _, f := range g.Fields {
			if len(f) > math.MaxUint16 {
				return "", fmt.Errorf("agoratoken: a string of service %d is longer than AccessToken2 allows", g.Service)
			}
			b = appendString(b, f)
		}
		if g.Service == ServiceAPaaS {
			b = binary.LittleEndian.AppendUint16(b, uint16(g.Role))
		}
		if g.Service == ServiceRTM2 {
			var err error
			if b, err = appendResources(b, g.Resources); err != nil {
				return "", err
			}
		} else if len(g.Resources) > 0 {
			return "", fmt.Errorf("agoratoken: service %d has no resource permissions", g.Service)
		}
	}
	e.plain = b

	sig := e.signer.sign007(certificate, t.IssueTs, t.Salt, b[sigField:])
	binary.LittleEndian.PutUint16(b, sha256.Size)
	copy(b[2:sigField], sig[:])

	e.zlib = appendStored(e.zlib[:0], b)
	e.token = append(e.token[:0], Version007...)
	e.token = base64.StdEncoding.AppendEncode(e.token, e.zlib)
	return string(e.token), nil
}

// appendResources packs an RTM2 grant's resource permissions: rs holds
// one entry per kind and permission, in the order they are packed, which
// groups them by kind.
func appendResources(b []byte, rs []Resources) ([]byte, error) {
	kinds := 0
	for i, r := range rs {
		if i > 0 {
			prev := rs[i-1]
			if r.Kind < prev.Kind || r.Kind == prev.Kind && r.Permission <= prev.Permission {
				return nil, fmt.Errorf("agoratoken: RTM2 permission %d on kind %d out of order", r.Permission, r.Kind)
			}
		}
		if i == 0 || r.Kind != rs[i-1].Kind {
			kinds++
		}
		if len(r.Names) > math.MaxUint16 {
			return nil, errors.New("agoratoken: an RTM2 permission names more resources than AccessToken2 allows")
		}
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(kinds))
	for i := 0; i < len(rs); {
		kind := rs[i].Kind
		n := 1
		for i+n < len(rs) && rs[i+n].Kind == kind {
			n++
		}
		b = binary.LittleEndian.AppendUint16(b, kind)
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		for _, r := range rs[i : i+n] {
			b = binary.LittleEndian.AppendUint16(b, r.Permission)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Names)))
			for _, name := range r.Names {
				if len(name) > math.MaxUint16 {
					return nil, errors.New("agoratoken: an RTM2 resource name is longer than AccessToken2 allows")
				}
				b = appendString(b, name)
			}
		}
		i += n
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}
