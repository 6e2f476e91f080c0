package worker

import (
	"context"
	"log/slog"
)

// routineLogger passes River's records through with its routine INFO lines (each
// migration applied, the client started and stopped, job counts every few seconds)
// lowered to DEBUG: they are River's bookkeeping, not events an operator acts on,
// and they buried the lines that are. Warnings and errors pass as they are.
func routineLogger(l *slog.Logger) *slog.Logger {
	return slog.New(routineHandler{l.Handler()})
}

type routineHandler struct{ slog.Handler }

func lowered(level slog.Level) slog.Level {
	if level == slog.LevelInfo {
		return slog.LevelDebug
	}
	return level
}

func (h routineHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.Handler.Enabled(ctx, lowered(level))
}

func (h routineHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = lowered(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h routineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return routineHandler{h.Handler.WithAttrs(attrs)}
}

func (h routineHandler) WithGroup(name string) slog.Handler {
	return routineHandler{h.Handler.WithGroup(name)}
}
