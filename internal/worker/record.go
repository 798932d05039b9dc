package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

// This file carries out the engine's decisions: one small step each, which
// writes to the store and the queue and says what the caller does with the
// message. Outcomes are recorded even if the caller's context ended
// meanwhile: each call has its own context (opContext), which keeps the
// caller's values but not its end, and ends after OpTimeout.

// record logs d and carries it out.
func (e *Engine) record(ctx context.Context, dv *delivery, d decision) Result {
	if dv.log.Enabled(ctx, d.Level) {
		dv.log.LogAttrs(ctx, d.Level, d.Reason, slog.String("step", d.Step.String()), slog.Duration("wait", d.Wait), slog.Any("error", d.Err))
	}
	r := Result{JobID: dv.jobID, Status: d.Status, Attempt: dv.job.Attempt, Ran: dv.task != nil, Reason: d.Reason, Err: d.Err}
	switch d.Step {
	case stepAcknowledge:
		r.Disposition = AckMessage
		return r
	case stepDefer:
		return e.redeliverLater(ctx, dv, d.Wait, r)
	case stepFinish:
		return e.finish(ctx, dv, d.Outcome, r)
	case stepRetry:
		return e.retry(ctx, dv, d, r)
	case stepGiveBack:
		return e.giveBack(ctx, dv, d.ErrorMessage, r)
	case stepFailDiedOnLastAttempt:
		return e.failDiedOnLastAttempt(ctx, dv, r)
	case stepDeadLetterAsIs:
		return e.deadLetterAsIs(ctx, dv, r)
	}
	panic(fmt.Sprintf("worker: no recording step for %s", d.Step))
}

// finish ends the attempt with o. A dead-lettered outcome moves the message
// to the dead-letter queue as the job's dead-letter copy.
func (e *Engine) finish(ctx context.Context, dv *delivery, o jobs.Outcome, r Result) Result {
	if o.Status != jobs.StatusCompleted {
		dv.flushProgress() // completed writes progress 100 itself
	}
	o.Now, o.Attempt = e.cfg.Clock.Now(), dv.job.Attempt
	fctx := dv.opContext(e.cfg.OpTimeout)
	defer fctx.release()
	done, err := e.cfg.Store.Finish(fctx, dv.job.ID, dv.token, o)
	if errors.Is(err, jobs.ErrWriteRejected) {
		// The outcome cannot be stored as it is (an item over the store's
		// size limit): retrying it is pointless, so the job fails, saying why.
		dv.log.Error("the store rejected the outcome; failing the job without it", "error", err)
		o = jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: jobs.Truncate("the job's outcome could not be stored: "+err.Error(), jobs.MaxErrorMessageBytes),
			Now: o.Now, Attempt: o.Attempt}
		done, err = e.cfg.Store.Finish(fctx, dv.job.ID, dv.token, o)
	}
	if err != nil {
		return e.leaseHolderWriteFailed(ctx, dv, "finish", err, r)
	}
	r.Status = done.Status
	e.noteFinished(ctx, dv, done)
	if o.DeadLettered {
		return e.movedToDeadLetters(ctx, dv, e.moveMessage(dv)(ctx, queue.DeadLetterSend(done)), r)
	}
	r.Disposition = AckMessage
	return r
}

// noteFinished logs and counts a job that a finish (or a quick run) ended.
// A job that completed is logged at DEBUG only: the metrics count it and
// its history tells it, and at INFO a line per job would be most of what a
// job costs in CloudWatch Logs (docs/aws.md). The others are logged at
// INFO (the decision that led here was logged at its level).
func (e *Engine) noteFinished(ctx context.Context, dv *delivery, done jobs.Job) {
	level := slog.LevelInfo
	if done.Status == jobs.StatusCompleted {
		level = slog.LevelDebug
	}
	dv.log.LogAttrs(ctx, level, "job finished", slog.String("outcome", string(done.Status)), slog.Bool("deadLettered", done.DeadLettered))
	dv.samples = append(dv.samples, metrics.Count(finishMetric(done.Status)))
	if done.DeadLettered {
		dv.samples = append(dv.samples, metrics.Count(metrics.DeadLettered))
	}
}

