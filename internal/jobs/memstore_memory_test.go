package jobs_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"jobline/internal/jobs"
)

// Memory is bounded by the jobs alive plus those retained: once the
// evicted jobs' retention has passed and they are gone, a store holds
// within 10% of the heap of a store that never held them. Both stores are
// built in this test and measured by the live heap after a collection
// (not parallel: other tests' allocations would blur the figures).
func TestMemoryStoreMemoryAfterEviction(t *testing.T) {
	const live, evicted = 5_000, 25_000
	base := heapAfterGC()

	fresh := newEvictionBundle(t)
	fillLive(t, fresh, live)
	freshHeap := heapAfterGC() - base

	used := newEvictionBundle(t)
	for i := range evicted {
		id := fmt.Sprintf("evicted-%07d", i)
		used.create(t, id, fmt.Sprintf("owner-%03d", i%500))
		used.finish(t, id, jobs.StatusCompleted)
	}
	used.clock.Advance(testRetention)
	fillLive(t, used, live) // these writes evict some; EvictExpired the rest
	if n := used.store.EvictExpired(); used.store.Len() != live {
		t.Fatalf("%d jobs left after evicting %d more, want %d", used.store.Len(), n, live)
	}
	usedHeap := heapAfterGC() - base - freshHeap
	runtime.KeepAlive(fresh)
	runtime.KeepAlive(used)

	t.Logf("heap: %d B for %d live jobs; %d B for the same after %d evicted (%.1f%%)",
		freshHeap, live, usedHeap, evicted, 100*float64(usedHeap-freshHeap)/float64(freshHeap))
	if float64(usedHeap) > 1.1*float64(freshHeap) || float64(usedHeap) < 0.9*float64(freshHeap) {
		t.Fatalf("heap after eviction %d B, not within 10%% of %d B for a store that never held the evicted jobs", usedHeap, freshHeap)
	}
}

// fillLive stores n running jobs (claimed, with some progress) and their
// history, as the dev server holds jobs that are not final.
func fillLive(t *testing.T, b *evictionBundle, n int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("live-%07d", i)
		b.create(t, id, fmt.Sprintf("owner-%03d", i%500))
		if i%2 == 0 {
			token := b.claim(t, id)
			if _, err := b.store.Progress(context.Background(), id, token, 50, b.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// heapAfterGC is the live heap, in bytes, after a full collection.
func heapAfterGC() int64 {
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's finalizers released
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
