package agoratoken

import (
	"encoding/binary"
	"hash/adler32"
	"math"
)

// appendStored appends data as the zlib stream (RFC 1950) that
// compress/zlib writes at NoCompression, byte for byte: the header, the
// data in stored DEFLATE blocks (RFC 1951) of at most 65,535 bytes, an
// empty final block, and the Adler-32 checksum.
//
// compress/zlib gets there through a whole DEFLATE compressor: about
// 330 KB of tables that an encoder must keep, and half a microsecond of a
// token's cost, three times what this takes (BenchmarkStored).
// TestStoredMatchesZlib holds the bytes to compress/zlib's for every kind
// of length, and compress/zlib reads every token the tests mint.
func appendStored(dst, data []byte) []byte {
	// CMF: DEFLATE with a 32 KB window; FLG: the fastest level, and the
	// check bits that make the two a multiple of 31.
	dst = append(dst, 0x78, 0x01)
	for rest := data; len(rest) > 0; {
		n := min(len(rest), math.MaxUint16)
		dst = appendStoredBlock(dst, rest[:n], false)
		rest = rest[n:]
	}
	dst = appendStoredBlock(dst, nil, true)
	return binary.BigEndian.AppendUint32(dst, adler32.Checksum(data))
}

// appendStoredBlock appends one stored block: its header byte (the final
// bit, block type 00, the rest of the byte unused), its length and the
// length's complement, little-endian, then the bytes.
func appendStoredBlock(dst, block []byte, final bool) []byte {
	header := byte(0)
	if final {
		header = 1
	}
	dst = append(dst, header)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(block)))
	dst = binary.LittleEndian.AppendUint16(dst, ^uint16(len(block)))
	return append(dst, block...)
}