// retry records a retryable failure: the next attempt is due after the
// backoff, when the message comes back. On the last receive before the
// queue's redrive policy would dead-letter the message, a fresh delayed
// message replaces it instead.
func (e *Engine) retry(ctx context.Context, dv *delivery, d decision, r Result) Result {
	dv.flushProgress()
	now := e.cfg.Clock.Now()
	rctx := dv.opContext(e.cfg.OpTimeout)
	defer rctx.release()
	waiting, err := e.cfg.Store.Retry(rctx, dv.job.ID, dv.token, jobs.RetryWait{ErrorMessage: d.ErrorMessage, NextAttemptAt: now.Add(d.Wait), Now: now, Attempt: dv.job.Attempt})
	if err != nil {
		return e.leaseHolderWriteFailed(ctx, dv, "retry", err, r)
	}
	r.Status = waiting.Status
	dv.samples = append(dv.samples, metrics.Count(metrics.Retried))
	if d.FreshMessage {
		_, err := e.cfg.Queue.Send(rctx, queue.JobSend(dv.job, min(d.Wait, queue.MaxDelay)))
		if err == nil {
			r.Disposition, r.Reason = AckMessage, "retry (fresh message)"
			return r
		}
		dv.log.ErrorContext(ctx, "re-sending the message failed; keeping the old one", "error", err)
	}
	return e.redeliverLater(ctx, dv, min(d.Wait, queue.MaxVisibility), r)
}

// giveBack releases the lease of an attempt interrupted by a shutdown
// without counting it (Store.Release): the job runs the same attempt again,
// so a shutdown never fails a job. The message is visible now, so the next
// worker claims the job without waiting for the lease to expire.
func (e *Engine) giveBack(ctx context.Context, dv *delivery, reason string, r Result) Result {
	rctx := dv.opContext(e.cfg.OpTimeout)
	defer rctx.release()
	released, err := e.cfg.Store.Release(rctx, dv.job.ID, dv.token, jobs.Release{Reason: reason, Now: e.cfg.Clock.Now(), Attempt: dv.job.Attempt})
	if err != nil {
		// Canceled, reclaimed, or the store is unreachable: the lease then
		// simply expires.
		dv.log.WarnContext(ctx, "releasing the lease failed; the job is reclaimed when it expires", "error", err)
	} else {
		r.Status, r.Attempt = released.Status, released.Attempt
	}
	return e.redeliverLater(ctx, dv, 0, r)
}

// leaseHolderWriteFailed handles a Finish or Retry that did not apply. A
// rejected write means the job was canceled or reclaimed meanwhile: the
// other party's outcome stands and the message is acknowledged. Any other
// error may pass: the message comes back after TransientRetryDelay.
func (e *Engine) leaseHolderWriteFailed(ctx context.Context, dv *delivery, op string, err error, r Result) Result {
	r.Err = err
	if cur, ok := jobs.CurrentJob(err); ok && isRejected(err) {
		dv.log.WarnContext(ctx, op+" rejected: the job was canceled or reclaimed; acknowledging the message", "error", err, "status", cur.Status)
		r.Status, r.Reason, r.Disposition = cur.Status, op+" rejected", AckMessage
		return r
	}
	dv.log.ErrorContext(ctx, op+" failed; the message will come back", "error", err)
	r.Reason = op + " failed"
	return e.redeliverLater(ctx, dv, e.cfg.TransientRetryDelay, r)
}

// failDiedOnLastAttempt fails the job whose worker died on its last attempt
// and moves the message to the dead-letter queue as its dead-letter copy.
func (e *Engine) failDiedOnLastAttempt(ctx context.Context, dv *delivery, r Result) Result {
	fctx := dv.opContext(e.cfg.OpTimeout)
	defer fctx.release()
	failed, err := failDiedOnLastAttempt(fctx, e.cfg.Store, dv.job, e.cfg.Clock.Now(), e.moveMessage(dv))
	if failed.ID == "" {
		dv.log.ErrorContext(ctx, "failing the expired job failed; the message will come back", "error", err)
		r.Reason, r.Err = "fail expired failed", err
		return e.redeliverLater(ctx, dv, e.cfg.TransientRetryDelay, r)
	}
	r.Status = failed.Status
	dv.samples = append(dv.samples, metrics.Count(metrics.Failed), metrics.Count(metrics.DeadLettered))
	return e.movedToDeadLetters(ctx, dv, err, r)
}

// redrive runs a dead-lettered job again because its dead-letter copy came
// back (the console's native redrive), recorded in its history. It reports
// false, with the Result to return, when the message must come back later.
// A redrive rejected because someone else redrove the job first is fine:
// the claim that follows decides anew.
func (e *Engine) redrive(ctx context.Context, dv *delivery, d decision) (Result, bool) {
	dv.log.InfoContext(ctx, d.Reason+"; redriving the job")
	if _, err := e.cfg.Store.Redrive(ctx, dv.job.ID, jobs.RedriveRequest{Reason: nativeRedriveDetail, By: jobs.RedrivenByDLQ, Now: e.cfg.Clock.Now()}); err != nil && !isRejected(err) {
		dv.log.ErrorContext(ctx, "redrive failed; the message will come back", "error", err)
		r := Result{JobID: dv.jobID, Status: dv.job.Status, Attempt: dv.job.Attempt, Reason: "redrive failed", Err: err}
		return e.redeliverLater(ctx, dv, e.cfg.TransientRetryDelay, r), false
	}
	return Result{}, true
}

