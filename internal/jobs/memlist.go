package jobs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// memCursor is the position after which the next page starts: the last
// listed job's creation time (Unix seconds and nanoseconds, so that every
// time.Time round-trips) and ID. Every list tree orders its jobs by
// (CreatedAt, ID) within its filters, so one position serves them all.
type memCursor struct {
	Seconds int64  `json:"s"`
	Nanos   int64  `json:"n"`
	ID      string `json:"i"`
}

// newMemCursor is the position of j.
func newMemCursor(j *Job) memCursor {
	return memCursor{Seconds: j.CreatedAt.Unix(), Nanos: int64(j.CreatedAt.Nanosecond()), ID: j.ID}
}

// encode returns the cursor as the opaque string of Page.NextCursor.
func (c memCursor) encode() string {
	raw, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("encode list cursor: %v", err)) // ints and a string always marshal
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeMemCursor parses a cursor that encode made; anything else
// (including the same position spelled otherwise) is ErrInvalidCursor.
func decodeMemCursor(s string) (memCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c memCursor
	if err != nil || json.Unmarshal(raw, &c) != nil || c.ID == "" || c.Nanos < 0 || c.Nanos >= int64(time.Second) || c.encode() != s {
		return memCursor{}, fmt.Errorf("list jobs: %w", ErrInvalidCursor)
	}
	return c, nil
}

// createdAt is the creation time of the cursor's job, in UTC.
func (c memCursor) createdAt() time.Time { return time.Unix(c.Seconds, c.Nanos).UTC() }

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

// list reads one page of the list tree of q's filters, from the start of
// q's jobs or from just after q's cursor: it visits the page and the job
// after it (to know whether there is a next page), nothing else.
func (s *MemoryStore) list(q ListQuery) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	filter := filterOf(q)
	from := &memJob{job: Job{Owner: q.Owner, Status: q.Status, JobType: q.JobType}, seekFirst: true}
	if q.Cursor != "" {
		c, err := decodeMemCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		from.job.CreatedAt, from.job.ID, from.seekFirst = c.createdAt(), c.ID, false
	}
	page := Page{Jobs: make([]Job, 0, q.Limit)}
	more := false
	s.mu.RLock()
	s.idx.listTree(filter, q.Status).AscendGreaterOrEqual(from, func(m *memJob) bool {
		if filter.comparePrefix(&m.job, &from.job) != 0 {
			return false // past the last job of q's filters
		}
		if !from.seekFirst && !(filter&^filterStatus).less(from, m) {
			return true // the cursor's own job, listed on the previous page
		}
		if len(page.Jobs) == q.Limit {
			more = true
			return false
		}
		page.Jobs = append(page.Jobs, cloneJob(m.job))
		return true
	})
	s.mu.RUnlock()
	if more {
		page.NextCursor = newMemCursor(&page.Jobs[len(page.Jobs)-1]).encode()
	}
	return page, nil
}

// ListDue returns unfinished jobs whose SweepAt is at or before before,
// oldest SweepAt first (then by ID).
func (s *MemoryStore) ListDue(_ context.Context, before time.Time, limit int) ([]Job, error) {
	var due []Job
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.idx.due.Ascend(func(m *memJob) bool {
		if len(due) >= limit || m.job.SweepAt.After(before) {
			return false
		}
		due = append(due, cloneJob(m.job))
		return true
	})
	return due, nil
}
