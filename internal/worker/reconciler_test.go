package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

func newReconciler(t *testing.T, b *bundle, batch int) *worker.Reconciler {
	t.Helper()
	r, err := worker.NewReconciler(worker.ReconcilerConfig{
		Store:         b.store,
		Queue:         b.queue,
		Clock:         b.clock,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		StrandedAfter: 2 * time.Minute,
		BatchSize:     batch,
	})
	if err != nil {
		t.Fatalf("NewReconciler: %v", err)
	}
	return r
}

func TestReconcilerResendsLostMessageAndJobCompletes(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("echo", ok)
	rec := newReconciler(t, b, 100)
	ctx := context.Background()
	// The API stored the job, then died before sending its message.
	j := b.create(t, "echo", `{}`, 3, true)

	rep, err := rec.RunOnce(ctx)
	if err != nil || rep.Resent != 0 {
		t.Fatalf("too early: %+v, %v", rep, err)
	}
	b.clock.Advance(2 * time.Minute)
	rep, err = rec.RunOnce(ctx)
	if err != nil || rep.Resent != 1 || rep.Scanned != 1 {
		t.Fatalf("sweep: %+v, %v", rep, err)
	}
	// The job is not re-sent again on the very next sweep.
	if rep, _ := rec.RunOnce(ctx); rep.Resent != 0 {
		t.Fatalf("re-sent twice: %+v", rep)
	}
	r := b.process(t, b.receive(t))
	if got := b.get(t, j.ID); r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted {
		t.Fatalf("result %+v, job %s", r, got.Status)
	}
	// Finished jobs are no longer due.
	b.clock.Advance(time.Hour)
	if rep, _ := rec.RunOnce(ctx); rep.Scanned != 0 {
		t.Errorf("finished job scanned: %+v", rep)
	}
	b.queueEmpty(t)
}

func TestReconcilerBacklogBackoff(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	rec := newReconciler(t, b, 100)
	ctx := context.Background()
	j := b.create(t, "echo", `{}`, 3, true)
	// The lost message is re-sent once; then its copy waits in the queue
	// (no consumer here), which the backlog shows, so it is not re-sent
	// again before LostAfter; and each sweep pushes the job's next look by
	// its age, so it is rewritten a handful of times, not 29.
	resent := 0
	for range 29 {
		b.clock.Advance(2 * time.Minute)
		rep, err := rec.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resent += rep.Resent
	}
	if resent != 1 {
		t.Errorf("re-sent %d times in an hour, want once", resent)
	}
	if n := b.store.count("RescheduleSweep"); n < 2 || n > 6 {
		t.Errorf("%d reschedules in an hour, want a few (2..6)", n)
	}
	if got := b.get(t, j.ID); got.Status != jobs.StatusQueued {
		t.Errorf("status %s", got.Status)
	}
	// Past LostAfter (1h from due) the message is re-sent whatever the queue holds.
	for range 5 {
		b.clock.Advance(2 * time.Minute)
		rep, _ := rec.RunOnce(ctx)
		resent += rep.Resent
	}
	if resent != 2 {
		t.Errorf("re-sent %d times in 70 minutes, want twice (once more at LostAfter)", resent)
	}
}

