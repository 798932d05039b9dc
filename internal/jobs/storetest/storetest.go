// Package storetest is the conformance suite every jobs.Store must pass:
// the in-memory store in unit tests, DynamoDB against an emulator. It
// checks the whole status x status transition matrix, that every
// operation is accepted exactly when its rule in package jobs accepts it
// (RulesConformance), atomic claims, fencing, releases of interrupted
// attempts, idempotent creates, listing and the reconciler's queries.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jobline/internal/conformance"
	"jobline/internal/jobs"
)

// NewStore returns the store under test. Stores may be shared between
// tests: every test uses its own job IDs and owners, and the ListDue test
// uses a time range no other test touches.
type NewStore func(t *testing.T) jobs.Store

// Options says what a store under test supports.
type Options struct {
	// ListAll: the store implements Store.ListAll (every store must; a
	// store being built may leave it out until it does).
	ListAll bool
}

// Run runs the whole suite against the stores that newStore returns.
func Run(t *testing.T, newStore NewStore) { RunWith(t, newStore, Options{ListAll: true}) }

// RunWith is Run for a store with the given Options.
func RunWith(t *testing.T, newStore NewStore, opts Options) {
	cases := []conformance.Case[*bundle]{
		{Name: "TransitionMatrix", Test: testTransitionMatrix},
		{Name: "ProgressMatrix", Test: testProgressMatrix},
		{Name: "ConcurrentClaimsOneWinner", Test: testConcurrentClaims},
		{Name: "FencingAfterTakeover", Test: testFencing},
		{Name: "ReclaimRules", Test: testReclaimRules},
		{Name: "RetryWaitsInProcessing", Test: testRetryWait},
		{Name: "ReleaseKeepsTheAttempt", Test: testReleaseKeepsTheAttempt},
		{Name: "ReleasesBounded", Test: testReleasesBounded},
		{Name: "FailExpired", Test: testFailExpired},
		{Name: "FinishUnclaimed", Test: testFinishUnclaimed},
		{Name: "FinishUnclaimedRefused", Test: testFinishUnclaimedRefused},
		{Name: "RedriveRecordsHistory", Test: testRedrive},
		{Name: "CreateIsIdempotentByID", Test: testCreateIdempotent},
		{Name: "NotFound", Test: testNotFound},
		{Name: "CancelOwnership", Test: testCancelOwnership},
		{Name: "RejectionCarriesCurrentJob", Test: testRejectionCarriesJob},
		{Name: "ListNewestFirstWithCursor", Test: testListPaging},
		{Name: "ListFilters", Test: testListFilters},
		{Name: "ListInvalidCursor", Test: testListInvalidCursor},
		{Name: "ListDueAndRescheduleSweep", Test: testListDueAndRescheduleSweep},
		{Name: "Assets", Test: testAssets},
		{Name: "RoundTripFields", Test: testRoundTrip},
		{Name: "RulesConformance", Test: testRulesConformance},
		{Name: "HistoryTimeline", Test: testHistoryTimeline},
		{Name: "HistoryBounded", Test: testHistoryBounded},
		{Name: "CancelByOperator", Test: testCancelByOperator},
		{Name: "ListAllOwners", Test: testListAll},
	}
	conformance.Run(t, cases, func(t *testing.T) *bundle {
		return &bundle{store: newStore(t), ctx: context.Background(), t0: baseTime, listAll: opts.ListAll}
	}, nil)
}

// baseTime is the "now" of every test but ListDue's; millisecond precision
// so that every backend can store it exactly.
var baseTime = time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// bundle is what a test needs: the store and helpers around it.
type bundle struct {
	store   jobs.Store
	listAll bool
	ctx     context.Context
	t0      time.Time
}

func randomID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newJob returns a queued job ready for Create.
func (b *bundle) newJob(owner string) jobs.Job {
	return jobs.Job{
		ID:          randomID("job-"),
		Owner:       owner,
		JobType:     "echo",
		Status:      jobs.StatusQueued,
		Parameters:  json.RawMessage(`{"n":1}`),
		Priority:    0,
		MaxAttempts: 3,
		CreatedAt:   b.t0,
		UpdatedAt:   b.t0,
		SweepAt:     b.t0.Add(2 * time.Minute),
	}
}

