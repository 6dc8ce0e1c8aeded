package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// reloader is what SIGHUP can reload: the API keys of API_KEYS_FILE.
type reloader interface {
	Reload() error
	Count() int
}

// onHangup catches SIGHUP until ctx is done, so that the signal, whose
// default is to end the process, never stops the server. Each one
// reloads keys when there is a key file, and otherwise logs that there is
// nothing to reload. The signal is caught from the moment onHangup
// returns.
func onHangup(ctx context.Context, keys reloader, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if keys == nil {
				log.Info("SIGHUP received; nothing to reload: only API_KEYS_FILE is reloaded on SIGHUP")
				continue
			}
			if err := keys.Reload(); err != nil {
				log.Error("SIGHUP received; API keys not reloaded, the previous keys stay in force", "error", err.Error())
				continue
			}
			log.Info("SIGHUP received; API keys reloaded", "keys", keys.Count())
		}
	}()
}
