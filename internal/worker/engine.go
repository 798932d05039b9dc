// Package worker is Jobline's processing engine, shared by the processjob
// Lambda (one Process call per SQS record) and the dev server's worker
// pool: a registry of handlers by job type; an Engine that claims a job
// for a message, runs its handler under a lease and records the outcome
// (retry with backoff, dead-letter, partial, permanent failure); a Pool
// that feeds an Engine from a Queue; and a Reconciler that re-sends the
// messages of stranded jobs and fails jobs whose worker died on their last
// attempt.
package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"runtime/debug"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

// Disposition tells the caller of Process what to do with the message.
type Disposition int

const (
	// Delete: acknowledge the message. The dev pool calls Queue.Delete; the
	// Lambda reports success so the event source mapping deletes it.
	Delete Disposition = iota + 1
	// Keep: leave the message; the engine already set when it comes back.
	// The Lambda reports it in batchItemFailures; the dev pool does nothing.
	Keep
	// Moved: the engine already moved the message to the dead-letter queue
	// (or replaced it by a fresh one); the caller does nothing more and the
	// Lambda reports success.
	Moved
)

// String names the disposition for logs.
func (d Disposition) String() string {
	switch d {
	case Delete:
		return "delete"
	case Keep:
		return "keep"
	case Moved:
		return "moved"
	}
	return fmt.Sprintf("disposition(%d)", int(d))
}

// Result is the outcome of one Process call.
type Result struct {
	// Disposition says what the caller does with the message.
	Disposition Disposition
	// JobID is the message's job ("" for an unparseable body).
	JobID string
	// Status is the job's status as the engine last saw it ("" if unknown).
	Status jobs.Status
	// Attempt is the job's attempt as the engine last saw it.
	Attempt int
	// Ran reports whether a handler ran.
	Ran bool
	// Reason says in a few words why the message got its disposition.
	Reason string
	// Err is the error behind the disposition, if any (already logged).
	Err error
}

// Config configures an Engine. Zero fields take the documented defaults.
type Config struct {
	// Store keeps the jobs. Required.
	Store jobs.Store
	// Queue is the jobs queue the messages come from. Required.
	Queue queue.Queue
	// Registry maps job types to handlers. Required.
	Registry *Registry
	// Clock tells the time of every store write. Default: clock.Real{}.
	Clock clock.Clock
	// Logger receives structured logs. Default: slog.Default().
	Logger *slog.Logger
	// LeaseGrace is added to a handler's timeout to make its lease, so the
	// lease outlives the handler's deadline. Default: 30s.
	LeaseGrace time.Duration
	// BackoffBase is the wait before the second attempt; each further
	// attempt doubles it. Default: 1s.
	BackoffBase time.Duration
	// BackoffMax caps the wait between attempts. Default: 5m.
	BackoffMax time.Duration
	// Rand returns a number in [0, 1) for the backoff's jitter. Default:
	// math/rand/v2's Float64.
	Rand func() float64
	// VisibilityTimeout is how long a received message stays invisible, and
	// how far each heartbeat pushes it. Default: 30s.
	VisibilityTimeout time.Duration
	// VisibilityHeartbeat is how often a running job's message is made
	// invisible for VisibilityTimeout again, so a long job's message is not
	// redelivered. Default: VisibilityTimeout / 3.
	VisibilityHeartbeat time.Duration
	// CancelPoll is how often a running job is read to see whether it was
	// canceled (or reclaimed), which cancels its handler. Default: 3s.
	CancelPoll time.Duration
	// ProgressInterval is the least time between two progress writes of a
	// job (except its first and 100). Default: 1s.
	ProgressInterval time.Duration
	// TransientRetryDelay is when a message comes back after a store or
	// queue error that may be transient. Default: 10s.
	TransientRetryDelay time.Duration
	// OpTimeout bounds the store and queue calls that record an outcome
	// after the caller's context ended. Default: 10s.
	OpTimeout time.Duration
	// NewToken returns a fresh lease token. Default: 128 random bits, hex.
	NewToken func() string
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.LeaseGrace == 0 {
		c.LeaseGrace = 30 * time.Second
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = time.Second
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 5 * time.Minute
	}
	if c.Rand == nil {
		c.Rand = mrand.Float64
	}
	if c.VisibilityTimeout == 0 {
		c.VisibilityTimeout = 30 * time.Second
	}
	if c.VisibilityHeartbeat == 0 {
		c.VisibilityHeartbeat = c.VisibilityTimeout / 3
	}
	if c.CancelPoll == 0 {
		c.CancelPoll = 3 * time.Second
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = time.Second
	}
	if c.TransientRetryDelay == 0 {
		c.TransientRetryDelay = 10 * time.Second
	}
	if c.OpTimeout == 0 {
		c.OpTimeout = 10 * time.Second
	}
	if c.NewToken == nil {
		c.NewToken = newID
	}
}