func TestReconcilerExpiredLeases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxAttempts int
		leaseFor    time.Duration
		advance     time.Duration
		want        worker.Report
		wantStatus  jobs.Status
		wantSent    bool
	}{
		{
			name: "live lease is deferred to its expiry", maxAttempts: 3, leaseFor: 10 * time.Minute, advance: 2 * time.Minute,
			want: worker.Report{Scanned: 1, Deferred: 1}, wantStatus: jobs.StatusProcessing,
		},
		{
			name: "expired lease with attempts left is re-sent", maxAttempts: 3, leaseFor: time.Minute, advance: 3 * time.Minute,
			want: worker.Report{Scanned: 1, Resent: 1}, wantStatus: jobs.StatusProcessing, wantSent: true,
		},
		{
			name: "expired lease on the last attempt fails", maxAttempts: 1, leaseFor: time.Minute, advance: 3 * time.Minute,
			want: worker.Report{Scanned: 1, Failed: 1}, wantStatus: jobs.StatusFailed,
		},
		{
			name: "expired lease not yet past StrandedAfter is left alone", maxAttempts: 1, leaseFor: time.Minute, advance: 2 * time.Minute,
			want: worker.Report{}, wantStatus: jobs.StatusProcessing,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpt{})
			rec := newReconciler(t, b, 100)
			j := b.create(t, "echo", `{}`, tt.maxAttempts, true)
			claimed, err := b.store.Store.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "w", Now: t0, LeaseExpiresAt: t0.Add(tt.leaseFor)})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Deferred > 0 {
				// A store may leave SweepAt before the lease's end.
				if _, err := b.store.Store.RescheduleSweep(context.Background(), j.ID, claimed.Version, t0, t0); err != nil {
					t.Fatal(err)
				}
			}
			b.clock.Advance(tt.advance)
			rep, err := rec.RunOnce(context.Background())
			if err != nil || rep != tt.want {
				t.Fatalf("report %+v, %v; want %+v", rep, err, tt.want)
			}
			got := b.get(t, j.ID)
			if got.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", got.Status, tt.wantStatus)
			}
			if tt.wantStatus == jobs.StatusFailed && !got.DeadLettered {
				t.Error("failed job not dead-lettered, so it cannot be redriven")
			}
			if _, sent := b.tryReceive(t); sent != tt.wantSent {
				t.Errorf("message sent = %v, want %v", sent, tt.wantSent)
			}
			if tt.want.Deferred == 1 && !got.SweepAt.Equal(t0.Add(tt.leaseFor)) {
				t.Errorf("SweepAt %s, want the lease expiry", got.SweepAt)
			}
		})
	}
}

func TestReconcilerDeadWorkerJobCompletesThroughEngine(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("echo", ok, worker.Timeout(time.Minute))
	rec := newReconciler(t, b, 100)
	j := b.create(t, "echo", `{}`, 3, false)
	// A worker received the message, claimed, and crashed; its message was
	// then lost too (say, deleted by a buggy caller).
	m := b.receive(t)
	if _, err := b.store.Store.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "dead", Now: t0, LeaseExpiresAt: t0.Add(90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := b.mem.Delete(context.Background(), m.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(90*time.Second + 2*time.Minute)
	if rep, err := rec.RunOnce(context.Background()); err != nil || rep.Resent != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	r := b.process(t, b.receive(t))
	if got := b.get(t, j.ID); r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || got.Attempt != 2 {
		t.Fatalf("result %+v, job %s attempt %d", r, got.Status, got.Attempt)
	}
}

func TestReconcilerBatchesAndErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	rec := newReconciler(t, b, 7) // pages of 7
	for range 25 {
		b.create(t, "echo", `{}`, 3, true)
	}
	b.clock.Advance(2 * time.Minute)
	rep, err := rec.RunOnce(context.Background())
	if err != nil || rep.Resent != 25 || rep.Scanned != 25 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if n := b.queue.send.Load(); n != 3 {
		t.Errorf("%d Send calls for 25 messages read in pages of 7, want 3 (a sweep's re-sends go out 10 at a time)", n)
	}
	if visible := b.visible(t); visible != 25 {
		t.Errorf("%d visible messages, want 25", visible)
	}

	// One page of 25 goes out in SQS-sized batches of at most 10.
	b3 := setup(t, setupOpt{})
	for range 25 {
		b3.create(t, "echo", `{}`, 3, true)
	}
	b3.clock.Advance(2 * time.Minute)
	if rep, err := newReconciler(t, b3, 100).RunOnce(context.Background()); err != nil || rep.Resent != 25 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if n := b3.queue.send.Load(); n != 3 {
		t.Errorf("%d Send calls for 25 messages, want 3", n)
	}

	// A failing RescheduleSweep is reported and retried next sweep; the
	// message is re-sent all the same, and then waits in the queue.
	b2 := setup(t, setupOpt{})
	rec2 := newReconciler(t, b2, 100)
	j := b2.create(t, "echo", `{}`, 3, true)
	b2.clock.Advance(2 * time.Minute)
	b2.store.failWith("RescheduleSweep", errors.New("throttled"))
	rep, err = rec2.RunOnce(context.Background())
	if err == nil || rep.Errors != 1 || rep.Resent != 1 {
		t.Fatalf("report %+v, %v; want one error", rep, err)
	}
	b2.store.failWith("RescheduleSweep", nil)
	if rep, err := rec2.RunOnce(context.Background()); err != nil || rep.Resent != 0 || rep.Waiting != 1 || rep.Backlog != 1 {
		t.Fatalf("retry sweep %+v, %v; want the job looked at again, its message waiting", rep, err)
	}
	if got := b2.get(t, j.ID); !got.SweepAt.After(b2.clock.Now()) {
		t.Errorf("SweepAt %s not moved past %s", got.SweepAt, b2.clock.Now())
	}

	// A failing send makes the job due at once for the next sweep.
	b4 := setup(t, setupOpt{queue: func(q *countingQueue) { q.sendErr = errors.New("sqs down") }})
	j4 := b4.create(t, "echo", `{}`, 3, true)
	b4.clock.Advance(2 * time.Minute)
	if rep, err := newReconciler(t, b4, 100).RunOnce(context.Background()); err == nil || rep.Resent != 0 || rep.Errors != 1 {
		t.Fatalf("report %+v, %v; want the send's error", rep, err)
	}
	if got := b4.get(t, j4.ID); got.SweepAt.After(b4.clock.Now()) {
		t.Errorf("SweepAt %s after a failed re-send, want due now (%s)", got.SweepAt, b4.clock.Now())
	}
}

func TestReconcilerRunSweepsEveryIntervalAndStopsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := setup(t, setupOpt{})
		rec := newReconciler(t, b, 100)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx, time.Minute) }()
		// A sweep at once, then one a minute.
		time.Sleep(2*time.Minute + time.Second)
		synctest.Wait()
		if n := b.store.count("ListDue"); n != 3 {
			t.Errorf("%d sweeps in 2m1s, want 3 (at 0, 1m, 2m)", n)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if err := rec.Run(context.Background(), 0); err == nil {
			t.Error("Run accepted a zero interval")
		}
	})
}

