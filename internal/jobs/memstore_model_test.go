package jobs_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// The memory store answers lists and ListDue from indexes that every
// transition keeps up to date. This test runs random transitions, clock
// moves and evictions, and compares every list of every filter, page by
// page, and ListDue with the same question answered by brute force over
// the jobs the store holds.

var (
	modelOwners = []string{"owner-a", "owner-b", "owner-c"}
	modelTypes  = []string{"echo", "sleep", "report"}
)

// storeModel is what the test knows of the store: each job's latest
// state, as the store returned it, and when it became final.
type storeModel struct {
	b       *evictionBundle
	rng     *rand.Rand
	ids     []string
	jobs    map[string]jobs.Job
	tokens  map[string]string
	endedAt map[string]time.Time
}

func TestMemoryStoreIndexesMatchBruteForce(t *testing.T) {
	t.Parallel()
	m := &storeModel{
		b: newEvictionBundle(t), rng: rand.New(rand.NewPCG(1, 2)),
		jobs: map[string]jobs.Job{}, tokens: map[string]string{}, endedAt: map[string]time.Time{},
	}
	for round := range 30 {
		for range 40 {
			m.step(t)
		}
		m.b.store.EvictExpired()
		m.checkStored(t)
		m.checkLists(t)
		m.checkDue(t)
		if t.Failed() {
			t.Fatalf("round %d: indexes disagree", round)
		}
	}
	if len(m.jobs) < 50 {
		t.Fatalf("only %d jobs stored at the end: the test did not exercise much", len(m.jobs))
	}
}

// step applies one random operation (most of them transitions).
func (m *storeModel) step(t *testing.T) {
	t.Helper()
	now := m.b.clock.Now()
	switch op := m.rng.IntN(10); {
	case op < 3 || len(m.ids) == 0:
		m.create(t, now)
	case op == 9:
		m.b.clock.Advance(time.Duration(m.rng.IntN(180)) * time.Minute)
	default:
		id := m.ids[m.rng.IntN(len(m.ids))]
		j, err := m.transition(id, op, now)
		m.record(t, id, j, err, now)
	}
}

// create stores a new job; creation times repeat, so that the order's
// tie-break on ID is exercised.
func (m *storeModel) create(t *testing.T, now time.Time) {
	t.Helper()
	id := fmt.Sprintf("job-%04d", m.rng.IntN(10000))
	j, _, err := m.b.store.Create(context.Background(), jobs.Job{
		ID: id, Owner: modelOwners[m.rng.IntN(len(modelOwners))], JobType: modelTypes[m.rng.IntN(len(modelTypes))],
		MaxAttempts: 2, CreatedAt: now.Add(-time.Duration(m.rng.IntN(3)) * time.Minute),
		SweepAt: now.Add(time.Duration(m.rng.IntN(60)) * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, known := m.jobs[id]; !known {
		m.ids = append(m.ids, id)
	}
	m.jobs[id] = j
}

// transition runs operation op (3..8) on job id.
func (m *storeModel) transition(id string, op int, now time.Time) (jobs.Job, error) {
	ctx, s, token := context.Background(), m.b.store, m.tokens[id]
	switch op {
	case 3:
		token = fmt.Sprintf("lease-%d", m.rng.Int())
		m.tokens[id] = token
		return s.Claim(ctx, id, jobs.Claim{LeaseToken: token, Now: now, LeaseExpiresAt: now.Add(time.Duration(m.rng.IntN(90)) * time.Minute)})
	case 4:
		status := []jobs.Status{jobs.StatusCompleted, jobs.StatusPartial, jobs.StatusFailed}[m.rng.IntN(3)]
		return s.Finish(ctx, id, token, jobs.Outcome{Status: status, DeadLettered: status == jobs.StatusFailed, Now: now, Result: json.RawMessage(`{}`)})
	case 5:
		return s.Retry(ctx, id, token, jobs.RetryWait{ErrorMessage: "again", NextAttemptAt: now.Add(time.Minute), Now: now})
	case 6:
		return s.Cancel(ctx, id, jobs.CancelRequest{AnyOwner: true, By: "operator", Now: now})
	case 7:
		return s.Redrive(ctx, id, jobs.RedriveRequest{By: "operator", Now: now})
	default:
		return s.RescheduleSweep(ctx, id, m.jobs[id].Version, now.Add(time.Duration(m.rng.IntN(120))*time.Minute), now)
	}
}

// record notes the outcome of a transition: a rejection changes nothing;
// a job that becomes final starts its retention, one that stops being
// final (a redrive) ends it.
func (m *storeModel) record(t *testing.T, id string, j jobs.Job, err error, now time.Time) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, jobs.ErrInvalidTransition) && !errors.Is(err, jobs.ErrLeaseLost) && !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("transition of %s: %v", id, err)
		}
		return
	}
	wasFinal := m.jobs[id].Status.Final()
	m.jobs[id] = j
	switch {
	case !wasFinal && j.Status.Final():
		m.endedAt[id] = now
	case !j.Status.Final():
		delete(m.endedAt, id)
	}
}

