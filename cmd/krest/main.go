// Command krest is a Kafka REST Proxy: the Kafka REST v2 API over HTTP/JSON,
// compatible with Karapace and Confluent's REST Proxy. With no configuration
// it starts an embedded development broker on 127.0.0.1:9092.
//
// Commands:
//
//	krest [flags]               serve (the flags are in "krest --help")
//	krest config print [flags]  print the effective configuration as JSON,
//	                            secrets masked, and exit
//	krest version               print the version and exit
//
// Exit codes: 0 after a clean shutdown, 1 when krest cannot start or fails
// while running, 2 for invalid configuration or usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/krest-dev/krest/internal/app"
	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/version"
)

func main() { os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr)) }

func run(args, env []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintln(stdout, "krest", version.String())
		return 0
	}
	printConfig := false
	if len(args) > 0 && args[0] == "config" {
		if len(args) < 2 || args[1] != "print" {
			fmt.Fprintln(stderr, `krest: unknown command; "krest config print [flags]" prints the effective configuration`)
			return 2
		}
		printConfig, args = true, args[2:]
	}
	cfg, warnings, err := config.Load(args, env)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "krest: warning:", w)
	}
	if errors.Is(err, config.ErrHelp) {
		config.Usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if printConfig {
		_, _ = stdout.Write(cfg.MaskedJSON())
		return 0
	}
	log := newLogger(cfg, stderr)

	// The first SIGINT/SIGTERM starts a graceful shutdown; stop() then
	// restores the default handlers, so a second signal exits at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(cfg, log)
	if err != nil {
		log.Error("krest cannot start", "err", err)
		return 1
	}
	go func() {
		<-ctx.Done()
		stop()
	}()
	if err := a.Run(ctx); err != nil {
		log.Error("krest stopped with an error", "err", err)
		return 1
	}
	log.Info("krest stopped")
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
