package worker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// This file is the engine's judgement: decide turns what the engine knows
// about a message and its job (facts) into what to do (a decision), reading
// no clock, store or queue, so that every row of the outcome table in
// docs/engine.md is a plain table test. record.go carries decisions out.

// step names the recording step that carries a decision out.
type step int

const (
	// stepAcknowledge writes nothing; the caller deletes the message.
	stepAcknowledge step = iota + 1
	// stepDefer writes nothing; the message comes back after Wait.
	stepDefer
	// stepFinish ends the attempt with Outcome (Store.Finish); a
	// dead-lettered outcome moves the message to the dead-letter queue.
	stepFinish
	// stepRetry records a retryable failure (Store.Retry): the next attempt
	// is due after Wait, when the message comes back (or a fresh message
	// replaces it).
	stepRetry
	// stepGiveBack releases the lease of an attempt interrupted by a
	// shutdown (Store.Retry due now) and makes the message visible now.
	stepGiveBack
	// stepFailDiedOnLastAttempt fails a job whose worker died on its last
	// attempt (Store.FailExpired) and moves the message to the dead-letter
	// queue as the job's dead-letter copy.
	stepFailDiedOnLastAttempt
	// stepRedrive runs a dead-lettered job again (Store.Redrive) because
	// its dead-letter copy came back; the engine then claims it again.
	stepRedrive
	// stepDeadLetterAsIs moves a message that names no job to the
	// dead-letter queue, body unchanged, for an operator to read.
	stepDeadLetterAsIs
)

var stepNames = [...]string{
	stepAcknowledge:           "acknowledge",
	stepDefer:                 "defer",
	stepFinish:                "finish",
	stepRetry:                 "retry",
	stepGiveBack:              "give back",
	stepFailDiedOnLastAttempt: "fail (died on last attempt)",
	stepRedrive:               "redrive",
	stepDeadLetterAsIs:        "dead-letter as is",
}

// String names the step for logs.
func (s step) String() string {
	if s > 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("step(%d)", int(s))
}

// facts is everything decide reads.
type facts struct {
	// Now is when the claim was tried.
	Now time.Time
	// BadBody is why the message body is not a job message; nil if it is.
	BadBody error
	// Message is the decoded body. Its DeadLetterVersion marks Jobline's
	// own dead-letter copy of the job's message.
	Message queue.JobMessage
	// ReceiveCount is how many times the message was received, this time
	// included; MaxReceiveCount is the queue's redrive policy (0: none).
	ReceiveCount, MaxReceiveCount int
	// Redriven reports that this delivery already redrove the job once.
	Redriven bool
	// TransientRetryDelay is when the message comes back after an error
	// that may pass (Config.TransientRetryDelay).
	TransientRetryDelay time.Duration
	// ClaimErr is why the claim failed; nil when the job was claimed.
	ClaimErr error
	// Job is the job as claimed, or as the rejected claim reported it.
	Job jobs.Job
	// Attempt is how the claimed attempt ended; nil when the claim failed.
	Attempt *attemptEnd
}

// attemptEnd is how a claimed attempt ended.
type attemptEnd struct {
	// UnknownType: no handler is registered for the job's type; nothing ran.
	UnknownType bool
	// Result and Err are what the handler returned (a panic is an Err).
	Result any
	Err    error
	// Interrupted: the caller's context ended while the handler ran (the
	// worker shuts down, or a Lambda invocation is about to time out).
	Interrupted bool
	// OutOfTime: the caller's context ended at its deadline (a Lambda
	// invocation ran out of time), not canceled (a shutdown).
	OutOfTime bool
	// Stopped: the job was canceled or reclaimed while the handler ran;
	// SeenStatus is its status as the engine saw it ("" when a rejected
	// write, not a read, told it).
	Stopped    bool
	SeenStatus jobs.Status
	// TimedOut: the type's Timeout ended the handler.
	TimedOut bool
	Timeout  time.Duration
	// Backoff is the wait before the next attempt, should there be one.
	Backoff time.Duration
}

