package worker

import (
	"context"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// The interfaces below are what each part of this package uses of a
// jobs.Store and a queue.Queue. Every jobs.Store and queue.Queue satisfies
// them; a test double implements only what the part it tests calls.

// EngineStore is what the Engine uses of a jobs.Store: the claim, the lease
// holder's writes (the release of an interrupted attempt among them), the
// cancel poll, a quick run's read and write, and the two transitions a
// rejected claim may call for (a native redrive, a worker that died on its
// last attempt).
type EngineStore interface {
	Get(ctx context.Context, id string) (jobs.Job, error)
	GetLatest(ctx context.Context, id string) (jobs.Job, error)
	FinishUnclaimed(ctx context.Context, id string, u jobs.UnclaimedRun) (jobs.Job, error)
	Claim(ctx context.Context, id string, c jobs.Claim) (jobs.Job, error)
	Progress(ctx context.Context, id, leaseToken string, progress int, now time.Time) (jobs.Job, error)
	AddAsset(ctx context.Context, leaseToken string, a jobs.Asset) (jobs.Asset, error)
	Finish(ctx context.Context, id, leaseToken string, o jobs.Outcome) (jobs.Job, error)
	Retry(ctx context.Context, id, leaseToken string, r jobs.RetryWait) (jobs.Job, error)
	Release(ctx context.Context, id, leaseToken string, r jobs.Release) (jobs.Job, error)
	FailExpired(ctx context.Context, id string, attempt int, message string, now time.Time) (jobs.Job, error)
	Redrive(ctx context.Context, id string, r jobs.RedriveRequest) (jobs.Job, error)
}

// EngineQueue is what the Engine uses of a queue.Queue: it sets when the
// running message comes back, replaces it, or moves it to the dead-letter
// queue.
type EngineQueue interface {
	ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error
	Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error)
	DeadLetter(ctx context.Context, m queue.Message) error
	MaxReceiveCount() int
}

// PoolQueue is what a Pool uses of a queue.Queue: it receives messages and
// deletes those the engine acknowledged.
type PoolQueue interface {
	Receive(ctx context.Context, r queue.ReceiveRequest) ([]queue.Message, error)
	Delete(ctx context.Context, receiptHandle string) error
}

// ReconcilerStore is what the Reconciler uses of a jobs.Store: it lists the
// due jobs, fails those whose worker died on the last attempt, and moves
// the next sweep of the others.
type ReconcilerStore interface {
	ListDue(ctx context.Context, before time.Time, limit int) ([]jobs.Job, error)
	FailExpired(ctx context.Context, id string, attempt int, message string, now time.Time) (jobs.Job, error)
	RescheduleSweep(ctx context.Context, id string, version int64, sweepAt, now time.Time) (jobs.Job, error)
}

// ReconcilerQueue is what the Reconciler uses of a queue.Queue: it reads
// how many messages wait (to tell a backlog from lost messages), re-sends
// the messages of stranded jobs and puts the dead-letter copy of a job it
// failed in the dead-letter queue.
type ReconcilerQueue interface {
	Stats(ctx context.Context) ([]queue.Stats, error)
	Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error)
	DeadLetters() queue.DeadLetterQueue
}

// taskStore is what a Task writes: progress and assets, fenced by the
// attempt's lease token.
type taskStore interface {
	Progress(ctx context.Context, id, leaseToken string, progress int, now time.Time) (jobs.Job, error)
	AddAsset(ctx context.Context, leaseToken string, a jobs.Asset) (jobs.Asset, error)
}

// expiredFailer fails a job whose worker died on its last attempt; the
// engine's and the reconciler's stores both are one.
type expiredFailer interface {
	FailExpired(ctx context.Context, id string, attempt int, message string, now time.Time) (jobs.Job, error)
}
