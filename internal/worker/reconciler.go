package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// ReconcilerConfig configures a Reconciler. Zero fields take the
// documented defaults.
type ReconcilerConfig struct {
	// Store keeps the jobs. Required.
	Store jobs.Store
	// Queue is the jobs queue that stranded jobs are re-sent to. Required.
	Queue queue.Queue
	// Clock tells the time. Default: clock.Real{}.
	Clock clock.Clock
	// Logger receives structured logs. Default: slog.Default().
	Logger *slog.Logger
	// StrandedAfter is how long past its sweep time a job must be before
	// the reconciler acts: a queued job's message is taken as lost, an
	// expired lease as a dead worker. Default: 2m.
	StrandedAfter time.Duration
	// BatchSize is how many due jobs one store query returns. Default: 100.
	BatchSize int
	// MaxBatches bounds the queries of one run, so a run ends even if the
	// store keeps returning jobs. Default: 10.
	MaxBatches int
}

func (c *ReconcilerConfig) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.StrandedAfter == 0 {
		c.StrandedAfter = 2 * time.Minute
	}
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.MaxBatches == 0 {
		c.MaxBatches = 10
	}
}

func (c *ReconcilerConfig) validate() error {
	switch {
	case c.Store == nil:
		return errors.New("reconciler config: Store is required")
	case c.Queue == nil:
		return errors.New("reconciler config: Queue is required")
	case c.StrandedAfter < 0, c.BatchSize < 0, c.MaxBatches < 0:
		return errors.New("reconciler config: StrandedAfter, BatchSize and MaxBatches must be positive")
	}
	return nil
}

// Reconciler makes sure no job is stranded (DESIGN.md invariant 3): a job
// left queued without a message, or processing with an expired lease, gets
// a fresh message; a job whose worker died on its last attempt is failed
// and dead-lettered, so an operator can redrive it. RunOnce is one sweep
// (a scheduled Lambda calls it); Run repeats it (the dev server).
type Reconciler struct {
	cfg ReconcilerConfig
	log *slog.Logger
}

// Report counts what one sweep did.
type Report struct {
	Scanned  int // due jobs read from the store
	Resent   int // messages re-sent for queued jobs and expired leases
	Failed   int // jobs failed because their last attempt's lease expired
	Deferred int // leased jobs whose next sweep moved to their lease expiry
	Skipped  int // jobs that changed since they were read
	Errors   int // store or queue calls that failed (retried next sweep)
}

// NewReconciler checks cfg, fills its defaults and returns a Reconciler.
func NewReconciler(cfg ReconcilerConfig) (*Reconciler, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Reconciler{cfg: cfg, log: cfg.Logger}, nil
}

// RunOnce sweeps the jobs due now. Per-job failures are counted, logged
// and joined in the returned error; the next sweep retries them.
func (r *Reconciler) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	var errs []error
	seen := map[string]bool{}
	for range r.cfg.MaxBatches {
		now := r.cfg.Clock.Now()
		due, err := r.cfg.Store.ListDue(ctx, now.Add(-r.cfg.StrandedAfter), r.cfg.BatchSize)
		if err != nil {
			return rep, fmt.Errorf("reconcile: list due jobs: %w", err)
		}
		fresh := 0
		var resend []jobs.Job
		for _, j := range due {
			if seen[j.ID] {
				continue // a failed RescheduleSweep left it due; do not loop on it
			}
			seen[j.ID] = true
			fresh++
			rep.Scanned++
			switch {
			case j.Status == jobs.StatusQueued:
				resend = append(resend, j)
			case j.Status != jobs.StatusProcessing:
				rep.Skipped++
			case j.LeaseExpiresAt.After(now):
				// Leased, or waiting for a retry: look again when that ends.
				r.touch(ctx, j, j.LeaseExpiresAt, now, &rep, &errs)
				rep.Deferred++
			case j.Attempt < j.MaxAttempts:
				resend = append(resend, j)
			default:
				failed, err := r.cfg.Store.FailExpired(ctx, j.ID, j.Attempt, "the worker stopped during the last attempt (lease expired)", now)
				switch {
				case err == nil:
					rep.Failed++
					r.log.Warn("reconciler failed a job whose last attempt's lease expired",
						"jobId", j.ID, "jobType", j.JobType, "attempt", j.Attempt)
					// Its message, if any, is lost or stale: put a copy in the
					// dead-letter queue, where operators look and from which
					// a redrive (ours or the console's) runs the job again.
					if err := r.cfg.Queue.DeadLetters().Send(ctx, queue.SendRequest{Body: DeadLetterBody(failed), Priority: failed.Priority}); err != nil {
						rep.Errors++
						errs = append(errs, fmt.Errorf("dead-letter copy of job %s: %w", j.ID, err))
						r.log.Error("could not put the failed job in the dead-letter queue; redrive it by id",
							"jobId", j.ID, "error", err)
					}
				case isRejected(err):
					rep.Skipped++
				default:
					rep.Errors++
					errs = append(errs, err)
				}
			}
		}
		r.resend(ctx, resend, now, &rep, &errs)
		if fresh == 0 || len(due) < r.cfg.BatchSize {
			break
		}
	}
	if rep.Resent+rep.Failed+rep.Errors > 0 {
		r.log.Info("reconciler sweep", "scanned", rep.Scanned, "resent", rep.Resent, "failed", rep.Failed,
			"deferred", rep.Deferred, "skipped", rep.Skipped, "errors", rep.Errors)
	}
	return rep, errors.Join(errs...)
}

// resend sends a message for each job, in batches, then moves each sent
// job's next sweep away: by StrandedAfter, or by the job's age if that is
// longer, so a long backlog is not re-sent on every sweep.
func (r *Reconciler) resend(ctx context.Context, js []jobs.Job, now time.Time, rep *Report, errs *[]error) {
	for start := 0; start < len(js); start += queue.MaxBatch {
		batch := js[start:min(start+queue.MaxBatch, len(js))]
		reqs := make([]queue.SendRequest, len(batch))
		for i, j := range batch {
			reqs[i] = queue.SendRequest{Body: queue.JobMessage{JobID: j.ID, JobType: j.JobType}.Encode(), Priority: j.Priority}
		}
		if _, err := r.cfg.Queue.Send(ctx, reqs...); err != nil {
			rep.Errors++
			*errs = append(*errs, fmt.Errorf("reconcile: re-send %d messages: %w", len(reqs), err))
			continue
		}
		for _, j := range batch {
			rep.Resent++
			r.log.Info("reconciler re-sent the message of a stranded job",
				"jobId", j.ID, "jobType", j.JobType, "status", j.Status, "attempt", j.Attempt)
			r.touch(ctx, j, now.Add(max(r.cfg.StrandedAfter, now.Sub(j.CreatedAt))), now, rep, errs)
		}
	}
}

func (r *Reconciler) touch(ctx context.Context, j jobs.Job, sweepAt, now time.Time, rep *Report, errs *[]error) {
	_, err := r.cfg.Store.RescheduleSweep(ctx, j.ID, j.Version, sweepAt, now)
	switch {
	case err == nil:
	case isRejected(err):
		// The job moved on since it was read; the next sweep sees it anew.
	default:
		rep.Errors++
		*errs = append(*errs, fmt.Errorf("reconcile: touch job %s: %w", j.ID, err))
	}
}

// Run sweeps every interval until ctx ends, logging failures.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("reconciler: interval must be positive, got %s", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("reconciler sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