// decision is what the engine does with a message and its job.
type decision struct {
	// Step is the recording step that carries the decision out.
	Step step
	// Outcome is what stepFinish records (its Now is set when recorded).
	Outcome jobs.Outcome
	// Wait is when the message comes back (stepDefer), or the backoff
	// before the next attempt (stepRetry).
	Wait time.Duration
	// ErrorMessage is the job's errorMessage for stepRetry and stepGiveBack.
	ErrorMessage string
	// FreshMessage (stepRetry): one more receive and the queue's redrive
	// policy would dead-letter a job that still has attempts, so a fresh
	// delayed message replaces this one.
	FreshMessage bool
	// Status is the job's status as the engine sees it; a step that writes
	// replaces it by the status it wrote.
	Status jobs.Status
	// Reason says why, in a few words (Result.Reason and the log line).
	Reason string
	// Level is how loudly the decision is logged.
	Level slog.Level
	// Err is the error behind the decision, if any (Result.Err).
	Err error
}

// nullJSON is the result of a handler that returned none.
var nullJSON = json.RawMessage("null")

// nativeRedriveDetail is the history detail of a job redriven because its
// dead-letter copy came back to the jobs queue.
const nativeRedriveDetail = "message redriven from the dead-letter queue"

// decide is the engine's whole judgement of a delivery; see the outcome
// table in docs/engine.md.
func decide(f facts) decision {
	switch {
	case f.BadBody != nil:
		return decision{Step: stepDeadLetterAsIs, Reason: "unparseable message", Level: slog.LevelError, Err: f.BadBody}
	case f.ClaimErr != nil:
		return decideRejectedClaim(f)
	case f.Attempt.UnknownType:
		return finishDecision(f.Job, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "unknown job type " + f.Job.JobType, DeadLettered: true},
			"no handler for the job type", slog.LevelError)
	}
	return decideAttempt(f)
}

// decideRejectedClaim decides from the job the rejected claim reported,
// without a second read.
func decideRejectedClaim(f facts) decision {
	transient := decision{Step: stepDefer, Wait: f.TransientRetryDelay, Level: slog.LevelError, Err: f.ClaimErr}
	if errors.Is(f.ClaimErr, jobs.ErrNotFound) {
		return decision{Step: stepAcknowledge, Reason: "message for a job that does not exist", Level: slog.LevelWarn, Err: f.ClaimErr}
	}
	cur, ok := jobs.CurrentJob(f.ClaimErr)
	if !ok {
		transient.Reason = "claim failed"
		return transient
	}
	d := decision{Status: cur.Status, Level: slog.LevelInfo}
	switch {
	case jobs.CheckRedrive(cur) == nil && !f.Redriven && f.Message.DeadLetterVersion == cur.Version:
		// Our own dead-letter copy came back with the job unchanged since:
		// the console's native DLQ redrive. Any other message for a
		// dead-lettered job is a stale duplicate (the next case).
		d.Step, d.Reason = stepRedrive, nativeRedriveDetail
	case cur.Status.Final():
		d.Step, d.Reason = stepAcknowledge, "duplicate message for a finished job"
	case cur.Status == jobs.StatusProcessing && cur.LeaseExpiresAt.After(f.Now):
		// Another worker holds the lease, or a retry waits: come back when
		// the job may be claimed.
		d.Step, d.Wait, d.Reason = stepDefer, cur.LeaseExpiresAt.Sub(f.Now)+time.Second, "job leased or waiting for its next attempt"
	case jobs.DiedOnLastAttempt(cur, f.Now):
		d.Step, d.Reason, d.Level = stepFailDiedOnLastAttempt, "lease expired on the last attempt", slog.LevelWarn
	default:
		transient.Status, transient.Reason = cur.Status, "claim rejected"
		return transient
	}
	return d
}