func (c *Config) validate() error {
	switch {
	case c.Store == nil:
		return errors.New("worker config: Store is required")
	case c.Queue == nil:
		return errors.New("worker config: Queue is required")
	case c.Registry == nil:
		return errors.New("worker config: Registry is required")
	case c.LeaseGrace < 0, c.BackoffBase < 0, c.BackoffMax < c.BackoffBase:
		return errors.New("worker config: LeaseGrace and BackoffBase must be >= 0, BackoffMax >= BackoffBase")
	case c.VisibilityTimeout < 0 || c.VisibilityTimeout > queue.MaxVisibility:
		return fmt.Errorf("worker config: VisibilityTimeout must be within 0..%s", queue.MaxVisibility)
	case c.VisibilityHeartbeat < 0 || c.VisibilityHeartbeat >= c.VisibilityTimeout:
		return errors.New("worker config: VisibilityHeartbeat must be shorter than VisibilityTimeout")
	case c.CancelPoll < 0, c.ProgressInterval < 0, c.TransientRetryDelay < 0 || c.TransientRetryDelay > queue.MaxVisibility, c.OpTimeout < 0:
		return errors.New("worker config: CancelPoll, ProgressInterval, TransientRetryDelay and OpTimeout must be positive")
	}
	return nil
}

// Engine processes job messages. It is safe for concurrent use; one Engine
// serves every goroutine of a pool or every record of a Lambda batch.
type Engine struct {
	cfg Config
	log *slog.Logger
}

// NewEngine checks cfg, fills its defaults and returns an Engine.
func NewEngine(cfg Config) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, log: cfg.Logger}, nil
}

