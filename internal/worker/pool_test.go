package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
	"jobline/internal/worker"
)

// poolBundle is a real-clock engine and pool over the memory backends.
func poolBundle(t *testing.T, workers int, register func(*worker.Registry)) (*bundle, *worker.Pool) {
	t.Helper()
	return poolBundleLog(t, workers, register, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func poolBundleLog(t *testing.T, workers int, register func(*worker.Registry), logger *slog.Logger) (*bundle, *worker.Pool) {
	t.Helper()
	mem := queuetest.NewMemory(t, queue.MemoryConfig{Clock: clock.Real{}, VisibilityTimeout: 30 * time.Second})
	b := &bundle{
		clock: clock.NewFake(t0), // only used for job timestamps
		store: &countingStore{Store: jobs.NewMemoryStore(), calls: map[string]int{}, fail: map[string]error{}},
		mem:   mem,
		queue: &countingQueue{Queue: mem},
		reg:   worker.NewRegistry(),
	}
	register(b.reg)
	e, err := worker.NewEngine(worker.Config{Store: b.store, Queue: b.queue, Registry: b.reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	b.engine = e
	p, err := worker.NewPool(worker.PoolConfig{Engine: e, Workers: workers, Wait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return b, p
}

func TestPoolRunsJobsAndShutsDownCleanly(t *testing.T) {
	t.Parallel()
	ran := make(chan string, 100)
	b, p := poolBundle(t, 3, func(reg *worker.Registry) {
		reg.Register("echo", worker.HandlerFunc(func(_ context.Context, t *worker.Task) (any, error) {
			ran <- t.Job.ID
			return "ok", nil
		}))
	})
	var ids []string
	for range 20 {
		ids = append(ids, b.create(t, "echo", `{}`, 3, false).ID)
	}
	p.Start(context.Background())
	for range 20 {
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("jobs did not run")
		}
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
}

func TestPoolShutdownLetsRunningJobFinishWithinGrace(t *testing.T) {
	t.Parallel()
	running, release := make(chan struct{}, 2), make(chan struct{})
	logs := &signalHandler{msgs: make(chan string, 100)}
	b, p := poolBundleLog(t, 1, func(reg *worker.Registry) {
		reg.Register("slow", worker.HandlerFunc(func(context.Context, *worker.Task) (any, error) {
			running <- struct{}{}
			<-release
			return "done", nil
		}))
	}, slog.New(logs))
	j := b.create(t, "slow", `{}`, 3, false)
	p.Start(context.Background())
	<-running
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- p.Shutdown(ctx)
	}()
	// Once receiving has stopped, a new job is not picked up.
	for msg := range logs.msgs {
		if strings.HasPrefix(msg, "worker pool stopping") {
			break
		}
	}
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
}

func TestPoolShutdownCancelsJobsAfterGrace(t *testing.T) {
	t.Parallel()
	running := make(chan struct{})
	b, p := poolBundle(t, 1, func(reg *worker.Registry) {
		reg.Register("stuck", worker.HandlerFunc(func(ctx context.Context, _ *worker.Task) (any, error) {
			close(running)
			<-ctx.Done()
			return nil, ctx.Err()
		}))
	})
	j := b.create(t, "stuck", `{}`, 3, false)
	p.Start(context.Background())
	<-running
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the grace period's deadline", err)
	}
	// Not failed: released (no lease holder) for the next worker to reclaim.
	got := b.get(t, j.ID)
	if got.Status != jobs.StatusProcessing || got.LeaseToken != "" || !strings.Contains(got.ErrorMessage, "shut down") {
		t.Errorf("job %s, lease %q, error %q: a shutdown must release the job, not fail it", got.Status, got.LeaseToken, got.ErrorMessage)
	}
	// Nothing lost: the message is visible again for the next worker.
	if visible, _, _ := b.mem.Stats(); visible != 1 {
		t.Errorf("%d visible messages, want 1", visible)
	}
}

// signalHandler is a slog.Handler that sends each record's message.
type signalHandler struct{ msgs chan string }

func (h *signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *signalHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h *signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *signalHandler) WithGroup(string) slog.Handler      { return h }