func (b *bundle) create(t *testing.T, j jobs.Job) jobs.Job {
	t.Helper()
	got, created, err := b.store.Create(b.ctx, j)
	if err != nil || !created {
		t.Fatalf("Create(%s) = created %v, err %v; want created", j.ID, created, err)
	}
	return got
}

// claim claims id at now with a one-minute lease and returns the job and
// its token.
func (b *bundle) claim(t *testing.T, id string, now time.Time) (jobs.Job, string) {
	t.Helper()
	token := randomID("lease-")
	j, err := b.store.Claim(b.ctx, id, jobs.Claim{LeaseToken: token, Now: now, LeaseExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatalf("Claim(%s) at %v: %v", id, now, err)
	}
	return j, token
}

// driveTo creates a job and moves it to status through legal transitions.
// It returns the job and the lease token of the processing job (else "").
func (b *bundle) driveTo(t *testing.T, status jobs.Status) (jobs.Job, string) {
	t.Helper()
	j := b.create(t, b.newJob(randomID("owner-")))
	if status == jobs.StatusQueued {
		return j, ""
	}
	if status == jobs.StatusCanceled {
		j, err := b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: j.Owner, Now: b.t0})
		if err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		return j, ""
	}
	j, token := b.claim(t, j.ID, b.t0)
	if status == jobs.StatusProcessing {
		return j, token
	}
	j, err := b.store.Finish(b.ctx, j.ID, token, jobs.Outcome{
		Status: status, Result: json.RawMessage(`{"ok":true}`), ErrorMessage: "boom",
		DeadLettered: status == jobs.StatusFailed, Now: b.t0.Add(time.Second),
	})
	if err != nil {
		t.Fatalf("Finish to %s: %v", status, err)
	}
	return j, ""
}

// attempt tries to move j (in from) to status to through the named
// operation that produces to, at a time when any lease has expired.
func (b *bundle) attempt(j jobs.Job, token string, to jobs.Status) (jobs.Job, error) {
	later := b.t0.Add(time.Hour)
	if token == "" {
		token = randomID("lease-")
	}
	switch to {
	case jobs.StatusQueued:
		return b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: "matrix test", By: "storetest", Now: later})
	case jobs.StatusProcessing:
		return b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: randomID("lease-"), Now: later, LeaseExpiresAt: later.Add(time.Minute)})
	case jobs.StatusCompleted, jobs.StatusPartial, jobs.StatusFailed:
		if j.Status == jobs.StatusQueued && to == jobs.StatusCompleted {
			// The one way from queued to a final status: a quick run.
			return b.store.FinishUnclaimed(b.ctx, j.ID, jobs.UnclaimedRun{Version: j.Version, Attempt: j.Attempt + 1, Now: later})
		}
		return b.store.Finish(b.ctx, j.ID, token, jobs.Outcome{Status: to, Now: later})
	case jobs.StatusCanceled:
		return b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: j.Owner, Now: later})
	}
	return jobs.Job{}, fmt.Errorf("no operation leads to %q", to)
}

func testTransitionMatrix(t *testing.T, b *bundle) {
	for _, from := range jobs.Statuses() {
		for _, to := range jobs.Statuses() {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				j, token := b.driveTo(t, from)
				got, err := b.attempt(j, token, to)
				if jobs.CanTransition(from, to) {
					if err != nil {
						t.Fatalf("%s -> %s rejected: %v", from, to, err)
					}
					if got.Status != to {
						t.Fatalf("%s -> %s: status %s", from, to, got.Status)
					}
					if got.Version <= j.Version {
						t.Fatalf("%s -> %s: version %d not above %d", from, to, got.Version, j.Version)
					}
					return
				}
				if !errors.Is(err, jobs.ErrInvalidTransition) {
					t.Fatalf("%s -> %s: err %v, want ErrInvalidTransition", from, to, err)
				}
				after, err := b.store.Get(b.ctx, j.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Status != from || after.Version != j.Version {
					t.Fatalf("rejected %s -> %s changed the job: status %s version %d (was %d)", from, to, after.Status, after.Version, j.Version)
				}
			})
		}
	}
}

