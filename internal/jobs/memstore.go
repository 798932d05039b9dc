package jobs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is the in-memory Store of the embedded default (dev server,
// tests). One mutex makes every transition atomic, which is the same
// guarantee a DynamoDB conditional write gives. It keeps nothing on disk.
type MemoryStore struct {
	mu     sync.Mutex
	jobs   map[string]*Job
	assets map[string][]Asset
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{jobs: map[string]*Job{}, assets: map[string][]Asset{}}
}

var _ Store = (*MemoryStore)(nil)

// Create stores a new job unless one with the same ID exists.
func (s *MemoryStore) Create(_ context.Context, job Job) (Job, bool, error) {
	j, err := PrepareCreate(job)
	if err != nil {
		return Job{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing, ok := s.jobs[j.ID]; ok {
		return cloneJob(*existing), false, nil
	}
	j = cloneJob(j)
	s.jobs[j.ID] = &j
	return cloneJob(j), true, nil
}

// Get returns a job by ID.
func (s *MemoryStore) Get(_ context.Context, id string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, fmt.Errorf("get job %s: %w", id, ErrNotFound)
	}
	return cloneJob(*j), nil
}

// memCursor is the position after which the next page starts.
type memCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// List returns a page of an owner's jobs, newest first.
func (s *MemoryStore) List(_ context.Context, q ListQuery) (Page, error) {
	if q.Owner == "" {
		return Page{}, errors.New("list jobs: owner is required")
	}
	return s.list(q)
}

// ListAll returns a page of every owner's jobs (of q.Owner's, when set),
// newest first.
func (s *MemoryStore) ListAll(_ context.Context, q ListQuery) (Page, error) {
	return s.list(q)
}

// list pages through the jobs that q selects, newest first.
func (s *MemoryStore) list(q ListQuery) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	var after *memCursor
	if q.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		var c memCursor
		if err != nil || json.Unmarshal(raw, &c) != nil || c.ID == "" {
			return Page{}, fmt.Errorf("list jobs: %w", ErrInvalidCursor)
		}
		after = &c
	}
	s.mu.Lock()
	var matched []Job
	for _, j := range s.jobs {
		if (q.Owner != "" && j.Owner != q.Owner) || (q.Status != "" && j.Status != q.Status) || (q.JobType != "" && j.JobType != q.JobType) {
			continue
		}
		matched = append(matched, cloneJob(*j))
	}
	s.mu.Unlock()
	slices.SortFunc(matched, func(a, b Job) int { return compareNewestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	start := 0
	if after != nil {
		start = len(matched)
		for i, j := range matched {
			if compareNewestFirst(j.CreatedAt, j.ID, after.CreatedAt, after.ID) > 0 {
				start = i
				break
			}
		}
	}
	page := Page{Jobs: []Job{}}
	end := min(start+q.Limit, len(matched))
	page.Jobs = append(page.Jobs, matched[start:end]...)
	if end < len(matched) {
		last := matched[end-1]
		raw, _ := json.Marshal(memCursor{CreatedAt: last.CreatedAt, ID: last.ID})
		page.NextCursor = base64.RawURLEncoding.EncodeToString(raw)
	}
	return page, nil
}

// compareNewestFirst orders by creation time descending, then ID descending.
func compareNewestFirst(at time.Time, aID string, bt time.Time, bID string) int {
	if c := bt.Compare(at); c != 0 {
		return c
	}
	return strings.Compare(bID, aID)
}

// apply runs one transition under the lock: check decides whether the job
// may change (returning the rule's error that rejects it), change applies
// it.
func (s *MemoryStore) apply(op, id string, now time.Time, check func(j *Job) error, change func(j *Job)) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, fmt.Errorf("%s job %s: %w", op, id, ErrNotFound)
	}
	if err := check(j); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Job{}, fmt.Errorf("%s job %s: %w", op, id, ErrNotFound)
		}
		return Job{}, &TransitionError{Op: op, JobID: id, Current: cloneJob(*j), Err: err}
	}
	change(j)
	j.UpdatedAt = now
	j.Version++
	return cloneJob(*j), nil
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

// ListDue returns unfinished jobs whose SweepAt is at or before before.
func (s *MemoryStore) ListDue(_ context.Context, before time.Time, limit int) ([]Job, error) {
	s.mu.Lock()
	var due []Job
	for _, j := range s.jobs {
		if !j.Status.Final() && !j.SweepAt.IsZero() && !j.SweepAt.After(before) {
			due = append(due, cloneJob(*j))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(due, func(a, b Job) int {
		if c := a.SweepAt.Compare(b.SweepAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(due) > limit {
		due = due[:limit]
	}
	return due, nil
}

// AddAsset records an asset; only the lease holder may.
func (s *MemoryStore) AddAsset(_ context.Context, leaseToken string, a Asset) (Asset, error) {
	if a.ID == "" || a.JobID == "" {
		return Asset{}, fmt.Errorf("add asset: id and jobId are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[a.JobID]
	if !ok {
		return Asset{}, fmt.Errorf("add asset to job %s: %w", a.JobID, ErrNotFound)
	}
	if err := CheckLease(*j, leaseToken); err != nil {
		return Asset{}, &TransitionError{Op: "add asset", JobID: a.JobID, Current: cloneJob(*j), Err: err}
	}
	a = cloneAsset(a)
	s.assets[a.JobID] = append(s.assets[a.JobID], a)
	return cloneAsset(a), nil
}

// ListAssets returns a job's assets, oldest first.
func (s *MemoryStore) ListAssets(_ context.Context, jobID string) ([]Asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Asset, 0, len(s.assets[jobID]))
	for _, a := range s.assets[jobID] {
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
