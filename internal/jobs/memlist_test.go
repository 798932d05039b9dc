package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// FuzzMemoryCursor feeds List arbitrary cursors (the seeds in
// testdata/fuzz/FuzzMemoryCursor: valid ones, and corrupt base64, JSON,
// IDs and times). A cursor either is rejected with ErrInvalidCursor, or
// decodes to a position that encodes back to itself, and the page listed
// from it is exactly the jobs after that position.
func FuzzMemoryCursor(f *testing.F) {
	store, all := cursorFuzzStore(f)
	f.Fuzz(func(t *testing.T, cursor string) {
		page, listErr := store.List(context.Background(), ListQuery{Owner: "owner", Limit: 3, Cursor: cursor})
		if cursor == "" { // the first page
			if listErr != nil || len(page.Jobs) != 3 || page.Jobs[0].ID != all[0].ID {
				t.Fatalf("first page = %v, %v", page.Jobs, listErr)
			}
			return
		}
		c, err := decodeMemCursor(cursor)
		if err != nil {
			if !errors.Is(err, ErrInvalidCursor) || !errors.Is(listErr, ErrInvalidCursor) {
				t.Fatalf("cursor %q: decode %v, List %v; want ErrInvalidCursor", cursor, err, listErr)
			}
			return
		}
		if again, err := decodeMemCursor(c.encode()); err != nil || again != c {
			t.Fatalf("cursor %+v encodes to one that decodes to %+v (%v)", c, again, err)
		}
		if listErr != nil {
			t.Fatalf("List from valid cursor %+v: %v", c, listErr)
		}
		var want []string
		for _, j := range all {
			if compareNewestFirst(c.createdAt(), c.ID, j.CreatedAt, j.ID) < 0 && len(want) < 3 {
				want = append(want, j.ID)
			}
		}
		var got []string
		for _, j := range page.Jobs {
			got = append(got, j.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("page after %+v = %v, want %v", c, got, want)
		}
	})
}

// cursorFuzzStore returns a store with ten jobs of "owner" (pairs of them
// created at the same time) and another owner's job, and the owner's jobs
// newest first.
func cursorFuzzStore(f *testing.F) (*MemoryStore, []Job) {
	store := NewMemoryStore()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	var all []Job
	for i := range 10 {
		j, _, err := store.Create(context.Background(), Job{ID: fmt.Sprintf("job-%d", i), Owner: "owner", JobType: "echo", CreatedAt: t0.Add(time.Duration(i/2) * time.Second)})
		if err != nil {
			f.Fatal(err)
		}
		all = append(all, j)
	}
	if _, _, err := store.Create(context.Background(), Job{ID: "job-other", Owner: "other", JobType: "echo", CreatedAt: t0}); err != nil {
		f.Fatal(err)
	}
	slices.SortFunc(all, func(a, b Job) int { return compareNewestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	return store, all
}

// TestStatusRanksAreDistinct: every status has a list tree of its own in
// the memory store's status-filtered sets.
func TestStatusRanksAreDistinct(t *testing.T) {
	all := Statuses()
	if len(all) != statusCount {
		t.Fatalf("statusCount is %d, Statuses has %d", statusCount, len(all))
	}
	for i, st := range all {
		if got := statusRank(st); got != i {
			t.Errorf("statusRank(%s) = %d, want %d (its place in Statuses)", st, got, i)
		}
	}
}
