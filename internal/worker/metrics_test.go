package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/worker"
)

// recorder keeps every Record call as "type: Name=value ..." (values
// sorted by name) for comparisons.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Record(_ time.Time, jobType string, samples ...metrics.Sample) {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = fmt.Sprintf("%s=%g", s.Name, s.Value)
	}
	sort.Strings(parts)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, jobType+": "+strings.Join(parts, " "))
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

func withMetrics(rec *recorder) setupOpt {
	return setupOpt{config: func(c *worker.Config) { c.Metrics = rec }}
}

// Each processed message records its job type's samples once: the queue
// wait of a first attempt (from when the job was due), the run time of
// every attempt, and the outcome.
func TestEngineRecordsMetricsPerMessage(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := setup(t, withMetrics(rec))
	b.handle("two-seconds", func(context.Context, *worker.Task) (any, error) {
		b.clock.Advance(2 * time.Second)
		return nil, nil
	})
	failures := 0
	b.handle("flaky", func(context.Context, *worker.Task) (any, error) {
		b.clock.Advance(500 * time.Millisecond)
		failures++
		return nil, errors.New("flaky")
	})
	b.handle("half", func(context.Context, *worker.Task) (any, error) {
		return nil, jobs.Partial(map[string]int{"done": 1}, errors.New("one failed"))
	})

	b.create(t, "two-seconds", `{}`, 3, false)
	b.clock.Advance(3 * time.Second)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "two-seconds: JobsCompleted=1 QueueWait=3000 RunTime=2000" {
		t.Errorf("completed job: %q", got)
	}

	flaky := b.create(t, "flaky", `{}`, 2, false)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "flaky: JobsRetried=1 QueueWait=0 RunTime=500" {
		t.Errorf("first attempt: %q", got)
	}
	b.clock.Advance(time.Hour)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "flaky: JobsDeadLettered=1 JobsFailed=1 RunTime=500" {
		t.Errorf("last attempt: %q", got)
	}
	if j := b.get(t, flaky.ID); j.Status != jobs.StatusFailed || failures != 2 {
		t.Fatalf("flaky job %s after %d failures", j.Status, failures)
	}

	// A redriven job's wait starts at its redrive.
	b.clock.Advance(time.Minute)
	if _, err := b.store.Store.Redrive(context.Background(), flaky.ID, jobs.RedriveRequest{By: "ops", Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	b.send(t, b.get(t, flaky.ID))
	b.clock.Advance(4 * time.Second)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "flaky: JobsRetried=1 QueueWait=4000 RunTime=500" {
		t.Errorf("redriven job: %q", got)
	}

	b.clock.Advance(time.Hour)
	b.process(t, b.receive(t))
	rec.take()

	// A delayed job's wait starts when its delay is over.
	now := b.clock.Now()
	delayed, _, err := b.store.Store.Create(context.Background(), jobs.Job{ID: "delayed", Owner: "alice", JobType: "two-seconds",
		Parameters: []byte(`{}`), MaxAttempts: 1, DelaySeconds: 10, CreatedAt: now, UpdatedAt: now, SweepAt: now})
	if err != nil {
		t.Fatal(err)
	}
	b.send(t, delayed)
	b.clock.Advance(15 * time.Second)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "two-seconds: JobsCompleted=1 QueueWait=5000 RunTime=2000" {
		t.Errorf("delayed job: %q", got)
	}

	b.create(t, "half", `{}`, 1, false)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "half: JobsPartial=1 QueueWait=0 RunTime=0" {
		t.Errorf("partial job: %q", got)
	}
}

// A job whose worker died on its last attempt is counted failed and
// dead-lettered, by the engine or by the reconciler, whichever fails it.
func TestDiedOnLastAttemptIsCountedFailedAndDeadLettered(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := setup(t, withMetrics(rec))
	b.handle("x", ok, worker.Timeout(time.Minute))
	die := func(j jobs.Job) {
		t.Helper()
		if _, err := b.store.Store.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "dead", Now: b.clock.Now(), LeaseExpiresAt: b.clock.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	j := b.create(t, "x", `{}`, 1, false)
	die(j)
	b.clock.Advance(time.Minute)
	b.process(t, b.receive(t))
	if got := rec.take(); len(got) != 1 || got[0] != "x: JobsDeadLettered=1 JobsFailed=1" {
		t.Errorf("engine: %q", got)
	}

	reconciled := b.create(t, "x", `{}`, 1, true)
	die(reconciled)
	r, err := worker.NewReconciler(worker.ReconcilerConfig{Store: b.store, Queue: b.queue, Clock: b.clock, Metrics: rec,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Hour)
	if rep, err := r.RunOnce(context.Background()); err != nil || rep.Failed != 1 {
		t.Fatalf("sweep %+v, %v", rep, err)
	}
	if got := rec.take(); len(got) != 1 || got[0] != "x: JobsDeadLettered=1 JobsFailed=1" {
		t.Errorf("reconciler: %q", got)
	}
}
