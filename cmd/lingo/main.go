// Command lingo runs the Lingo service: `lingo serve` (the default) or
// `lingo migrate` to apply database migrations and exit.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	beforeExit()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lingo:", err)
		os.Exit(1)
	}
}

// beforeExit runs once run returns (a build with -tags pprof ends its
// profile there).
var beforeExit = func() {}

const usage = `usage: lingo [serve|migrate|version]

  serve     run the HTTP service (the default)
  migrate   apply pending database migrations and exit
  version   print the version

Configuration comes from lingo.yaml (or LINGO_CONFIG) and LINGO_* variables; see the README.`

// run is the whole program; main only turns its error into an exit code.
// extra fx options let tests add routes. It returns when ctx is cancelled (SIGINT/SIGTERM) after in-flight
// requests have drained.
func run(ctx context.Context, args []string, getenv config.Getenv, stderr io.Writer, extra ...fx.Option) (err error) {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve", "migrate":
	case "version":
		fmt.Fprintln(stderr, config.Version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	// A start that fails may carry a driver's error that echoes the DSN;
	// main prints it, so it is redacted like a log entry.
	defer func() {
		if err != nil {
			err = errors.New(config.NewRedactor(cfg).Redact(err.Error()))
		}
	}()
	log := bootstrap.WithRedaction(bootstrap.NewLogger(cfg), cfg)
	defer log.Sync() //nolint:errcheck // nothing useful to do if stderr is gone

	if cmd == "migrate" {
		return migrate(ctx, cfg, log)
	}
	app := bootstrap.New(cfg, bootstrap.Options{Logger: log, FX: extra})
	if err := app.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	<-ctx.Done()
	log.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancel()
	if err := app.Stop(stopCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("stopped")
	return nil
}

func migrate(ctx context.Context, cfg config.Config, log *zap.Logger) error {
	n, err := bootstrap.Migrate(ctx, cfg, log) // nothing to do on the memory store
	if err != nil {
		return err
	}
	log.Info("migrate done", zap.Int("applied", n))
	return nil
}
