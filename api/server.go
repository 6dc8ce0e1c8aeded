package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ServerConfig holds the limits of the HTTP server and how it stops, as
// config.Config gives them: every duration and size but ShutdownDelay
// must be positive, and Serve refuses to start otherwise.
type ServerConfig struct {
	// ReadHeaderTimeout cuts off a client slow to send its headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its response.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection left idle this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes is the largest request head served, request line and
	// headers with their line ends; a larger one gets 431.
	MaxHeaderBytes int
	// ShutdownTimeout is how long requests in flight may take to finish
	// once shutdown begins.
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long the server goes on serving, new
	// connections included, after shutdown begins and before the listener
	// closes: time for load balancers to see readiness go off and stop
	// sending traffic.
	ShutdownDelay time.Duration
	// OnShutdown, when set, runs once shutdown begins, before the delay:
	// the place to turn readiness off.
	OnShutdown func()
}

// headerSlack is how far net/http reads past http.Server.MaxHeaderBytes
// before it answers 431: the size of its read buffer. TestHeaderLimits
// notices if a Go release changes it.
const headerSlack = 4096

// drainGrace is how long a connection accepted or left idle during the
// drain is kept open before Shutdown: time for its client to send its
// request, which is then answered with Connection: close. Shutdown closes
// idle connections, and drops any request it reads after it begins, so
// calling it sooner would race that request.
const drainGrace = time.Second

// drainPoll is how often the drain checks whether it may close the
// connections left idle.
const drainPoll = 10 * time.Millisecond

// Serve answers HTTP on ln with h until ctx is done, then drains: every
// request from then on is answered with Connection: close, and after
// sc.ShutdownDelay the listener closes and the requests in flight have up
// to sc.ShutdownTimeout to finish. It returns nil when they all finished
// in time.
//
// http.Server.Shutdown alone would close every idle keep-alive
// connection at once, which is just when a client sends its next request
// on it: that request would get no answer. So the drain tells each client
// to stop reusing its connection in the answer to its next request, and
// calls Shutdown only once the connections left have been idle or silent
// for drainGrace, or once none is left.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, sc ServerConfig, log *slog.Logger) error {
	if min(sc.ReadHeaderTimeout, sc.ReadTimeout, sc.WriteTimeout, sc.IdleTimeout, sc.ShutdownTimeout) <= 0 || sc.MaxHeaderBytes <= 0 {
		ln.Close()
		return errors.New("api: every timeout and MaxHeaderBytes of a ServerConfig must be set") // unlimited would be unsafe
	}
	d := &drain{next: h}
	srv := &http.Server{
		Handler:           d,
		ConnState:         d.track,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		// Zero would mean net/http's default of 1 MiB, hence the floor.
		MaxHeaderBytes: max(sc.MaxHeaderBytes-headerSlack, 1),
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "delay", sc.ShutdownDelay.String(), "timeout", sc.ShutdownTimeout.String())
	d.begin()
	if sc.OnShutdown != nil {
		sc.OnShutdown()
	}
	if sc.ShutdownDelay > 0 {
		select {
		case <-time.After(sc.ShutdownDelay):
		case err := <-served:
			return err
		}
	}
	// The listener is closed here rather than by Shutdown, which would
	// close the idle connections with it.
	if err := ln.Close(); err != nil {
		_ = srv.Close()
		return err
	}
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		_ = srv.Close() // no drain without a listener: stop what is left
		return err
	}
	deadline := time.Now().Add(sc.ShutdownTimeout)
	d.settle(drainGrace, deadline)
	shutdownCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests still running past the deadline are cut off, so that
		// the process ends when the platform expects it to.
		_ = srv.Close()
		return fmt.Errorf("requests still running after %s were cut off: %w", sc.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}

// drain answers with Connection: close once the server is shutting
// down, and keeps what it needs to know when the idle connections may be
// closed. Until then it costs a request one atomic load.
type drain struct {
	next http.Handler
	on   atomic.Bool
	// open counts the connections accepted and not yet closed.
	open atomic.Int64
	// quietSince is when the drain began or, if later, when a connection
	// was last accepted or left idle during it (Unix nanoseconds): its
	// client may send a request on it at any moment.
	quietSince atomic.Int64
}

// ServeHTTP passes the request on, marked to close its connection once
// answered while the server drains: net/http then closes it after the
// answer, and the client knows not to send another request on it.
func (d *drain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.on.Load() {
		w.Header().Set("Connection", "close")
	}
	d.next.ServeHTTP(w, r)
}

// track is the server's ConnState hook.
func (d *drain) track(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		d.open.Add(1)
	case http.StateClosed, http.StateHijacked:
		d.open.Add(-1)
		return
	case http.StateActive:
		return
	}
	// A connection just accepted, or left idle by a request begun before
	// the drain: its client is about to send a request on it.
	if d.on.Load() {
		d.quietSince.Store(time.Now().UnixNano())
	}
}

func (d *drain) begin() {
	d.quietSince.Store(time.Now().UnixNano())
	d.on.Store(true)
}

// settle waits until no connection is left, or none has been accepted
// or left idle for grace, or deadline passes.
func (d *drain) settle(grace time.Duration, deadline time.Time) {
	for d.open.Load() > 0 {
		now := time.Now()
		if now.After(deadline) || now.Sub(time.Unix(0, d.quietSince.Load())) >= grace {
			return
		}
		time.Sleep(drainPoll)
	}
}
