// Package worker is Jobline's processing engine, shared by the processjob
// Lambda (one Process call per SQS record) and the dev server's worker
// pool: a Registry of typed handlers by job type (Register); an Engine
// that, for each message, gathers the facts (claims the job, runs its
// handler under a lease), decides what they call for (decide, a pure
// function; see the outcome table in docs/engine.md) and records the
// decision (finish, retry with backoff, dead-letter, give back); a Pool
// that feeds an Engine from a Queue; and a Reconciler that re-sends the
// messages of stranded jobs and fails jobs whose worker died on their last
// attempt.
package worker

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"runtime/debug"
	"time"

	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

// Config configures an Engine. Zero fields take the documented defaults.
type Config struct {
	// Store keeps the jobs (a jobs.Store). Required.
	Store EngineStore
	// Queue is the jobs queue the messages come from (a queue.Queue).
	// Required.
	Queue EngineQueue
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
	// Metrics receives each job type's completed, partial, failed,
	// dead-lettered and retried counts, run time and queue wait (package
	// metrics), one Record per message. Default: metrics.Discard{}.
	Metrics metrics.Recorder
	// MaxRunTime is the most time a caller that ends its context at a
	// deadline gives one Process call: the processjob function's timeout
	// less the batch runner's stop margin. NewEngine refuses a Registry
	// with a job type whose timeout plus RecordMargin exceeds it
	// (ErrTimeoutTooLong): the invocation's end would cut every attempt of
	// that type short, each cut counting, so it could never complete.
	// Default 0: the caller sets no deadline (the dev pool).
	MaxRunTime time.Duration
	// RecordMargin is the time kept within MaxRunTime to record an
	// attempt's outcome after its handler's timeout. Default: 5s.
	RecordMargin time.Duration
}

// ErrTimeoutTooLong is the error of NewEngine when a job type's timeout
// does not fit in Config.MaxRunTime.
var ErrTimeoutTooLong = errors.New("a job type's timeout does not fit in the run time of an invocation")

func (c *Config) setDefaults() {
	setDefault[clock.Clock](&c.Clock, clock.Real{})
	setDefault(&c.Logger, slog.Default())
	setDefault(&c.LeaseGrace, 30*time.Second)
	setDefault(&c.BackoffBase, time.Second)
	setDefault(&c.BackoffMax, 5*time.Minute)
	if c.Rand == nil {
		c.Rand = mrand.Float64
	}
	setDefault(&c.VisibilityTimeout, 30*time.Second)
	setDefault(&c.VisibilityHeartbeat, c.VisibilityTimeout/3)
	setDefault(&c.CancelPoll, 3*time.Second)
	setDefault(&c.ProgressInterval, time.Second)
	setDefault(&c.TransientRetryDelay, 10*time.Second)
	setDefault(&c.OpTimeout, 10*time.Second)
	setDefault(&c.RecordMargin, 5*time.Second)
	if c.NewToken == nil {
		c.NewToken = newID
	}
	setDefault[metrics.Recorder](&c.Metrics, metrics.Discard{})
}

// setDefault sets *field to def when it holds its zero value.
func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

func (c *Config) validate() error {
	switch {
	case c.Store == nil || c.Queue == nil || c.Registry == nil:
		return errors.New("worker config: Store, Queue and Registry are required")
	case c.LeaseGrace < 0, c.BackoffBase < 0, c.BackoffMax < c.BackoffBase:
		return errors.New("worker config: LeaseGrace and BackoffBase must be >= 0, BackoffMax >= BackoffBase")
	case c.VisibilityTimeout < 0 || c.VisibilityTimeout > queue.MaxVisibility:
		return fmt.Errorf("worker config: VisibilityTimeout must be within 0..%s", queue.MaxVisibility)
	case c.VisibilityHeartbeat < 0 || c.VisibilityHeartbeat >= c.VisibilityTimeout:
		return errors.New("worker config: VisibilityHeartbeat must be shorter than VisibilityTimeout")
	case c.CancelPoll < 0, c.ProgressInterval < 0, c.TransientRetryDelay < 0 || c.TransientRetryDelay > queue.MaxVisibility, c.OpTimeout < 0:
		return errors.New("worker config: CancelPoll, ProgressInterval, TransientRetryDelay and OpTimeout must be positive")
	case c.MaxRunTime < 0 || c.RecordMargin < 0:
		return errors.New("worker config: MaxRunTime and RecordMargin must be positive")
	}
	return c.checkTimeouts()
}

// checkTimeouts applies the rule of MaxRunTime: every job type's timeout
// plus RecordMargin fits in it.
func (c *Config) checkTimeouts() error {
	if c.MaxRunTime == 0 {
		return nil
	}
	var errs []error
	for _, jt := range c.Registry.JobTypes() {
		if jt.Timeout+c.RecordMargin > c.MaxRunTime {
			errs = append(errs, fmt.Errorf("worker config: job type %q: its timeout %s plus %s to record the outcome exceeds %s, the run time of an invocation; lower its worker.Timeout or raise the function's timeout: %w",
				jt.Name, jt.Timeout, c.RecordMargin, c.MaxRunTime, ErrTimeoutTooLong))
		}
	}
	return errors.Join(errs...)
}

