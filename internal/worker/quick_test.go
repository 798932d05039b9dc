package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// writes is how many store writes a delivery made.
func (b *bundle) writes() int {
	n := 0
	for _, op := range []string{"Claim", "Progress", "Finish", "FinishUnclaimed", "Retry", "Release", "FailExpired", "Redrive", "AddAsset"} {
		n += b.store.count(op)
	}
	return n
}

func TestQuickRunCompletesInOneWrite(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", func(_ context.Context, task *worker.Task) (any, error) {
		task.Progress(50) // nothing to write it with: ignored
		return map[string]int{"attempt": task.Job.Attempt}, nil
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.store.reset()
	b.clock.Advance(time.Second)
	r := b.process(t, b.receive(t))
	if r.Disposition != worker.AckMessage || r.Status != jobs.StatusCompleted || r.Attempt != 1 || !r.Ran {
		t.Fatalf("result %+v", r)
	}
	if b.store.count("GetLatest") != 1 || b.store.count("FinishUnclaimed") != 1 || b.writes() != 1 || b.store.total() != 2 {
		t.Fatalf("store calls %v; want one consistent read and one write (FinishUnclaimed)", b.store.calls)
	}
	got := b.get(t, j.ID)
	if got.Status != jobs.StatusCompleted || got.Attempt != 1 || got.Progress != 100 || string(got.Result) != `{"attempt":1}` {
		t.Fatalf("job %+v", got)
	}
	if n := len(got.History); n < 2 || got.History[n-2].Type != jobs.EventAttemptStarted || got.History[n-1].Outcome != jobs.OutcomeCompleted {
		t.Fatalf("history %+v; want the attempt's start and completion", got.History)
	}
	b.queueEmpty(t)

	// A duplicate message for the finished job: acknowledged, the handler
	// not run again.
	b.send(t, got)
	if r := b.process(t, b.receive(t)); r.Disposition != worker.AckMessage || r.Status != jobs.StatusCompleted {
		t.Fatalf("duplicate: %+v", r)
	}
	if b.handlerCalls("quick") != 1 {
		t.Fatalf("handler ran %d times; a duplicate for a finished job must not run it", b.handlerCalls("quick"))
	}
}

// Of two deliveries of one job that run at once, exactly one result is
// recorded, and both messages are acknowledged.
func TestQuickRunConcurrentDuplicatesRecordOneResult(t *testing.T) {
	b := setup(t, setupOpt{})
	// Both runs read the queued job before either writes (or, should only
	// one run, it goes on after 5 s and the test fails below).
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	go func() {
		<-arrived
		<-arrived
		close(release)
	}()
	b.handle("quick", func(context.Context, *worker.Task) (any, error) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return "done", nil
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.send(t, j)
	msgs := []queue.Message{b.receive(t), b.receive(t)}
	results := make([]worker.Result, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = b.engine.Process(context.Background(), m)
		}()
	}
	wg.Wait()
	if b.store.count("FinishUnclaimed") != 2 || b.store.count("Claim") != 0 {
		t.Fatalf("store calls %v; want two quick writes and no claim", b.store.calls)
	}
	for i, r := range results {
		if r.Disposition != worker.AckMessage || r.Status != jobs.StatusCompleted {
			t.Fatalf("delivery %d: %+v; want acknowledged, the job completed", i, r)
		}
	}
	if got := b.get(t, j.ID); got.Status != jobs.StatusCompleted || got.Attempt != 1 || countEvents(got, jobs.EventAttemptEnded) != 1 {
		t.Fatalf("job %+v; want completed once, attempt 1", got)
	}
}

