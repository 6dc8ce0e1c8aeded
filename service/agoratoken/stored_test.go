package agoratoken

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// zlibStored is what compress/zlib writes for data at NoCompression.
func zlibStored(t testing.TB, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zlib.NewWriterLevel(&out, zlib.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The final stored block appendStored ends with, and the empty block of
// fixed Huffman codes with which compress/zlib ends since Go 1.27.
var (
	storedFinal = []byte{0x01, 0x00, 0x00, 0xff, 0xff}
	fixedFinal  = []byte{0x03, 0x00}
)

// appendStored writes the blocks compress/zlib writes at NoCompression,
// the same final block on every Go release, and the checksum, and
// compress/zlib reads it back: for lengths around each block boundary
// and for tokens' sizes.
func TestStoredMatchesZlib(t *testing.T) {
	r := rand.New(rand.NewPCG(*PropSeed, 3))
	const block = 65535
	for _, n := range []int{0, 1, 2, 100, 250, 1000, block - 1, block, block + 1, 2*block - 1, 2 * block, 2*block + 1, 200000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		got := appendStored([]byte("prefix"), data)
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("%d bytes: appendStored overwrote what it appends to", n)
		}
		got = got[len("prefix"):]
		want := zlibStored(t, data)
		// The Adler-32 checksums, then the blocks before the final one.
		if !bytes.Equal(got[len(got)-4:], want[len(want)-4:]) {
			t.Fatalf("%d bytes: checksum % x, compress/zlib's % x", n, got[len(got)-4:], want[len(want)-4:])
		}
		got, want = got[:len(got)-4], want[:len(want)-4]
		if !bytes.HasSuffix(got, storedFinal) {
			t.Fatalf("%d bytes: the stream does not end with an empty final stored block", n)
		}
		got = got[:len(got)-len(storedFinal)]
		switch {
		case bytes.HasSuffix(want, storedFinal):
			want = want[:len(want)-len(storedFinal)]
		case bytes.HasSuffix(want, fixedFinal):
			want = want[:len(want)-len(fixedFinal)]
		default:
			t.Fatalf("%d bytes: compress/zlib ends its stream with % x", n, want[max(0, len(want)-8):])
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: the header and blocks differ from compress/zlib's (%d bytes against %d)", n, len(got), len(want))
		}
		zr, err := zlib.NewReader(bytes.NewReader(appendStored(nil, data)))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		back, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: compress/zlib read back %d bytes, %v", n, len(back), err)
		}
	}
}

// The smallest streams, worked out from RFC 1950 and RFC 1951.
func TestStoredBytes(t *testing.T) {
	tests := []struct {
		data []byte
		want string
	}{
		{nil, "78 01 01 00 00 ff ff 00 00 00 01"},
		{[]byte{7}, "78 01 00 01 00 fe ff 07 01 00 00 ff ff 00 08 00 08"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("% x", appendStored(nil, tt.data)); got != tt.want {
			t.Errorf("appendStored(% x) = %s, want %s", tt.data, got, tt.want)
		}
	}
}

// BenchmarkStored frames a token's payload as Encode007 does, and as
// compress/zlib does, reusing its writer: the reason appendStored exists.
func BenchmarkStored(b *testing.B) {
	payload := bytes.Repeat([]byte{0xa5}, 180)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			out = appendStored(out[:0], payload)
		}
	})
	b.Run("compress-zlib", func(b *testing.B) {
		b.ReportAllocs()
		var out bytes.Buffer
		w, _ := zlib.NewWriterLevel(&out, zlib.NoCompression)
		for b.Loop() {
			out.Reset()
			w.Reset(&out)
			_, _ = w.Write(payload)
			_ = w.Close()
		}
	})
}
