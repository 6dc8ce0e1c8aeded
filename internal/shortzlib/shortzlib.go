// Package shortzlib writes the zlib stream of a short input exactly as
// compress/zlib's NewWriter does (its default level, 6), byte for byte,
// without the megabyte of state compress/flate allocates and clears for
// every stream.
//
// AccessToken2 tokens must match, byte for byte, what Agora's package
// writes through compress/zlib. Resetting a compress/flate writer clears
// 640 KB of hash tables, which costs more than the rest of a token and
// evicts everything else from the CPU's caches. This package follows the
// same steps as compress/flate for one block of input (the same hash and
// chains, the same lazy matching, the same Huffman code construction and
// choice of block type), but keeps state only for the input's positions.
// Inputs longer than MaxInput go through compress/zlib itself. The tests
// hold every output to compress/zlib's.
package shortzlib

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/adler32"
	"math"
	"math/bits"
	"slices"
)

// MaxInput is the longest input encoded here; longer ones go through
// compress/zlib. Up to this length compress/flate writes one block (it
// splits blocks at 16384 tokens) and every match lies within its 32 KB
// window, which is all this package knows how to do.
const MaxInput = 1<<14 - 1

// compress/flate's settings for level 6, and the limits of the format.
const (
	minMatch   = 4   // shortest match compress/flate emits
	maxMatch   = 258 // longest match the format allows
	goodLength = 8   // a match this long searches a quarter of the chain
	lazyLength = 16  // a match this long is taken without a lazy search
	niceLength = 128 // a match this long ends the search
	maxChain   = 128 // chain entries searched per position
	farOffset  = 4096
	hashBits   = 17
	hashMul    = 0x1e35a7bd

	endOfBlock  = 256
	firstLength = 257 // the literal/length code of the shortest length
	numLitCodes = 286
	numOffCodes = 30
	numCLCodes  = 19 // code length codes of a dynamic header
)

// clOrder is the order of the code length codes in a dynamic header.
var clOrder = [numCLCodes]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// An Encoder holds the scratch space of one stream at a time. Its zero
// value is ready to use; it is not safe for concurrent use.
type Encoder struct {
	heads  []head   // the last position of each hash, by open addressing; all empty between streams
	used   []uint32 // the entry of heads each position went into
	prev   []uint16 // previous position+1 with the same hash
	tokens []token

	litFreq [numLitCodes]int32
	offFreq [numOffCodes]int32
	clFreq  [numCLCodes]int32
	lit     huffman
	off     huffman
	cl      huffman
	lengths []uint8 // code lengths of the dynamic header, run-length coded

	bw bitWriter

	long   *zlib.Writer // for inputs over MaxInput
	longTo bytes.Buffer
}

// head is the last position of the input with a given hash. A table of
// these sized to the input, rather than indexed by all 2^17 hashes as
// compress/flate does, keeps the state of a token within the CPU's
// fastest caches.
type head struct {
	hash uint32 // the hash plus one; zero for an empty entry
	last uint16 // the position plus one
}

// token is a literal byte (length 0) or a match of length bytes, value
// bytes back.
type token struct {
	length uint16
	value  uint16 // the literal, or the distance
}

// Append appends the zlib stream of src to dst and returns the result.
func (e *Encoder) Append(dst, src []byte) []byte {
	if len(src) > MaxInput {
		return e.appendLong(dst, src)
	}
	e.bw.out = append(dst, 0x78, 0x9c) // deflate, 32 KB window, default level
	if len(src) > 0 {
		e.match(src)
		e.writeBlock(src)
	}
	// compress/flate ends every stream with an empty final stored block.
	e.bw.writeBits(1, 3)
	e.bw.alignToByte()
	e.bw.writeBits(0, 16)
	e.bw.writeBits(0xffff, 16)
	out := binary.BigEndian.AppendUint32(e.bw.out, adler32.Checksum(src))
	e.bw.out = nil
	return out
}