// checkStored checks that the store holds exactly the jobs whose
// retention has not ended, as the model last saw them, and forgets the
// others.
func (m *storeModel) checkStored(t *testing.T) {
	t.Helper()
	now := m.b.clock.Now()
	for id, want := range m.jobs {
		ended, final := m.endedAt[id]
		keep := !final || ended.Add(testRetention).After(now)
		got, err := m.b.store.Get(context.Background(), id)
		switch {
		case keep && (err != nil || got.Version != want.Version || got.Status != want.Status):
			t.Errorf("Get(%s) = %s v%d (%v), want %s v%d", id, got.Status, got.Version, err, want.Status, want.Version)
		case !keep && !errors.Is(err, jobs.ErrNotFound):
			t.Errorf("Get(%s) of an evicted job: %v", id, err)
		case !keep:
			delete(m.jobs, id)
			delete(m.endedAt, id)
			m.ids = slices.DeleteFunc(m.ids, func(x string) bool { return x == id })
		}
	}
}

// checkLists pages through every combination of filters with a random
// page size and compares with the brute-force answer.
func (m *storeModel) checkLists(t *testing.T) {
	t.Helper()
	for _, owner := range append([]string{""}, modelOwners...) {
		for _, status := range append([]jobs.Status{""}, jobs.Statuses()...) {
			for _, jobType := range append([]string{""}, modelTypes...) {
				q := jobs.ListQuery{Owner: owner, Status: status, JobType: jobType, Limit: 1 + m.rng.IntN(7)}
				want := m.bruteForceList(q)
				if got := pageThrough(t, m.b.store.ListAll, q); !slices.Equal(got, want) {
					t.Errorf("ListAll %+v = %v, want %v", q, got, want)
				}
				if owner == "" {
					continue
				}
				if got := pageThrough(t, m.b.store.List, q); !slices.Equal(got, want) {
					t.Errorf("List %+v = %v, want %v", q, got, want)
				}
			}
		}
	}
}

// bruteForceList is q's answer from every job, filtered then sorted.
func (m *storeModel) bruteForceList(q jobs.ListQuery) []string {
	var match []jobs.Job
	for _, j := range m.jobs {
		if (q.Owner == "" || j.Owner == q.Owner) && (q.Status == "" || j.Status == q.Status) && (q.JobType == "" || j.JobType == q.JobType) {
			match = append(match, j)
		}
	}
	slices.SortFunc(match, func(a, b jobs.Job) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	return jobIDs(match)
}

// pageThrough lists every page of q and returns the IDs in order.
func pageThrough(t *testing.T, list func(context.Context, jobs.ListQuery) (jobs.Page, error), q jobs.ListQuery) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		page, err := list(context.Background(), q)
		if err != nil || len(page.Jobs) > q.Limit || pages > 1000 {
			t.Fatalf("list %+v: %d jobs, %v (page %d)", q, len(page.Jobs), err, pages)
		}
		ids = append(ids, jobIDs(page.Jobs)...)
		if page.NextCursor == "" {
			return ids
		}
		q.Cursor = page.NextCursor
	}
}

// checkDue compares ListDue with the brute-force answer at a random time
// and limit.
func (m *storeModel) checkDue(t *testing.T) {
	t.Helper()
	before := m.b.clock.Now().Add(time.Duration(m.rng.IntN(120)-30) * time.Minute)
	limit := 1 + m.rng.IntN(len(m.jobs)+1)
	var want []jobs.Job
	for _, j := range m.jobs {
		if !j.Status.Final() && !j.SweepAt.IsZero() && !j.SweepAt.After(before) {
			want = append(want, j)
		}
	}
	slices.SortFunc(want, func(a, b jobs.Job) int { return cmp.Or(a.SweepAt.Compare(b.SweepAt), strings.Compare(a.ID, b.ID)) })
	want = want[:min(limit, len(want))]
	got, err := m.b.store.ListDue(context.Background(), before, limit)
	if err != nil || !slices.Equal(jobIDs(got), jobIDs(want)) {
		t.Errorf("ListDue(%v, %d) = %v (%v), want %v", before, limit, jobIDs(got), err, jobIDs(want))
	}
}

// jobIDs returns the IDs of js, in order.
func jobIDs(js []jobs.Job) []string {
	ids := make([]string, 0, len(js))
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	return ids
}