// Config returns the engine's configuration with its defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Process handles one received message: claims its job, runs the handler
// and records the outcome. It never returns an error: every failure is
// recorded in the job and the Result says what to do with the message.
func (e *Engine) Process(ctx context.Context, m queue.Message) Result {
	msg, err := queue.DecodeJobMessage(m.Body)
	if err != nil {
		e.log.Error("unparseable message; moving it to the dead-letter queue",
			"messageId", m.ID, "receiveCount", m.ReceiveCount, "error", err)
		r := Result{Reason: "unparseable message", Err: err}
		return e.deadLetter(ctx, m, r) // the body as it came, for an operator to read
	}
	log := e.log.With("jobId", msg.JobID, "messageId", m.ID, "receiveCount", m.ReceiveCount)

	lease := e.cfg.Registry.maxTimeout()
	if t, ok := e.cfg.Registry.TimeoutOf(msg.JobType); ok {
		lease = t
	}
	lease += e.cfg.LeaseGrace

	redriven := false
	for {
		token := e.cfg.NewToken()
		now := e.cfg.Clock.Now()
		job, err := e.cfg.Store.Claim(ctx, msg.JobID, jobs.Claim{LeaseToken: token, Now: now, LeaseExpiresAt: now.Add(lease)})
		if err == nil {
			return e.run(ctx, m, job, token, log)
		}
		if errors.Is(err, jobs.ErrNotFound) {
			log.Warn("message for a job that does not exist; acknowledging it", "error", err)
			return Result{Disposition: Delete, JobID: msg.JobID, Reason: "job not found", Err: err}
		}
		cur, ok := jobs.CurrentJob(err)
		if !ok {
			log.Error("claim failed; the message will come back", "error", err)
			return e.keep(ctx, m, e.cfg.TransientRetryDelay, Result{JobID: msg.JobID, Reason: "claim failed", Err: err})
		}
		r := Result{JobID: cur.ID, Status: cur.Status, Attempt: cur.Attempt, Err: err}
		log := log.With("jobType", cur.JobType, "attempt", cur.Attempt, "status", cur.Status)
		switch {
		case cur.Status == jobs.StatusFailed && cur.DeadLettered && !redriven && msg.DeadLetterVersion == cur.Version:
			// Our own dead-letter copy came back, with the job unchanged
			// since: the console's native DLQ redrive. Run the job again
			// with fresh attempts, recorded in its history. (Any other
			// message for a dead-lettered job is a stale duplicate: the
			// Final case below acknowledges it.)
			if _, err := e.cfg.Store.Redrive(ctx, cur.ID, "message redriven from the dead-letter queue", now); err != nil && !isRejected(err) {
				log.Error("redrive failed; the message will come back", "error", err)
				r.Reason, r.Err = "redrive failed", err
				return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
			}
			log.Info("dead-lettered job redriven by its message")
			redriven = true
			continue
		case cur.Status.Final():
			log.Info("duplicate message for a finished job; acknowledging it")
			r.Disposition, r.Reason, r.Err = Delete, "job already finished", nil
			return r
		case cur.Status == jobs.StatusProcessing && cur.LeaseExpiresAt.After(now):
			// Another worker holds the lease, or a retry waits: come back
			// when it may be claimed.
			wait := cur.LeaseExpiresAt.Sub(now) + time.Second
			log.Info("job is leased or waiting for its next attempt; deferring the message", "wait", wait)
			r.Reason, r.Err = "job leased", nil
			return e.keep(ctx, m, wait, r)
		case cur.Status == jobs.StatusProcessing && cur.Attempt >= cur.MaxAttempts:
			// Its worker died on the last attempt.
			failed, err := e.cfg.Store.FailExpired(ctx, cur.ID, cur.Attempt, "the worker stopped during the last attempt (lease expired)", now)
			if err != nil {
				log.Error("fail expired job failed; the message will come back", "error", err)
				r.Reason, r.Err = "fail expired failed", err
				return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
			}
			log.Warn("lease expired on the last attempt; job failed and dead-lettered")
			r.Status, r.Reason, r.Err = failed.Status, "lease expired on the last attempt", nil
			m.Body = DeadLetterBody(failed)
			return e.deadLetter(ctx, m, r)
		default:
			log.Error("claim rejected unexpectedly; the message will come back", "error", err)
			r.Reason = "claim rejected"
			return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
		}
	}
}

