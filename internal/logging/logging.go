// Package logging builds Jobline's structured loggers (log/slog): JSON for
// machines (Lambda, CloudWatch Logs, a dev server whose output is piped),
// readable text for people (a dev server on a terminal), and everywhere
// durations in milliseconds, so that a log query can compare and add them
// (slog's JSON would write nanoseconds, its text "1.5s").
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// Format is how a logger writes its records.
type Format string

// Formats of New.
const (
	FormatJSON Format = "json" // one JSON object per line
	FormatText Format = "text" // slog's key=value text
	FormatAuto Format = ""     // text on a terminal, JSON otherwise (FormatFor)
)

// ParseFormat reads "json", "text" or "" (auto).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatJSON, FormatText, FormatAuto:
		return f, nil
	}
	return "", fmt.Errorf("log format %q: want json or text", s)
}

// FormatFor is FormatText when w is a terminal and FormatJSON otherwise.
func FormatFor(w io.Writer) Format {
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return FormatText
		}
	}
	return FormatJSON
}

// New returns a logger writing to w in format (FormatAuto: FormatFor(w))
// at level and above, durations in milliseconds (Milliseconds).
func New(w io.Writer, format Format, level slog.Leveler) *slog.Logger {
	if format == FormatAuto {
		format = FormatFor(w)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == FormatText {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(Milliseconds(h, level))
}

// Milliseconds wraps h so that each time.Duration attribute key=d is
// written as keyMs=<milliseconds> (a number, fractions kept to the
// microsecond), and so that records below level are dropped (nil: h's
// own level only). Lambda's handler (aws-lambda-go's lambdacontext, which
// adds the request id) goes inside it.
func Milliseconds(h slog.Handler, level slog.Leveler) slog.Handler {
	return &msHandler{inner: h, level: level}
}

// msHandler is Milliseconds's handler.
type msHandler struct {
	inner slog.Handler
	level slog.Leveler
}

// Enabled reports whether both the level and the inner handler let level
// through.
func (h *msHandler) Enabled(ctx context.Context, level slog.Level) bool {
	if h.level != nil && level < h.level.Level() {
		return false
	}
	return h.inner.Enabled(ctx, level)
}

// Handle converts the record's durations and hands it on.
func (h *msHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(millis(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs converts the attributes' durations.
func (h *msHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	converted := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		converted[i] = millis(a)
	}
	return &msHandler{inner: h.inner.WithAttrs(converted), level: h.level}
}

// WithGroup opens a group in the inner handler.
func (h *msHandler) WithGroup(name string) slog.Handler {
	return &msHandler{inner: h.inner.WithGroup(name), level: h.level}
}

// millis rewrites a duration attribute as milliseconds, in groups too.
func millis(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindDuration:
		return slog.Float64(a.Key+"Ms", float64(v.Duration().Microseconds())/float64(time.Millisecond/time.Microsecond))
	case slog.KindGroup:
		group := v.Group()
		converted := make([]any, len(group))
		for i, g := range group {
			converted[i] = millis(g)
		}
		return slog.Group(a.Key, converted...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