// testProgressMatrix checks that only a processing job takes progress.
func testProgressMatrix(t *testing.T, b *bundle) {
	for _, from := range jobs.Statuses() {
		t.Run(string(from), func(t *testing.T) {
			t.Parallel()
			j, token := b.driveTo(t, from)
			if token == "" {
				token = randomID("lease-")
			}
			got, err := b.store.Progress(b.ctx, j.ID, token, 42, b.t0.Add(time.Second))
			if from == jobs.StatusProcessing {
				if err != nil || got.Progress != 42 || got.Status != jobs.StatusProcessing {
					t.Fatalf("Progress on processing = %+v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, jobs.ErrInvalidTransition) {
				t.Fatalf("Progress on %s: err %v, want ErrInvalidTransition", from, err)
			}
		})
	}
}

func testConcurrentClaims(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-race"))
	const workers = 50
	var wins, rejected atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: fmt.Sprintf("lease-%d", i), Now: b.t0, LeaseExpiresAt: b.t0.Add(time.Minute)})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, jobs.ErrInvalidTransition):
				rejected.Add(1)
			default:
				t.Errorf("claim %d: unexpected error %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || rejected.Load() != workers-1 {
		t.Fatalf("wins %d, rejected %d; want 1 and %d", wins.Load(), rejected.Load(), workers-1)
	}
	got, err := b.store.Get(b.ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 1 || got.Status != jobs.StatusProcessing {
		t.Fatalf("after race: attempt %d status %s; want 1 processing", got.Attempt, got.Status)
	}
}

func testFencing(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-fence"))
	_, stale := b.claim(t, j.ID, b.t0)
	// The lease expires; another delivery takes the job over.
	takeover := b.t0.Add(2 * time.Minute)
	_, fresh := b.claim(t, j.ID, takeover)

	now := takeover.Add(time.Second)
	if _, err := b.store.Progress(b.ctx, j.ID, stale, 50, now); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("stale Progress: %v, want ErrLeaseLost", err)
	}
	if _, err := b.store.Finish(b.ctx, j.ID, stale, jobs.Outcome{Status: jobs.StatusCompleted, Now: now}); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("stale Finish: %v, want ErrLeaseLost", err)
	}
	if _, err := b.store.Retry(b.ctx, j.ID, stale, jobs.RetryWait{ErrorMessage: "x", NextAttemptAt: now, Now: now}); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("stale Retry: %v, want ErrLeaseLost", err)
	}
	if _, err := b.store.AddAsset(b.ctx, stale, jobs.Asset{ID: randomID("asset-"), JobID: j.ID, AssetType: "report", CreatedAt: now}); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("stale AddAsset: %v, want ErrLeaseLost", err)
	}
	got, err := b.store.Get(b.ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Progress != 0 || got.Status != jobs.StatusProcessing || got.Attempt != 2 || got.LeaseToken != fresh {
		t.Fatalf("stale writes changed the job: %+v", got)
	}
	if assets, _ := b.store.ListAssets(b.ctx, j.ID); len(assets) != 0 {
		t.Fatalf("stale AddAsset stored %d assets", len(assets))
	}
	// The new holder writes freely.
	if _, err := b.store.Progress(b.ctx, j.ID, fresh, 60, now); err != nil {
		t.Fatalf("fresh Progress: %v", err)
	}
	done, err := b.store.Finish(b.ctx, j.ID, fresh, jobs.Outcome{Status: jobs.StatusCompleted, Result: json.RawMessage(`{"v":1}`), Now: now})
	if err != nil || done.Status != jobs.StatusCompleted || done.Progress != 100 {
		t.Fatalf("fresh Finish = %+v, %v", done, err)
	}
}

func testReclaimRules(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-reclaim"))
	for attempt := 1; attempt <= j.MaxAttempts; attempt++ {
		now := b.t0.Add(time.Duration(attempt) * 10 * time.Minute)
		// Before the lease expires, nobody may reclaim.
		if attempt > 1 {
			early := now.Add(-10*time.Minute + 30*time.Second)
			if _, err := b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: "early", Now: early, LeaseExpiresAt: early.Add(time.Minute)}); !errors.Is(err, jobs.ErrInvalidTransition) {
				t.Fatalf("reclaim of a live lease: %v, want ErrInvalidTransition", err)
			}
		}
		got, _ := b.claim(t, j.ID, now)
		if got.Attempt != attempt {
			t.Fatalf("claim %d: attempt %d", attempt, got.Attempt)
		}
		if !got.LeaseExpiresAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("lease expires %v, want %v", got.LeaseExpiresAt, now.Add(time.Minute))
		}
	}
	// All attempts used: an expired lease cannot be reclaimed.
	late := b.t0.Add(time.Hour)
	if _, err := b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: "late", Now: late, LeaseExpiresAt: late.Add(time.Minute)}); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("reclaim with attempts exhausted: %v, want ErrInvalidTransition", err)
	}
}