func (e *Encoder) appendLong(dst, src []byte) []byte {
	e.longTo.Reset()
	if e.long == nil {
		e.long = zlib.NewWriter(&e.longTo)
	} else {
		e.long.Reset(&e.longTo)
	}
	// Writing to a bytes.Buffer cannot fail.
	_, _ = e.long.Write(src)
	_ = e.long.Close()
	return append(dst, e.longTo.Bytes()...)
}

func hash4(b []byte) uint32 {
	return binary.BigEndian.Uint32(b) * hashMul >> (32 - hashBits)
}

// match turns src into literals and matches with compress/flate's lazy
// matching. Every position that has four bytes left is put into its hash
// chain in order, so the chains are known before the search starts.
func (e *Encoder) match(src []byte) {
	n := len(src)
	hashed := max(n-minMatch+1, 0)
	size := 256
	for size < 2*hashed {
		size <<= 1
	}
	if len(e.heads) < size {
		e.heads = make([]head, size)
	}
	heads, mask := e.heads[:size], uint32(size-1)
	e.used = slices.Grow(e.used[:0], hashed)[:hashed]
	e.prev = slices.Grow(e.prev[:0], hashed)[:hashed]
	for i := range hashed {
		h := hash4(src[i:]) + 1
		j := h & mask
		for heads[j].hash != 0 && heads[j].hash != h {
			j = (j + 1) & mask
		}
		e.prev[i] = heads[j].last
		heads[j] = head{h, uint16(i + 1)}
		e.used[i] = j
	}
	// Emptying only the entries this input used is what spares clearing
	// a whole table for every stream.
	defer func() {
		for _, j := range e.used {
			heads[j] = head{}
		}
	}()

	e.tokens = e.tokens[:0]
	length, dist := minMatch-1, 0
	pending := false // src[i-1] is still to be emitted as a literal
	for i := 0; i < n; {
		left := n - i
		prevLength, prevDist := length, dist
		length, dist = minMatch-1, 0
		if i < hashed && e.prev[i] != 0 && left > prevLength && prevLength < lazyLength {
			length, dist = e.longestMatch(src, i, int(e.prev[i])-1, left, length)
		}
		if prevLength >= minMatch && length <= prevLength {
			// The match that started at i-1 is at least as good: take it.
			e.tokens = append(e.tokens, token{length: uint16(prevLength), value: uint16(prevDist)})
			i += prevLength - 1
			pending = false
			length = minMatch - 1
			continue
		}
		if pending {
			e.tokens = append(e.tokens, token{value: uint16(src[i-1])})
		}
		pending = true
		i++
	}
	if pending {
		e.tokens = append(e.tokens, token{value: uint16(src[n-1])})
	}
}

// longestMatch searches the chain from candidate for a match at pos
// longer than length, as compress/flate's findMatch does.
func (e *Encoder) longestMatch(src []byte, pos, candidate, left, length int) (bestLength, bestDist int) {
	bestLength = length
	limit := min(left, maxMatch)
	win := src[:pos+limit]
	nice := min(limit, niceLength)
	tries := maxChain
	if bestLength >= goodLength {
		tries >>= 2
	}
	next := win[pos+bestLength]
	for c := candidate; tries > 0; tries-- {
		if win[c+bestLength] == next {
			k := commonPrefix(win[c:], win[pos:], limit)
			if k > bestLength && (k > minMatch || pos-c <= farOffset) {
				bestLength, bestDist = k, pos-c
				if k >= nice {
					break
				}
				next = win[pos+k]
			}
		}
		c = int(e.prev[c]) - 1
		if c < 0 {
			break
		}
	}
	return bestLength, bestDist
}

func commonPrefix(a, b []byte, limit int) int {
	a, b = a[:limit], b[:limit]
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return limit
}

