package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/deploy"
	"jobline/internal/jobs"
	"jobline/internal/jobs/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) jobs.Store { return jobs.NewMemoryStore() })
}

func TestSharedMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	// One store for every test, as a shared DynamoDB table would be.
	shared := jobs.NewMemoryStore()
	storetest.Run(t, func(*testing.T) jobs.Store { return shared })
}

// The dev server's store evicts final jobs after the template's retention;
// the suite's jobs end long before or after the real clock's now, which
// must not matter: retention counts from the write that ended a job.
func TestEvictingMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	newStore := func(t *testing.T) jobs.Store {
		s, err := jobs.NewMemoryStoreWith(jobs.MemoryConfig{Retention: deploy.JobRetention})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shared := newStore(t)
	t.Run("fresh", func(t *testing.T) { t.Parallel(); storetest.Run(t, newStore) })
	t.Run("shared", func(t *testing.T) { t.Parallel(); storetest.Run(t, func(*testing.T) jobs.Store { return shared }) })
}

func TestMemoryConfigRejectsNegativeRetention(t *testing.T) {
	t.Parallel()
	if _, err := jobs.NewMemoryStoreWith(jobs.MemoryConfig{Retention: -time.Hour}); err == nil {
		t.Fatal("a negative retention was accepted")
	}
}

// evictionBundle is a store with a one-day retention on a fake clock.
type evictionBundle struct {
	store *jobs.MemoryStore
	clock *clock.Fake
	ctx   context.Context
}

const testRetention = 24 * time.Hour

var evictionStart = time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)