// TestReconcilerDeadLettersJobWhoseWorkerDied checks that a job failed by
// the reconciler shows up in the dead-letter queue, and that the console's
// native redrive of that copy runs the job again, while the stale original
// message (still in flight when the worker died) does not.
func TestReconcilerDeadLettersJobWhoseWorkerDied(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("echo", ok)
	rec := newReconciler(t, b, 100)
	ctx := context.Background()
	j := b.create(t, "echo", `{}`, 1, false)
	stale := b.receive(t) // the worker that received it claims the job, then dies
	if _, err := b.store.Store.Claim(ctx, j.ID, jobs.Claim{LeaseToken: "dead", Now: t0, LeaseExpiresAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(5 * time.Minute)
	if rep, err := rec.RunOnce(ctx); err != nil || rep.Failed != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if d := b.dlqDepth(t); d != 1 {
		t.Fatalf("DLQ depth %d, want the reconciler's copy", d)
	}

	// The dead worker's message comes back: a stale duplicate, acknowledged.
	if r := b.process(t, stale); r.Disposition != worker.AckMessage || r.Ran {
		t.Fatalf("stale message: %+v", r)
	}
	if got := b.get(t, j.ID); got.Status != jobs.StatusFailed || len(jobs.Redrives(got)) != 0 {
		t.Fatalf("stale message changed the job: %+v", got)
	}

	// The console's native redrive moves the copy back: the job runs again.
	dl, err := b.mem.DeadLetters().Receive(ctx, queue.ReceiveRequest{Max: 1})
	if err != nil || len(dl) != 1 {
		t.Fatalf("DLQ receive: %v %d", err, len(dl))
	}
	if err := b.mem.DeadLetters().Redrive(ctx, dl[0]); err != nil {
		t.Fatal(err)
	}
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || len(jobs.Redrives(got)) != 1 {
		t.Fatalf("after native redrive: %+v, job %+v", r, got)
	}
}