// deadLetterAsIs moves a message that names no job to the dead-letter
// queue unchanged, for an operator to read. If that fails it comes back
// later: the queue's redrive policy dead-letters it after maxReceiveCount.
func (e *Engine) deadLetterAsIs(ctx context.Context, dv *delivery, r Result) Result {
	dctx := dv.opContext(e.cfg.OpTimeout)
	defer dctx.release()
	if err := e.cfg.Queue.DeadLetter(dctx, dv.msg); err != nil {
		dv.log.ErrorContext(ctx, "moving the message to the dead-letter queue failed; it will come back", "error", err)
		r.Err = errors.Join(r.Err, err)
		return e.redeliverLater(ctx, dv, e.cfg.TransientRetryDelay, r)
	}
	r.Disposition = MessageMoved
	return r
}

// moveMessage puts a job's dead-letter copy in the dead-letter queue by
// moving the received message there with the copy's body.
func (e *Engine) moveMessage(dv *delivery) putDeadLetter {
	return func(ctx context.Context, copy queue.SendRequest) error {
		m := dv.msg
		m.Body, m.Priority = copy.Body, copy.Priority
		dctx := dv.opContext(e.cfg.OpTimeout)
		defer dctx.release()
		return e.cfg.Queue.DeadLetter(dctx, m)
	}
}

// movedToDeadLetters finishes the Result of a failed, dead-lettered job
// whose message was moved to the dead-letter queue (moveErr nil). If the
// move failed, the message is acknowledged anyway: kept, it would look like
// a redrive later. An operator redrives such a job from the store.
func (e *Engine) movedToDeadLetters(ctx context.Context, dv *delivery, moveErr error, r Result) Result {
	if moveErr != nil {
		dv.log.ErrorContext(ctx, "moving the message to the dead-letter queue failed; acknowledging it", "error", moveErr)
		r.Disposition, r.Err = AckMessage, errors.Join(r.Err, moveErr)
		return r
	}
	r.Disposition = MessageMoved
	return r
}

// finishMetric is the count of a finished job's status.
func finishMetric(s jobs.Status) metrics.Name {
	switch s {
	case jobs.StatusCompleted:
		return metrics.Completed
	case jobs.StatusPartial:
		return metrics.Partial
	}
	return metrics.Failed
}

// redeliverLater sets when the message comes back and returns
// RedeliverLater. If even that fails, the message comes back after its
// current visibility timeout.
func (e *Engine) redeliverLater(ctx context.Context, dv *delivery, after time.Duration, r Result) Result {
	after = min(max(after, 0), queue.MaxVisibility)
	cctx := dv.opContext(e.cfg.OpTimeout)
	defer cctx.release()
	r.VisibleAfter = after
	if err := e.cfg.Queue.ChangeVisibility(cctx, dv.msg.ReceiptHandle, after); err != nil {
		dv.log.WarnContext(ctx, "change visibility failed; the message returns after its visibility timeout", "error", err)
		r.VisibleAfter = -1
	}
	r.Disposition = RedeliverLater
	return r
}

// flushProgress writes the attempt's pending progress before its outcome.
func (dv *delivery) flushProgress() {
	if dv.task != nil {
		dv.task.flush(true)
	}
}

// putDeadLetter puts a failed job's dead-letter copy in the dead-letter
// queue.
type putDeadLetter func(ctx context.Context, copy queue.SendRequest) error

// failDiedOnLastAttempt is the one place where a job whose worker died on
// its last attempt (jobs.DiedOnLastAttempt) is failed and dead-lettered and
// its dead-letter copy put in the dead-letter queue, where operators look
// and from which a redrive (the CLI's or the console's) runs it again. The
// engine puts the copy by moving the message it received; the reconciler,
// which has none, sends it.
//
// It returns the failed job. A zero job means the store did not fail it
// (the error says why); a failed job with an error means only the copy is
// missing.
func failDiedOnLastAttempt(ctx context.Context, s expiredFailer, job jobs.Job, now time.Time, put putDeadLetter) (jobs.Job, error) {
	failed, err := s.FailExpired(ctx, job.ID, job.Attempt, jobs.DiedOnLastAttemptMessage, now)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("fail job %s whose worker died on its last attempt: %w", job.ID, err)
	}
	if err := put(ctx, queue.DeadLetterSend(failed)); err != nil {
		return failed, fmt.Errorf("dead-letter copy of job %s: %w", job.ID, err)
	}
	return failed, nil
}
