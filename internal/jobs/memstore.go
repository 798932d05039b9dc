package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"jobline/internal/clock"
)

// MemoryStore is the in-memory Store of the embedded default (dev server,
// tests). It keeps nothing on disk.
//
// One read-write lock makes every transition atomic, which is the same
// guarantee a DynamoDB conditional write gives. No call holds it for more
// than what it touches: jobs are indexed by B-trees (memindex.go), so a
// transition or Get costs O(log n), a list page O(log n + page) and only
// the page is copied, whatever the number of jobs stored.
//
// Final jobs are evicted, with their assets, once MemoryConfig.Retention
// has passed since they ended, as DynamoDB's TTL deletes them in AWS: each
// write evicts a few whose time has come (EvictExpired catches up at
// once), so that memory holds the jobs alive plus those retained.
type MemoryStore struct {
	cfg MemoryConfig
	mu  sync.RWMutex
	idx *memIndexes
	// next is apply's copy of the job it changes, kept here (under mu) so
	// that a transition allocates no copy of its own.
	next Job
}

// MemoryConfig configures a MemoryStore.
type MemoryConfig struct {
	// Retention is how long a job is kept after it became final
	// (completed, partial, failed or canceled), with its assets; then it
	// is evicted. The time counts on Clock from the write that ended the
	// job, which in the dev server is the job's CompletedAt, as DynamoDB's
	// TTL counts it (template.yaml's JobRetentionDays). Default (zero):
	// final jobs are kept as long as the store.
	Retention time.Duration
	// Clock tells when a job's retention ends and when it has. Default:
	// clock.Real{}.
	Clock clock.Clock
}

// withDefaults returns c with its unset fields filled in.
func (c MemoryConfig) withDefaults() MemoryConfig {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	return c
}

// validate reports an invalid field.
func (c MemoryConfig) validate() error {
	if c.Retention < 0 {
		return fmt.Errorf("memory store: retention %v is negative", c.Retention)
	}
	return nil
}

// NewMemoryStore returns an empty MemoryStore that keeps final jobs as
// long as itself (tests, and any short-lived process).
func NewMemoryStore() *MemoryStore {
	s, _ := NewMemoryStoreWith(MemoryConfig{}) // the zero config is valid
	return s
}

// NewMemoryStoreWith returns an empty MemoryStore configured by cfg.
func NewMemoryStoreWith(cfg MemoryConfig) (*MemoryStore, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &MemoryStore{cfg: cfg, idx: newMemIndexes()}, nil
}

var _ Store = (*MemoryStore)(nil)

// evictPerWrite is how many expired jobs a write evicts besides its own
// work: more than a job's writes (create and finish at least), so that
// eviction keeps up with any rate of new jobs, and few enough that no
// write waits long for it.
const evictPerWrite = 8

// Create stores a new job unless one with the same ID exists.
func (s *MemoryStore) Create(_ context.Context, job Job) (Job, bool, error) {
	j, err := PrepareCreate(job)
	if err != nil {
		return Job{}, false, err
	}
	j = cloneJob(j)
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing, ok := s.idx.get(j.ID); ok {
		return cloneJob(existing.job), false, nil
	}
	s.idx.add(&memJob{job: j})
	s.evictSome(evictPerWrite)
	return cloneJob(j), true, nil
}

// Get returns a job by ID.
func (s *MemoryStore) Get(_ context.Context, id string) (Job, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.idx.get(id)
	if !ok {
		return Job{}, fmt.Errorf("get job %s: %w", id, ErrNotFound)
	}
	return cloneJob(m.job), nil
}

// GetLatest is Get: the memory store's reads are always up to date.
func (s *MemoryStore) GetLatest(ctx context.Context, id string) (Job, error) {
	return s.Get(ctx, id)
}

// Retention returns how long the store keeps a final job (zero: as long
// as the store).
func (s *MemoryStore) Retention() time.Duration { return s.cfg.Retention }

// Len returns the number of jobs stored, evicted ones excluded.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.idx.len()
}

// evictSome evicts up to limit jobs whose retention has passed; the
// caller holds the write lock.
func (s *MemoryStore) evictSome(limit int) int {
	if s.cfg.Retention == 0 {
		return 0
	}
	return s.idx.evict(s.cfg.Clock.Now(), limit)
}

// evictBatch is how many jobs EvictExpired evicts per hold of the lock.
const evictBatch = 256

// EvictExpired evicts every job whose retention has passed, with its
// assets, and returns how many. Writes evict a few each; this catches up
// at once (after a quiet period, or in tests), taking the lock for one
// batch at a time so that other calls go on meanwhile.
func (s *MemoryStore) EvictExpired() int {
	total := 0
	for {
		s.mu.Lock()
		n := s.evictSome(evictBatch)
		s.mu.Unlock()
		total += n
		if n < evictBatch {
			return total
		}
	}
}

