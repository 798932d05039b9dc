package awsbackend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// TestReconcilerTellsABacklogFromALostSendOnSQS is the reconciler's backlog
// rule on DynamoDB and SQS: 300 jobs wait in the queue (no worker is
// running) and one older job's message was lost between PutItem and
// SendMessage. The queue's approximate counts show 300 waiting messages for
// 301 overdue queued jobs: the reconciler re-sends exactly one message, the
// lost job's, and leaves the 300 to the backlog.
func TestReconcilerTellsABacklogFromALostSendOnSQS(t *testing.T) {
	t.Parallel()
	s := newSystem(t, true)
	ctx := context.Background()
	start := s.clock.Now()
	newJob := func(i int, at time.Time) jobs.Job {
		j, _, err := s.store.Create(ctx, jobs.Job{ID: fmt.Sprintf("backlog-%s-%03d", start.Format("150405.000000"), i), Owner: "user-backlog",
			JobType: "echo", Parameters: json.RawMessage(`{}`), MaxAttempts: 3, CreatedAt: at, UpdatedAt: at, SweepAt: at.Add(jobs.DefaultQueuedGrace)})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	lost := newJob(0, start) // the API died before its SendMessage
	var sends []queue.SendRequest
	for i := 1; i <= 300; i++ {
		sends = append(sends, queue.JobSend(newJob(i, start.Add(time.Second)), 0))
	}
	if _, err := s.queue.Send(ctx, sends...); err != nil {
		t.Fatal(err)
	}
	rec, err := worker.NewReconciler(worker.ReconcilerConfig{Store: s.store, Queue: s.queue,
		Clock: clock.NewFake(start.Add(10 * time.Minute)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.counter.Reset()
	rep, err := rec.RunOnce(ctx)
	if err != nil || rep.Backlog != 300 || rep.Resent != 1 || rep.Waiting != 300 {
		t.Fatalf("sweep: %+v, %v; want a backlog of 300, 1 re-sent, 300 waiting", rep, err)
	}
	if n := s.counter.Get("SQS.GetQueueAttributes"); n != 2 {
		t.Errorf("%d GetQueueAttributes, want 2 (the default and the high-priority queue)", n)
	}
	// The re-sent message is the lost job's.
	found := false
	for range 31 {
		msgs, err := s.queue.Receive(ctx, queue.ReceiveRequest{Max: queue.MaxBatch, Visibility: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if msg, _ := queue.DecodeJobMessage(m.Body); msg.JobID == lost.ID {
				found = true
			}
		}
	}
	if !found {
		t.Error("no message for the lost job")
	}
}
