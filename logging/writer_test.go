package logging

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// gate is a destination whose writes wait until it is opened, and which
// records each write it received.
type gate struct {
	open   chan struct{}
	mu     sync.Mutex
	writes []string
	called chan struct{} // gets a signal as each write begins
}

func newGate() *gate {
	return &gate{open: make(chan struct{}), called: make(chan struct{}, 100)}
}

func (g *gate) Write(p []byte) (int, error) {
	g.called <- struct{}{}
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes = append(g.writes, string(p))
	return len(p), nil
}

func (g *gate) got() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.writes...)
}

// within fails t unless done is closed within a generous deadline: a
// guard against a hang, not a measure of speed.
func within(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
}

func TestWriterGathersLinesWhileTheDestinationIsBusy(t *testing.T) {
	g := newGate()
	w := NewWriter(g)
	_, _ = w.Write([]byte("1\n"))
	within(t, g.called, "the first write") // the goroutine is now held in it

	// These return although the destination is held.
	wrote := make(chan struct{})
	go func() {
		for _, line := range []string{"2\n", "3\n", "4\n"} {
			_, _ = w.Write([]byte(line))
		}
		close(wrote)
	}()
	within(t, wrote, "writes while the destination is busy")

	close(g.open)
	closed := make(chan struct{})
	go func() { _ = w.Close(); close(closed) }()
	within(t, closed, "Close")
	if got, want := g.got(), []string{"1\n", "2\n3\n4\n"}; !slices.Equal(got, want) {
		t.Errorf("writes = %q, want %q: the lines queued meanwhile in one write", got, want)
	}
}

func TestWriterWritesAnIdleLineWithoutClose(t *testing.T) {
	var dst testkit.Buffer
	w := NewWriter(&dst)
	defer w.Close()
	_, _ = w.Write([]byte("alone\n"))
	deadline := time.Now().Add(10 * time.Second)
	for dst.String() != "alone\n" {
		if time.Now().After(deadline) {
			t.Fatalf("destination holds %q, want the line written without waiting for more", dst.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWriterKeepsOrderAcrossWritersAndClose(t *testing.T) {
	var dst testkit.Buffer
	w := NewWriter(&dst)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for n := range lines {
				_, _ = fmt.Fprintf(w, "%d %d\n", i, n)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("after close\n"))

	out := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	if len(out) != writers*lines+1 || out[len(out)-1] != "after close" {
		t.Fatalf("%d lines, last %q; want %d and the line written after Close last", len(out), out[len(out)-1], writers*lines+1)
	}
	next := make([]int, writers)
	for _, line := range out[:len(out)-1] {
		var i, n int
		if _, err := fmt.Sscanf(line, "%d %d", &i, &n); err != nil || n != next[i] {
			t.Fatalf("line %q: a torn line or writer %d's lines out of order (want %d next)", line, i, next[i])
		}
		next[i]++
	}
}

func TestWriterWaitsWhenTooFarBehind(t *testing.T) {
	g := newGate()
	w := NewWriter(g)
	_, _ = w.Write([]byte("held\n"))
	within(t, g.called, "the first write")

	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	for range maxPending / len(line) {
		_, _ = w.Write(line)
	}
	over := make(chan struct{})
	go func() {
		_, _ = w.Write([]byte("over\n"))
		close(over)
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-over:
		t.Fatal("a write returned with maxPending queued and the destination held")
	default:
	}
	close(g.open)
	within(t, over, "the waiting write, once the destination drained")
	_ = w.Close()
	got := strings.Join(g.got(), "")
	if want := 5 + maxPending + 5; len(got) != want || !strings.HasSuffix(got, "over\n") {
		t.Errorf("%d bytes written ending %q, want %d ending with the waiting line", len(got), got[max(0, len(got)-10):], want)
	}
}

func TestWriterCloseTwice(t *testing.T) {
	var dst testkit.Buffer
	w := NewWriter(&dst)
	_, _ = w.Write([]byte("a\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if dst.String() != "a\n" {
		t.Errorf("destination = %q", dst.String())
	}
}
