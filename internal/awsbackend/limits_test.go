package awsbackend_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// TestOutcomesThatDoNotFitAnItem runs, on DynamoDB, two jobs whose outcome
// cannot be stored with them: a 390 KB echo result (over
// jobs.MaxResultBytes: the engine fails the job without writing it), and a
// 200 KB result of a job whose parameters are 300 KB (under the limit, but
// the item would pass DynamoDB's 400 KB: the ValidationException is
// jobs.ErrWriteRejected, not a transient error, and the job fails saying
// so). Neither vanishes, neither ends completed.
func TestOutcomesThatDoNotFitAnItem(t *testing.T) {
	t.Parallel()
	s := newSystem(t, false)
	worker.Register(s.registry, "echo-params", func(_ context.Context, _ *worker.Task, p json.RawMessage) (json.RawMessage, error) { return p, nil })
	worker.Register(s.registry, "result-200k", func(context.Context, *worker.Task, json.RawMessage) (string, error) {
		return strings.Repeat("r", 200_000), nil
	})
	ctx := context.Background()
	tests := []struct {
		jobType, params, want string
	}{
		{"echo-params", `{"s":"` + strings.Repeat("p", 390_000) + `"}`, "over the 262144-byte limit of a stored result"},
		{"result-200k", `{"s":"` + strings.Repeat("p", 300_000) + `"}`, "the job's outcome could not be stored"},
	}
	for _, tt := range tests {
		now := s.clock.Now()
		job, _, err := s.store.Create(ctx, jobs.Job{ID: tt.jobType + "-" + now.Format("150405.000000000"), Owner: "user-limits", JobType: tt.jobType,
			Parameters: json.RawMessage(tt.params), MaxAttempts: 3, CreatedAt: now, UpdatedAt: now, SweepAt: now.Add(time.Minute)})
		if err != nil {
			t.Fatalf("%s: create: %v", tt.jobType, err)
		}
		m := s.receiveOneAfterSend(t, job)
		if r := s.process(t, m); r.Status != jobs.StatusFailed {
			t.Errorf("%s: processed %+v, want failed", tt.jobType, r)
		}
		got, err := s.store.Get(ctx, job.ID)
		if err != nil || got.Status != jobs.StatusFailed || got.Result != nil || !strings.Contains(got.ErrorMessage, tt.want) {
			t.Errorf("%s: job %s %q (result %d bytes, %v); want failed, %q", tt.jobType, got.Status, got.ErrorMessage, len(got.Result), err, tt.want)
		}
	}
	// The store's answer to the write it cannot take, on its own.
	now := s.clock.Now()
	big, _, err := s.store.Create(ctx, jobs.Job{ID: "direct-" + now.Format("150405.000000000"), Owner: "user-limits", JobType: "echo",
		Parameters: json.RawMessage(`{"s":"` + strings.Repeat("p", 300_000) + `"}`), MaxAttempts: 1, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Claim(ctx, big.ID, jobs.Claim{LeaseToken: "l", Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.store.Finish(ctx, big.ID, "l", jobs.Outcome{Status: jobs.StatusCompleted, Result: json.RawMessage(`"` + strings.Repeat("r", 200_000) + `"`), Now: now})
	if !errors.Is(err, jobs.ErrWriteRejected) || errors.Is(err, jobs.ErrUnavailable) {
		t.Errorf("finish of a 500 KB item: %v; want jobs.ErrWriteRejected, not ErrUnavailable", err)
	}
}

// receiveOneAfterSend sends job's message and receives it.
func (s *system) receiveOneAfterSend(t testing.TB, job jobs.Job) queue.Message {
	t.Helper()
	if _, err := s.queue.Send(context.Background(), queue.JobSend(job, 0)); err != nil {
		t.Fatalf("send: %v", err)
	}
	return s.receiveOne(t)
}