// writeBlock writes the tokens as one block, choosing as compress/flate
// does between fixed codes, dynamic codes and storing src as it is.
func (e *Encoder) writeBlock(src []byte) {
	clear(e.litFreq[:])
	clear(e.offFreq[:])
	extra := 0
	for _, t := range e.tokens {
		if t.length == 0 {
			e.litFreq[t.value]++
			continue
		}
		lc, off := lengthCode(int(t.length)), offsetCode(int(t.value))
		e.litFreq[firstLength+lc]++
		e.offFreq[off]++
		extra += lengthExtraBits(lc) + offsetExtraBits(off)
	}
	e.litFreq[endOfBlock]++
	numLit := numLitCodes
	for e.litFreq[numLit-1] == 0 {
		numLit--
	}
	numOff := numOffCodes
	for numOff > 0 && e.offFreq[numOff-1] == 0 {
		numOff--
	}
	if numOff == 0 {
		// The format wants at least one distance code.
		e.offFreq[0] = 1
		numOff = 1
	}
	e.lit.build(e.litFreq[:], 15)
	e.off.build(e.offFreq[:], 15)

	fixedSize := 3 + extra
	for c, f := range e.litFreq {
		fixedSize += int(f) * fixedLitLen(c)
	}
	for _, f := range e.offFreq {
		fixedSize += int(f) * 5
	}

	e.runLengths(numLit, numOff)
	e.cl.build(e.clFreq[:], 7)
	numCL := numCLCodes
	for numCL > 4 && e.clFreq[clOrder[numCL-1]] == 0 {
		numCL--
	}
	dynamicSize := 3 + 5 + 5 + 4 + 3*numCL + extra +
		e.cl.cost(e.clFreq[:]) + int(e.clFreq[16])*2 + int(e.clFreq[17])*3 + int(e.clFreq[18])*7 +
		e.lit.cost(e.litFreq[:]) + e.off.cost(e.offFreq[:])
	storedSize := (len(src) + 5) * 8

	w := &e.bw
	switch {
	case storedSize < min(fixedSize, dynamicSize):
		w.writeBits(0, 3)
		w.alignToByte()
		w.writeBits(uint64(len(src)), 16)
		w.writeBits(uint64(^uint16(len(src))), 16)
		w.out = append(w.out, src...)
	case dynamicSize < fixedSize:
		w.writeBits(2<<1, 3)
		w.writeBits(uint64(numLit-firstLength), 5)
		w.writeBits(uint64(numOff-1), 5)
		w.writeBits(uint64(numCL-4), 4)
		for _, c := range clOrder[:numCL] {
			w.writeBits(uint64(e.cl.codes[c].len), 3)
		}
		for i := 0; i < len(e.lengths); i++ {
			c := e.lengths[i]
			w.writeCode(e.cl.codes[c])
			if c >= 16 {
				i++
				w.writeBits(uint64(e.lengths[i]), [...]uint{2, 3, 7}[c-16])
			}
		}
		e.writeTokens(e.lit.codes[:], e.off.codes[:])
	default:
		w.writeBits(1<<1, 3)
		e.writeTokens(fixedLitCodes[:], fixedOffCodes[:])
	}
}

func (e *Encoder) writeTokens(lit, off []code) {
	w := &e.bw
	for _, t := range e.tokens {
		if t.length == 0 {
			w.writeCode(lit[t.value])
			continue
		}
		lc := lengthCode(int(t.length))
		w.writeCode(lit[firstLength+lc])
		w.writeBits(uint64(int(t.length)-lengthBase(lc)), uint(lengthExtraBits(lc)))
		oc := offsetCode(int(t.value))
		w.writeCode(off[oc])
		w.writeBits(uint64(int(t.value)-offsetBase(oc)), uint(offsetExtraBits(oc)))
	}
	w.writeCode(lit[endOfBlock])
}

// runLengths fills e.lengths with the code lengths of the literal/length
// and distance codes, run-length coded with the symbols 16, 17 and 18
// (each followed by its repeat count), and counts them in e.clFreq.
func (e *Encoder) runLengths(numLit, numOff int) {
	all := make([]uint8, 0, numLitCodes+numOffCodes)
	for _, c := range e.lit.codes[:numLit] {
		all = append(all, uint8(c.len))
	}
	for _, c := range e.off.codes[:numOff] {
		all = append(all, uint8(c.len))
	}
	clear(e.clFreq[:])
	out := e.lengths[:0]
	emit := func(sym uint8, repeat int, base int) {
		out = append(out, sym)
		if sym >= 16 {
			out = append(out, uint8(repeat-base))
		}
		e.clFreq[sym]++
	}
	for i := 0; i < len(all); {
		size, run := all[i], 1
		for i+run < len(all) && all[i+run] == size {
			run++
		}
		i += run
		if size != 0 {
			emit(size, 1, 0)
			run--
			for run >= 3 {
				n := min(run, 6)
				emit(16, n, 3)
				run -= n
			}
		} else {
			for run >= 11 {
				n := min(run, 138)
				emit(18, n, 11)
				run -= n
			}
			if run >= 3 {
				emit(17, run, 3)
				run = 0
			}
		}
		for ; run > 0; run-- {
			emit(size, 1, 0)
		}
	}
	e.lengths = out
}