// evictAtIfFinal is the eviction time of a job that becomes final now:
// zero when the store keeps final jobs for ever.
func (s *MemoryStore) evictAtIfFinal() time.Time {
	if s.cfg.Retention == 0 {
		return time.Time{}
	}
	return s.cfg.Clock.Now().Add(s.cfg.Retention)
}

// apply runs one transition under the lock: check decides whether the job
// may change (returning the rule's error that rejects it), change applies
// it to a copy, which then replaces the job in the indexes.
func (s *MemoryStore) apply(op, id string, now time.Time, check func(j *Job) error, change func(j *Job)) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.idx.get(id)
	if !ok {
		return Job{}, fmt.Errorf("%s job %s: %w", op, id, ErrNotFound)
	}
	if err := check(&m.job); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Job{}, fmt.Errorf("%s job %s: %w", op, id, ErrNotFound)
		}
		return Job{}, &TransitionError{Op: op, JobID: id, Current: cloneJob(m.job), Err: err}
	}
	s.next = m.job
	change(&s.next)
	s.next.UpdatedAt = now
	s.next.Version++
	s.idx.update(m, &s.next, s.evictAtIfFinal())
	s.next = Job{}
	s.evictSome(evictPerWrite)
	return cloneJob(m.job), nil
}

// Claim gives the caller the job's lease.
func (s *MemoryStore) Claim(_ context.Context, id string, c Claim) (Job, error) {
	return s.apply("claim", id, c.Now, func(j *Job) error {
		return rejectUnless(Claimable(*j, c.Now))
	}, func(j *Job) {
		j.Status = StatusProcessing
		j.Attempt++
		j.Progress = 0
		j.LeaseToken = c.LeaseToken
		j.LeaseExpiresAt = c.LeaseExpiresAt
		j.NextAttemptAt = time.Time{}
		j.SweepAt = c.LeaseExpiresAt
		j.History = append(j.History, NewEvent(c.Now, EventAttemptStarted, "", ""))
	})
}

// Progress records the lease holder's progress.
func (s *MemoryStore) Progress(_ context.Context, id, leaseToken string, progress int, now time.Time) (Job, error) {
	if err := CheckProgress(progress); err != nil {
		return Job{}, fmt.Errorf("progress job %s: %w", id, err)
	}
	return s.apply("progress", id, now, func(j *Job) error { return CheckLease(*j, leaseToken) },
		func(j *Job) { j.Progress = progress })
}

// Finish ends the lease holder's attempt.
func (s *MemoryStore) Finish(_ context.Context, id, leaseToken string, o Outcome) (Job, error) {
	if !o.Status.Finishing() {
		return Job{}, fmt.Errorf("finish job %s: %q is not a finishing status", id, o.Status)
	}
	return s.apply("finish", id, o.Now, func(j *Job) error { return CheckLease(*j, leaseToken) }, func(j *Job) {
		j.Status = o.Status
		if o.Status == StatusCompleted {
			j.Progress = 100
		}
		j.Result = slices.Clone(o.Result)
		j.ErrorMessage = o.ErrorMessage
		j.DeadLettered = o.DeadLettered
		j.CompletedAt = o.Now
		releaseLease(j)
		j.History = append(j.History, AttemptEnded(o.Now, o.Attempt, OutcomeOf(o.Status), o.ErrorMessage))
	})
}

// FinishUnclaimed records a quick run's success: queued -> completed.
func (s *MemoryStore) FinishUnclaimed(_ context.Context, id string, u UnclaimedRun) (Job, error) {
	return s.apply("finish unclaimed", id, u.Now, func(j *Job) error { return CheckFinishUnclaimed(*j, u.Version) }, func(j *Job) {
		j.Status = StatusCompleted
		j.Attempt++
		j.Progress = 100
		j.Result = slices.Clone(u.Result)
		j.ErrorMessage = ""
		j.DeadLettered = false
		j.CompletedAt = u.Now
		releaseLease(j)
		j.History = append(j.History, NewEvent(u.Started, EventAttemptStarted, "", ""), AttemptEnded(u.Now, u.Attempt, OutcomeCompleted, ""))
	})
}

// rejectUnless is the error of a transition whose rule (a yes/no rule such
// as Claimable) said no.
func rejectUnless(allowed bool) error {
	if allowed {
		return nil
	}
	return ErrInvalidTransition
}

// releaseLease clears the lease and the reconciler's interest of a job
// that became final.
func releaseLease(j *Job) {
	j.LeaseToken = ""
	j.LeaseExpiresAt = time.Time{}
	j.NextAttemptAt = time.Time{}
	j.SweepAt = time.Time{}
}

