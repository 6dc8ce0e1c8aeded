package shortzlib

import (
	"bytes"
	"compress/zlib"
	"flag"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// compress/zlib is the reference for every byte Append writes.

var propSeed = flag.Uint64("prop.seed", 0, "seed of TestAppendMatchesZlib; 0 draws a new one")

func reference(t testing.TB, src []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func check(t *testing.T, e *Encoder, src []byte) {
	t.Helper()
	prefix := []byte("kept")
	got := e.Append(bytes.Clone(prefix), src)
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("Append dropped what dst held: %q", got[:min(len(got), 8)])
	}
	got = got[len(prefix):]
	if want := reference(t, src); !bytes.Equal(got, want) {
		t.Fatalf("Append(%d bytes %q)\n got %x\nwant %x", len(src), src[:min(len(src), 64)], got, want)
	}
	r, err := zlib.NewReader(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(back, src) {
		t.Fatalf("inflating gives %d bytes, %v; want the %d bytes of src", len(back), err, len(src))
	}
}

// Inputs chosen for the paths through compress/flate: no input, too
// short to hash, stored, fixed and dynamic blocks, matches of every
// length and of far distances, chains longer than the search limit, and
// the fallback past MaxInput.
func TestAppendEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	far := append(append([]byte("abcdXYZ"), random(5000)...), "abcdXYZ"...)
	// A four-byte match counts only within 4096 bytes. The filler between
	// is compressible, so that the block is not stored either way.
	fourAt := func(dist int) []byte {
		b := []byte("wxyz")
		for range dist - 4 {
			b = append(b, "abcdefgh"[r.IntN(8)])
		}
		return append(b, "wxyz!"...)
	}
	tests := []struct {
		name string
		src  []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"three bytes", []byte("abc")},
		{"four bytes", []byte("abcd")},
		{"one repeated byte", bytes.Repeat([]byte{'a'}, 1000)},
		{"two repeated bytes", bytes.Repeat([]byte("ab"), 600)},
		{"longest match and beyond", bytes.Repeat([]byte("0123456789"), 100)},
		{"text", []byte("the quick brown fox jumps over the lazy dog; the quick brown fox jumps again")},
		{"random, stored", random(300)},
		{"random, largest here", random(MaxInput)},
		{"random, first past MaxInput", random(MaxInput + 1)},
		{"zeros past MaxInput", make([]byte, 3*MaxInput)},
		{"far match", far},
		{"four-byte match 4096 back", fourAt(4096)},
		{"four-byte match 4097 back", fourAt(4097)},
		// Found by search: blocks whose sizes tie, where the order of
		// compress/flate's comparisons decides.
		{"fixed and dynamic the same size", []byte("\x18\x14\x05\x15\b\x1b\x05\x05\t\x15\n\x05\v\x06\x11\x05\t\x1a\x00\x03\n\x13\x10\x1a\x04\n\n\x17\x1b\a\x18\x19\x05\x05\x16\x00\x06\x04\x02\x1d\x0e\x1a\x14\x10\r")},
		{"stored and fixed the same size", []byte("\x99\xc8/g\x1d\x82\xbc\xcd#\xbe\xb1\xbf\x99\xde:\x92\xc4Ԥ\x13\x83Q0\xc0\x00;\x87\xbfA\xb7M\xd6\x03\xc3\xd0\x1f\x1c\xb8`Z\xa6~\x97\x1càzm\xc6o\x80 ")},
		{"long chains", bytes.Repeat([]byte("abcabcabd"), 1500)},
		{"every byte", func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}()},
	}
	e := new(Encoder)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e, tt.src)
		})
	}
}

// gen draws inputs from a few shapes, each with its own kind of redundancy.
type gen struct{ r *rand.Rand }

func (g gen) input() []byte {
	var n int
	switch g.r.IntN(4) {
	case 0:
		n = g.r.IntN(64)
	case 1:
		n = g.r.IntN(1024)
	default:
		n = g.r.IntN(MaxInput + 1)
	}
	b := make([]byte, 0, n)
	alphabet := 1 + g.r.IntN(256)
	for len(b) < n {
		switch g.r.IntN(4) {
		case 0: // copy an earlier piece, as text repeats itself
			if len(b) > 0 {
				from := g.r.IntN(len(b))
				piece := b[from:min(len(b), from+g.r.IntN(300))]
				b = append(b, piece...)
				continue
			}
			fallthrough
		default:
			b = append(b, byte(g.r.IntN(alphabet)))
		}
	}
	return b[:n]
}

func TestAppendMatchesZlib(t *testing.T) {
	seed := *propSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	g := gen{rand.New(rand.NewPCG(seed, 0))}
	e := new(Encoder)
	cases := 2000
	if testing.Short() {
		cases = 200
	}
	for i := range cases {
		src := g.input()
		got := e.Append(nil, src)
		if want := reference(t, src); !bytes.Equal(got, want) {
			t.Fatalf("case %d of -prop.seed=%d: Append(%d bytes %x)\n got %x\nwant %x", i, seed, len(src), src, got, want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add([]byte("the quick brown fox jumps over the lazy dog; the quick brown fox"))
	f.Add(bytes.Repeat([]byte{0}, 300))
	e := new(Encoder)
	f.Fuzz(func(t *testing.T, src []byte) {
		check(t, e, src)
	})
}

func BenchmarkAppend(b *testing.B) {
	// The size and make-up of an RTC publisher token's packed body.
	src := append(bytes.Repeat([]byte{0xa7}, 34), "970CA35de60c44645bbae8a215061b33"...)
	src = append(src, 1, 2, 3, 4, 16, 14, 0, 0, 1, 0, 1, 0, 4, 0, 1, 0, 16, 14, 0, 0, 2, 0, 16, 14, 0, 0, 3, 0, 16, 14, 0, 0, 4, 0, 16, 14, 0, 0)
	src = append(src, "benchmark-room2882341273"...)
	r := rand.New(rand.NewPCG(3, 4))
	b.Run("shortzlib", func(b *testing.B) {
		e := new(Encoder)
		var dst []byte
		b.ReportAllocs()
		for b.Loop() {
			for i := 2; i < 34; i++ { // a new signature every time, as in a token
				src[i] = byte(r.Uint32())
			}
			dst = e.Append(dst[:0], src)
		}
	})
	b.Run("compress-zlib", func(b *testing.B) {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		b.ReportAllocs()
		for b.Loop() {
			for i := 2; i < 34; i++ {
				src[i] = byte(r.Uint32())
			}
			buf.Reset()
			w.Reset(&buf)
			_, _ = w.Write(src)
			_ = w.Close()
		}
	})
}