func testRetryWait(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-retry"))
	_, token := b.claim(t, j.ID, b.t0)
	next := b.t0.Add(30 * time.Second)
	got, err := b.store.Retry(b.ctx, j.ID, token, jobs.RetryWait{ErrorMessage: "temporary", NextAttemptAt: next, Now: b.t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobs.StatusProcessing || got.ErrorMessage != "temporary" || !got.NextAttemptAt.Equal(next) || got.LeaseToken != "" {
		t.Fatalf("after Retry: %+v", got)
	}
	// The released lease no longer writes.
	if _, err := b.store.Progress(b.ctx, j.ID, token, 10, b.t0.Add(2*time.Second)); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Fatalf("Progress after Retry: %v, want ErrLeaseLost", err)
	}
	early := next.Add(-time.Second)
	if _, err := b.store.Claim(b.ctx, j.ID, jobs.Claim{LeaseToken: "early", Now: early, LeaseExpiresAt: early.Add(time.Minute)}); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("claim before the next attempt time: %v", err)
	}
	again, _ := b.claim(t, j.ID, next)
	if again.Attempt != 2 || !again.NextAttemptAt.IsZero() {
		t.Fatalf("reclaim after retry wait: attempt %d nextAttemptAt %v", again.Attempt, again.NextAttemptAt)
	}
}

func testFailExpired(t *testing.T, b *bundle) {
	j := b.newJob("owner-expired")
	j.MaxAttempts = 1
	j = b.create(t, j)
	claimed, _ := b.claim(t, j.ID, b.t0)
	live := b.t0.Add(30 * time.Second)
	if _, err := b.store.FailExpired(b.ctx, j.ID, 1, "worker lost", live); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("FailExpired of a live lease: %v", err)
	}
	expired := claimed.LeaseExpiresAt.Add(time.Second)
	if _, err := b.store.FailExpired(b.ctx, j.ID, 2, "worker lost", expired); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("FailExpired with a stale attempt: %v", err)
	}
	got, err := b.store.FailExpired(b.ctx, j.ID, 1, "worker lost", expired)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobs.StatusFailed || !got.DeadLettered || got.ErrorMessage != "worker lost" || !got.CompletedAt.Equal(expired) {
		t.Fatalf("after FailExpired: %+v", got)
	}
	// Attempts left: FailExpired refuses (the job should be retried).
	k := b.create(t, b.newJob("owner-expired"))
	b.claim(t, k.ID, b.t0)
	if _, err := b.store.FailExpired(b.ctx, k.ID, 1, "worker lost", expired); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("FailExpired with attempts left: %v", err)
	}
}

func testRedrive(t *testing.T, b *bundle) {
	failed, _ := b.driveTo(t, jobs.StatusFailed)
	now := b.t0.Add(time.Hour)
	got, err := b.store.Redrive(b.ctx, failed.ID, jobs.RedriveRequest{Reason: "operator redrive", By: "storetest", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobs.StatusQueued || got.Attempt != 0 || got.DeadLettered || !got.CompletedAt.IsZero() {
		t.Fatalf("after Redrive: %+v", got)
	}
	if rs := jobs.Redrives(got); len(rs) != 1 || rs[0].Detail != "operator redrive" || rs[0].By != "storetest" || !rs[0].At.Equal(now) {
		t.Fatalf("redrives %+v in history %+v", rs, got.History)
	}
	// A second redrive of the same job is rejected: it is queued now.
	if _, err := b.store.Redrive(b.ctx, failed.ID, jobs.RedriveRequest{Reason: "again", By: "storetest", Now: now}); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("second Redrive: %v", err)
	}
	// A permanent failure (not dead-lettered) cannot be redriven.
	j := b.create(t, b.newJob("owner-redrive"))
	_, token := b.claim(t, j.ID, b.t0)
	if _, err := b.store.Finish(b.ctx, j.ID, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "bad input", Now: b.t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{Reason: "nope", By: "storetest", Now: now}); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("Redrive of a job that was not dead-lettered: %v", err)
	}
	// After the redrive the job runs again from attempt 1.
	again, _ := b.claim(t, failed.ID, now)
	if again.Attempt != 1 || len(jobs.Redrives(again)) != 1 {
		t.Fatalf("claim after redrive: attempt %d history %+v", again.Attempt, again.History)
	}
}

