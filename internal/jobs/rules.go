package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file holds the rules of the domain that every Store applies: the
// defaults of a new job, what a claim, a fenced write, a cancel, a
// fail-expired, a redrive, a sweep reschedule and a list request may do.
// Stores call these functions (the memory store directly, the DynamoDB
// store to classify a rejected condition), so a rule changed here cannot be
// forgotten in one backend.
//
// DynamoDB must also state the rules that guard a write as its
// ConditionExpression, so the check is atomic with the write. Each such
// expression names its rule, and storetest's RulesConformance runs every
// operation on jobs in every status and lease state and checks that the
// store accepts exactly what the rule accepts, and rejects with the rule's
// error: an expression that drifts from its rule fails the suite.

// List limits of Store.List and of GET /jobs.
const (
	// DefaultListLimit is the page size when a list request gives none.
	DefaultListLimit = 20
	// MaxListLimit is the largest page a list request may ask for.
	MaxListLimit = 100
)

// DefaultQueuedGrace is how long after a job becomes due the reconciler
// waits before it takes the job's message for lost (see QueuedSweepAt).
const DefaultQueuedGrace = 2 * time.Minute

// QueuedSweepAt is the sweep policy of a new job: the reconciler looks at a
// queued job once its delay has passed plus grace, in case the create's
// send was lost.
func QueuedSweepAt(createdAt time.Time, delay, grace time.Duration) time.Time {
	return createdAt.Add(delay + grace)
}

// PrepareCreate checks a job given to Store.Create and applies the
// defaults every store stores: status queued, version 1, parameters {} and
// UpdatedAt = CreatedAt when unset.
func PrepareCreate(j Job) (Job, error) {
	if j.ID == "" || j.Owner == "" || j.JobType == "" {
		return Job{}, errors.New("create job: id, owner and jobType are required")
	}
	j.Status = StatusQueued
	j.Version = 1
	if j.Parameters == nil {
		j.Parameters = json.RawMessage(`{}`)
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	return j, nil
}

// Validate checks a list request's limit.
func (q ListQuery) Validate() error {
	if q.Limit < 1 || q.Limit > MaxListLimit {
		return fmt.Errorf("list jobs: limit %d out of 1..%d", q.Limit, MaxListLimit)
	}
	return nil
}

// CheckProgress rejects a progress value outside 0..100.
func CheckProgress(progress int) error {
	if progress < 0 || progress > 100 {
		return fmt.Errorf("progress %d out of 0..100", progress)
	}
	return nil
}

// Finishing reports whether a lease holder may end a job in status s:
// completed, partial or failed.
func (s Status) Finishing() bool {
	switch s {
	case StatusCompleted, StatusPartial, StatusFailed:
		return true
	}
	return false
}

// CheckLease is the fencing rule of the lease holder's writes (progress,
// finish, retry, release, add asset): nil when token holds j's lease; else
// ErrInvalidTransition for a job that is no longer processing, and
// ErrLeaseLost for a processing job held by someone else (or waiting for
// its next attempt).
func CheckLease(j Job, token string) error {
	if j.Status != StatusProcessing {
		return ErrInvalidTransition
	}
	if token == "" || j.LeaseToken != token {
		return ErrLeaseLost
	}
	return nil
}

// Claimable reports whether a claim at now may take j (Store.Claim): a
// queued job, or a processing job whose lease expired with attempts left (a
// reclaim). A job whose lease expires exactly at now is claimable.
func Claimable(j Job, now time.Time) bool {
	switch j.Status {
	case StatusQueued:
		return true
	case StatusProcessing:
		return !j.LeaseExpiresAt.After(now) && j.Attempt < j.MaxAttempts
	}
	return false
}

// CheckFinishUnclaimed is the rule of Store.FinishUnclaimed: the quick run
// that read j at version may record its success only if j is still queued
// and unchanged since (not canceled, claimed, or finished by another run
// meanwhile); otherwise ErrInvalidTransition.
func CheckFinishUnclaimed(j Job, version int64) error {
	if j.Status != StatusQueued || j.Version != version {
		return ErrInvalidTransition
	}
	return nil
}

// DiedOnLastAttempt reports whether j's worker died on its last attempt:
// processing, lease expired at now, no attempts left. Such a job is failed
// and dead-lettered (Store.FailExpired).
func DiedOnLastAttempt(j Job, now time.Time) bool {
	return j.Status == StatusProcessing && !j.LeaseExpiresAt.After(now) && j.Attempt >= j.MaxAttempts
}

// CanFailExpired is the rule of Store.FailExpired: j's worker died on its
// last attempt (DiedOnLastAttempt at now), and attempt, the attempt the
// caller saw, is still j's, which fences off a reclaim that happened since.
func CanFailExpired(j Job, attempt int, now time.Time) bool {
	return DiedOnLastAttempt(j, now) && j.Attempt == attempt
}

// DiedOnLastAttemptMessage is the errorMessage of a job failed because its
// worker died on the last attempt.
const DiedOnLastAttemptMessage = "the worker stopped during the last attempt (lease expired)"

// ErrNotRedrivable is wrapped by CheckRedrive's errors, with
// ErrInvalidTransition.
var ErrNotRedrivable = errors.New("only a failed, dead-lettered job may be redriven")

// CheckRedrive is the one rule of redrive eligibility: only a failed job
// whose message was dead-lettered may run again. The error says why not, in
// words fit for an operator, and wraps ErrInvalidTransition.
func CheckRedrive(j Job) error {
	switch {
	case j.Status == StatusFailed && j.DeadLettered:
		return nil
	case j.Status == StatusFailed:
		return fmt.Errorf("%w: job failed without being dead-lettered; only dead-lettered jobs may be redriven: %w", ErrInvalidTransition, ErrNotRedrivable)
	default:
		return fmt.Errorf("%w: job is %s already: %w", ErrInvalidTransition, j.Status, ErrNotRedrivable)
	}
}

// CheckCancel is the rule of a cancel (Store.Cancel): ErrNotFound for a
// job of another owner, which must not learn that the job exists (unless
// the request is an operator's, c.AnyOwner); otherwise the lifecycle
// decides: only queued and processing jobs may be canceled.
func CheckCancel(j Job, c CancelRequest) error {
	if !c.AnyOwner && j.Owner != c.Owner {
		return ErrNotFound
	}
	if !CanTransition(j.Status, StatusCanceled) {
		return ErrInvalidTransition
	}
	return nil
}

// CanRescheduleSweep is the rule of Store.RescheduleSweep: the reconciler
// may move j's SweepAt only if j is still at version, the version the
// reconciler acted on, and not final. A job that changed since is left to
// the next sweep, which reads it anew.
func CanRescheduleSweep(j Job, version int64) bool {
	return j.Version == version && !j.Status.Final()
}
