package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

// ReconcilerConfig configures a Reconciler. Zero fields take the
// documented defaults.
type ReconcilerConfig struct {
	// Store keeps the jobs (a jobs.Store). Required.
	Store ReconcilerStore
	// Queue is the jobs queue that stranded jobs are re-sent to (a
	// queue.Queue). Required.
	Queue ReconcilerQueue
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
	// Metrics counts the jobs it fails (failed and dead-lettered, per
	// type). Default: metrics.Discard{}.
	Metrics metrics.Recorder
}

func (c *ReconcilerConfig) setDefaults() {
	setDefault[clock.Clock](&c.Clock, clock.Real{})
	setDefault(&c.Logger, slog.Default())
	setDefault(&c.StrandedAfter, 2*time.Minute)
	setDefault(&c.BatchSize, 100)
	setDefault(&c.MaxBatches, 10)
	setDefault[metrics.Recorder](&c.Metrics, metrics.Discard{})
}

func (c *ReconcilerConfig) validate() error {
	if c.Store == nil || c.Queue == nil {
		return errors.New("reconciler config: Store and Queue are required")
	}
	if c.StrandedAfter < 0 || c.BatchSize < 0 || c.MaxBatches < 0 {
		return errors.New("reconciler config: StrandedAfter, BatchSize and MaxBatches must be positive")
	}
	return nil
}

// Reconciler makes sure no job is stranded (invariant 3 of the README): a job
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
	sw := &sweep{Reconciler: r, seen: map[string]bool{}}
	for range r.cfg.MaxBatches {
		now := r.cfg.Clock.Now()
		due, err := r.cfg.Store.ListDue(ctx, now.Add(-r.cfg.StrandedAfter), r.cfg.BatchSize)
		if err != nil {
			return sw.rep, fmt.Errorf("reconcile: list due jobs: %w", err)
		}
		if fresh := sw.batch(ctx, due, now); fresh == 0 || len(due) < r.cfg.BatchSize {
			break
		}
	}
	if rep := sw.rep; rep.Resent+rep.Failed+rep.Errors > 0 {
		r.log.InfoContext(ctx, "reconciler sweep", "scanned", rep.Scanned, "resent", rep.Resent, "failed", rep.Failed,
			"deferred", rep.Deferred, "skipped", rep.Skipped, "errors", rep.Errors)
	}
	return sw.rep, errors.Join(sw.errs...)
}

// sweep is one RunOnce: what it did so far.
type sweep struct {
	*Reconciler
	rep  Report
	errs []error
	seen map[string]bool // jobs handled; a failed RescheduleSweep leaves a job due
}

// batch handles one page of due jobs and returns how many it had not seen.
func (s *sweep) batch(ctx context.Context, due []jobs.Job, now time.Time) (fresh int) {
	var resend []jobs.Job
	for _, j := range due {
		if s.seen[j.ID] {
			continue // do not loop on a job whose RescheduleSweep failed
		}
		s.seen[j.ID] = true
		fresh++
		s.rep.Scanned++
		switch {
		case j.Status == jobs.StatusQueued:
			resend = append(resend, j) // its message is taken as lost
		case j.Status != jobs.StatusProcessing:
			s.rep.Skipped++
		case j.LeaseExpiresAt.After(now):
			// Leased, or waiting for a retry: look again when that ends.
			s.reschedule(ctx, j, j.LeaseExpiresAt, now)
			s.rep.Deferred++
		case jobs.DiedOnLastAttempt(j, now):
			s.failDiedOnLastAttempt(ctx, j, now)
		default:
			resend = append(resend, j) // a dead worker; attempts remain
		}
	}
	s.resend(ctx, resend, now)
	return fresh
}

// failDiedOnLastAttempt fails a job whose worker died on its last attempt
// and sends its dead-letter copy: its message, if any, is lost or stale.
func (s *sweep) failDiedOnLastAttempt(ctx context.Context, j jobs.Job, now time.Time) {
	failed, err := failDiedOnLastAttempt(ctx, s.cfg.Store, j, now, s.cfg.Queue.DeadLetters().Send)
	switch {
	case failed.ID != "":
		s.rep.Failed++
		s.cfg.Metrics.Record(now, j.JobType, metrics.Count(metrics.Failed), metrics.Count(metrics.DeadLettered))
		s.log.WarnContext(ctx, "reconciler failed a job whose last attempt's lease expired", "jobId", j.ID, "jobType", j.JobType, "attempt", j.Attempt)
		if err != nil {
			s.rep.Errors++
			s.errs = append(s.errs, err)
			s.log.ErrorContext(ctx, "could not put the failed job in the dead-letter queue; redrive it by id", "jobId", j.ID, "error", err)
		}
	case isRejected(err):
		s.rep.Skipped++ // it moved on since it was read
	default:
		s.rep.Errors++
		s.errs = append(s.errs, err)
	}
}

// resend sends a message for each job, in batches, then moves each sent
// job's next sweep away: by StrandedAfter, or by the job's age if that is
// longer, so a long backlog is not re-sent on every sweep.
func (s *sweep) resend(ctx context.Context, js []jobs.Job, now time.Time) {
	for batch := range slices.Chunk(js, queue.MaxBatch) {
		reqs := make([]queue.SendRequest, len(batch))
		for i, j := range batch {
			reqs[i] = queue.JobSend(j, 0)
		}
		if _, err := s.cfg.Queue.Send(ctx, reqs...); err != nil {
			s.rep.Errors++
			s.errs = append(s.errs, fmt.Errorf("reconcile: re-send %d messages: %w", len(reqs), err))
			continue
		}
		for _, j := range batch {
			s.rep.Resent++
			s.log.InfoContext(ctx, "reconciler re-sent the message of a stranded job",
				"jobId", j.ID, "jobType", j.JobType, "status", j.Status, "attempt", j.Attempt)
			s.reschedule(ctx, j, now.Add(max(s.cfg.StrandedAfter, now.Sub(j.CreatedAt))), now)
		}
	}
}

// reschedule moves j's next sweep to sweepAt, unless j changed since it was read.
func (s *sweep) reschedule(ctx context.Context, j jobs.Job, sweepAt, now time.Time) {
	_, err := s.cfg.Store.RescheduleSweep(ctx, j.ID, j.Version, sweepAt, now)
	switch {
	case err == nil:
	case isRejected(err):
		// The job moved on since it was read; the next sweep sees it anew.
	default:
		s.rep.Errors++
		s.errs = append(s.errs, fmt.Errorf("reconcile: touch job %s: %w", j.ID, err))
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
			r.log.ErrorContext(ctx, "reconciler sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