func testCreateIdempotent(t *testing.T, b *bundle) {
	first := b.newJob("owner-idem")
	first.IdempotencyKey = "key-1"
	first.RequestHash = "hash-1"
	stored := b.create(t, first)
	if stored.Status != jobs.StatusQueued || stored.Version < 1 {
		t.Fatalf("created job %+v", stored)
	}
	second := first
	second.RequestHash = "hash-2"
	second.JobType = "other"
	got, created, err := b.store.Create(b.ctx, second)
	if err != nil || created {
		t.Fatalf("second Create: created %v err %v", created, err)
	}
	if got.RequestHash != "hash-1" || got.JobType != "echo" || got.IdempotencyKey != "key-1" {
		t.Fatalf("second Create returned %+v, want the first job", got)
	}
}

func testNotFound(t *testing.T, b *bundle) {
	id := randomID("missing-")
	now := b.t0
	checks := map[string]error{}
	_, checks["Get"] = b.store.Get(b.ctx, id)
	_, checks["Claim"] = b.store.Claim(b.ctx, id, jobs.Claim{LeaseToken: "x", Now: now, LeaseExpiresAt: now.Add(time.Minute)})
	_, checks["Progress"] = b.store.Progress(b.ctx, id, "x", 1, now)
	_, checks["Finish"] = b.store.Finish(b.ctx, id, "x", jobs.Outcome{Status: jobs.StatusCompleted, Now: now})
	_, checks["Retry"] = b.store.Retry(b.ctx, id, "x", jobs.RetryWait{NextAttemptAt: now, Now: now})
	_, checks["Cancel"] = b.store.Cancel(b.ctx, id, jobs.CancelRequest{Owner: "someone", Now: now})
	_, checks["FailExpired"] = b.store.FailExpired(b.ctx, id, 1, "x", now)
	_, checks["Redrive"] = b.store.Redrive(b.ctx, id, jobs.RedriveRequest{Reason: "x", By: "storetest", Now: now})
	_, checks["RescheduleSweep"] = b.store.RescheduleSweep(b.ctx, id, 1, now, now)
	_, checks["AddAsset"] = b.store.AddAsset(b.ctx, "x", jobs.Asset{ID: "a", JobID: id, CreatedAt: now})
	for op, err := range checks {
		if !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("%s of a missing job: %v, want ErrNotFound", op, err)
		}
	}
	if assets, err := b.store.ListAssets(b.ctx, id); err != nil || len(assets) != 0 {
		t.Errorf("ListAssets of a missing job: %v, %v", assets, err)
	}
}

func testCancelOwnership(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-a"))
	if _, err := b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: "owner-b", Now: b.t0}); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Cancel by another owner: %v, want ErrNotFound", err)
	}
	got, err := b.store.Get(b.ctx, j.ID)
	if err != nil || got.Status != jobs.StatusQueued || got.Version != j.Version {
		t.Fatalf("job changed by a foreign cancel: %+v %v", got, err)
	}
	canceled, err := b.store.Cancel(b.ctx, j.ID, jobs.CancelRequest{Owner: "owner-a", Now: b.t0.Add(time.Second)})
	if err != nil || canceled.Status != jobs.StatusCanceled || !canceled.CompletedAt.Equal(b.t0.Add(time.Second)) {
		t.Fatalf("Cancel by the owner = %+v, %v", canceled, err)
	}
	// A running handler's lease is void once canceled.
	k := b.create(t, b.newJob("owner-a"))
	_, token := b.claim(t, k.ID, b.t0)
	if _, err := b.store.Cancel(b.ctx, k.ID, jobs.CancelRequest{Owner: "owner-a", Now: b.t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Finish(b.ctx, k.ID, token, jobs.Outcome{Status: jobs.StatusCompleted, Now: b.t0}); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("Finish after cancel: %v, want ErrInvalidTransition", err)
	}
}

