package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
	"jobline/internal/worker"
)

// poolBundle is an engine and a pool over the memory backends on the real
// clock. Tests run it in a synctest bubble, where the real clock is the
// bubble's: time moves only when every goroutine waits, so long polls,
// timers and grace periods cost no wall time.
func poolBundle(t testing.TB, workers int, register func(*worker.Registry)) (*bundle, *worker.Pool) {
	t.Helper()
	mem := queuetest.NewMemory(t, queue.MemoryConfig{VisibilityTimeout: 30 * time.Second})
	b := &bundle{
		clock: clock.NewFake(t0), // only used for job timestamps
		store: &countingStore{Store: jobs.NewMemoryStore(), calls: map[string]int{}, fail: map[string]error{}},
		mem:   mem,
		queue: &countingQueue{Queue: mem},
		reg:   worker.NewRegistry(),
	}
	register(b.reg)
	e, err := worker.NewEngine(worker.Config{Store: b.store, Queue: b.queue, Registry: b.reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.engine = e
	p, err := worker.NewPool(worker.PoolConfig{Engine: e, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return b, p
}

func TestPoolRunsJobsAndShutsDownCleanly(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ran := make(chan string, 100)
		b, p := poolBundle(t, 3, func(reg *worker.Registry) {
			worker.Register(reg, "echo", func(_ context.Context, t *worker.Task, _ json.RawMessage) (string, error) {
				ran <- t.Job.ID
				return "ok", nil
			})
		})
		var ids []string
		for range 20 {
			ids = append(ids, b.create(t, "echo", `{}`, 3, false).ID)
		}
		p.Start(context.Background())
		for range 20 {
			<-ran // a job that never runs deadlocks the bubble, failing the test
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		for _, id := range ids {
			if got := b.get(t, id); got.Status != jobs.StatusCompleted {
				t.Errorf("job %s: %s", id, got.Status)
			}
		}
		b.queueEmpty(t)
	})
}

func TestPoolShutdownLetsRunningJobFinishWithinGrace(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		running, release := make(chan struct{}, 2), make(chan struct{})
		b, p := poolBundle(t, 1, func(reg *worker.Registry) {
			worker.Register(reg, "slow", func(context.Context, *worker.Task, json.RawMessage) (string, error) {
				running <- struct{}{}
				<-release
				return "done", nil
			})
		})
		j := b.create(t, "slow", `{}`, 3, false)
		p.Start(context.Background())
		<-running
		stopped := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stopped <- p.Shutdown(ctx)
		}()
		// Once everything waits, Shutdown has stopped receiving: a new job is
		// not picked up.
		synctest.Wait()
		later := b.create(t, "slow", `{}`, 3, false)
		close(release)
		if err := <-stopped; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if got := b.get(t, j.ID); got.Status != jobs.StatusCompleted {
			t.Errorf("running job: %s, want completed", got.Status)
		}
		if got := b.get(t, later.ID); got.Status != jobs.StatusQueued {
			t.Errorf("job sent during shutdown: %s, want queued", got.Status)
		}
	})
}

func TestPoolShutdownCancelsJobsAfterGrace(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		running := make(chan struct{})
		b, p := poolBundle(t, 1, func(reg *worker.Registry) {
			worker.Register(reg, "stuck", func(ctx context.Context, _ *worker.Task, _ json.RawMessage) (any, error) {
				close(running)
				<-ctx.Done()
				return nil, ctx.Err()
			})
		})
		j := b.create(t, "stuck", `{}`, 3, false)
		p.Start(context.Background())
		<-running
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want the grace period's deadline", err)
		}
		if waited := time.Since(start); waited != 20*time.Second {
			t.Errorf("Shutdown waited %s, want the 20s grace period", waited)
		}
		// Not failed: released (no lease holder) for the next worker to reclaim.
		got := b.get(t, j.ID)
		if got.Status != jobs.StatusProcessing || got.LeaseToken != "" || !strings.Contains(got.ErrorMessage, "shut down") {
			t.Errorf("job %s, lease %q, error %q: a shutdown must release the job, not fail it", got.Status, got.LeaseToken, got.ErrorMessage)
		}
		// Nothing lost: the message is visible again for the next worker.
		if visible := b.visible(t); visible != 1 {
			t.Errorf("%d visible messages, want 1", visible)
		}
	})
}

