package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// testFinishUnclaimed checks a quick run's one write: queued -> completed
// with the attempt counted and told in the history, applied only to the
// job as the run read it.
func testFinishUnclaimed(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob(randomID("owner-")))
	read, err := b.store.GetLatest(b.ctx, j.ID)
	if err != nil || read.Status != jobs.StatusQueued || read.Version != j.Version {
		t.Fatalf("GetLatest = %+v, %v; want the queued job at version %d", read, err, j.Version)
	}
	started, ended := b.t0.Add(time.Second), b.t0.Add(2*time.Second)
	run := jobs.UnclaimedRun{Version: read.Version, Attempt: read.Attempt + 1, Started: started, Now: ended, Result: json.RawMessage(`{"n":1}`)}
	done, err := b.store.FinishUnclaimed(b.ctx, j.ID, run)
	if err != nil {
		t.Fatalf("FinishUnclaimed: %v", err)
	}
	got, err := b.store.Get(b.ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []jobs.Job{done, got} {
		if j.Status != jobs.StatusCompleted || j.Attempt != 1 || j.Progress != 100 || string(j.Result) != `{"n":1}` ||
			!j.CompletedAt.Equal(ended) || j.LeaseToken != "" || j.ErrorMessage != "" || j.Version <= read.Version {
			t.Fatalf("after FinishUnclaimed: %+v", j)
		}
	}
	events := got.History[len(got.History)-2:]
	if events[0].Type != jobs.EventAttemptStarted || !events[0].At.Equal(started) ||
		events[1].Type != jobs.EventAttemptEnded || events[1].Attempt != 1 || events[1].Outcome != jobs.OutcomeCompleted || !events[1].At.Equal(ended) {
		t.Fatalf("history ends %+v; want the attempt's start at %v and its completion at %v", events, started, ended)
	}
	// A second run of the same read (a duplicate delivery's) is refused,
	// and the first run's result stands.
	run.Result = json.RawMessage(`{"n":2}`)
	_, err = b.store.FinishUnclaimed(b.ctx, j.ID, run)
	if cur, ok := jobs.CurrentJob(err); !errors.Is(err, jobs.ErrInvalidTransition) || !ok || string(cur.Result) != `{"n":1}` {
		t.Fatalf("second FinishUnclaimed: %v (current %+v); want ErrInvalidTransition with the first result", err, cur)
	}
	due, err := b.store.ListDue(b.ctx, b.t0.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(due, func(d jobs.Job) bool { return d.ID == j.ID }) {
		t.Fatal("a job finished by a quick run is still due for the reconciler")
	}
}

// testFinishUnclaimedRefused checks that a cancel made during a quick run
// stands, and that a missing job is ErrNotFound.
func testFinishUnclaimedRefused(t *testing.T, b *bundle) {
	started, ended := b.t0.Add(time.Second), b.t0.Add(2*time.Second)
	c := b.create(t, b.newJob(randomID("owner-")))
	if _, err := b.store.Cancel(b.ctx, c.ID, jobs.CancelRequest{Owner: c.Owner, Now: started}); err != nil {
		t.Fatal(err)
	}
	_, err := b.store.FinishUnclaimed(b.ctx, c.ID, jobs.UnclaimedRun{Version: c.Version, Attempt: 1, Started: started, Now: ended})
	if cur, ok := jobs.CurrentJob(err); !errors.Is(err, jobs.ErrInvalidTransition) || !ok || cur.Status != jobs.StatusCanceled {
		t.Fatalf("FinishUnclaimed after a cancel: %v (current %+v); want ErrInvalidTransition, canceled", err, cur)
	}
	run := jobs.UnclaimedRun{Version: 1, Attempt: 1, Started: started, Now: ended}
	if _, err := b.store.FinishUnclaimed(b.ctx, "job-missing", run); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("FinishUnclaimed of a missing job: %v, want ErrNotFound", err)
	}
	if _, err := b.store.GetLatest(b.ctx, "job-missing"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("GetLatest of a missing job: %v, want ErrNotFound", err)
	}
}