// decideAttempt decides from how a claimed attempt ended.
func decideAttempt(f facts) decision {
	a, job := f.Attempt, f.Job
	herr := a.Err
	switch {
	case herr != nil && a.Interrupted && !a.OutOfTime:
		// A shutdown is no failure of the job: the attempt does not count.
		return decision{Step: stepGiveBack, ErrorMessage: "attempt interrupted: the worker shut down", Status: job.Status,
			Reason: "shutdown during the attempt", Level: slog.LevelWarn, Err: herr}
	case herr != nil && a.Stopped:
		// The other party's outcome stands: nothing to record.
		return decision{Step: stepAcknowledge, Status: a.SeenStatus, Reason: "job canceled or reclaimed", Level: slog.LevelInfo}
	case herr != nil && a.Interrupted:
		// The invocation ran out of time: the attempt counts, like a
		// timeout, so that a handler that never fits its invocation ends
		// after its attempts instead of running again forever.
		herr = fmt.Errorf("attempt interrupted: the invocation ran out of time: %w", herr)
	case herr != nil && a.TimedOut:
		herr = fmt.Errorf("timed out after %s: %w", a.Timeout, herr)
	}
	if herr == nil {
		return decideResult(job, a.Result)
	}
	return decideError(f, herr)
}

// decideResult decides from a handler's result.
func decideResult(job jobs.Job, result any) decision {
	if result == nil {
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusCompleted, Result: nullJSON}, "handler succeeded", slog.LevelDebug)
	}
	body, err := marshalResult(result)
	if err != nil {
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "result is not JSON: " + err.Error()},
			"handler result does not marshal to JSON", slog.LevelError)
	}
	if len(body) > jobs.MaxResultBytes {
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: resultTooLarge(len(body))},
			"handler result too large to store", slog.LevelError)
	}
	return finishDecision(job, jobs.Outcome{Status: jobs.StatusCompleted, Result: body}, "handler succeeded", slog.LevelDebug)
}

// decideError decides from a handler's error (herr: with what the engine
// knows of its cause).
func decideError(f facts, herr error) decision {
	job := f.Job
	var perm *jobs.PermanentError
	var partial *jobs.PartialError
	switch {
	case errors.As(herr, &partial):
		body, err := marshalResult(partial.Result)
		if err != nil {
			return finishDecision(job, jobs.Outcome{Status: jobs.StatusPartial, ErrorMessage: partial.Error()},
				"partial result does not marshal to JSON; stored without it", slog.LevelError)
		}
		if len(body) > jobs.MaxResultBytes {
			return finishDecision(job, jobs.Outcome{Status: jobs.StatusPartial, ErrorMessage: partial.Error() + "; " + resultTooLarge(len(body))},
				"partial result too large to store; stored without it", slog.LevelError)
		}
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusPartial, Result: body, ErrorMessage: partial.Error()},
			"handler finished partially", slog.LevelInfo)
	case errors.As(herr, &perm):
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: herr.Error()}, "permanent error", slog.LevelWarn)
	case job.Attempt >= job.MaxAttempts:
		return finishDecision(job, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: herr.Error(), DeadLettered: true},
			"error on the last attempt", slog.LevelWarn)
	}
	return decision{Step: stepRetry, Wait: f.Attempt.Backoff, ErrorMessage: jobs.Truncate(herr.Error(), jobs.MaxErrorMessageBytes), Status: job.Status,
		FreshMessage: f.MaxReceiveCount > 0 && f.ReceiveCount >= f.MaxReceiveCount-1,
		Reason:       "attempt failed; retrying after backoff", Level: slog.LevelWarn, Err: herr}
}

func finishDecision(job jobs.Job, o jobs.Outcome, reason string, level slog.Level) decision {
	o.ErrorMessage = jobs.Truncate(o.ErrorMessage, jobs.MaxErrorMessageBytes)
	return decision{Step: stepFinish, Outcome: o, Status: job.Status, Reason: reason, Level: level}
}

// marshalResult encodes a handler's result as it is stored: JSON without
// json.Marshal's HTML escaping, which would make each <, > and & six
// bytes (a result of markup would then pass jobs.MaxResultBytes at a
// sixth of its size).
func marshalResult(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// resultTooLarge is the errorMessage of a job whose result of n bytes is
// over jobs.MaxResultBytes: it was not stored.
func resultTooLarge(n int) string {
	return fmt.Sprintf("the result (%d bytes of JSON) is over the %d-byte limit of a stored result and was not kept; store large output as an asset", n, jobs.MaxResultBytes)
}
