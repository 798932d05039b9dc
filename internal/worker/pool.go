package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"jobline/internal/queue"
)

// PoolConfig configures a Pool. Zero fields take the documented defaults.
type PoolConfig struct {
	// Engine processes the messages. Required.
	Engine *Engine
	// Queue is where messages are received and deleted (a queue.Queue).
	// Default: the engine's queue.
	Queue PoolQueue
	// Workers is how many jobs run at once. Default: 4.
	Workers int
	// Wait is the long poll of each receive. Default: 1s.
	Wait time.Duration
	// ErrorDelay is the pause after a failed receive. Default: 1s.
	ErrorDelay time.Duration
	// Logger receives structured logs. Default: the engine's logger.
	Logger *slog.Logger
}

// Pool runs an Engine on goroutines that long-poll a Queue: the dev
// server's stand-in for the Lambda event source mapping.
type Pool struct {
	cfg PoolConfig
	log *slog.Logger

	mu         sync.Mutex
	started    bool
	stopRecv   context.CancelFunc // stops receiving
	cancelJobs context.CancelFunc // cancels running handlers
	wg         sync.WaitGroup
}

// NewPool checks cfg, fills its defaults and returns a Pool.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.Engine == nil {
		return nil, errors.New("pool config: Engine is required")
	}
	if q, ok := cfg.Engine.cfg.Queue.(PoolQueue); ok && cfg.Queue == nil {
		cfg.Queue = q
	}
	if cfg.Queue == nil {
		return nil, errors.New("pool config: Queue is required when the engine's queue cannot receive")
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	if cfg.Wait == 0 {
		cfg.Wait = time.Second
	}
	if cfg.ErrorDelay == 0 {
		cfg.ErrorDelay = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Engine.log
	}
	if cfg.Workers < 0 || cfg.Wait < 0 || cfg.ErrorDelay < 0 {
		return nil, fmt.Errorf("pool config: Workers, Wait and ErrorDelay must be positive")
	}
	return &Pool{cfg: cfg, log: cfg.Logger}, nil
}

// Start launches the workers. They stop receiving when ctx ends or
// Shutdown is called; running handlers are canceled only by Shutdown's
// deadline (or by ctx ending, which cancels them at once).
func (p *Pool) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return
	}
	p.started = true
	recvCtx, stopRecv := context.WithCancel(ctx)
	jobCtx, cancelJobs := context.WithCancel(ctx)
	p.stopRecv, p.cancelJobs = stopRecv, cancelJobs
	for i := range p.cfg.Workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work(recvCtx, jobCtx, i)
		}()
	}
	p.log.Info("worker pool started", "workers", p.cfg.Workers)
}

// Shutdown stops receiving at once and waits for running jobs until ctx
// ends (the grace period); then it cancels the rest, whose messages come
// back to be redelivered, and returns ctx's error.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return nil
	}
	stopRecv, cancelJobs := p.stopRecv, p.cancelJobs
	p.mu.Unlock()

	stopRecv()
	p.log.Info("worker pool stopping: no new messages; waiting for running jobs")
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		cancelJobs()
		p.log.Info("worker pool stopped")
		return nil
	case <-ctx.Done():
	}
	p.log.Warn("grace period over; canceling running jobs, whose messages will be redelivered")
	cancelJobs()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.log.Error("some handlers ignore their context and are still running")
	}
	return fmt.Errorf("worker pool shutdown: %w", ctx.Err())
}

func (p *Pool) work(recvCtx, jobCtx context.Context, worker int) {
	log := p.log.With("worker", worker)
	for recvCtx.Err() == nil {
		// One message at a time, so none waits invisible behind a long job.
		msgs, err := p.cfg.Queue.Receive(recvCtx, queue.ReceiveRequest{Max: 1, Wait: p.cfg.Wait})
		if err != nil {
			if recvCtx.Err() != nil {
				return
			}
			log.Error("receive failed", "error", err)
			select {
			case <-recvCtx.Done():
				return
			case <-time.After(p.cfg.ErrorDelay):
			}
			continue
		}
		for _, m := range msgs {
			res := p.cfg.Engine.Process(jobCtx, m)
			if res.Disposition != AckMessage {
				continue
			}
			dctx, cancel := context.WithTimeout(context.WithoutCancel(jobCtx), p.cfg.Engine.cfg.OpTimeout)
			if err := p.cfg.Queue.Delete(dctx, m.ReceiptHandle); err != nil {
				log.Warn("delete message failed; it will be redelivered (harmless)", "jobId", res.JobID, "messageId", m.ID, "error", err)
			}
			cancel()
		}
	}
}
