package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"jobline/internal/jobs"
	"jobline/internal/worker"
)

// itemLimitStore refuses, as DynamoDB refuses an item over 400 KB, any
// Finish whose result is over limit bytes.
type itemLimitStore struct {
	jobs.Store
	limit int
}

func (s itemLimitStore) Finish(ctx context.Context, id, token string, o jobs.Outcome) (jobs.Job, error) {
	if len(o.Result) > s.limit {
		return jobs.Job{}, fmt.Errorf("finish job %s: %w: ValidationException: Item size has exceeded the maximum allowed size", id, jobs.ErrWriteRejected)
	}
	return s.Store.Finish(ctx, id, token, o)
}

// TestRejectedOutcomeFailsTheJob: a result under jobs.MaxResultBytes that
// the store still refuses (an item over its limit) is not retried as if
// the store were down: the job fails at once, saying why, and the message
// is acknowledged.
func TestRejectedOutcomeFailsTheJob(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.store.Store = itemLimitStore{Store: b.store.Store, limit: 1000}
	b.handle("big", func(context.Context, *worker.Task) (any, error) { return strings.Repeat("x", 2000), nil })
	j := b.create(t, "big", `{}`, 3, false)
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusFailed || got.DeadLettered || got.Result != nil ||
		!strings.Contains(got.ErrorMessage, "the job's outcome could not be stored") || !strings.Contains(got.ErrorMessage, "maximum allowed size") {
		t.Fatalf("result %+v, job %s %q (dead-lettered %v, result %d bytes)", r, got.Status, got.ErrorMessage, got.DeadLettered, len(got.Result))
	}
	if n := b.store.count("Finish"); n != 2 {
		t.Errorf("%d finishes, want 2 (the refused one, then the failure)", n)
	}
}

// TestResultOverTheLimitFailsTheJob: a result over jobs.MaxResultBytes
// never reaches the store; the job fails with an errorMessage that says so.
func TestResultOverTheLimitFailsTheJob(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("huge", func(context.Context, *worker.Task) (any, error) { return strings.Repeat("x", 390_000), nil })
	j := b.create(t, "huge", `{}`, 3, false)
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusFailed || got.Result != nil ||
		!strings.Contains(got.ErrorMessage, "390002 bytes of JSON") || !strings.Contains(got.ErrorMessage, "limit of a stored result") {
		t.Fatalf("result %+v, job %s %q", r, got.Status, got.ErrorMessage)
	}
}
