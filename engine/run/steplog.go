package run

import (
	"context"
	"log/slog"
)

// stepLogger returns base with the run and step ids attached. It costs two
// small allocations: the attributes are added when a line is written, not
// formatted ahead as Logger.With does, since most steps log nothing.
func stepLogger(base *slog.Logger, runID, stepID string) *slog.Logger {
	return slog.New(&stepHandler{h: base.Handler(), attrs: [2]slog.Attr{slog.String("run", runID), slog.String("step", stepID)}})
}

// stepHandler adds a step's attributes to each record it handles.
type stepHandler struct {
	h     slog.Handler
	attrs [2]slog.Attr
}

// Enabled reports whether the underlying handler takes level.
func (s *stepHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return s.h.Enabled(ctx, level)
}

// Handle writes r with the step's attributes first.
func (s *stepHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(s.attrs[:]...)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return s.h.Handle(ctx, out)
}

// WithAttrs returns a handler with the step's attributes, then attrs.
func (s *stepHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return s.h.WithAttrs(append(s.attrs[:], attrs...))
}

// WithGroup returns a handler with the step's attributes outside the group.
func (s *stepHandler) WithGroup(name string) slog.Handler {
	return s.h.WithAttrs(s.attrs[:]).WithGroup(name)
}
