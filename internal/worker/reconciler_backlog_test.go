package worker_test

import (
	"context"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// backlogJobs is how many jobs wait behind the slow consumer.
const backlogJobs = 20_000

// consume receives and processes up to n messages, as a worker pool that
// manages n a minute would.
func (b *bundle) consume(t *testing.T, n int) int {
	t.Helper()
	done := 0
	for done < n {
		msgs, err := b.mem.Receive(context.Background(), queue.ReceiveRequest{Max: min(queue.MaxBatch, n-done)})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			b.process(t, m)
		}
		done += len(msgs)
	}
	return done
}

// TestReconcilerTellsABacklogFromALostMessage queues 20,000 jobs behind a
// consumer that manages 300 a minute, plus one job whose message was lost
// between the store's write and the send (it is the oldest). For 30
// minutes the reconciler sweeps every minute: the queue's backlog accounts
// for every overdue queued job, so it re-sends (almost) nothing, where it
// used to re-send every job still queued after StrandedAfter. Then the
// consumer catches up, and the lost message is re-sent within the bound of
// RunOnce: at the first look at the job after the backlog has drained,
// LostAfter past due at the latest.
func TestReconcilerTellsABacklogFromALostMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	b.handle("echo", ok)
	rec := newReconciler(t, b, 100)
	ctx := context.Background()
	lost := b.create(t, "echo", `{}`, 3, true)
	for range backlogJobs {
		b.create(t, "echo", `{}`, 3, false)
	}
	resent, minute := 0, 0
	sweep := func() {
		t.Helper()
		b.clock.Advance(time.Minute)
		minute++
		rep, err := rec.RunOnce(ctx)
		if err != nil {
			t.Fatalf("minute %d: %v", minute, err)
		}
		resent += rep.Resent
	}
	for minute < 30 {
		b.consume(t, 300)
		sweep()
	}
	if resent >= backlogJobs/100 {
		t.Errorf("re-sent %d messages in 30 minutes of backlog, want under 1%% of %d jobs", resent, backlogJobs)
	}
	t.Logf("30 minutes of backlog: %d re-sent, %d jobs still queued", resent, backlogJobs-300*30)
	if got := b.get(t, lost.ID); got.Status != jobs.StatusQueued {
		t.Fatalf("lost job %s during the backlog, want queued", got.Status)
	}

	// The consumer catches up; the lost job completes by LostAfter past due.
	for b.get(t, lost.ID).Status != jobs.StatusCompleted {
		b.consume(t, 5000)
		sweep()
		if b.clock.Now().After(lost.CreatedAt.Add(time.Hour + time.Minute)) {
			t.Fatalf("lost job still %s at minute %d, past its bound", b.get(t, lost.ID).Status, minute)
		}
	}
	t.Logf("lost message re-sent and its job completed at minute %d; %d re-sent in all", minute, resent)
	if resent >= backlogJobs/100 {
		t.Errorf("re-sent %d messages in all, want under 1%%", resent)
	}
}

// TestReconcilerResendsOnlyTheExcess: with 10 overdue queued jobs of which
// 4 lost their messages, the queue holds 6: the 4 oldest are re-sent.
func TestReconcilerResendsOnlyTheExcess(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	rec := newReconciler(t, b, 100)
	var lost []jobs.Job
	for i := range 10 {
		j := b.create(t, "echo", `{}`, 3, i < 4)
		if i < 4 {
			lost = append(lost, j)
		}
		b.clock.Advance(time.Second)
	}
	b.clock.Advance(2 * time.Minute)
	rep, err := rec.RunOnce(context.Background())
	if err != nil || rep.Resent != 4 || rep.Waiting != 6 || rep.Backlog != 6 {
		t.Fatalf("report %+v, %v; want 4 re-sent, 6 waiting", rep, err)
	}
	sentFor := map[string]bool{}
	for range 10 {
		m := b.receive(t)
		msg, err := queue.DecodeJobMessage(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		sentFor[msg.JobID] = true
	}
	for _, j := range lost {
		if !sentFor[j.ID] {
			t.Errorf("lost job %s has no message", j.ID)
		}
	}
}