// Engine processes job messages. It is safe for concurrent use; one Engine
// serves every goroutine of a pool or every record of a Lambda batch.
type Engine struct {
	cfg   Config
	log   *slog.Logger
	watch watchList
}

// NewEngine checks cfg, fills its defaults and returns an Engine.
func NewEngine(cfg Config) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: cfg.Logger}
	e.watch.after = min(cfg.VisibilityHeartbeat, cfg.CancelPoll, cfg.ProgressInterval)
	e.watch.start = e.runMonitor
	return e, nil
}

// Config returns the engine's configuration with its defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// delivery is one message being processed, and what the engine learnt of
// its job along the way: what the recording steps need. It holds the
// attempt's state too, so that a job costs one allocation of it.
type delivery struct {
	values  context.Context // the caller's context's values, without its end
	msg     queue.Message
	jobID   string       // from the body; "" for an unparseable body
	log     *slog.Logger // adds the delivery's attributes to what it logs (deliveryLog)
	job     jobs.Job     // as claimed, or as the rejected claim reported it
	token   string       // this attempt's lease token; "" unless claimed
	task    *Task        // the attempt's task (&attempt.task); nil unless a handler ran
	attempt attempt
	logs    deliveryLog
	// waited: the queue wait is sampled (by a quick run's read).
	waited bool
	// samples are the metrics of this delivery, recorded once at its end
	// (in sampleBuf: a delivery has at most four).
	samples   []metrics.Sample
	sampleBuf [4]metrics.Sample
}

// Process handles one received message: it gathers the facts (decode the
// body, claim the job, run its handler), decides what they call for
// (decide), and records the decision (record). It never returns an error:
// every failure is recorded in the job, and the Result says what the
// caller does with the message.
func (e *Engine) Process(ctx context.Context, m queue.Message) Result {
	dv := &delivery{values: context.WithoutCancel(ctx), msg: m}
	dv.logs.init(e.log.Handler(), dv)
	dv.log = slog.New(&dv.logs)
	msg, err := queue.DecodeJobMessage(m.Body)
	if err != nil {
		return e.record(ctx, dv, decide(facts{BadBody: err}))
	}
	dv.jobID = msg.JobID
	dv.samples = dv.sampleBuf[:0]
	defer e.observe(dv)
	f := facts{Message: msg, ReceiveCount: m.ReceiveCount, MaxReceiveCount: e.cfg.Queue.MaxReceiveCount(),
		TransientRetryDelay: e.cfg.TransientRetryDelay}
	ran, r, done := e.quickRun(ctx, dv, f)
	if done {
		return r
	}
	for {
		f.Now = e.cfg.Clock.Now()
		f.Job, f.ClaimErr = e.claim(ctx, dv, msg.JobType, f.Now)
		f.Attempt = nil
		switch {
		case f.ClaimErr != nil:
		case ran != nil:
			// The quick run's attempt is the claimed one: record its end.
			f.Attempt, ran = ran, nil
			f.Attempt.Backoff = e.Backoff(f.Job.Attempt)
		default:
			f.Attempt = e.runAttempt(ctx, dv)
		}
		d := decide(f)
		if d.Step != stepRedrive {
			return e.record(ctx, dv, d)
		}
		if r, ok := e.redrive(ctx, dv, d); !ok {
			return r
		}
		f.Redriven = true // and claim the job again
	}
}

// claim takes the job's lease for a fresh token, lease = the type's
// timeout + LeaseGrace (the longest timeout of any type if the message
// names none, or an unknown one). A rejected claim returns the job the
// store reported with the error.
func (e *Engine) claim(ctx context.Context, dv *delivery, jobType string, now time.Time) (jobs.Job, error) {
	lease, ok := e.cfg.Registry.TimeoutOf(jobType)
	if !ok {
		lease = e.cfg.Registry.maxTimeout()
	}
	dv.token = e.cfg.NewToken()
	job, err := e.cfg.Store.Claim(ctx, dv.jobID, jobs.Claim{LeaseToken: dv.token, Now: now, LeaseExpiresAt: now.Add(lease + e.cfg.LeaseGrace)})
	if err != nil {
		dv.token = ""
		job, _ = jobs.CurrentJob(err)
	}
	dv.job = job
	if err == nil && job.Attempt == 1 && !dv.waited {
		dv.samples = append(dv.samples, metrics.Duration(metrics.QueueWait, now.Sub(dueAt(job))))
	}
	return job, err
}