// Retry records a retryable failure by the lease holder.
func (s *MemoryStore) Retry(_ context.Context, id, leaseToken string, r RetryWait) (Job, error) {
	return s.apply("retry", id, r.Now, func(j *Job) error { return CheckLease(*j, leaseToken) }, func(j *Job) {
		j.ErrorMessage = r.ErrorMessage
		j.LeaseToken = ""
		j.LeaseExpiresAt = r.NextAttemptAt
		j.NextAttemptAt = r.NextAttemptAt
		j.SweepAt = r.NextAttemptAt
		j.History = append(j.History, AttemptEnded(r.Now, r.Attempt, r.HistoryOutcome(), r.ErrorMessage))
	})
}

// Release gives back the lease holder's interrupted attempt, uncounted.
func (s *MemoryStore) Release(_ context.Context, id, leaseToken string, r Release) (Job, error) {
	return s.apply("release", id, r.Now, func(j *Job) error { return CheckLease(*j, leaseToken) }, func(j *Job) {
		j.Attempt--
		j.ErrorMessage = r.Reason
		j.LeaseToken = ""
		j.LeaseExpiresAt, j.NextAttemptAt, j.SweepAt = r.Now, r.Now, r.Now
		ended := AttemptEnded(r.Now, r.Attempt, OutcomeInterrupted, r.Reason)
		j.History = append(slices.Clone(CompactHistory(j.History)), ended)
	})
}

// Cancel moves the owner's queued or processing job to canceled.
func (s *MemoryStore) Cancel(_ context.Context, id string, c CancelRequest) (Job, error) {
	return s.apply("cancel", id, c.Now, func(j *Job) error { return CheckCancel(*j, c) }, func(j *Job) {
		j.Status = StatusCanceled
		j.CompletedAt = c.Now
		releaseLease(j)
		j.History = append(j.History, NewEvent(c.Now, EventCancel, c.Reason, c.Actor()))
	})
}

// FailExpired fails a processing job whose last attempt's lease expired.
func (s *MemoryStore) FailExpired(_ context.Context, id string, attempt int, message string, now time.Time) (Job, error) {
	return s.apply("fail expired", id, now, func(j *Job) error {
		return rejectUnless(CanFailExpired(*j, attempt, now))
	}, func(j *Job) {
		j.Status = StatusFailed
		j.ErrorMessage = message
		j.DeadLettered = true
		j.CompletedAt = now
		releaseLease(j)
		j.History = append(j.History, AttemptEnded(now, attempt, OutcomeLeaseLost, message))
	})
}

// Redrive is an operator's failed -> queued of a dead-lettered job.
func (s *MemoryStore) Redrive(_ context.Context, id string, r RedriveRequest) (Job, error) {
	now := r.Now
	return s.apply("redrive", id, now, func(j *Job) error { return CheckRedrive(*j) }, func(j *Job) {
		j.Status = StatusQueued
		j.Attempt = 0
		j.Progress = 0
		j.DeadLettered = false
		j.CompletedAt = time.Time{}
		j.SweepAt = now
		redrive := NewEvent(now, EventRedrive, r.Reason, r.By)
		j.History = append(slices.Clone(CompactHistory(j.History)), redrive)
	})
}

// RescheduleSweep moves the SweepAt of an unchanged, unfinished job.
func (s *MemoryStore) RescheduleSweep(_ context.Context, id string, version int64, sweepAt, now time.Time) (Job, error) {
	return s.apply("reschedule sweep", id, now, func(j *Job) error {
		return rejectUnless(CanRescheduleSweep(*j, version))
	}, func(j *Job) { j.SweepAt = sweepAt })
}

// AddAsset records an asset; only the lease holder may.
func (s *MemoryStore) AddAsset(_ context.Context, leaseToken string, a Asset) (Asset, error) {
	if a.ID == "" || a.JobID == "" {
		return Asset{}, fmt.Errorf("add asset: id and jobId are required")
	}
	a = cloneAsset(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.idx.get(a.JobID)
	if !ok {
		return Asset{}, fmt.Errorf("add asset to job %s: %w", a.JobID, ErrNotFound)
	}
	if err := CheckLease(m.job, leaseToken); err != nil {
		return Asset{}, &TransitionError{Op: "add asset", JobID: a.JobID, Current: cloneJob(m.job), Err: err}
	}
	m.assets = append(m.assets, a)
	return cloneAsset(a), nil
}

// ListAssets returns a job's assets, oldest first.
func (s *MemoryStore) ListAssets(_ context.Context, jobID string) ([]Asset, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.idx.get(jobID)
	if !ok {
		return []Asset{}, nil
	}
	out := make([]Asset, 0, len(m.assets))
	for _, a := range m.assets {
		out = append(out, cloneAsset(a))
	}
	return out, nil
}

// cloneJob copies a job so callers never share memory with the store.
func cloneJob(j Job) Job {
	j.Parameters = slices.Clone(j.Parameters)
	j.Result = slices.Clone(j.Result)
	j.History = slices.Clone(j.History)
	return j
}

func cloneAsset(a Asset) Asset {
	a.Metadata = maps.Clone(a.Metadata)
	return a
}
