package agoratoken

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strings"
)

// maxPayloadBytes bounds what a 007 token may inflate to; real tokens
// hold a few hundred bytes.
const maxPayloadBytes = 16 << 10

// Decoded007 is an AccessToken2 read from its text, with what it takes to
// check its signature.
type Decoded007 struct {
	AccessToken2
	signature, body []byte
}

// SignedWith reports whether the token's signature is the certificate's.
func (d Decoded007) SignedWith(certificate string) bool {
	var s signer
	want := s.sign007(certificate, d.IssueTs, d.Salt, d.body)
	return hmac.Equal(d.signature, want[:])
}

// Decode007 reads an AccessToken2: "007", then the base64 of a zlib
// stream holding the signature and the signed body. A text that is not
// one is an *Error saying what is wrong with it.
func Decode007(token string) (Decoded007, error) {
	if !strings.HasPrefix(token, Version007) {
		return Decoded007{}, malformed("has bad version prefix: an AccessToken2 starts with %s", Version007)
	}
	raw, err := decodeBase64(token, len(Version007))
	if err != nil {
		return Decoded007{}, err
	}
	payload, err := inflate(raw)
	if err != nil {
		return Decoded007{}, err
	}

	r := reader{b: payload}
	var d Decoded007
	d.signature = r.bytes("signature")
	d.body = r.b
	d.AppID = string(r.bytes("App ID"))
	d.IssueTs = r.u32("issue time")
	d.Expire = r.u32("expiry")
	d.Salt = r.u32("salt")
	count := r.u16("service count")
	if r.err != nil {
		return Decoded007{}, r.err
	}
	for range count {
		typ := r.u16("service type")
		if r.err != nil {
			return Decoded007{}, r.err
		}
		names, known := fieldNames[typ]
		if !known {
			return Decoded007{}, malformed("is malformed: service type %d is not one Agora defines, so the rest cannot be read", typ)
		}
		owner := ServiceName(typ)
		if slices.ContainsFunc(d.Grants, func(g Grant) bool { return g.Service == typ }) {
			return Decoded007{}, malformed("is malformed: service %s appears twice", owner)
		}
		g := Grant{Service: typ, Privileges: r.privileges(owner), Fields: []string{}}
		for _, field := range names {
			g.Fields = append(g.Fields, string(r.bytes(owner+" "+field)))
		}
		switch typ {
		case ServiceAPaaS:
			g.Role = int16(r.u16(owner + " role"))
		case ServiceRTM2:
			g.Resources = r.resources(owner)
		}
		if r.err != nil {
			return Decoded007{}, r.err
		}
		d.Grants = append(d.Grants, g)
	}
	if len(r.b) > 0 {
		return Decoded007{}, malformed("is malformed: %d bytes follow the last service", len(r.b))
	}
	return d, nil
}

// decodeBase64 decodes the part of a token after its first offset
// characters, naming the position of a bad character in the whole token.
func decodeBase64(token string, offset int) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(token[offset:])
	if bad, ok := errors.AsType[base64.CorruptInputError](err); ok {
		return nil, malformed("has bad base64 at character %d", int64(offset)+int64(bad))
	}
	if err != nil {
		return nil, malformed("has bad base64: %v", err)
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
		return nil, malformed("has bad zlib: it inflates to more than %d bytes; no Agora token does", maxPayloadBytes)
	case in.Len() > 0:
		return nil, malformed("has bad zlib: %d bytes follow the stream", in.Len())
	}
	return out, nil
}

func badZlib(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("has bad zlib: the stream is cut short")
	}
	return malformed("has bad zlib: %s", strings.TrimPrefix(err.Error(), "zlib: "))
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
		r.err = malformed("has a truncated field: %s needs %d bytes, %d remain", what, n, len(r.b))
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

func (r *reader) bytes(what string) []byte {
	n := r.u16(what + " length")
	return r.take(int(n), what)
}

// resources reads an RTM2 grant's resource permissions: a 16-bit count
// of kinds, each a kind with its own count of permissions, each a
// permission with its count of names. It sorts them by kind and
// permission, as it does privileges, and rejects a pair listed twice.
func (r *reader) resources(owner string) []Resources {
	var out []Resources
	kinds := int(r.u16(owner + " kind count"))
	for range kinds {
		kind := r.u16(owner + " kind")
		perms := int(r.u16(owner + " permission count"))
		for range perms {
			res := Resources{Kind: kind, Permission: r.u16(owner + " permission")}
			n := int(r.u16(owner + " name count"))
			if r.err != nil {
				return nil
			}
			// Each name takes 2 bytes at least: a count beyond what
			// remains is refused before anything is allocated for it.
			if need := 2 * n; need > len(r.b) {
				r.err = malformed("has a truncated field: %s lists %d names needing %d bytes at least, %d remain", owner, n, need, len(r.b))
				return nil
			}
			res.Names = make([]string, 0, n)
			for range n {
				res.Names = append(res.Names, string(r.bytes(owner+" resource name")))
			}
			out = append(out, res)
		}
	}
	if r.err != nil {
		return nil
	}
	slices.SortStableFunc(out, func(a, b Resources) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Permission, b.Permission))
	})
	for i := 1; i < len(out); i++ {
		if out[i].Kind == out[i-1].Kind && out[i].Permission == out[i-1].Permission {
			r.err = malformed("is malformed: %s lists permission %d on kind %d twice", owner, out[i].Permission, out[i].Kind)
			return nil
		}
	}
	return out
}

// privileges reads a privilege map: a 16-bit count, then that many
// 16-bit ids with their 32-bit expiry. It sorts them by id and rejects
// an id listed twice, which no encoder writes.
func (r *reader) privileges(owner string) []Privilege {
	n := int(r.u16(owner + " privilege count"))
	if r.err != nil {
		return nil
	}
	if need := 6 * n; need > len(r.b) {
		r.err = malformed("has a truncated field: %s lists %d privileges needing %d bytes, %d remain", owner, n, need, len(r.b))
		return nil
	}
	out := make([]Privilege, 0, n)
	for range n {
		out = append(out, Privilege{ID: r.u16("privilege id"), Expire: r.u32("privilege expiry")})
	}
	slices.SortFunc(out, func(a, b Privilege) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(out); i++ {
		if out[i].ID == out[i-1].ID {
			r.err = malformed("is malformed: %s lists privilege %d twice", owner, out[i].ID)
			return nil
		}
	}
	return out
}