// dueAt is when a job became due for its first attempt: its creation plus
// its delay, or its latest redrive.
func dueAt(j jobs.Job) time.Time {
	due := j.CreatedAt.Add(time.Duration(j.DelaySeconds) * time.Second)
	if r := jobs.Redrives(j); len(r) > 0 && r[len(r)-1].At.After(due) {
		due = r[len(r)-1].At
	}
	return due
}

// observe records the delivery's metrics, if any, under its job's type.
func (e *Engine) observe(dv *delivery) {
	if len(dv.samples) > 0 && dv.job.JobType != "" {
		e.cfg.Metrics.Record(e.cfg.Clock.Now(), dv.job.JobType, dv.samples...)
	}
}

// runAttempt runs the claimed job's handler under its deadline, watched
// by the monitor if it lasts, and tells how the attempt ended.
func (e *Engine) runAttempt(ctx context.Context, dv *delivery) *attemptEnd {
	a := &dv.attempt
	a.end = attemptEnd{}
	reg, ok := e.cfg.Registry.lookup(dv.job.JobType)
	if !ok {
		a.end.UnknownType = true
		return &a.end
	}
	// The handler's deadline never passes its lease's grace period, even
	// when the message named another type than the job has. A quick run
	// (no lease) is not watched: it has no lease to keep or lose, and it
	// ends well within its message's visibility timeout (quickRun).
	timeout, leased := reg.timeout, dv.token != ""
	if leased {
		timeout = min(timeout, dv.job.LeaseExpiresAt.Add(-e.cfg.LeaseGrace).Sub(e.cfg.Clock.Now()))
	}
	a.dv, a.started = dv, time.Now()
	a.ctx = lazyContext{}
	a.ctx.init(dv.values, ctx, a.started.Add(timeout))
	e.initTask(dv)

	if leased {
		e.watch.add(a)
	}
	a.began = e.cfg.Clock.Now()
	result, herr := e.call(&a.ctx, reg.run, dv.task)
	a.ended = e.cfg.Clock.Now()
	dv.samples = append(dv.samples, metrics.Duration(metrics.RunTime, a.ended.Sub(a.began)))
	if leased {
		e.watch.remove(a)
	}
	cause := a.ctx.causeOf()
	a.ctx.release()

	a.end = attemptEnd{
		Result: result, Err: herr, Interrupted: ctx.Err() != nil, OutOfTime: errors.Is(ctx.Err(), context.DeadlineExceeded),
		TimedOut: errors.Is(cause, context.DeadlineExceeded), Timeout: reg.timeout,
		Backoff: e.Backoff(dv.job.Attempt),
	}
	if stopped, ok := cause.(*stoppedError); ok {
		a.end.Stopped, a.end.SeenStatus = true, stopped.status
	}
	return &a.end
}

// initTask makes the handler's view of its attempt. Its writes outlive the
// handler's context, so that a pending progress value is still written
// after a timeout.
func (e *Engine) initTask(dv *delivery) {
	dv.attempt.task = Task{
		Job:      dv.job,
		Logger:   dv.log,
		store:    e.cfg.Store,
		clock:    e.cfg.Clock,
		interval: e.cfg.ProgressInterval,
		token:    dv.token,
		values:   dv.values,
		handler:  &dv.attempt.ctx,
		written:  dv.job.Progress, // the claim's 0
	}
	dv.task = &dv.attempt.task
}

// call runs the handler, turning a panic into a retryable error.
func (e *Engine) call(ctx context.Context, run runFunc, t *Task) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			t.Logger.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			result, err = nil, fmt.Errorf("handler panic: %v", p)
		}
	}()
	return run(ctx, t)
}

// heartbeat hides the running job's message for another VisibilityTimeout.
func (e *Engine) heartbeat(ctx context.Context, dv *delivery) {
	if err := e.cfg.Queue.ChangeVisibility(ctx, dv.msg.ReceiptHandle, e.cfg.VisibilityTimeout); err != nil && ctx.Err() == nil {
		dv.log.WarnContext(ctx, "visibility heartbeat failed", "error", err)
	}
}

// leaseLost reads the running job and reports whether this attempt lost
// it (canceled, or reclaimed by another worker), with the status seen.
func (e *Engine) leaseLost(ctx context.Context, dv *delivery) (jobs.Status, bool) {
	cur, err := e.cfg.Store.Get(ctx, dv.job.ID)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			dv.log.WarnContext(ctx, "cancel poll failed", "error", err)
		}
		return "", false
	case cur.Status != jobs.StatusProcessing || cur.LeaseToken != dv.token:
		dv.log.InfoContext(ctx, "job canceled or reclaimed while running; canceling the handler", "status", cur.Status)
		return cur.Status, true
	}
	return "", false
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

// newID returns 128 random bits in hex: unique, not secret (math/rand/v2's
// generator, ChaCha8 seeded by the runtime, costs no system call).
func newID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}