// Lengths 3..258 and distances 1..32768 of the format: each has a code,
// a number of extra bits and a base value (RFC 1951, section 3.2.5).

func lengthCode(length int) int {
	l := length - 3
	switch {
	case l < 8:
		return l
	case l == 255:
		return 28
	}
	n := bits.Len(uint(l))
	return 4*(n-2) + (l>>(n-3))&3
}

func lengthExtraBits(c int) int {
	if c < 8 || c == 28 {
		return 0
	}
	return c/4 - 1
}

func lengthBase(c int) int {
	switch {
	case c < 8:
		return c + 3
	case c == 28:
		return 258
	}
	return (4|c&3)<<(c/4-1) + 3
}

func offsetCode(dist int) int {
	d := dist - 1
	if d < 4 {
		return d
	}
	n := bits.Len(uint(d))
	return 2*(n-1) + (d>>(n-2))&1
}

func offsetExtraBits(c int) int {
	if c < 4 {
		return 0
	}
	return c/2 - 1
}

func offsetBase(c int) int {
	if c < 4 {
		return c + 1
	}
	return (2|c&1)<<(c/2-1) + 1
}

// code is a Huffman code, bit-reversed to be written low bit first.
type code struct {
	bits uint16
	len  uint16
}

func fixedLitLen(c int) int {
	switch {
	case c < 144:
		return 8
	case c < 256:
		return 9
	case c < 280:
		return 7
	}
	return 8
}

// The codes of a fixed Huffman block (RFC 1951, section 3.2.6).
var fixedLitCodes, fixedOffCodes = func() (lit [numLitCodes]code, off [numOffCodes]code) {
	for c := range lit {
		var first uint16 // the code of the first symbol in c's range
		var from int
		switch {
		case c < 144:
			first, from = 0b00110000, 0
		case c < 256:
			first, from = 0b110010000, 144
		case c < 280:
			first, from = 0, 256
		default:
			first, from = 0b11000000, 280
		}
		n := fixedLitLen(c)
		lit[c] = code{reverse(first+uint16(c-from), n), uint16(n)}
	}
	for c := range off {
		off[c] = code{reverse(uint16(c), 5), 5}
	}
	return lit, off
}()

func reverse(v uint16, n int) uint16 { return bits.Reverse16(v << (16 - n)) }

// huffman is a length-limited Huffman code built as compress/flate builds
// it: symbols ordered by frequency, then by symbol; code lengths from its
// package-merge, the longest to the rarest; codes handed out in order of
// length, then of symbol (the canonical code of RFC 1951, section 3.2.2).
type huffman struct {
	codes   [numLitCodes]code
	nodes   []node
	sorted  []node
	byCount []int32
}

type node struct {
	sym  uint16
	freq int32
}

// cost is the number of bits freq takes in this code.
func (h *huffman) cost(freq []int32) int {
	total := 0
	for s, f := range freq {
		total += int(f) * int(h.codes[s].len)
	}
	return total
}