// run executes the claimed attempt and records its outcome.
func (e *Engine) run(ctx context.Context, m queue.Message, job jobs.Job, token string, log *slog.Logger) Result {
	log = log.With("jobType", job.JobType, "attempt", job.Attempt)
	r := Result{JobID: job.ID, Status: job.Status, Attempt: job.Attempt}
	// Outcomes are recorded even if the caller's context ends meanwhile.
	opCtx := context.WithoutCancel(ctx)

	reg, ok := e.cfg.Registry.lookup(job.JobType)
	if !ok {
		msg := fmt.Sprintf("unknown job type %s", job.JobType)
		log.Error("no handler for the job type; failing the job and dead-lettering its message")
		return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: msg, DeadLettered: true}, r, log)
	}

	// The handler's deadline never passes its lease's grace period, even
	// when the message named another type than the job has.
	deadline := job.LeaseExpiresAt.Add(-e.cfg.LeaseGrace)
	if d := e.cfg.Clock.Now().Add(reg.timeout); d.Before(deadline) {
		deadline = d
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hctx, cancelTimeout := context.WithTimeout(hctx, deadline.Sub(e.cfg.Clock.Now()))
	defer cancelTimeout()

	task := &Task{
		Job:      job,
		Logger:   log,
		store:    e.cfg.Store,
		now:      e.cfg.Clock.Now,
		interval: e.cfg.ProgressInterval,
		token:    token,
		ctx:      opCtx,
		onLost:   func() { cancel(&stoppedError{}) },
		written:  -1,
	}
	stopMonitor := e.monitor(hctx, m, task, cancel, log)
	result, herr := e.call(hctx, reg.handler, task)
	stopMonitor()
	r.Ran = true

	if herr != nil && ctx.Err() != nil {
		// Shutdown (or the end of a Lambda invocation): give the lease
		// back so that the message, visible again at once, reclaims the
		// job for its next attempt without waiting for the lease to expire.
		log.Warn("shutting down during the attempt; releasing the job for redelivery", "error", herr)
		r.Reason, r.Err = "shutdown", herr
		now := e.cfg.Clock.Now()
		rctx, cancel := context.WithTimeout(opCtx, e.cfg.OpTimeout)
		defer cancel()
		if _, err := e.cfg.Store.Retry(rctx, job.ID, token, jobs.RetryWait{
			ErrorMessage: "attempt interrupted: the worker shut down", NextAttemptAt: now, Now: now,
		}); err != nil {
			// Canceled, reclaimed, or the store is unreachable: the lease
			// then simply expires.
			log.Warn("releasing the lease failed; the job is reclaimed when it expires", "error", err)
		}
		return e.keep(opCtx, m, 0, r)
	}
	var stopped *stoppedError
	if herr != nil && errors.As(context.Cause(hctx), &stopped) {
		// The job was canceled (or reclaimed): no outcome to record.
		log.Info("handler stopped: the job was canceled or reclaimed", "error", herr, "status", stopped.status)
		r.Status, r.Reason, r.Err = stopped.status, "job canceled or reclaimed", nil
		r.Disposition = Delete
		return r
	}
	if herr != nil && errors.Is(context.Cause(hctx), context.DeadlineExceeded) {
		herr = fmt.Errorf("timed out after %s: %w", reg.timeout, herr)
	}

	var perm *jobs.PermanentError
	var partial *jobs.PartialError
	switch {
	case herr == nil:
		body, err := json.Marshal(result)
		if err != nil {
			log.Error("handler result does not marshal to JSON; failing the job", "error", err)
			task.flush(true)
			return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "result is not JSON: " + err.Error()}, r, log)
		}
		return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusCompleted, Result: body}, r, log)
	case errors.As(herr, &partial):
		body, err := json.Marshal(partial.Result)
		if err != nil {
			log.Error("partial result does not marshal to JSON", "error", err)
			body = nil
		}
		task.flush(true)
		return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusPartial, Result: body, ErrorMessage: partial.Error()}, r, log)
	case errors.As(herr, &perm):
		log.Warn("permanent error; failing the job", "error", herr)
		task.flush(true)
		return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: herr.Error()}, r, log)
	case job.Attempt >= job.MaxAttempts:
		log.Warn("error on the last attempt; failing the job and dead-lettering its message", "error", herr)
		task.flush(true)
		return e.finish(opCtx, m, job, token, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: herr.Error(), DeadLettered: true}, r, log)
	default:
		task.flush(true)
		return e.retry(opCtx, m, job, token, herr, r, log)
	}
}

