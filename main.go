// Command agora-token-server mints Agora RTC, RTM, FPA, Chat and APaaS
// tokens over HTTP, and on the command line through the commands of
// package cli.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed6ab08d10/agora-token-server/api"
	"github.com/seed6ab08d10/agora-token-server/cli"
	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/logging"
	"github.com/seed6ab08d10/agora-token-server/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts a graceful shutdown; from then on the
	// signals are no longer caught, so a second one ends the process at
	// once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Environ(), ".env", os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err == nil || errors.Is(err, config.ErrHelp) {
		return
	}
	fmt.Fprintln(os.Stderr, "agora-token-server:", err)
	if _, ok := errors.AsType[*config.Error](err); ok {
		os.Exit(2)
	}
	os.Exit(1)
}

// run is the whole program, with its inputs passed in so tests can drive
// it: environ is the environment, as os.Environ lists it.
func run(ctx context.Context, args []string, environ []string, dotenv string, stdin io.Reader, stdout, stderr io.Writer) error {
	getenv := lookup(environ)
	if cli.IsCommand(args) {
		return cli.Run(ctx, args, getenv, dotenv, stdin, stdout, stderr)
	}
	cfg, err := config.Load(args, getenv, dotenv, stderr)
	if errors.Is(err, config.ErrHelp) {
		cli.Usage(stdout)
	}
	if err != nil {
		return err
	}
	misspelt, err := config.CheckEnviron(environ)
	if err != nil {
		return err
	}
	tuneGC(getenv)
	// Listening first lets a port in use or a bad HOST stop the server
	// with one line, as any other bad setting does.
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; this is for the failures before
	// Lines go out from a goroutine of their own, so that no request
	// waits on a write to stderr; closing it, last, writes out the rest.
	out := logging.NewWriter(stderr)
	defer out.Close()
	log := logging.New(out, cfg.LogFormat, cfg.LogLevel)
	// Background work (signal handlers, reloads, checks) ends with run,
	// not with the signal that starts the shutdown: the server serves on
	// while it drains.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	version := cli.Release()
	log.Info("starting", "version", version, "config", cfg.String())
	for _, w := range append(cfg.Warnings, misspelt...) {
		log.Warn(w)
	}
	switch {
	case cfg.Security.AllowAppTokens && cfg.Dev:
		fmt.Fprintln(stdout, "DEV MODE: ALLOW_APP_TOKENS is on: any caller gets Chat and APaaS app tokens, which act for the whole app. Set ALLOW_APP_TOKENS=false to try the server without them.")
	case cfg.Security.AllowAppTokens:
		log.Warn("ALLOW_APP_TOKENS is on: callers without an identity token may be issued Chat and APaaS app tokens, which act for the whole app")
	}

	m := metrics.New(version)
	ready := api.NewReadiness()
	tokens := cfg.Tokens(m)
	sec, err := newSecurity(bg, cfg.Security, m, log)
	if err != nil {
		return err
	}
	defer func() {
		cancel() // background work stops before what it uses is released
		if sec.shared != nil {
			_ = sec.shared.Close()
		}
	}()
	onHangup(bg, sec.keys, log)
	watchDependencies(bg, ready, m, sec, log)
	router := api.New(api.Config{Tokens: tokens, CORSOrigins: cfg.CORSAllowOrigins, Logger: log,
		Metrics: m, MetricsToken: cfg.MetricsToken, Ready: ready, Version: version, DevCredentials: cfg.DevCredentials,
		Auth: sec.authn, Limiter: sec.limiter, TrustedProxies: cfg.Security.TrustedProxies})
	if cfg.DevCredentials {
		fmt.Fprintf(stdout, "DEV MODE: made-up credentials for this process only; Agora's servers will reject tokens signed with them.\n  APP_ID=%s\n  APP_CERTIFICATE=%s\n", cfg.AppID, cfg.AppCertificate)
	}
	if cfg.Dev {
		fmt.Fprintf(stdout, "Try it:\n  curl %s/rtc/lobby/publisher/uid/42\n", localURL(ln.Addr()))
	}
	return api.Serve(ctx, ln, router, api.ServerConfig{
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		ShutdownDelay:     cfg.ShutdownDelay,
		OnShutdown:        ready.Drain, // readiness goes off as soon as shutdown begins
	}, log)
}
