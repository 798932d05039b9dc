package jobs

import (
	"context"
	"encoding/json"
	"time"
)

// Store keeps jobs and their assets. Its methods are the named transitions
// of the lifecycle; each one checks the job's current state and applies the
// change in one atomic step (one conditional write in DynamoDB), never read
// then write.
//
// Which transition is allowed is decided by the rules of rules.go, named
// below on each method; a store applies them and does not restate them.
// Rejected transitions return a *TransitionError wrapping
// ErrInvalidTransition or ErrLeaseLost; a missing job returns ErrNotFound.
// Times come from the caller, so that a fake clock drives the whole system.
type Store interface {
	// Create stores a new queued job, with the defaults of PrepareCreate.
	// If a job with the same ID already exists, Create stores nothing and
	// returns the existing job with created false (the API derives the ID
	// of an idempotent request from its key, so a replay finds the first
	// job).
	Create(ctx context.Context, job Job) (stored Job, created bool, err error)

	// Get returns a job by ID, whoever owns it.
	Get(ctx context.Context, id string) (Job, error)

	// GetLatest is Get as a strongly consistent read: it sees every write
	// that succeeded before it (DynamoDB's Get may not, by default).
	GetLatest(ctx context.Context, id string) (Job, error)

	// List returns an owner's jobs, newest first, one page at a time. The
	// query must pass ListQuery.Validate.
	List(ctx context.Context, q ListQuery) (Page, error)

	// ListAll returns the jobs of every owner, newest first, one page at a
	// time: the operators' view. q.Owner, when set, is one more filter.
	ListAll(ctx context.Context, q ListQuery) (Page, error)

	// Claim gives the caller the job's lease: queued -> processing, or
	// processing -> processing when the lease has expired (a reclaim) and
	// attempts remain (Claimable). Attempt goes up by one and Progress
	// restarts at 0.
	Claim(ctx context.Context, id string, c Claim) (Job, error)

	// Progress records the lease holder's progress (CheckLease), 0..100
	// (CheckProgress).
	Progress(ctx context.Context, id, leaseToken string, progress int, now time.Time) (Job, error)

	// Finish ends the lease holder's attempt (CheckLease): processing ->
	// completed, partial or failed (Status.Finishing).
	Finish(ctx context.Context, id, leaseToken string, o Outcome) (Job, error)

	// FinishUnclaimed records a quick run (a quick job type's handler run
	// on a queued job without a claim; docs/engine.md): queued ->
	// completed in one write, Attempt + 1, the attempt's start and end in
	// the history. It applies only if the job is still as the run read it
	// (CheckFinishUnclaimed): queued, at version u.Version.
	FinishUnclaimed(ctx context.Context, id string, u UnclaimedRun) (Job, error)

	// Retry records a retryable failure by the lease holder (CheckLease):
	// the job waits in processing with ErrorMessage until NextAttemptAt,
	// when it may be claimed again. The lease is released.
	Retry(ctx context.Context, id, leaseToken string, r RetryWait) (Job, error)

	// Release gives the lease holder's job back without spending its
	// attempt (CheckLease): the attempt was interrupted (the worker shut
	// down), not failed, so a shutdown never fails a job. The job stays
	// processing, its lease ends at r.Now (the next claim may take it at
	// once) and Attempt goes back by one, so that the next claim runs the
	// same attempt number again; ErrorMessage is r.Reason. The history
	// records the attempt as ended OutcomeInterrupted, compacted first when
	// long (CompactHistory, as Redrive does), so that releases, which any
	// number of shutdowns may cause, keep it bounded.
	Release(ctx context.Context, id, leaseToken string, r Release) (Job, error)

	// Cancel moves a queued or processing job to canceled (CheckCancel) and
	// records who did it in the job's history. Unless c.AnyOwner (an
	// operator), a job of another owner than c.Owner is ErrNotFound.
	Cancel(ctx context.Context, id string, c CancelRequest) (Job, error)

	// FailExpired fails a processing job whose lease expired with all its
	// attempts used (a worker died on the last attempt): processing ->
	// failed, dead-lettered. attempt must match the job's attempt, which
	// fences off a concurrent reclaim (CanFailExpired).
	FailExpired(ctx context.Context, id string, attempt int, message string, now time.Time) (Job, error)

	// Redrive is an operator's failed -> queued of a dead-lettered job
	// (CheckRedrive): attempts restart, and the redrive (when, by whom,
	// why) is added to the job's history, compacted first (CompactHistory).
	Redrive(ctx context.Context, id string, r RedriveRequest) (Job, error)

	// RescheduleSweep moves a job's SweepAt, the time the reconciler looks
	// at it next, after the reconciler has acted on it. It applies only if
	// the job is still at version (unchanged since the reconciler read it)
	// and not final (CanRescheduleSweep).
	RescheduleSweep(ctx context.Context, id string, version int64, sweepAt, now time.Time) (Job, error)

	// ListDue returns up to limit jobs that are not final and whose SweepAt
	// is at or before before, oldest SweepAt first.
	ListDue(ctx context.Context, before time.Time, limit int) ([]Job, error)

	// AddAsset records an asset of a job; only the lease holder may
	// (CheckLease).
	AddAsset(ctx context.Context, leaseToken string, a Asset) (Asset, error)

	// ListAssets returns a job's assets, oldest first.
	ListAssets(ctx context.Context, jobID string) ([]Asset, error)
}

