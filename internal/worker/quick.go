package worker

import (
	"context"
	"errors"
	"log/slog"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
)

// This file is the quick run of a Quick job type (docs/engine.md, "Quick
// job types"): the first delivery of a queued job runs its handler without
// a claim, and a success is recorded with one write, queued -> completed
// (Store.FinishUnclaimed), which saves the claim's write.
//
// Its safety rests on three things. The read is strongly consistent
// (GetLatest), so a message for a job that has finished is acknowledged
// without running the handler, as for any type. The write applies only if
// the job is still queued at the version read, so of two runs of one job
// (a duplicate delivery) exactly one result is recorded, and a cancel or a
// claim made meanwhile stands. And everything that is not a plain success
// goes through the claim, where attempts, backoff and dead-lettering are
// the engine's usual ones: a redelivery (a run that crashed, or a store
// outage) claims, so a handler that kills its worker is counted against
// its attempts like any other.

// quickRun runs a quick job type's first delivery without a claim when it
// may. done reports that it has handled the message, with r the Result.
// Otherwise the delivery goes on to the claim, and ran is the attempt the
// quick run made, for the claimed job to record (nil: nothing ran, or the
// handler is to run again under the claim).
func (e *Engine) quickRun(ctx context.Context, dv *delivery, f facts) (ran *attemptEnd, r Result, done bool) {
	reg, ok := e.cfg.Registry.lookup(f.Message.JobType)
	if !ok || !reg.quick || f.ReceiveCount > 1 || f.Message.DeadLetterVersion != 0 ||
		reg.timeout+e.cfg.RecordMargin > e.cfg.VisibilityTimeout {
		return nil, Result{}, false
	}
	job, err := e.cfg.Store.GetLatest(ctx, dv.jobID)
	if err != nil || job.Status != jobs.StatusQueued || job.JobType != reg.jobType {
		// Missing, finished, already claimed, or the read failed: the claim
		// sorts it out, as for any type.
		return nil, Result{}, false
	}
	version := job.Version
	dv.job = job
	dv.job.Attempt++ // the attempt this run makes
	dv.samples = append(dv.samples, metrics.Duration(metrics.QueueWait, e.cfg.Clock.Now().Sub(dueAt(job))))
	dv.waited = true
	end := e.runAttempt(ctx, dv)
	switch {
	case end.Err != nil && end.Interrupted:
		// A shutdown, or the invocation's end: nothing was recorded, and
		// the redelivery claims.
		return nil, e.record(ctx, dv, decision{Step: stepDefer, Status: jobs.StatusQueued,
			Reason: "quick run interrupted; nothing recorded", Level: slog.LevelWarn, Err: end.Err}), true
	case errors.Is(end.Err, ErrNeedsClaim):
		dv.task = nil
		return nil, Result{}, false
	case end.Err != nil:
		return end, Result{}, false
	}
	if r, done := e.finishQuick(ctx, dv, version, end); done {
		return nil, r, true
	}
	return end, Result{}, false
}

// finishQuick records a quick run's success with one write, if the job is
// still queued at version. It reports false when the claim must record the
// attempt instead: a result that cannot be stored (the claimed job fails
// with it), a job still queued but changed since the read (a new sweep
// time), or a write that failed for another reason (the claim then
// records it, or defers the message if the store is down).
func (e *Engine) finishQuick(ctx context.Context, dv *delivery, version int64, end *attemptEnd) (Result, bool) {
	d := decideResult(dv.job, end.Result)
	if d.Outcome.Status != jobs.StatusCompleted {
		return Result{}, false
	}
	fctx := dv.opContext(e.cfg.OpTimeout)
	defer fctx.release()
	finished, err := e.cfg.Store.FinishUnclaimed(fctx, dv.jobID, jobs.UnclaimedRun{
		Version: version, Attempt: dv.job.Attempt, Started: dv.attempt.began, Now: dv.attempt.ended, Result: d.Outcome.Result})
	switch {
	case err == nil:
		dv.job = finished
		e.noteFinished(ctx, dv, finished)
		return e.record(ctx, dv, decision{Step: stepAcknowledge, Status: finished.Status,
			Reason: "handler succeeded (quick run)", Level: slog.LevelDebug}), true
	case isRejected(err):
		cur, _ := jobs.CurrentJob(err)
		if cur.Status == jobs.StatusQueued {
			// Still queued, at another version (the reconciler moved its
			// sweep time): the claim records the result.
			return Result{}, false
		}
		// Canceled, claimed, or finished by another run meanwhile: that
		// outcome stands.
		return e.record(ctx, dv, decision{Step: stepAcknowledge, Status: cur.Status,
			Reason: "the job changed during its quick run; its current state stands", Level: slog.LevelInfo, Err: err}), true
	}
	return Result{}, false
}
