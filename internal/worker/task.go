package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
)

// Task is what a handler knows about the job it runs and how it reports
// back: progress (coalesced) and assets, both fenced by the attempt's
// lease token.
type Task struct {
	// Job is the job as claimed for this attempt (ID, JobType, Parameters,
	// Attempt, MaxAttempts, ...).
	Job jobs.Job
	// Logger carries jobId, jobType and attempt.
	Logger *slog.Logger

	store    taskStore
	clock    clock.Clock
	interval time.Duration
	token    string          // the attempt's lease token; "" in a quick run
	values   context.Context // store writes use the caller's context's values, not its end
	handler  *lazyContext    // the handler's context, stopped when the lease is gone

	mu         sync.Mutex
	written    int // last progress written (the claim wrote 0)
	lastWrite  time.Time
	pending    int
	hasPending bool
	lost       bool
}

// Progress reports the attempt's progress, 0..100 (values outside are
// clamped). Writes are coalesced because each one costs a database write:
// a value is written at once when the last write is at least a progress
// interval old (the first one always is), otherwise it waits, the latest
// value winning, until the interval has passed. Nothing is written for the
// values the job's own transitions record: the claim sets 0, and 100 waits
// for the job's end (a completed job's finish sets 100; another outcome
// writes a pending value first).
func (t *Task) Progress(pct int) {
	pct = min(max(pct, 0), 100)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost || t.token == "" { // lost, or a quick run: nothing to write with
		return
	}
	if pct == t.written {
		t.hasPending = false // back to the stored value: nothing to write
		return
	}
	now := t.clock.Now()
	if pct < 100 && now.Sub(t.lastWrite) >= t.interval {
		t.writeLocked(pct, now)
		return
	}
	t.pending, t.hasPending = pct, true
}

// ErrNeedsClaim is AddAsset's error in a quick run (see Quick), which holds
// no lease to add an asset with: a handler that returns it is run again
// under a claim.
var ErrNeedsClaim = errors.New("a quick run cannot add assets; the attempt runs again under a claim")

// AddAsset records a file the job produced. ID, JobID and CreatedAt are
// filled in when empty. It fails with jobs.ErrLeaseLost (or
// ErrInvalidTransition) once this attempt no longer holds the job, and
// with ErrNeedsClaim in a quick run.
func (t *Task) AddAsset(ctx context.Context, a jobs.Asset) (jobs.Asset, error) {
	if t.token == "" {
		return jobs.Asset{}, fmt.Errorf("add asset to job %s: %w", t.Job.ID, ErrNeedsClaim)
	}
	if a.ID == "" {
		a.ID = newID()
	}
	a.JobID = t.Job.ID
	if a.CreatedAt.IsZero() {
		a.CreatedAt = t.clock.Now()
	}
	stored, err := t.store.AddAsset(ctx, t.token, a)
	if err != nil {
		if isRejected(err) {
			t.markLost()
		}
		return jobs.Asset{}, fmt.Errorf("add asset %s to job %s: %w", a.ID, t.Job.ID, err)
	}
	return stored, nil
}

// flush writes a pending progress value: always when force (before an
// outcome other than completed), otherwise once the interval since the
// last write has passed, and never a pending 100 (the finish writes it).
func (t *Task) flush(force bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lost || !t.hasPending {
		return
	}
	now := t.clock.Now()
	if force || (t.pending < 100 && now.Sub(t.lastWrite) >= t.interval) {
		t.writeLocked(t.pending, now)
	}
}

func (t *Task) writeLocked(pct int, now time.Time) {
	_, err := t.store.Progress(t.values, t.Job.ID, t.token, pct, now)
	switch {
	case err == nil:
		t.written, t.lastWrite, t.hasPending = pct, now, false
	case isRejected(err):
		// Canceled, or another worker reclaimed the job: stop the handler.
		t.lost, t.hasPending = true, false
		t.Logger.WarnContext(t.values, "progress rejected; stopping the handler", "error", err)
		t.stopHandler()
	default:
		// Keep the value pending; the next call or the flush retries it.
		t.pending, t.hasPending = pct, true
		t.lastWrite = now
		t.Logger.WarnContext(t.values, "progress write failed", "progress", pct, "error", err)
	}
}

func (t *Task) markLost() {
	t.mu.Lock()
	t.lost, t.hasPending = true, false
	t.mu.Unlock()
	t.stopHandler()
}

// stopHandler cancels the handler: its job was canceled or reclaimed.
func (t *Task) stopHandler() {
	if t.handler != nil {
		t.handler.stop(context.Canceled, &stoppedError{})
	}
}

// isRejected reports whether the store refused a write because the job
// moved on (canceled, finished, or reclaimed by another worker).
func isRejected(err error) bool {
	return errors.Is(err, jobs.ErrLeaseLost) || errors.Is(err, jobs.ErrInvalidTransition)
}