// stoppedError is the cause of a handler's cancellation when its job was
// canceled or reclaimed by another worker; status is what the engine saw
// ("" when a rejected write told it).
type stoppedError struct{ status jobs.Status }

func (e *stoppedError) Error() string { return "job canceled or reclaimed" }

// call runs the handler, turning a panic into a retryable error.
func (e *Engine) call(ctx context.Context, h Handler, t *Task) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			t.Logger.Error("handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			result, err = nil, fmt.Errorf("handler panic: %v", p)
		}
	}()
	return h.Handle(ctx, t)
}

// monitor runs beside a handler that lasts: it extends the message's
// visibility, polls for cancellation and writes pending progress. Nothing
// fires for a handler shorter than the shortest interval, so a short job
// costs no extra request. The returned func stops it and waits.
func (e *Engine) monitor(ctx context.Context, m queue.Message, t *Task, cancel context.CancelCauseFunc, log *slog.Logger) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		heartbeat := time.NewTicker(e.cfg.VisibilityHeartbeat)
		defer heartbeat.Stop()
		poll := time.NewTicker(e.cfg.CancelPoll)
		defer poll.Stop()
		progress := time.NewTicker(e.cfg.ProgressInterval)
		defer progress.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-heartbeat.C:
				if err := e.cfg.Queue.ChangeVisibility(ctx, m.ReceiptHandle, e.cfg.VisibilityTimeout); err != nil && ctx.Err() == nil {
					log.Warn("visibility heartbeat failed", "error", err)
				}
			case <-poll.C:
				cur, err := e.cfg.Store.Get(ctx, t.Job.ID)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						log.Warn("cancel poll failed", "error", err)
					}
				case cur.Status != jobs.StatusProcessing || cur.LeaseToken != t.token:
					log.Info("job canceled or reclaimed while running; canceling the handler", "status", cur.Status)
					cancel(&stoppedError{status: cur.Status})
					return
				}
			case <-progress.C:
				t.flush(false)
			}
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// finish records the attempt's outcome and disposes of the message.
func (e *Engine) finish(ctx context.Context, m queue.Message, job jobs.Job, token string, o jobs.Outcome, r Result, log *slog.Logger) Result {
	o.Now = e.cfg.Clock.Now()
	fctx, cancel := context.WithTimeout(ctx, e.cfg.OpTimeout)
	defer cancel()
	done, err := e.cfg.Store.Finish(fctx, job.ID, token, o)
	if err != nil {
		if cur, ok := jobs.CurrentJob(err); ok && isRejected(err) {
			log.Warn("finish rejected: the job was canceled or reclaimed; acknowledging the message", "error", err, "status", cur.Status)
			r.Status, r.Reason, r.Err, r.Disposition = cur.Status, "finish rejected", err, Delete
			return r
		}
		log.Error("finish failed; the message will come back", "error", err)
		r.Reason, r.Err = "finish failed", err
		return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
	}
	r.Status = done.Status
	log.Info("job finished", "status", done.Status, "deadLettered", done.DeadLettered)
	if o.DeadLettered {
		r.Reason = o.ErrorMessage
		m.Body = DeadLetterBody(done)
		return e.deadLetter(ctx, m, r)
	}
	r.Disposition, r.Reason = Delete, "finished "+string(done.Status)
	return r
}

