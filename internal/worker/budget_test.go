package worker_test

import (
	"context"
	"testing"

	"jobline/internal/queue"
	"jobline/internal/worker"
)

// TestNoopJobAllocationBudget: a no-op job (receive, process, delete on the
// memory store and queue) makes at most 25 allocations: no goroutine, no
// timer and no log formatting of its own (it was 86 allocations; 19 now,
// 22 with the race detector).
func TestNoopJobAllocationBudget(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("noop", func(context.Context, *worker.Task) (any, error) { return nil, nil })
	const runs = 200
	for range runs + 1 { // AllocsPerRun runs once more to warm up
		b.create(t, "noop", `{}`, 3, false)
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(runs, func() {
		msgs, err := b.mem.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("receive: %v %d", err, len(msgs))
		}
		if r := b.engine.Process(ctx, msgs[0]); r.Disposition != worker.AckMessage {
			t.Fatalf("result %+v", r)
		}
		if err := b.mem.Delete(ctx, msgs[0].ReceiptHandle); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 25 {
		t.Errorf("a no-op job makes %.0f allocations, over its budget of 25", allocs)
	}
	t.Logf("%.0f allocations per no-op job", allocs)
}