func countEvents(j jobs.Job, typ jobs.EventType) int {
	n := 0
	for _, e := range j.History {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// A quick run's error is recorded through a claim, as the attempt it was:
// the handler is not run again for it, and the redelivery claims.
func TestQuickRunErrorIsRecordedThroughTheClaim(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", func(_ context.Context, task *worker.Task) (any, error) {
		if task.Job.Attempt == 1 {
			return nil, errors.New("flaky")
		}
		return "ok", nil
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.store.reset()
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Status != jobs.StatusProcessing || got.Attempt != 1 || got.ErrorMessage != "flaky" || b.handlerCalls("quick") != 1 {
		t.Fatalf("result %+v, job %+v, handler calls %d; want a retry of attempt 1 after one run", r, got, b.handlerCalls("quick"))
	}
	if b.store.count("Claim") != 1 || b.store.count("Retry") != 1 || b.store.count("FinishUnclaimed") != 0 {
		t.Fatalf("store calls %v; want the claim and the retry", b.store.calls)
	}
	b.store.reset()
	got = b.runUntilFinal(t, j.ID)
	if got.Status != jobs.StatusCompleted || got.Attempt != 2 || b.store.count("GetLatest") != 0 || b.store.count("Claim") != 1 {
		t.Fatalf("job %+v, store calls %v; want attempt 2 run under a claim", got, b.store.calls)
	}
}

// A job canceled while its quick run runs stays canceled, its result
// dropped.
func TestQuickRunCanceledMeanwhile(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", func(ctx context.Context, task *worker.Task) (any, error) {
		_, err := b.store.Store.Cancel(ctx, task.Job.ID, jobs.CancelRequest{Owner: task.Job.Owner, Now: t0})
		return "too late", err
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || r.Status != jobs.StatusCanceled || got.Status != jobs.StatusCanceled || got.Result != nil {
		t.Fatalf("result %+v, job %+v; want the cancel to stand", r, got)
	}
	b.queueEmpty(t)
}

// A job still queued but changed during its quick run (the reconciler
// moved its sweep time) is not left without its message: the claim
// records the run's result.
func TestQuickRunOfAJobRescheduledMeanwhile(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", func(ctx context.Context, task *worker.Task) (any, error) {
		cur := b.get(t, task.Job.ID)
		_, err := b.store.Store.RescheduleSweep(ctx, cur.ID, cur.Version, t0.Add(time.Hour), t0)
		return "done", err
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.store.reset()
	r := b.process(t, b.receive(t))
	got := b.get(t, j.ID)
	if r.Disposition != worker.AckMessage || got.Status != jobs.StatusCompleted || string(got.Result) != `"done"` || got.Attempt != 1 ||
		b.handlerCalls("quick") != 1 || b.store.count("Claim") != 1 || b.store.count("Finish") != 1 {
		t.Fatalf("result %+v, job %+v, handler calls %d, store calls %v; want the run's result recorded through a claim",
			r, got, b.handlerCalls("quick"), b.store.calls)
	}
	b.queueEmpty(t)
}

// A quick handler that adds an asset runs again under a claim, which can.
func TestQuickRunAddAssetRunsAgainUnderClaim(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", func(ctx context.Context, task *worker.Task) (any, error) {
		_, err := task.AddAsset(ctx, jobs.Asset{AssetType: "report", StoragePath: "r.csv"})
		return "ok", err
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	r := b.process(t, b.receive(t))
	assets, err := b.store.Store.ListAssets(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != jobs.StatusCompleted || r.Attempt != 1 || b.handlerCalls("quick") != 2 || len(assets) != 1 || b.store.count("Claim") != 1 {
		t.Fatalf("result %+v, handler calls %d, assets %d, store calls %v; want a second run under a claim", r, b.handlerCalls("quick"), len(assets), b.store.calls)
	}
}

// Quick runs are for first deliveries only: a redelivery (a run that died,
// a store outage), and a type whose timeout does not fit well within the
// message's visibility timeout, go through the claim.
func TestQuickRunOnlyOnFirstDelivery(t *testing.T) {
	b := setup(t, setupOpt{})
	b.handle("quick", ok, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.receive(t) // a worker that died with it
	b.clock.Advance(time.Hour + time.Second)
	b.store.reset()
	m := b.receive(t)
	if m.ReceiveCount != 2 {
		t.Fatalf("receive count %d", m.ReceiveCount)
	}
	if r := b.process(t, m); r.Status != jobs.StatusCompleted || b.store.count("GetLatest") != 0 || b.store.count("Claim") != 1 {
		t.Fatalf("result %+v, store calls %v; want a claimed run", r, b.store.calls)
	}

	short := setup(t, setupOpt{config: func(c *worker.Config) { c.VisibilityTimeout, c.VisibilityHeartbeat = 12*time.Second, 4*time.Second }})
	short.handle("quick", ok, worker.Quick())
	short.create(t, "quick", `{}`, 3, false)
	if r := short.process(t, short.receive(t)); r.Status != jobs.StatusCompleted || short.store.count("Claim") != 1 {
		t.Fatalf("result %+v, store calls %v; want a claimed run when 10 s + 5 s exceed the visibility timeout", r, short.store.calls)
	}
	_ = j
}

// A shutdown during a quick run records nothing: the message comes back at
// once, and the job is as it was.
func TestQuickRunShutdownRecordsNothing(t *testing.T) {
	b := setup(t, setupOpt{})
	ctx, cancel := context.WithCancel(context.Background())
	b.handle("quick", func(hctx context.Context, _ *worker.Task) (any, error) {
		cancel()
		<-hctx.Done()
		return nil, hctx.Err()
	}, worker.Quick())
	j := b.create(t, "quick", `{}`, 3, false)
	b.store.reset()
	r := b.engine.Process(ctx, b.receive(t))
	if r.Disposition == worker.AckMessage || r.VisibleAfter != 0 || b.writes() != 0 {
		t.Fatalf("result %+v, store calls %v; want the message back at once and no write", r, b.store.calls)
	}
	if got := b.get(t, j.ID); got.Status != jobs.StatusQueued || got.Attempt != 0 || got.Version != j.Version {
		t.Fatalf("job %+v; want it untouched", got)
	}
	if b.visible(t) != 1 {
		t.Fatal("the message is not visible again")
	}
}

func TestQuickRegistration(t *testing.T) {
	reg := worker.NewRegistry()
	echo := func(_ context.Context, _ *worker.Task, p json.RawMessage) (json.RawMessage, error) { return p, nil }
	worker.Register(reg, "quick", echo, worker.Quick())
	if d, _ := reg.TimeoutOf("quick"); d != worker.MaxQuickTimeout {
		t.Fatalf("a Quick type's default timeout is %s, want %s", d, worker.MaxQuickTimeout)
	}
	worker.Register(reg, "quicker", echo, worker.Timeout(2*time.Second), worker.Quick())
	if d, _ := reg.TimeoutOf("quicker"); d != 2*time.Second {
		t.Fatalf("timeout %s, want 2s", d)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a Quick type with a timeout over MaxQuickTimeout was registered")
		}
	}()
	worker.Register(reg, "slow", echo, worker.Quick(), worker.Timeout(worker.MaxQuickTimeout+time.Second))
}
