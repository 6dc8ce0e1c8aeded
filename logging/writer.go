package logging

import (
	"io"
	"sync"
	"time"
)

// maxPending is how much Writer holds before a write waits for the
// destination, as it would have without Writer: a log that cannot keep
// up slows the server down rather than filling its memory.
const maxPending = 256 << 10

// gather is how long Writer waits, after the first line that finds
// nothing queued, for more lines to go out in the same write.
const gather = 10 * time.Millisecond

// Writer hands what it is given to a destination from a goroutine of its
// own, so that a request never waits on the write to standard error that
// its access log line would otherwise cost. The goroutine waits gather
// after a line arrives, then writes every line queued by then in one
// call: under load, one system call carries hundreds of lines, where it
// would carry one each, and a line is never held longer than gather plus
// the time the destination takes to write the batch ahead of it.
//
// Writes keep their order. Close writes out what is left; what is
// written after it goes straight to the destination. A crash that is no
// recovered panic (the process killed, a fatal runtime error) loses the
// lines queued in the last gather.
type Writer struct {
	dst  io.Writer
	wake chan struct{} // holds a signal when pending has lines to write
	done chan struct{} // closed when the goroutine has written all and ended

	mu      sync.Mutex
	room    sync.Cond // signalled when pending has been taken
	pending []byte    // lines not yet handed to dst
	spare   []byte    // the buffer the goroutine wrote last, for reuse
	closed  bool
}

// NewWriter returns a Writer writing to dst, and starts its goroutine,
// which Close ends.
func NewWriter(dst io.Writer) *Writer {
	w := &Writer{dst: dst, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.room.L = &w.mu
	go w.run()
	return w
}

// Write queues p for the destination and returns at once, unless the
// destination is so far behind that maxPending is queued already. It
// never fails: a log line that cannot be written has nowhere to be
// reported.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPending && !w.closed {
		w.room.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		<-w.done // what was queued goes first
		_, _ = w.dst.Write(p)
		return len(p), nil
	}
	if len(w.pending) == 0 {
		// Under the lock, so that Close cannot close wake meanwhile.
		select {
		case w.wake <- struct{}{}:
		default: // the goroutine is awake already
		}
	}
	w.pending = append(w.pending, p...)
	w.mu.Unlock()
	return len(p), nil
}

// Close writes out every line queued and ends the goroutine. It returns
// once all of them are written.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closed = true
	close(w.wake)
	w.room.Broadcast()
	w.mu.Unlock()
	<-w.done
	return nil
}

// run writes each batch of pending lines, until Close and the last batch.
func (w *Writer) run() {
	defer close(w.done)
	for range w.wake {
		time.Sleep(gather)
		w.flush()
	}
	w.flush() // what came between the last wake and Close
}

// flush takes the pending lines and writes them in one call, outside the
// lock, so that writers go on queueing meanwhile.
func (w *Writer) flush() {
	w.mu.Lock()
	batch := w.pending
	w.pending = w.spare[:0]
	w.room.Broadcast()
	w.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	_, _ = w.dst.Write(batch)
	w.mu.Lock()
	w.spare = batch
	w.mu.Unlock()
}