// TestShutdownNeverFailsAJob is issue 10's scenario: a 20-second job on its
// last attempt (maxAttempts 1), a SIGTERM after 4 seconds with a 3-second
// grace period. The shutdown gives the attempt back uncounted; the next
// worker runs it again and it completes, its history showing the
// interrupted attempt.
func TestShutdownNeverFailsAJob(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{}, 2)
		b, p := poolBundle(t, 1, func(reg *worker.Registry) {
			worker.Register(reg, "sleep", func(ctx context.Context, _ *worker.Task, _ json.RawMessage) (string, error) {
				started <- struct{}{}
				select {
				case <-time.After(20 * time.Second):
					return "slept", nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			})
		})
		j := b.create(t, "sleep", `{}`, 1, false)
		p.Start(context.Background())
		<-started
		time.Sleep(4 * time.Second) // SIGTERM
		grace, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := p.Shutdown(grace); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want the grace period's deadline", err)
		}
		if got := b.get(t, j.ID); got.Status != jobs.StatusProcessing || got.Attempt != 0 {
			t.Fatalf("after the shutdown: %s, attempt %d (%q); want processing, attempt 0", got.Status, got.Attempt, got.ErrorMessage)
		}

		next, err := worker.NewPool(worker.PoolConfig{Engine: b.engine, Workers: 1}) // the restarted worker
		if err != nil {
			t.Fatal(err)
		}
		next.Start(context.Background())
		<-started
		time.Sleep(21 * time.Second)
		synctest.Wait()
		if err := next.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := b.get(t, j.ID)
		if got.Status != jobs.StatusCompleted || got.Attempt != 1 {
			t.Fatalf("after the restart: %s, attempt %d, error %q; want completed on attempt 1", got.Status, got.Attempt, got.ErrorMessage)
		}
		as := jobs.Attempts(got)
		if len(as) != 2 || as[0].Outcome != jobs.OutcomeInterrupted || as[1].Outcome != jobs.OutcomeCompleted || as[1].Attempt != 1 {
			t.Errorf("attempts = %+v, want attempt 1 interrupted, then attempt 1 completed", as)
		}
	})
}

func TestNewPoolNeedsAQueueThatReceives(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpt{})
	if _, err := worker.NewPool(worker.PoolConfig{}); err == nil {
		t.Error("NewPool accepted no engine")
	}
	e, err := worker.NewEngine(worker.Config{Store: b.store, Queue: sendOnlyQueue{b.queue}, Registry: b.reg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := worker.NewPool(worker.PoolConfig{Engine: e}); err == nil {
		t.Error("NewPool accepted an engine queue that cannot receive, and no Queue")
	}
	if _, err := worker.NewPool(worker.PoolConfig{Engine: e, Queue: b.mem}); err != nil {
		t.Errorf("NewPool with its own Queue: %v", err)
	}
}

// sendOnlyQueue is only what the engine uses of a queue.
type sendOnlyQueue struct{ worker.EngineQueue }

// BenchmarkPoolWorkers sends no-op jobs one at a time to a pool whose
// workers wait on the memory queue, each job's message sent once the last
// job ran, as a lone client's round trips are: 100 workers must not be
// slower than 4, which they were while every send woke every waiting
// worker.
func BenchmarkPoolWorkers(b *testing.B) {
	for _, workers := range []int{4, 100} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			done := make(chan struct{}, 1)
			bd, p := poolBundle(b, workers, func(reg *worker.Registry) {
				worker.Register(reg, "noop", func(context.Context, *worker.Task, json.RawMessage) (any, error) {
					done <- struct{}{}
					return nil, nil
				})
			})
			js := make([]jobs.Job, b.N)
			for i := range js {
				js[i] = bd.create(b, "noop", `{}`, 3, true)
			}
			p.Start(context.Background())
			b.ResetTimer()
			for _, j := range js {
				bd.send(b, j)
				<-done
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			if err := p.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