func testRejectionCarriesJob(t *testing.T, b *bundle) {
	done, _ := b.driveTo(t, jobs.StatusCompleted)
	_, err := b.store.Claim(b.ctx, done.ID, jobs.Claim{LeaseToken: "x", Now: b.t0, LeaseExpiresAt: b.t0.Add(time.Minute)})
	current, ok := jobs.CurrentJob(err)
	if !ok {
		t.Fatalf("Claim of a completed job: %v carries no current job", err)
	}
	if current.ID != done.ID || current.Status != jobs.StatusCompleted || current.Version != done.Version {
		t.Fatalf("current job %+v, want %+v", current, done)
	}
	proc, _ := b.driveTo(t, jobs.StatusProcessing)
	_, err = b.store.Progress(b.ctx, proc.ID, "not-the-lease", 5, b.t0)
	current, ok = jobs.CurrentJob(err)
	if !ok || current.Status != jobs.StatusProcessing || current.LeaseToken != proc.LeaseToken {
		t.Fatalf("lost-lease rejection: %v (current %+v)", err, current)
	}
}

func testListPaging(t *testing.T, b *bundle) {
	owner := randomID("owner-list-")
	var want []string // newest first
	for i := range 7 {
		j := b.newJob(owner)
		j.CreatedAt = b.t0.Add(time.Duration(i) * time.Second)
		b.create(t, j)
		want = append([]string{j.ID}, want...)
	}
	// Same creation time: ordered by ID, still exactly once each.
	for range 2 {
		j := b.newJob(owner)
		j.CreatedAt = b.t0.Add(10 * time.Second)
		b.create(t, j)
	}
	// Someone else's job never shows.
	b.create(t, b.newJob(randomID("owner-other-")))

	var got []string
	cursor := ""
	pages := 0
	for {
		page, err := b.store.List(b.ctx, jobs.ListQuery{Owner: owner, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Jobs) > 3 {
			t.Fatalf("page of %d jobs with limit 3", len(page.Jobs))
		}
		for _, j := range page.Jobs {
			if j.Owner != owner {
				t.Fatalf("listed a job of %s", j.Owner)
			}
			got = append(got, j.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 10 {
			t.Fatal("cursor never ends")
		}
	}
	if len(got) != 9 {
		t.Fatalf("listed %d jobs, want 9: %v", len(got), got)
	}
	// The two jobs with the newest creation time come first, then the rest.
	if fmt.Sprint(got[2:]) != fmt.Sprint(want) {
		t.Fatalf("order %v, want ... then %v", got, want)
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("job %s listed twice", id)
		}
		seen[id] = true
	}
}

func testListFilters(t *testing.T, b *bundle) {
	owner := randomID("owner-filter-")
	mk := func(jobType string, i int) jobs.Job {
		j := b.newJob(owner)
		j.JobType = jobType
		j.CreatedAt = b.t0.Add(time.Duration(i) * time.Second)
		return b.create(t, j)
	}
	e1 := mk("echo", 1)
	mk("sleep", 2)
	e3 := mk("echo", 3)
	mk("sleep", 4)
	if _, err := b.store.Cancel(b.ctx, e1.ID, jobs.CancelRequest{Owner: owner, Now: b.t0}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		q       jobs.ListQuery
		wantIDs []string
		wantN   int
	}{
		{"type", jobs.ListQuery{JobType: "echo"}, []string{e3.ID, e1.ID}, 2},
		{"status", jobs.ListQuery{Status: jobs.StatusCanceled}, []string{e1.ID}, 1},
		{"type and status", jobs.ListQuery{JobType: "echo", Status: jobs.StatusQueued}, []string{e3.ID}, 1},
		{"no match", jobs.ListQuery{Status: jobs.StatusCompleted}, nil, 0},
		{"all", jobs.ListQuery{}, nil, 4},
	}
	for _, c := range cases {
		q := c.q
		q.Owner, q.Limit = owner, 1
		var ids []string
		for range 10 {
			page, err := b.store.List(b.ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, j := range page.Jobs {
				ids = append(ids, j.ID)
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		if len(ids) != c.wantN || (c.wantIDs != nil && fmt.Sprint(ids) != fmt.Sprint(c.wantIDs)) {
			t.Errorf("%s: listed %v, want %d jobs %v", c.name, ids, c.wantN, c.wantIDs)
		}
	}
}

func testListInvalidCursor(t *testing.T, b *bundle) {
	for _, cursor := range []string{"garbage!!", "bm90LWEtY3Vyc29y", "%%%"} {
		_, err := b.store.List(b.ctx, jobs.ListQuery{Owner: "owner-cursor", Limit: 5, Cursor: cursor})
		if !errors.Is(err, jobs.ErrInvalidCursor) {
			t.Errorf("cursor %q: %v, want ErrInvalidCursor", cursor, err)
		}
	}
}

// dueJobs are the jobs of the ListDue test, in a time range no other test
// uses, so that a shared table holds only them there.
type dueJobs struct {
	t0                   time.Time
	early, late, claimed jobs.Job
	token                string // the claimed job's lease
}

// newDueJobs creates jobs due at t0 + 1m (early), 5m (late) and, once
// claimed with a lease to 4m, claimed; and one canceled, which is never due.
func (b *bundle) newDueJobs(t *testing.T) dueJobs {
	t0 := time.Date(1990, 5, 6, 7, 8, 9, 0, time.UTC).Add(time.Duration(time.Now().UnixNano()%1000) * time.Hour)
	mk := func(sweep time.Duration) jobs.Job {
		j := b.newJob("owner-due")
		j.CreatedAt, j.UpdatedAt, j.SweepAt = t0, t0, t0.Add(sweep)
		return b.create(t, j)
	}
	d := dueJobs{t0: t0, early: mk(1 * time.Minute), late: mk(5 * time.Minute)}
	finished := mk(2 * time.Minute)
	if _, err := b.store.Cancel(b.ctx, finished.ID, jobs.CancelRequest{Owner: finished.Owner, Now: t0}); err != nil {
		t.Fatal(err)
	}
	d.claimed = mk(3 * time.Minute)
	d.token = randomID("lease-")
	if _, err := b.store.Claim(b.ctx, d.claimed.ID, jobs.Claim{LeaseToken: d.token, Now: t0, LeaseExpiresAt: t0.Add(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return d
}

func jobIDs(js []jobs.Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.ID)
	}
	return out
}

func testListDueAndRescheduleSweep(t *testing.T, b *bundle) {
	d := b.newDueJobs(t)
	t0, early, late, claimed := d.t0, d.early, d.late, d.claimed
	due, err := b.store.ListDue(b.ctx, t0.Add(4*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	// Oldest SweepAt first; the claimed job is due when its lease expires.
	if fmt.Sprint(jobIDs(due)) != fmt.Sprint([]string{early.ID, claimed.ID}) {
		t.Fatalf("due %v, want [%s %s]", jobIDs(due), early.ID, claimed.ID)
	}
	if limited, _ := b.store.ListDue(b.ctx, t0.Add(10*time.Minute), 1); len(limited) != 1 || limited[0].ID != early.ID {
		t.Fatalf("limit 1: %v", jobIDs(limited))
	}
	// RescheduleSweep with a stale version is rejected; with the current
	// one it moves the job out of the window.
	if _, err := b.store.RescheduleSweep(b.ctx, early.ID, early.Version+5, t0.Add(time.Hour), t0); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("RescheduleSweep with a stale version: %v", err)
	}
	if _, err := b.store.RescheduleSweep(b.ctx, early.ID, due[0].Version, t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	due, _ = b.store.ListDue(b.ctx, t0.Add(4*time.Minute), 10)
	if fmt.Sprint(jobIDs(due)) != fmt.Sprint([]string{claimed.ID}) {
		t.Fatalf("after RescheduleSweep: due %v", jobIDs(due))
	}
	// Finished jobs leave the reconciler's view.
	if _, err := b.store.Finish(b.ctx, claimed.ID, d.token, jobs.Outcome{Status: jobs.StatusCompleted, Now: t0}); err != nil {
		t.Fatal(err)
	}
	due, _ = b.store.ListDue(b.ctx, t0.Add(24*time.Hour), 10)
	if fmt.Sprint(jobIDs(due)) != fmt.Sprint([]string{late.ID, early.ID}) {
		t.Fatalf("after finish: due %v, want [%s %s]", jobIDs(due), late.ID, early.ID)
	}
	if _, err := b.store.RescheduleSweep(b.ctx, claimed.ID, 99, t0, t0); !errors.Is(err, jobs.ErrInvalidTransition) {
		t.Fatalf("RescheduleSweep of a finished job: %v", err)
	}
}

func testAssets(t *testing.T, b *bundle) {
	j := b.create(t, b.newJob("owner-assets"))
	_, token := b.claim(t, j.ID, b.t0)
	for i := range 3 {
		a := jobs.Asset{
			ID: fmt.Sprintf("asset-%d-%s", i, j.ID), JobID: j.ID, AssetType: "report",
			URL: "/files/x", StoragePath: fmt.Sprintf("jobs/%s/%d.csv", j.ID, i), FileSize: int64(100 + i),
			Metadata: map[string]any{"rows": float64(i)}, CreatedAt: b.t0.Add(time.Duration(i) * time.Second),
		}
		if _, err := b.store.AddAsset(b.ctx, token, a); err != nil {
			t.Fatal(err)
		}
	}
	assets, err := b.store.ListAssets(b.ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 3 {
		t.Fatalf("%d assets, want 3", len(assets))
	}
	for i, a := range assets {
		if a.ID != fmt.Sprintf("asset-%d-%s", i, j.ID) || a.FileSize != int64(100+i) || a.Metadata["rows"] != float64(i) || a.AssetType != "report" || !a.CreatedAt.Equal(b.t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("asset %d = %+v", i, a)
		}
	}
	// Assets do not leak into another job's list.
	other := b.create(t, b.newJob("owner-assets"))
	if got, _ := b.store.ListAssets(b.ctx, other.ID); len(got) != 0 {
		t.Fatalf("other job has %d assets", len(got))
	}
}

func testRoundTrip(t *testing.T, b *bundle) {
	in := b.newJob("owner-roundtrip")
	in.JobType = "report"
	in.Parameters = json.RawMessage(`{"rows":3,"title":"Q1 ✓"}`)
	in.Priority = 7
	in.MaxAttempts = 25
	in.DelaySeconds = 90
	in.IdempotencyKey = "k"
	in.RequestHash = "h"
	created := b.create(t, in)
	got, err := b.store.Get(b.ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []jobs.Job{created, got} {
		var params map[string]any
		if err := json.Unmarshal(j.Parameters, &params); err != nil || params["title"] != "Q1 ✓" || params["rows"] != float64(3) {
			t.Fatalf("parameters %s (%v)", j.Parameters, err)
		}
		if j.Owner != in.Owner || j.JobType != "report" || j.Priority != 7 || j.MaxAttempts != 25 || j.DelaySeconds != 90 ||
			j.Status != jobs.StatusQueued || j.Attempt != 0 || !j.CreatedAt.Equal(in.CreatedAt) || !j.SweepAt.Equal(in.SweepAt) ||
			j.IdempotencyKey != "k" || j.RequestHash != "h" || !j.CompletedAt.IsZero() || j.Result != nil {
			t.Fatalf("round trip: %+v", j)
		}
	}
	_, token := b.claim(t, in.ID, b.t0)
	done, err := b.store.Finish(b.ctx, in.ID, token, jobs.Outcome{Status: jobs.StatusPartial, Result: json.RawMessage(`{"done":[1],"failed":[2]}`), ErrorMessage: "1 of 2 failed", Now: b.t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = b.store.Get(b.ctx, in.ID)
	for _, j := range []jobs.Job{done, got} {
		var result map[string]any
		if err := json.Unmarshal(j.Result, &result); err != nil || fmt.Sprint(result["done"]) != "[1]" {
			t.Fatalf("result %s (%v)", j.Result, err)
		}
		if j.Status != jobs.StatusPartial || j.ErrorMessage != "1 of 2 failed" || !j.CompletedAt.Equal(b.t0.Add(time.Second)) || !j.UpdatedAt.Equal(b.t0.Add(time.Second)) || j.LeaseToken != "" || !j.SweepAt.IsZero() {
			t.Fatalf("finished job: %+v", j)
		}
	}
}