func (h *huffman) build(freq []int32, maxBits int) {
	nodes := h.nodes[:0]
	top := int32(0)
	for s, f := range freq {
		h.codes[s] = code{}
		if f != 0 {
			nodes = append(nodes, node{uint16(s), f})
			top = max(top, f)
		}
	}
	h.nodes = nodes
	if len(nodes) <= 2 {
		for i, nd := range nodes {
			h.codes[nd.sym] = code{uint16(i), 1}
		}
		return
	}

	// Order by frequency with a counting sort: nodes are in symbol order,
	// and the sort keeps it among equal frequencies.
	count := slices.Grow(h.byCount[:0], int(top)+2)[:top+2]
	clear(count)
	for _, nd := range nodes {
		count[nd.freq+1]++
	}
	for f := 1; f < len(count); f++ {
		count[f] += count[f-1]
	}
	sorted := slices.Grow(h.sorted[:0], len(nodes))[:len(nodes)]
	for _, nd := range nodes {
		sorted[count[nd.freq]] = nd
		count[nd.freq]++
	}
	h.sorted, h.byCount = sorted, count

	counts := lengthCounts(sorted, maxBits)
	var perLength [16]uint16
	rest := sorted
	for n := 1; n < len(counts); n++ {
		k := int(counts[n])
		if k == 0 {
			continue
		}
		for _, nd := range rest[len(rest)-k:] {
			h.codes[nd.sym].len = uint16(n)
		}
		perLength[n] = uint16(k)
		rest = rest[:len(rest)-k]
	}
	var next [16]uint16
	for n := 1; n < len(next); n++ {
		next[n] = (next[n-1] + perLength[n-1]) << 1
	}
	for _, nd := range nodes {
		c := &h.codes[nd.sym]
		c.bits = reverse(next[c.len], int(c.len))
		next[c.len]++
	}
}

// lengthCounts returns, for each code length from 1 to maxBits, how many
// of the sorted nodes get a code that long, by the boundary package-merge
// compress/flate uses. It needs at least three nodes.
func lengthCounts(nodes []node, maxBits int) (counts [16]int32) {
	n := int32(len(nodes))
	// Past the last node, a frequency no pair or node ever reaches.
	freqAt := func(i int32) int32 {
		if i >= n {
			return math.MaxInt32
		}
		return nodes[i].freq
	}
	maxBits = min(maxBits, int(n-1))

	type row struct {
		last     int32 // frequency of the last item taken on this row
		nextLeaf int32 // frequency of the next node this row could take
		nextPair int32 // frequency of the next pair from the row below
		needed   int32 // items still to take before the row above may go on
	}
	var rows [16]row
	var leaves [16][16]int32 // leaves[r][j]: nodes left of the level-j ancestor of row r's last item
	for r := 1; r <= maxBits; r++ {
		rows[r] = row{last: nodes[1].freq, nextLeaf: freqAt(2), nextPair: nodes[0].freq + nodes[1].freq}
		if r == 1 {
			rows[r].nextPair = math.MaxInt32
		}
		leaves[r][r] = 2
	}
	rows[maxBits].needed = 2*n - 4

	r := maxBits
	for {
		cur := &rows[r]
		if cur.nextPair == math.MaxInt32 && cur.nextLeaf == math.MaxInt32 {
			// Nothing left to take on this row.
			cur.needed = 0
			rows[r+1].nextPair = math.MaxInt32
			r++
			continue
		}
		prevLast := cur.last
		if cur.nextLeaf < cur.nextPair {
			k := leaves[r][r] + 1
			cur.last = cur.nextLeaf
			leaves[r][r] = k
			cur.nextLeaf = freqAt(k)
		} else {
			cur.last = cur.nextPair
			// The pair's leaves are those of the row below; copying the
			// whole fixed-size row is cheaper than copying part of it.
			own := leaves[r][r]
			leaves[r] = leaves[r-1]
			leaves[r][r] = own
			rows[r-1].needed = 2
		}
		cur.needed--
		if cur.needed == 0 {
			if r == maxBits {
				break
			}
			rows[r+1].nextPair = prevLast + cur.last
			r++
			continue
		}
		for rows[r-1].needed > 0 {
			r--
		}
	}

	for r := maxBits; r > 0; r-- {
		counts[maxBits+1-r] = leaves[maxBits][r] - leaves[maxBits][r-1]
	}
	return counts
}

// bitWriter packs codes low bit first, as deflate wants.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) writeBits(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) writeCode(c code) { w.writeBits(uint64(c.bits), uint(c.len)) }

func (w *bitWriter) alignToByte() {
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	w.acc, w.nbits = 0, 0
}