func newEvictionBundle(t *testing.T) *evictionBundle {
	t.Helper()
	clk := clock.NewFake(evictionStart)
	s, err := jobs.NewMemoryStoreWith(jobs.MemoryConfig{Retention: testRetention, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &evictionBundle{store: s, clock: clk, ctx: context.Background()}
}

// create stores a queued job of owner.
func (b *evictionBundle) create(t *testing.T, id, owner string) jobs.Job {
	t.Helper()
	j, created, err := b.store.Create(b.ctx, jobs.Job{
		ID: id, Owner: owner, JobType: "echo", MaxAttempts: 1, Parameters: json.RawMessage(`{"text":"hello"}`),
		CreatedAt: b.clock.Now(), SweepAt: b.clock.Now().Add(time.Minute),
	})
	if err != nil || !created {
		t.Fatalf("create %s: %v (created %v)", id, err, created)
	}
	return j
}

// claim claims a job and returns its lease.
func (b *evictionBundle) claim(t *testing.T, id string) string {
	t.Helper()
	token := "lease-" + id
	now := b.clock.Now()
	if _, err := b.store.Claim(b.ctx, id, jobs.Claim{LeaseToken: token, Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	return token
}

// finish claims and ends a job with status, after adding an asset.
func (b *evictionBundle) finish(t *testing.T, id string, status jobs.Status) {
	t.Helper()
	token := b.claim(t, id)
	now := b.clock.Now()
	if _, err := b.store.AddAsset(b.ctx, token, jobs.Asset{ID: "asset-" + id, JobID: id, AssetType: "report", CreatedAt: now}); err != nil {
		t.Fatalf("add asset to %s: %v", id, err)
	}
	out := jobs.Outcome{Status: status, Result: json.RawMessage(`{"ok":true}`), DeadLettered: status == jobs.StatusFailed, Now: now, Attempt: 1}
	if _, err := b.store.Finish(b.ctx, id, token, out); err != nil {
		t.Fatalf("finish %s: %v", id, err)
	}
}

// stored reports whether id is still stored, checking that every read
// agrees: Get, ListAssets, List and ListAll.
func (b *evictionBundle) stored(t *testing.T, j jobs.Job) bool {
	t.Helper()
	_, err := b.store.Get(b.ctx, j.ID)
	if err != nil && !errors.Is(err, jobs.ErrNotFound) {
		t.Fatal(err)
	}
	inGet := err == nil
	assets, _ := b.store.ListAssets(b.ctx, j.ID)
	inList := listed(t, b.store.List, jobs.ListQuery{Owner: j.Owner, Limit: jobs.MaxListLimit}, j.ID)
	inListAll := listed(t, b.store.ListAll, jobs.ListQuery{JobType: j.JobType, Limit: jobs.MaxListLimit}, j.ID)
	if inList != inGet || inListAll != inGet || (!inGet && len(assets) > 0) {
		t.Fatalf("job %s: Get %v, List %v, ListAll %v, %d assets disagree", j.ID, inGet, inList, inListAll, len(assets))
	}
	return inGet
}

// listed reports whether id is on the first page of q.
func listed(t *testing.T, list func(context.Context, jobs.ListQuery) (jobs.Page, error), q jobs.ListQuery, id string) bool {
	t.Helper()
	page, err := list(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range page.Jobs {
		if j.ID == id {
			return true
		}
	}
	return false
}

func TestMemoryStoreEvictsFinalJobsAfterRetention(t *testing.T) {
	t.Parallel()
	b := newEvictionBundle(t)
	completed := b.create(t, "completed", "owner-a")
	b.finish(t, completed.ID, jobs.StatusCompleted)
	canceled := b.create(t, "canceled", "owner-a")
	if _, err := b.store.Cancel(b.ctx, canceled.ID, jobs.CancelRequest{Owner: "owner-a", Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	queued := b.create(t, "queued", "owner-a")
	processing := b.create(t, "processing", "owner-b")
	b.claim(t, processing.ID)

	// An hour later a job ends: its retention ends an hour after theirs.
	b.clock.Advance(time.Hour)
	later := b.create(t, "later", "owner-b")
	b.finish(t, later.ID, jobs.StatusPartial)

	b.clock.Advance(testRetention - time.Hour - time.Second)
	if n := b.store.EvictExpired(); n != 0 {
		t.Fatalf("evicted %d jobs before their retention ended", n)
	}
	b.clock.Advance(time.Second)
	if n := b.store.EvictExpired(); n != 2 {
		t.Fatalf("evicted %d jobs when two retentions ended", n)
	}
	for _, want := range []struct {
		job  jobs.Job
		keep bool
	}{{completed, false}, {canceled, false}, {queued, true}, {processing, true}, {later, true}} {
		if got := b.stored(t, want.job); got != want.keep {
			t.Errorf("job %s stored %v, want %v", want.job.ID, got, want.keep)
		}
	}
	if due, _ := b.store.ListDue(b.ctx, b.clock.Now().Add(time.Hour), 10); len(due) != 2 {
		t.Errorf("ListDue = %d jobs, want the queued and processing ones", len(due))
	}
	b.clock.Advance(time.Hour)
	if n := b.store.EvictExpired(); n != 1 || b.stored(t, later) || b.store.Len() != 2 {
		t.Fatalf("evicted %d (later stored %v, %d jobs left), want the later job evicted", n, b.stored(t, later), b.store.Len())
	}
}

// Writes evict a few expired jobs each, so that eviction keeps up without
// any write doing all of it.
func TestMemoryStoreWritesEvictIncrementally(t *testing.T) {
	t.Parallel()
	b := newEvictionBundle(t)
	const finished = 100
	for i := range finished {
		id := fmt.Sprintf("done-%03d", i)
		b.create(t, id, "owner")
		b.finish(t, id, jobs.StatusCompleted)
	}
	b.clock.Advance(testRetention)
	b.create(t, "first-write", "owner")
	left := b.store.Len() - 1
	if left == finished || left == 0 {
		t.Fatalf("one write left %d of %d expired jobs; want some evicted, not all", left, finished)
	}
	for i := 0; b.store.Len() > 1 && i < finished; i++ {
		b.create(t, fmt.Sprintf("write-%03d", i), "other-owner")
	}
	page, err := b.store.List(b.ctx, jobs.ListQuery{Owner: "owner", Limit: 10})
	if err != nil || len(page.Jobs) != 1 || page.Jobs[0].ID != "first-write" {
		t.Fatalf("after the writes, owner's jobs = %v (%v), want only first-write", page.Jobs, err)
	}
}

// A redriven job is no longer final: its retention stops, and starts
// again when it ends again.
func TestMemoryStoreRedriveKeepsAJob(t *testing.T) {
	t.Parallel()
	b := newEvictionBundle(t)
	j := b.create(t, "redriven", "owner")
	b.finish(t, j.ID, jobs.StatusFailed)
	b.clock.Advance(testRetention - time.Minute)
	if _, err := b.store.Redrive(b.ctx, j.ID, jobs.RedriveRequest{By: "operator", Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(2 * time.Minute)
	if n := b.store.EvictExpired(); n != 0 || !b.stored(t, j) {
		t.Fatalf("the redriven job was evicted (%d)", n)
	}
	token := b.claim(t, j.ID)
	if _, err := b.store.Finish(b.ctx, j.ID, token, jobs.Outcome{Status: jobs.StatusCompleted, Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(testRetention - time.Second)
	if b.store.EvictExpired() != 0 {
		t.Fatal("evicted before the second retention ended")
	}
	b.clock.Advance(time.Second)
	if b.store.EvictExpired() != 1 || b.stored(t, j) {
		t.Fatal("not evicted when the second retention ended")
	}
}

// A store that keeps final jobs for ever (the zero config) never evicts.
func TestMemoryStoreWithoutRetentionKeepsJobs(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(evictionStart)
	s, err := jobs.NewMemoryStoreWith(jobs.MemoryConfig{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	b := &evictionBundle{store: s, clock: clk, ctx: context.Background()}
	j := b.create(t, "kept", "owner")
	b.finish(t, j.ID, jobs.StatusCompleted)
	b.clock.Advance(100 * 365 * 24 * time.Hour)
	b.create(t, "write", "owner")
	if b.store.EvictExpired() != 0 || !b.stored(t, j) {
		t.Fatal("a store without retention evicted a job")
	}
}

// A page costs the same whatever the number of jobs stored: List visits
// and copies the page only (the store before the indexes copied every
// matching job, then sorted them). Allocations are the measure that does
// not depend on the machine's speed: 20 times the jobs, not one more
// allocation per page.
func TestMemoryStoreListCostIndependentOfSize(t *testing.T) {
	// Not parallel: AllocsPerRun counts every goroutine's allocations.
	small, large := newEvictionBundle(t), newEvictionBundle(t)
	for i := range 20_000 {
		if i < 1_000 {
			small.create(t, fmt.Sprintf("job-%06d", i), "owner")
		}
		large.create(t, fmt.Sprintf("job-%06d", i), "owner")
	}
	queries := []jobs.ListQuery{
		{Owner: "owner", Limit: 20},
		{Owner: "owner", Status: jobs.StatusQueued, JobType: "echo", Limit: 20},
		{Limit: 20},
	}
	for _, q := range queries {
		cost := func(s *jobs.MemoryStore) float64 {
			page, err := s.ListAll(context.Background(), q)
			if err != nil || len(page.Jobs) != q.Limit || page.NextCursor == "" {
				t.Fatalf("ListAll %+v = %d jobs, cursor %q, %v", q, len(page.Jobs), page.NextCursor, err)
			}
			q := q
			q.Cursor = page.NextCursor
			return testing.AllocsPerRun(20, func() { _, _ = s.ListAll(context.Background(), q) })
		}
		// Within 2: the race detector's runtime allocates now and then.
		if a, b := cost(small.store), cost(large.store); b > a+2 {
			t.Errorf("ListAll %+v: %.0f allocations with 1,000 jobs, %.0f with 20,000", q, a, b)
		}
	}
}
