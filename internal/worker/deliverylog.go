package worker

import (
	"context"
	"log/slog"
)

// deliveryLog is the slog.Handler of a delivery's logger (and of its
// handler's Task.Logger): it adds the delivery's attributes (messageId,
// receiveCount and jobId; jobType, attempt and status once the job is
// known) to a record only when the record is logged, so that a job that
// logs nothing formats nothing (slog.Logger.With formats them at once).
type deliveryLog struct {
	inner slog.Handler
	dv    *delivery
}

func (h *deliveryLog) init(inner slog.Handler, dv *delivery) { h.inner, h.dv = inner, dv }

// Enabled is the inner handler's.
func (h *deliveryLog) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle logs r with the delivery's attributes first.
func (h *deliveryLog) Handle(ctx context.Context, r slog.Record) error {
	var buf [12]slog.Attr
	attrs := h.appendAttrs(buf[:0])
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(attrs...)
	return h.inner.Handle(ctx, out)
}

// WithAttrs fixes the delivery's attributes as they are now, then attrs.
func (h *deliveryLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.inner.WithAttrs(append(h.appendAttrs(nil), attrs...))
}

// WithGroup fixes the delivery's attributes as they are now, outside the
// group.
func (h *deliveryLog) WithGroup(name string) slog.Handler {
	return h.inner.WithAttrs(h.appendAttrs(nil)).WithGroup(name)
}

// appendAttrs appends the delivery's attributes to attrs.
func (h *deliveryLog) appendAttrs(attrs []slog.Attr) []slog.Attr {
	dv := h.dv
	attrs = append(attrs, slog.String("messageId", dv.msg.ID), slog.Int("receiveCount", dv.msg.ReceiveCount))
	if dv.jobID != "" {
		attrs = append(attrs, slog.String("jobId", dv.jobID))
	}
	if dv.job.ID != "" {
		attrs = append(attrs, slog.String("jobType", dv.job.JobType), slog.Int("attempt", dv.job.Attempt), slog.String("status", string(dv.job.Status)))
	}
	return attrs
}
