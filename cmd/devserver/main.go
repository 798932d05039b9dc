// Command devserver runs the whole of Jobline locally: API, worker pool,
// reconciler and dashboard, on the in-memory store and queue by default.
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"jobline/internal/devserver"
	"jobline/internal/logging"
)

func main() {
	cfg, err := devserver.FromEnv()
	if err == nil {
		cfg = cfg.WithDefaults()
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "devserver: bad configuration:\n%v\n", err)
		os.Exit(2)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated above
	// Text on a terminal, JSON when piped (JOBLINE_LOG_FORMAT overrides).
	log := logging.New(os.Stderr, logging.Format(cfg.LogFormat), level)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := devserver.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "devserver: %v\n", err)
		os.Exit(1)
	}
	if err := srv.Run(ctx, nil); err != nil {
		log.Error("dev server failed", "error", err)
		os.Exit(1)
	}
}
