package devbroker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kfake"
)

// slogLogger bridges kfake's printf-style Logger to slog.
type slogLogger struct{ l *slog.Logger }

var _ kfake.Logger = slogLogger{}

// Logf formats and logs only when the level is enabled: kfake calls Logf on
// its single request goroutine, so formatting lines nobody reads would slow
// every request.
func (s slogLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	ctx := context.Background()
	l := slogLevel(level)
	if !s.l.Enabled(ctx, l) {
		return
	}
	s.l.Log(ctx, l, fmt.Sprintf(format, args...))
}

// slogLevel maps kfake's levels to slog's. kfake's Info lines are per-member
// group tracing (consumerJoin, consumerLeave, ...) and undecodable requests,
// chatter for a broker that is not the product, so they go to Debug.
func slogLevel(level kfake.LogLevel) slog.Level {
	switch level {
	case kfake.LogLevelError:
		return slog.LevelError
	case kfake.LogLevelWarn:
		return slog.LevelWarn
	default:
		return slog.LevelDebug
	}
}
