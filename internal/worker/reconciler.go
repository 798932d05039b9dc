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
	// LostAfter is how long a queued job may wait past its due time before
	// its message is re-sent whatever the queue holds: the bound on the
	// recovery of a message lost while the queue stays backlogged (see
	// RunOnce). Default: 1h.
	LostAfter time.Duration
}

func (c *ReconcilerConfig) setDefaults() {
	setDefault[clock.Clock](&c.Clock, clock.Real{})
	setDefault(&c.Logger, slog.Default())
	setDefault(&c.StrandedAfter, 2*time.Minute)
	setDefault(&c.BatchSize, 100)
	setDefault(&c.MaxBatches, 10)
	setDefault[metrics.Recorder](&c.Metrics, metrics.Discard{})
	setDefault(&c.LostAfter, time.Hour)
}

func (c *ReconcilerConfig) validate() error {
	if c.Store == nil || c.Queue == nil {
		return errors.New("reconciler config: Store and Queue are required")
	}
	if c.StrandedAfter < 0 || c.BatchSize < 0 || c.MaxBatches < 0 || c.LostAfter < 0 {
		return errors.New("reconciler config: StrandedAfter, BatchSize, MaxBatches and LostAfter must be positive")
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
	Waiting  int // overdue queued jobs taken for a backlog: their messages wait in the queue
	Backlog  int // messages waiting in the queue (visible or delayed) when the sweep began
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
//
// A queued job still queued StrandedAfter past its sweep time is either
// waiting behind others (a backlog) or lost its message (the API stored it
// and died before sending). The queue tells them apart in bulk: it holds
// about so many messages waiting to be received (Queue.Stats: visible and
// delayed). If the sweep finds more overdue queued jobs than that, the
// excess have no message: the oldest that many are re-sent (the queue delivers roughly oldest first, so the
// jobs left behind by it are the likeliest to be lost). The others wait,
// each looked at again after its age (so a long backlog costs a few writes
// per job, not one a sweep). So a lost message is re-sent at the first
// sweep at which the queue holds fewer waiting messages than there are
// overdue queued jobs, that is once the backlog ahead of it has drained,
// and in any case once the job is LostAfter past due.
func (r *Reconciler) RunOnce(ctx context.Context) (Report, error) {
	sw := &sweep{Reconciler: r, seen: map[string]bool{}}
	backlog, err := waiting(ctx, r.cfg.Queue)
	if err != nil {
		// Without it every overdue queued job is taken for lost: duplicates
		// are harmless, a stranded job is not.
		sw.rep.Errors++
		sw.errs = append(sw.errs, fmt.Errorf("reconcile: queue backlog: %w", err))
	}
	sw.rep.Backlog = backlog
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
	sw.resendLost(ctx, r.cfg.Clock.Now(), backlog)
	if rep := sw.rep; rep.Resent+rep.Failed+rep.Errors > 0 {
		r.log.InfoContext(ctx, "reconciler sweep", "scanned", rep.Scanned, "resent", rep.Resent, "failed", rep.Failed,
			"deferred", rep.Deferred, "waiting", rep.Waiting, "backlog", rep.Backlog, "skipped", rep.Skipped, "errors", rep.Errors)
	}
	return sw.rep, errors.Join(sw.errs...)
}

// waiting counts the messages of the job queues that wait to be received:
// visible or delayed, not in flight. (SQS's default queue also counts the
// high-priority lane's wake-ups that no receive has deleted yet, at most
// one per high-priority job: the count errs on the side of a backlog.)
func waiting(ctx context.Context, q ReconcilerQueue) (int, error) {
	stats, err := q.Stats(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range stats {
		n += st.Visible + st.Delayed
	}
	return n, nil
}

// sweep is one RunOnce: what it did so far.
type sweep struct {
	*Reconciler
	rep    Report
	errs   []error
	seen   map[string]bool // jobs handled; a failed RescheduleSweep leaves a job due
	queued []jobs.Job      // overdue queued jobs, oldest sweep time first, as rescheduled
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
			s.holdQueued(ctx, j, now) // lost, or in a backlog: resendLost decides
		case j.Status != jobs.StatusProcessing:
			s.rep.Skipped++
		case j.LeaseExpiresAt.After(now):
			// Leased, or waiting for a retry: look again when that ends.
			_, _ = s.reschedule(ctx, j, j.LeaseExpiresAt, now)
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

// nextLook is the sweep time of a job the reconciler re-sent or left
// waiting: StrandedAfter from now, or the job's age if that is longer (so a
// long backlog is not rewritten every sweep), but no later than what makes
// a queued job looked at when it is LostAfter past due (a sweep looks at
// jobs StrandedAfter past their sweep time).
func (s *sweep) nextLook(j jobs.Job, now time.Time) time.Time {
	next := now.Add(max(s.cfg.StrandedAfter, now.Sub(j.CreatedAt)))
	if j.Status == jobs.StatusQueued {
		lost := queuedSince(j).Add(s.cfg.LostAfter - s.cfg.StrandedAfter)
		if lost.After(now) && lost.Before(next) {
			next = later(lost, now.Add(s.cfg.StrandedAfter))
		}
	}
	return next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// queuedSince is when a queued job became due: its creation plus its
// delay, or its latest redrive.
func queuedSince(j jobs.Job) time.Time {
	due := j.CreatedAt.Add(time.Duration(j.DelaySeconds) * time.Second)
	if rs := jobs.Redrives(j); len(rs) > 0 && rs[len(rs)-1].At.After(due) {
		due = rs[len(rs)-1].At
	}
	return due
}

// holdQueued moves an overdue queued job's next sweep away (nextLook) and
// keeps it for resendLost. A job that changed since it was read is left to
// the next sweep.
func (s *sweep) holdQueued(ctx context.Context, j jobs.Job, now time.Time) {
	moved, err := s.reschedule(ctx, j, s.nextLook(j, now), now)
	switch {
	case err == nil:
		s.queued = append(s.queued, moved)
	case !isRejected(err):
		s.queued = append(s.queued, j) // still due; a re-send is still worth it
	}
}

// resendLost re-sends the messages of the overdue queued jobs that the
// queue's backlog cannot account for (the oldest of them), and of those
// LostAfter past due; the rest wait in the backlog. A job whose re-send
// fails is made due again at once.
func (s *sweep) resendLost(ctx context.Context, now time.Time, backlog int) {
	excess := len(s.queued) - backlog
	var lost []jobs.Job
	for i, j := range s.queued {
		if i < excess || !now.Before(queuedSince(j).Add(s.cfg.LostAfter)) {
			lost = append(lost, j)
		} else {
			s.rep.Waiting++
		}
	}
	for _, failed := range s.send(ctx, lost) {
		_, _ = s.reschedule(ctx, failed, now, now)
	}
}

// resend sends a message for each job (an expired lease: its worker died)
// and moves its next sweep away (nextLook).
func (s *sweep) resend(ctx context.Context, js []jobs.Job, now time.Time) {
	failed := s.send(ctx, js)
	for _, j := range js {
		if !slices.ContainsFunc(failed, func(f jobs.Job) bool { return f.ID == j.ID }) {
			_, _ = s.reschedule(ctx, j, s.nextLook(j, now), now)
		}
	}
}

// send sends the jobs' messages in batches and returns the jobs whose
// batch failed.
func (s *sweep) send(ctx context.Context, js []jobs.Job) (failed []jobs.Job) {
	for batch := range slices.Chunk(js, queue.MaxBatch) {
		reqs := make([]queue.SendRequest, len(batch))
		for i, j := range batch {
			reqs[i] = queue.JobSend(j, 0)
		}
		if _, err := s.cfg.Queue.Send(ctx, reqs...); err != nil {
			s.rep.Errors++
			s.errs = append(s.errs, fmt.Errorf("reconcile: re-send %d messages: %w", len(reqs), err))
			failed = append(failed, batch...)
			continue
		}
		for _, j := range batch {
			s.rep.Resent++
			s.log.InfoContext(ctx, "reconciler re-sent the message of a stranded job",
				"jobId", j.ID, "jobType", j.JobType, "status", j.Status, "attempt", j.Attempt)
		}
	}
	return failed
}

// reschedule moves j's next sweep to sweepAt, unless j changed since it
// was read, and returns the job as rescheduled.
func (s *sweep) reschedule(ctx context.Context, j jobs.Job, sweepAt, now time.Time) (jobs.Job, error) {
	moved, err := s.cfg.Store.RescheduleSweep(ctx, j.ID, j.Version, sweepAt, now)
	switch {
	case err == nil:
	case isRejected(err):
		// The job moved on since it was read; the next sweep sees it anew.
	default:
		s.rep.Errors++
		s.errs = append(s.errs, fmt.Errorf("reconcile: touch job %s: %w", j.ID, err))
	}
	return moved, err
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