// ListQuery selects a page of one owner's jobs (List), or of every
// owner's (ListAll, where Owner is an optional filter).
type ListQuery struct {
	Owner   string
	Status  Status // empty: any
	JobType string // empty: any
	Limit   int    // 1..MaxListLimit
	Cursor  string // empty for the first page; else Page.NextCursor
}

// Page is one page of List.
type Page struct {
	Jobs       []Job
	NextCursor string // empty on the last page
}

// Claim is the lease a worker asks for.
type Claim struct {
	LeaseToken     string // unique per claim
	Now            time.Time
	LeaseExpiresAt time.Time // when another delivery may reclaim the job
}

// Outcome is how the lease holder's attempt ended.
type Outcome struct {
	Status       Status          // StatusCompleted, StatusPartial or StatusFailed
	Result       json.RawMessage // may be nil
	ErrorMessage string
	DeadLettered bool // the job's message goes to the dead-letter queue
	Now          time.Time
	// Attempt is the attempt that ends (the claimed job's Attempt), for the
	// job's history.
	Attempt int
}

// UnclaimedRun is a quick run that succeeded (Store.FinishUnclaimed).
type UnclaimedRun struct {
	// Version is the job's version when the run read it.
	Version int64
	// Attempt is the attempt the run made: the job's Attempt as read, plus
	// one (for the history).
	Attempt int
	// Started is when the handler started; Now when it ended.
	Started, Now time.Time
	// Result is the handler's result (JSON; may be nil).
	Result json.RawMessage
}

// RetryWait is a retryable failure and when to try again.
type RetryWait struct {
	ErrorMessage  string
	NextAttemptAt time.Time
	Now           time.Time
	// Attempt is the attempt that ends (the claimed job's Attempt), for the
	// job's history.
	Attempt int
	// Outcome is how the attempt ended, for the job's history. Default:
	// OutcomeRetry.
	Outcome AttemptOutcome
}

// Release is the lease holder's giving back of an interrupted attempt.
type Release struct {
	// Reason is the job's errorMessage and the history event's detail.
	Reason string
	Now    time.Time
	// Attempt is the attempt that ends (the claimed job's Attempt), for the
	// job's history.
	Attempt int
}

// HistoryOutcome is the attempt outcome r records: r.Outcome, or
// OutcomeRetry.
func (r RetryWait) HistoryOutcome() AttemptOutcome {
	if r.Outcome == "" {
		return OutcomeRetry
	}
	return r.Outcome
}

// RedriveRequest is a redrive of a dead-lettered job.
type RedriveRequest struct {
	// Reason is why; recorded in the history.
	Reason string
	// By is who: an operator's ID, or RedrivenByDLQ for the console's
	// native redrive.
	By  string
	Now time.Time
}

// RedrivenByDLQ is the RedriveRequest.By of a redrive that a message
// moved back from the dead-letter queue started (the console's native
// redrive): no operator is known.
const RedrivenByDLQ = "dead-letter queue"

// CancelRequest is a cancel by the job's owner or by an operator.
type CancelRequest struct {
	// Owner must own the job, unless AnyOwner.
	Owner string
	// AnyOwner lets an operator cancel any owner's job.
	AnyOwner bool
	// By is who canceled, for the history. Default: Owner.
	By string
	// Reason is recorded in the history; may be empty.
	Reason string
	Now    time.Time
}

// Actor is who a CancelRequest records: By, or Owner.
func (c CancelRequest) Actor() string {
	if c.By != "" {
		return c.By
	}
	return c.Owner
}
