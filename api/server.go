package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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

// Serve answers HTTP on ln with h until ctx is done, then stops taking
// connections and lets requests in flight finish for up to
// sc.ShutdownTimeout. It returns nil when they all finished in time.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, sc ServerConfig, log *slog.Logger) error {
	if min(sc.ReadHeaderTimeout, sc.ReadTimeout, sc.WriteTimeout, sc.IdleTimeout, sc.ShutdownTimeout) <= 0 || sc.MaxHeaderBytes <= 0 {
		ln.Close()
		return errors.New("api: every timeout and MaxHeaderBytes of a ServerConfig must be set") // unlimited would be unsafe
	}
	srv := &http.Server{
		Handler:           h,
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), sc.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests still running past the deadline are cut off, so that
		// the process ends when the platform expects it to.
		_ = srv.Close()
		return fmt.Errorf("requests still running after %s were cut off: %w", sc.ShutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
