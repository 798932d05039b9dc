package storetest

import (
	"errors"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// testReleaseKeepsTheAttempt: a job on its last attempt whose worker shut
// down is released: still processing, claimable at once, its attempt not
// spent; the next claim runs the same attempt, and the history shows the
// first one interrupted. The released lease no longer writes.
func testReleaseKeepsTheAttempt(t *testing.T, b *bundle) {
	j := b.newJob(randomID("owner-"))
	j.MaxAttempts = 1
	j = b.create(t, j)
	_, token := b.claim(t, j.ID, b.t0)
	at := b.t0.Add(4 * time.Second)
	got, err := b.store.Release(b.ctx, j.ID, token, jobs.Release{Reason: "attempt interrupted: the worker shut down", Now: at, Attempt: 1})
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got.Status != jobs.StatusProcessing || got.Attempt != 0 || got.LeaseToken != "" || !got.LeaseExpiresAt.Equal(at) ||
		!got.SweepAt.Equal(at) || got.ErrorMessage != "attempt interrupted: the worker shut down" {
		t.Fatalf("after Release: %+v", got)
	}
	if jobs.DiedOnLastAttempt(got, at) || !jobs.Claimable(got, at) {
		t.Fatalf("released job: died on last attempt %v, claimable %v; want false, true", jobs.DiedOnLastAttempt(got, at), jobs.Claimable(got, at))
	}
	if _, err := b.store.Progress(b.ctx, j.ID, token, 10, at); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatalf("Progress after Release: %v, want ErrLeaseLost", err)
	}
	if _, err := b.store.Release(b.ctx, j.ID, token, jobs.Release{Now: at, Attempt: 1}); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatalf("second Release: %v, want ErrLeaseLost", err)
	}
	again, token := b.claim(t, j.ID, at)
	if again.Attempt != 1 {
		t.Fatalf("claim after Release: attempt %d, want 1", again.Attempt)
	}
	done, err := b.store.Finish(b.ctx, j.ID, token, jobs.Outcome{Status: jobs.StatusCompleted, Now: at.Add(time.Second), Attempt: 1})
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want := []jobs.AttemptRecord{
		{Attempt: 1, StartedAt: b.t0, EndedAt: at, Outcome: jobs.OutcomeInterrupted, Error: "attempt interrupted: the worker shut down"},
		{Attempt: 1, StartedAt: at, EndedAt: at.Add(time.Second), Outcome: jobs.OutcomeCompleted},
	}
	checkAttempts(t, jobs.Attempts(done), want)
}

// testReleasesBounded releases a job's attempt far more often than its
// history may hold events: the history stays within jobs.MaxHistoryEvents,
// and the attempts that follow, up to the last, still fit.
func testReleasesBounded(t *testing.T, b *bundle) {
	j := b.newJob(randomID("owner-"))
	j.MaxAttempts = jobs.MaxMaxAttempts
	j = b.create(t, j)
	now := b.t0
	for i := range 3 * jobs.MaxHistoryEvents {
		now = now.Add(time.Minute)
		claimed, tok := b.claim(t, j.ID, now)
		got, err := b.store.Release(b.ctx, j.ID, tok, jobs.Release{Reason: "shutdown", Now: now, Attempt: claimed.Attempt})
		if err != nil {
			t.Fatalf("release %d: %v", i, err)
		}
		checkHistoryBounds(t, got)
	}
	for attempt := 1; attempt <= jobs.MaxMaxAttempts; attempt++ {
		now = now.Add(time.Minute)
		claimed, tok := b.claim(t, j.ID, now)
		if claimed.Attempt != attempt {
			t.Fatalf("attempt %d after the releases, want %d", claimed.Attempt, attempt)
		}
		got, err := b.store.Retry(b.ctx, j.ID, tok, jobs.RetryWait{ErrorMessage: "boom", NextAttemptAt: now, Now: now, Attempt: attempt})
		if err != nil {
			t.Fatalf("retry %d: %v", attempt, err)
		}
		checkHistoryBounds(t, got)
	}
}

// checkAttempts compares the attempts a job's history shows with want.
func checkAttempts(t *testing.T, got, want []jobs.AttemptRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("attempts = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Attempt != w.Attempt || !g.StartedAt.Equal(w.StartedAt) || !g.EndedAt.Equal(w.EndedAt) || g.Outcome != w.Outcome || g.Error != w.Error {
			t.Errorf("attempt %d = %+v, want %+v", i, g, w)
		}
	}
}