// retry records a retryable error and brings the message back after the
// backoff.
func (e *Engine) retry(ctx context.Context, m queue.Message, job jobs.Job, token string, herr error, r Result, log *slog.Logger) Result {
	now := e.cfg.Clock.Now()
	wait := e.Backoff(job.Attempt)
	rctx, cancel := context.WithTimeout(ctx, e.cfg.OpTimeout)
	defer cancel()
	waiting, err := e.cfg.Store.Retry(rctx, job.ID, token, jobs.RetryWait{ErrorMessage: herr.Error(), NextAttemptAt: now.Add(wait), Now: now})
	if err != nil {
		if cur, ok := jobs.CurrentJob(err); ok && isRejected(err) {
			log.Warn("retry rejected: the job was canceled or reclaimed; acknowledging the message", "error", err)
			r.Status, r.Reason, r.Err, r.Disposition = cur.Status, "retry rejected", err, Delete
			return r
		}
		log.Error("recording the retry failed; the message will come back", "error", err)
		r.Reason, r.Err = "retry failed", err
		return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
	}
	r.Status, r.Err, r.Reason = waiting.Status, herr, "retry"
	log.Warn("attempt failed; retrying after backoff", "error", herr, "backoff", wait)

	if mrc := e.cfg.Queue.MaxReceiveCount(); mrc > 0 && m.ReceiveCount >= mrc-1 {
		// One more receive and the queue's own redrive policy would
		// dead-letter a job that still has attempts: replace the message.
		_, err := e.cfg.Queue.Send(rctx, queue.SendRequest{
			Body:     queue.JobMessage{JobID: job.ID, JobType: job.JobType}.Encode(),
			Priority: job.Priority,
			Delay:    min(wait, queue.MaxDelay),
		})
		if err == nil {
			r.Disposition, r.Reason = Delete, "retry (fresh message)"
			return r
		}
		log.Error("re-sending the message failed; keeping the old one", "error", err)
	}
	return e.keep(ctx, m, min(wait, queue.MaxVisibility), r)
}

// keep sets when the message comes back and returns Keep. If even that
// fails, the message comes back after its current visibility timeout.
func (e *Engine) keep(ctx context.Context, m queue.Message, after time.Duration, r Result) Result {
	after = min(max(after, 0), queue.MaxVisibility)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.OpTimeout)
	defer cancel()
	if err := e.cfg.Queue.ChangeVisibility(cctx, m.ReceiptHandle, after); err != nil {
		e.log.Warn("change visibility failed; the message returns after its visibility timeout",
			"jobId", r.JobID, "messageId", m.ID, "error", err)
	}
	r.Disposition = Keep
	return r
}

// deadLetter moves the message to the dead-letter queue. If that fails the
// message is acknowledged anyway: the job is already failed and
// dead-lettered in the store, and a message left in the queue would be
// taken for a redrive. An operator redrives such a job from the store.
func (e *Engine) deadLetter(ctx context.Context, m queue.Message, r Result) Result {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.OpTimeout)
	defer cancel()
	if err := e.cfg.Queue.DeadLetter(dctx, m); err != nil {
		e.log.Error("moving the message to the dead-letter queue failed; acknowledging it",
			"jobId", r.JobID, "messageId", m.ID, "error", err)
		r.Disposition, r.Err = Delete, errors.Join(r.Err, err)
		if r.JobID == "" {
			// An unparseable body: keep it rather than lose it; the queue's
			// redrive policy dead-letters it after maxReceiveCount.
			return e.keep(ctx, m, e.cfg.TransientRetryDelay, r)
		}
		return r
	}
	r.Disposition = Moved
	return r
}

// DeadLetterBody is the body of the dead-letter-queue copy of a failed,
// dead-lettered job's message: it names the job's version, so that only
// this copy, redriven while the job is unchanged, runs the job again.
func DeadLetterBody(failed jobs.Job) string {
	return queue.JobMessage{JobID: failed.ID, JobType: failed.JobType, DeadLetterVersion: failed.Version}.Encode()
}

// Backoff returns the wait before the attempt after attempt (1-based):
// BackoffBase doubled per attempt, capped at BackoffMax, with "equal
// jitter": half fixed, half random, so that failing jobs spread out.
func (e *Engine) Backoff(attempt int) time.Duration {
	d := e.cfg.BackoffBase
	for i := 1; i < attempt && d < e.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, e.cfg.BackoffMax)
	half := d / 2
	return half + time.Duration(e.cfg.Rand()*float64(d-half))
}

// newID returns 128 random bits in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
